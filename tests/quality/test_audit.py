"""audit() over a real folder: per-image results, duplicates, summary, diversity."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from snapset.quality import Thresholds, audit
from tests.quality import scenes
from tests.quality.conftest import encode


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("photos")
    (root / "sub" / "deeper").mkdir(parents=True)
    base = scenes.photo_like(1200, 900, seed=11)
    other = scenes.photo_like(1200, 900, seed=12)
    (root / "sharp.jpg").write_bytes(encode(base))
    shutil.copy(root / "sharp.jpg", root / "sub" / "copy_of_sharp.jpg")  # byte copy
    (root / "sub" / "sharp_lossless.png").write_bytes(encode(other, "PNG"))
    (root / "sub" / "sharp_lossless.bmp").write_bytes(encode(other, "BMP"))  # same pixels
    (root / "sub" / "mirrored.jpg").write_bytes(encode(np.ascontiguousarray(base[:, ::-1])))
    (root / "blurred.jpg").write_bytes(encode(scenes.gaussian_blur(scenes.photo_like(seed=5), 6)))
    (root / "dark.jpg").write_bytes(encode(scenes.exposure(scenes.photo_like(seed=6), -3)))
    (root / "sub" / "deeper" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really")
    (root / "sub" / "empty.png").write_bytes(b"")
    (root / "notes.txt").write_text("not a photo, and not named like one")
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Snapcam", "S1"
    exif.get_ifd(0x8769)[0x9003] = "2026:05:04 08:15:00"
    buffer = io.BytesIO()
    Image.fromarray(scenes.photo_like(800, 600, seed=7)).save(buffer, "JPEG", exif=exif)
    (root / "with_exif.jpg").write_bytes(buffer.getvalue())
    return root


@pytest.fixture(scope="module")
def report(photo_folder):
    return audit([photo_folder], workers=2)


def by_name(report) -> dict[str, object]:
    return {Path(image.path).name: image for image in report.images}


def test_walks_folders_and_picks_images_only(report, photo_folder):
    names = set(by_name(report))
    assert "notes.txt" not in names
    assert {"sharp.jpg", "copy_of_sharp.jpg", "broken.jpg", "empty.png", "mirrored.jpg"} <= names
    assert all(image.path.startswith(str(photo_folder)) for image in report.images)


def test_bad_files_are_reported_not_fatal(report):
    images = by_name(report)
    assert images["broken.jpg"].issues == ["unreadable"]
    assert images["broken.jpg"].error_code in ("unreadable", "truncated")
    assert "broken.jpg" in images["broken.jpg"].error
    assert images["empty.png"].error_code == "empty_file"
    assert report.summary["unreadable"] == 2
    assert report.summary["readable"] == len(report.images) - 2


def test_quality_issues_per_image(report):
    images = by_name(report)
    assert "blurry" in images["blurred.jpg"].issues
    assert "dark" in images["dark.jpg"].issues
    assert not {"blurry", "dark", "bright", "noisy"} & set(images["sharp.jpg"].issues)
    assert images["sharp.jpg"].width == 1200 and images["sharp.jpg"].height == 900


def test_exact_duplicates_by_bytes_and_by_pixels(report):
    groups = [sorted(Path(p).name for p in group) for group in report.duplicates.exact]
    assert ["copy_of_sharp.jpg", "sharp.jpg"] in groups
    assert ["sharp_lossless.bmp", "sharp_lossless.png"] in groups
    assert "exact_duplicate" in by_name(report)["copy_of_sharp.jpg"].issues


def test_mirrored_copy_is_a_near_duplicate_reported_as_flip(report):
    near = [sorted(Path(p).name for p in group) for group in report.duplicates.near]
    assert any("mirrored.jpg" in group and "sharp.jpg" in group for group in near)
    transforms = {
        pair.transform
        for pair in report.duplicates.near_pairs
        if "mirrored.jpg" in (Path(pair.first).name, Path(pair.second).name)
    }
    assert "flip_h" in transforms


def test_summary_and_diversity(report):
    summary = report.summary
    assert summary["images"] == len(report.images)
    assert summary["issues"]["blurry"] >= 1
    diversity = report.diversity
    assert diversity["photos"] == summary["readable"]
    assert diversity["capture_hour"]["counts"][8] == 1
    assert "Snapcam S1" in diversity["camera"]["categories"]
    for value in diversity["coverage"].values():
        assert 0.0 <= value <= 1.0


def test_to_json_shape(report):
    data = report.to_json()
    assert set(data) >= {"images", "duplicates", "summary", "diversity"}
    image = data["images"][0]
    assert set(image) >= {"path", "width", "height", "issues", "scores", "error"}
    assert set(data["duplicates"]) >= {"exact", "near"}


def test_single_worker_gives_the_same_answer(report, photo_folder):
    again = audit(photo_folder, workers=1)
    assert [i.issues for i in again.images] == [i.issues for i in report.images]


def test_threshold_overrides_from_mapping(photo_folder):
    strict = audit([photo_folder / "sharp.jpg"], {"min_resolution": "4000x3000"}, workers=1)
    assert "low_resolution" in strict.images[0].issues
    lenient = audit([photo_folder / "blurred.jpg"], Thresholds(blurry=1.0), workers=1)
    assert "blurry" not in lenient.images[0].issues


def test_missing_path_is_reported(tmp_path):
    result = audit([tmp_path / "nothing_here.jpg"], workers=1)
    assert result.images[0].error_code == "unreadable"
    assert "not found" in result.images[0].error
