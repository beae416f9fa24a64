"""Standardize one photo for a dataset: size, aspect, sRGB, orientation, format, EXIF.

Unlike the checks, this works on the full-resolution picture (a dataset wants every
pixel it can get), decoded here with Pillow. JPEGs whose target is much smaller than
the original are decoded with DCT scaling (draft mode) straight to at least the size
needed, which is both faster and no worse: the final resize is a Lanczos filter from
at least the target size. The same decompression-bomb limit and DecodeError codes as
quality.decode apply.

The output never carries GPS or any other EXIF field unless asked to keep the "safe"
subset (capture date/time, camera make and model, orientation reset to 1).
"""

from __future__ import annotations

import io
import math
import os
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal

import numpy as np
from PIL import ExifTags, Image, ImageCms, ImageOps

from snapset.quality.decode import (
    DEFAULT_MAX_PIXELS,
    ImageSource,
    open_image,
    sixteen_bit_to_uint8,
)

OutputFormat = Literal["jpeg", "png", "webp"]
FitMode = Literal["pad", "crop"]
ExifPolicy = Literal["none", "safe"]

FILE_EXTENSIONS: Final = {"jpeg": ".jpg", "png": ".png", "webp": ".webp"}
_PILLOW_FORMATS: Final = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}
_MEDIA_TYPES: Final = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}

# The EXIF fields kept by keep_exif="safe": when and with what the photo was taken.
# Everything else goes, GPS above all, also serial numbers, owner names, maker notes.
_SAFE_BASE_TAGS: Final = (ExifTags.Base.Make, ExifTags.Base.Model, ExifTags.Base.DateTime)
_SAFE_EXIF_IFD_TAGS: Final = (
    ExifTags.Base.DateTimeOriginal,
    ExifTags.Base.DateTimeDigitized,
    ExifTags.Base.OffsetTimeOriginal,
)

_SRGB_PROFILE: Final = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class StandardizeOptions:
    """What the standardized photo should look like.

    long_side: scale so the longer side is this many pixels; size: exact (width,
    height) output, which also fixes the aspect ratio; aspect: (w, h) ratio reached by
    `fit` ("pad" adds bars of `pad_color`, "crop" cuts the centre). Photos are never
    enlarged unless `upscale` is set: a photo smaller than the target keeps its size
    (and, with `size`, the target's aspect ratio).
    """

    long_side: int | None = None
    size: tuple[int, int] | None = None
    aspect: tuple[int, int] | None = None
    fit: FitMode = "pad"
    pad_color: tuple[int, int, int] = (0, 0, 0)
    format: OutputFormat = "jpeg"
    quality: int = 90
    keep_exif: ExifPolicy = "none"
    upscale: bool = False
    max_pixels: int = DEFAULT_MAX_PIXELS

    def __post_init__(self) -> None:
        if self.long_side is not None and self.size is not None:
            raise ValueError("give either long_side or size, not both")
        if self.long_side is not None and self.long_side < 1:
            raise ValueError("long_side must be a positive number of pixels")
        if self.size is not None and (len(self.size) != 2 or min(self.size) < 1):
            raise ValueError("size must be two positive numbers (width, height)")
        if self.aspect is not None and (len(self.aspect) != 2 or min(self.aspect) <= 0):
            raise ValueError("aspect must be two positive numbers (width, height)")
        if self.fit not in ("pad", "crop"):
            raise ValueError(f"fit must be 'pad' or 'crop', not {self.fit!r}")
        if self.format not in FILE_EXTENSIONS:
            raise ValueError(
                f"format must be one of {sorted(FILE_EXTENSIONS)}, not {self.format!r}"
            )
        if not 1 <= self.quality <= 100:
            raise ValueError("quality must be between 1 and 100")
        if self.keep_exif not in ("none", "safe"):
            raise ValueError(f"keep_exif must be 'none' or 'safe', not {self.keep_exif!r}")

    @property
    def target_aspect(self) -> float | None:
        """Width / height the output must have, if any."""
        if self.size is not None:
            return self.size[0] / self.size[1]
        if self.aspect is not None:
            return self.aspect[0] / self.aspect[1]
        return None

    @property
    def extension(self) -> str:
        return FILE_EXTENSIONS[self.format]


