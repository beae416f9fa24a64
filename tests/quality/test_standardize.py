"""standardize(): sizes, aspect fitting, no upscaling, sRGB, orientation, EXIF/GPS."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
from PIL import ExifTags, Image

from snapset.quality.decode import DecodeError
from snapset.quality.standardize import StandardizeOptions, standardize, standardize_file
from tests.quality import scenes
from tests.quality.conftest import encode


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture(scope="module")
def photo_jpeg() -> bytes:
    return encode(scenes.photo_like(1600, 1200, seed=21), "JPEG", quality=92)


def test_long_side_is_scaled_down(photo_jpeg: bytes) -> None:
    result = standardize(photo_jpeg, StandardizeOptions(long_side=800))
    assert (result.width, result.height) == (800, 600)
    assert _open(result.data).size == (800, 600)
    assert _open(result.data).format == "JPEG"


def test_large_reduction_uses_a_reduced_decode_and_still_hits_the_size(photo_jpeg: bytes) -> None:
    result = standardize(photo_jpeg, StandardizeOptions(long_side=150))
    assert _open(result.data).size == (150, 112)


def test_small_photos_are_never_enlarged_unless_asked() -> None:
    small = encode(scenes.photo_like(400, 300, seed=1), "PNG")
    assert _open(standardize(small, StandardizeOptions(long_side=1000)).data).size == (400, 300)
    enlarged = standardize(small, StandardizeOptions(long_side=1000, upscale=True))
    assert _open(enlarged.data).size == (1000, 750)
    # With an exact size the target's shape is kept at the largest size reachable.
    padded = standardize(small, StandardizeOptions(size=(800, 800)))
    assert _open(padded.data).size == (400, 400)
    cropped = standardize(small, StandardizeOptions(size=(800, 800), fit="crop"))
    assert _open(cropped.data).size == (300, 300)


def test_exact_size_with_padding_keeps_the_whole_picture() -> None:
    picture = np.full((300, 600, 3), (200, 40, 40), np.uint8)
    result = standardize(
        encode(picture, "PNG"), StandardizeOptions(size=(200, 200), pad_color=(0, 0, 255))
    )
    out = np.asarray(_open(result.data).convert("RGB")).astype(int)
    assert out.shape == (200, 200, 3)
    # 600x300 scaled to 200x100 in the middle; blue bars of 50 rows above and below.
    assert np.abs(out[10, 100] - (0, 0, 255)).max() < 12
    assert np.abs(out[190, 100] - (0, 0, 255)).max() < 12
    assert np.abs(out[100, 100] - (200, 40, 40)).max() < 12


def test_crop_to_aspect_keeps_the_centre() -> None:
    picture = np.zeros((400, 800, 3), np.uint8)
    picture[:, :200] = (255, 0, 0)  # left quarter red: cut away by a centred 1:1 crop
    picture[:, 200:600] = (0, 255, 0)
    picture[:, 600:] = (0, 0, 255)
    result = standardize(
        encode(picture, "PNG"), StandardizeOptions(aspect=(1, 1), fit="crop", format="png")
    )
    out = np.asarray(_open(result.data).convert("RGB"))
    assert out.shape == (400, 400, 3)
    assert (out == (0, 255, 0)).all()


def test_pad_to_aspect_without_resizing() -> None:
    picture = np.full((300, 400, 3), 128, np.uint8)
    result = standardize(encode(picture, "PNG"), StandardizeOptions(aspect=(16, 9), format="png"))
    assert _open(result.data).size == (533, 300)


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp"])
def test_output_formats(photo_jpeg: bytes, fmt: str) -> None:
    result = standardize(photo_jpeg, StandardizeOptions(long_side=320, format=fmt, quality=80))
    assert _open(result.data).format == {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}[fmt]
    assert result.media_type == f"image/{fmt}"


def _jpeg_with_metadata(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model X"
    exif[ExifTags.Base.Artist] = "Jane Collector"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.Exif).update(
        {
            ExifTags.Base.DateTimeOriginal: "2026:11:20 08:15:00",
            ExifTags.Base.BodySerialNumber: "SN123",
        }
    )
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (52.0, 31.0, 12.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (13.0, 24.0, 36.0),
        }
    )
    picture = scenes.photo_like(600, 400, seed=5)
    buffer = io.BytesIO()
    Image.fromarray(picture).save(buffer, "JPEG", exif=exif.tobytes())
    data = buffer.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # really there
    return data


def test_all_metadata_is_stripped_by_default() -> None:
    result = standardize(_jpeg_with_metadata(), StandardizeOptions())
    exif = _open(result.data).getexif()
    assert ExifTags.IFD.GPSInfo not in exif
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert len(exif) == 0


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp"])
def test_xmp_and_comments_are_not_carried_over(fmt: str) -> None:
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
        b'02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/"'
        b' exif:GPSLatitude="52,31.2N"/></rdf:RDF></x:xmpmeta>'
    )
    buffer = io.BytesIO()
    Image.fromarray(scenes.photo_like(300, 200, seed=8)).save(
        buffer, "JPEG", xmp=xmp, comment=b"shot at 12 Main St"
    )
    assert b"GPSLatitude" in buffer.getvalue()
    result = standardize(buffer.getvalue(), StandardizeOptions(format=fmt, keep_exif="safe"))
    assert b"GPSLatitude" not in result.data
    assert b"Main St" not in result.data


@pytest.mark.parametrize("fmt", ["jpeg", "png", "webp"])
def test_safe_exif_keeps_date_and_camera_but_never_gps(fmt: str) -> None:
    result = standardize(_jpeg_with_metadata(), StandardizeOptions(keep_exif="safe", format=fmt))
    exif = _open(result.data).getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert ExifTags.IFD.GPSInfo not in exif
    assert exif[ExifTags.Base.Make] == "PhoneMaker"
    assert exif[ExifTags.Base.Model] == "Model X"
    assert exif[ExifTags.Base.Orientation] == 1
    assert ExifTags.Base.Artist not in exif
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    assert sub[ExifTags.Base.DateTimeOriginal] == "2026:11:20 08:15:00"
    assert ExifTags.Base.BodySerialNumber not in sub
    assert set(result.exif_kept) == {"Make", "Model", "DateTimeOriginal", "Orientation"}


def test_orientation_is_applied_and_reset() -> None:
    stored = np.zeros((200, 300, 3), np.uint8)
    stored[:40, :40] = (255, 0, 0)  # red mark in the stored top-left corner
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # display = stored turned 90 degrees clockwise
    buffer = io.BytesIO()
    Image.fromarray(stored).save(buffer, "PNG", exif=exif.tobytes())
    result = standardize(buffer.getvalue(), StandardizeOptions(format="png", keep_exif="safe"))
    upright = _open(result.data)
    assert upright.size == (200, 300)
    pixels = np.asarray(upright.convert("RGB"))
    assert tuple(pixels[10, 190]) == (255, 0, 0)  # now top-right
    assert upright.getexif()[ExifTags.Base.Orientation] == 1


def _s15(value: float) -> bytes:
    return struct.pack(">i", round(value * 65536))


def _rgb_profile(
    description: str, primaries: list[tuple[float, float, float]], gamma: float
) -> bytes:
    """A minimal ICC v2 matrix/TRC RGB display profile."""
    desc_text = description.encode("ascii") + b"\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(desc_text)) + desc_text
    desc += b"\0" * 8 + b"\0" * 3 + b"\0" * 67
    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(gamma * 256)) + b"\0\0"

    def xyz(values: tuple[float, float, float]) -> bytes:
        return b"XYZ " + b"\0" * 4 + b"".join(_s15(v) for v in values)

    tags = [
        (b"desc", desc),
        (b"wtpt", xyz((0.9642, 1.0, 0.8249))),
        (b"rXYZ", xyz(primaries[0])),
        (b"gXYZ", xyz(primaries[1])),
        (b"bXYZ", xyz(primaries[2])),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += b"\0" * (-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = struct.pack(">I", size) + b"\0" * 4 + bytes([2, 0x10, 0, 0]) + b"mntrRGB XYZ "
    header += b"\0" * 12 + b"acsp" + b"\0" * 24 + struct.pack(">I", 0)
    header += _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"\0" * 48
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


# Adobe RGB (1998) primaries adapted to D50, as in the ICC profile Adobe ships.
_ADOBE_PRIMARIES = [(0.6097, 0.3111, 0.0195), (0.2053, 0.6257, 0.0609), (0.1492, 0.0632, 0.7446)]
_SRGB_D50 = np.array([[0.4361, 0.3851, 0.1431], [0.2225, 0.7169, 0.0606], [0.0139, 0.0971, 0.7141]])


def _expected_srgb(rgb: tuple[int, int, int]) -> np.ndarray:
    linear = (np.array(rgb) / 255.0) ** 2.2
    xyz = np.array(_ADOBE_PRIMARIES).T @ linear
    srgb_linear = np.clip(np.linalg.solve(_SRGB_D50, xyz), 0, 1)
    encoded = np.where(
        srgb_linear <= 0.0031308, 12.92 * srgb_linear, 1.055 * srgb_linear ** (1 / 2.4) - 0.055
    )
    return encoded * 255


def test_wide_gamut_profile_is_converted_to_srgb() -> None:
    colour = (200, 120, 60)
    picture = np.full((64, 64, 3), colour, np.uint8)
    profile = _rgb_profile("Test Adobe-like RGB", _ADOBE_PRIMARIES, 2.2)
    source = encode(picture, "PNG", icc_profile=profile)
    result = standardize(source, StandardizeOptions(format="png"))
    assert result.color_converted_from == "Test Adobe-like RGB"
    out = _open(result.data)
    assert "icc_profile" not in out.info or not out.info["icc_profile"]
    pixel = np.asarray(out.convert("RGB"))[32, 32].astype(float)
    assert np.abs(pixel - _expected_srgb(colour)).max() < 4
    assert np.abs(pixel - colour).max() > 10  # it really changed


def test_srgb_photos_are_left_alone() -> None:
    picture = np.full((32, 32, 3), (200, 120, 60), np.uint8)
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = standardize(encode(picture, "PNG", icc_profile=srgb), StandardizeOptions(format="png"))
    assert result.color_converted_from is None
    assert tuple(np.asarray(_open(result.data))[5, 5]) == (200, 120, 60)


def test_broken_icc_profile_is_ignored_with_a_note() -> None:
    picture = np.full((32, 32, 3), 90, np.uint8)
    result = standardize(encode(picture, "PNG", icc_profile=b"not a profile"), StandardizeOptions())
    assert result.color_converted_from is None
    assert any("ICC" in note for note in result.notes)


def test_unusual_modes_become_plain_rgb() -> None:
    cmyk = Image.new("CMYK", (40, 30), (0, 255, 255, 0))  # red in CMYK
    buffer = io.BytesIO()
    cmyk.save(buffer, "JPEG")
    out = np.asarray(_open(standardize(buffer.getvalue(), StandardizeOptions(format="png")).data))
    assert out.shape == (30, 40, 3) and out[15, 20, 0] > 200 and out[15, 20, 1] < 60

    deep = Image.fromarray(np.full((20, 20), 40000, np.uint16))
    buffer = io.BytesIO()
    deep.save(buffer, "PNG")
    out = _open(standardize(buffer.getvalue(), StandardizeOptions(format="png")).data)
    assert out.mode in ("RGB", "L") and abs(int(np.asarray(out.convert("L"))[5, 5]) - 155) <= 2

    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., 0] = 255  # transparent red: flattened over the pad colour for JPEG
    result = standardize(encode(rgba, "PNG"), StandardizeOptions(pad_color=(255, 255, 255)))
    assert np.asarray(_open(result.data))[10, 10].min() > 240
    kept = standardize(encode(rgba, "PNG"), StandardizeOptions(format="png"))
    assert _open(kept.data).mode == "RGBA"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"%PDF-1.7 hello", "unsupported_format"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, "unreadable"),
    ],
)
def test_bad_input_raises_a_decode_error(data: bytes, code: str) -> None:
    with pytest.raises(DecodeError) as caught:
        standardize(data)
    assert caught.value.code == code


def test_truncated_and_oversized_files(photo_jpeg: bytes) -> None:
    with pytest.raises(DecodeError) as caught:
        standardize(photo_jpeg[: len(photo_jpeg) // 2])
    assert caught.value.code in ("truncated", "unreadable")
    with pytest.raises(DecodeError) as caught:
        standardize(photo_jpeg, StandardizeOptions(max_pixels=1000))
    assert caught.value.code == "decompression_bomb"


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="either"):
        StandardizeOptions(long_side=100, size=(10, 10))
    with pytest.raises(ValueError, match="quality"):
        StandardizeOptions(quality=0)
    with pytest.raises(ValueError, match="format"):
        StandardizeOptions(format="gif")  # type: ignore[arg-type]


def test_file_output_is_all_or_nothing(tmp_path: Path, photo_jpeg: bytes) -> None:
    good, bad = tmp_path / "good.jpg", tmp_path / "bad.jpg"
    good.write_bytes(photo_jpeg)
    bad.write_bytes(photo_jpeg[:300])
    out = tmp_path / "out"
    standardize_file(
        good, out / "sub" / "good.webp", StandardizeOptions(format="webp", long_side=100)
    )
    assert _open((out / "sub" / "good.webp").read_bytes()).size == (100, 75)
    with pytest.raises(DecodeError):
        standardize_file(bad, out / "bad.jpg")
    assert sorted(p.name for p in out.rglob("*")) == ["good.webp", "sub"]