@dataclass(frozen=True)
class StandardizedImage:
    """The encoded result and what was done to get it."""

    data: bytes
    width: int
    height: int
    format: OutputFormat
    source_width: int
    source_height: int
    color_converted_from: str | None = None
    exif_kept: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self.format]


@dataclass(frozen=True)
class _Plan:
    """Geometry in original (upright) pixels: crop box, scale, output canvas."""

    crop: tuple[float, float, float, float]  # left, top, right, bottom
    content_size: tuple[int, int]
    canvas_size: tuple[int, int]
    scale: float


def plan_geometry(width: int, height: int, options: StandardizeOptions) -> _Plan:
    """Where to crop, how far to scale and how big the canvas is, for an upright
    photo of width x height. Pure arithmetic, shared by the decoder's draft sizing."""
    aspect = options.target_aspect
    left, top, right, bottom = 0.0, 0.0, float(width), float(height)
    frame_w, frame_h = float(width), float(height)
    if aspect is not None:
        if options.fit == "crop":
            if width / height > aspect:
                cut = (width - height * aspect) / 2
                left, right = cut, width - cut
            else:
                cut = (height - width / aspect) / 2
                top, bottom = cut, height - cut
            frame_w, frame_h = right - left, bottom - top
        elif width / height > aspect:
            frame_h = width / aspect
        else:
            frame_w = height * aspect
    if options.size is not None:
        scale = options.size[0] / frame_w
    elif options.long_side is not None:
        scale = options.long_side / max(frame_w, frame_h)
    else:
        scale = 1.0
    if scale > 1.0 and not options.upscale:
        scale = 1.0
    if options.size is not None and scale == options.size[0] / frame_w:
        canvas = options.size
    else:
        canvas = (max(1, round(frame_w * scale)), max(1, round(frame_h * scale)))
    content = (
        min(canvas[0], max(1, round((right - left) * scale))),
        min(canvas[1], max(1, round((bottom - top) * scale))),
    )
    if options.fit == "crop" or aspect is None:
        content = canvas
    return _Plan(
        crop=(left, top, right, bottom), content_size=content, canvas_size=canvas, scale=scale
    )


def _orientation(image: Image.Image) -> int:
    try:
        value = int(image.getexif().get(ExifTags.Base.Orientation, 1))
    except Exception:
        return 1
    return value if 1 <= value <= 8 else 1


def _to_working_mode(image: Image.Image) -> tuple[Image.Image, str | None, list[str]]:
    """Any Pillow mode -> "RGB" or "RGBA" in sRGB; returns the source profile's name."""
    notes: list[str] = []
    icc = image.info.get("icc_profile")
    if image.mode.startswith("I") or image.mode == "F":
        image = Image.fromarray(sixteen_bit_to_uint8(np.asarray(image)), "L")
        icc = None  # the profile described the 16-bit data; not meaningful any more
    elif image.mode in ("P", "PA", "1"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    elif image.mode in ("LA", "La", "RGBa"):
        image = image.convert("RGBA")
    converted_from: str | None = None
    if icc:
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            description = ImageCms.getProfileDescription(source_profile).strip()
            if "srgb" not in description.lower():
                out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
                in_image = (
                    image if image.mode in ("RGB", "RGBA", "CMYK", "L") else image.convert(out_mode)
                )
                image = ImageCms.profileToProfile(
                    in_image,
                    source_profile,
                    _SRGB_PROFILE,
                    renderingIntent=ImageCms.Intent.PERCEPTUAL,
                    outputMode=out_mode,
                )
                converted_from = description or "embedded ICC profile"
        except (OSError, ImageCms.PyCMSError, ValueError) as exc:
            notes.append(f"embedded ICC profile ignored ({exc})")
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    return image, converted_from, notes


def _safe_exif(original: Image.Exif) -> tuple[Image.Exif, tuple[str, ...]]:
    """A fresh EXIF block with only the safe fields, orientation 1."""
    kept = Image.Exif()
    names: list[str] = []
    for tag in _SAFE_BASE_TAGS:
        value = original.get(tag)
        if value not in (None, ""):
            kept[tag] = value
            names.append(ExifTags.Base(tag).name)
    exif_ifd = original.get_ifd(ExifTags.IFD.Exif)
    safe_ifd = {tag: exif_ifd[tag] for tag in _SAFE_EXIF_IFD_TAGS if exif_ifd.get(tag)}
    if safe_ifd:
        kept.get_ifd(ExifTags.IFD.Exif).update(safe_ifd)
        names.extend(ExifTags.Base(tag).name for tag in safe_ifd)
    kept[ExifTags.Base.Orientation] = 1
    names.append("Orientation")
    return kept, tuple(names)


def _draft_box(image: Image.Image, plan: _Plan) -> tuple[int, int]:
    """Smallest size the decoder may reduce a JPEG to (the scale is uniform, so the
    stored orientation does not matter)."""
    width, height = image.size
    return (math.ceil(width * plan.scale) + 1, math.ceil(height * plan.scale) + 1)


def _encode(image: Image.Image, options: StandardizeOptions, exif: Image.Exif | None) -> bytes:
    buffer = io.BytesIO()
    # Nothing rides along from the source: no ICC profile (the pixels are sRGB now,
    # which an untagged image means by definition), no XMP, comments or text chunks.
    image.info = {}
    params: dict[str, object] = {}
    if exif is not None:
        params["exif"] = exif.tobytes()
    if options.format == "jpeg":
        if image.mode == "RGBA":
            background = Image.new("RGB", image.size, options.pad_color)
            background.paste(image, mask=image.getchannel("A"))
            image = background
        params.update(quality=options.quality, optimize=False)
    elif options.format == "webp":
        params.update(quality=options.quality, method=4)
    else:
        params.update(compress_level=6)
    image.save(buffer, _PILLOW_FORMATS[options.format], **params)
    return buffer.getvalue()


def standardize(
    source: ImageSource, options: StandardizeOptions | None = None
) -> StandardizedImage:
    """Standardize one photo (path, bytes or binary file) and return the encoded bytes.

    Raises DecodeError (codes as quality.decode) for files that cannot be read.
    """
    options = options or StandardizeOptions()
    with open_image(source, max_pixels=options.max_pixels) as image:
        return _standardize_open(image, options)


def _standardize_open(image: Image.Image, options: StandardizeOptions) -> StandardizedImage:
    orientation = _orientation(image)
    stored_w, stored_h = image.size
    upright_w, upright_h = (
        (stored_h, stored_w) if orientation in (5, 6, 7, 8) else (stored_w, stored_h)
    )
    plan = plan_geometry(upright_w, upright_h, options)
    original_exif = image.getexif()
    if image.format == "JPEG" and plan.scale < 0.5:
        image.draft(image.mode, _draft_box(image, plan))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image.load()
    image = ImageOps.exif_transpose(image) if orientation != 1 else image
    image, converted_from, notes = _to_working_mode(image)
    # The decoder may have reduced the picture: map the plan's crop onto it.
    ratio_x, ratio_y = image.width / upright_w, image.height / upright_h
    left, top, right, bottom = plan.crop
    box = (left * ratio_x, top * ratio_y, right * ratio_x, bottom * ratio_y)
    content = image.resize(plan.content_size, Image.Resampling.LANCZOS, box=box, reducing_gap=3.0)
    if content.size != plan.canvas_size:
        canvas = Image.new(
            content.mode, plan.canvas_size, (*options.pad_color, 255)[: len(content.mode)]
        )
        offset = (
            (plan.canvas_size[0] - content.width) // 2,
            (plan.canvas_size[1] - content.height) // 2,
        )
        canvas.paste(content, offset)
        content = canvas
    exif, kept = (None, ())
    if options.keep_exif == "safe":
        exif, kept = _safe_exif(original_exif)
    data = _encode(content, options, exif)
    return StandardizedImage(
        data=data,
        width=content.width,
        height=content.height,
        format=options.format,
        source_width=upright_w,
        source_height=upright_h,
        color_converted_from=converted_from,
        exif_kept=kept,
        notes=tuple(notes),
    )


def standardize_file(
    source: str | os.PathLike[str],
    destination: str | os.PathLike[str],
    options: StandardizeOptions | None = None,
) -> StandardizedImage:
    """Standardize `source` into the file `destination`, written whole or not at all."""
    result = standardize(source, options)
    target = Path(destination)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".snapset-", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(result.data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return result
