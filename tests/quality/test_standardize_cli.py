"""`snapset standardize SRC DST` over a folder."""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from snapset.cli import app
from tests.quality import scenes
from tests.quality.conftest import encode


def _tree(root: Path) -> None:
    (root / "street" / "night").mkdir(parents=True)
    (root / "shelf").mkdir()
    (root / "street" / "day.jpg").write_bytes(encode(scenes.photo_like(800, 600, seed=1)))
    (root / "street" / "night" / "late.png").write_bytes(
        encode(scenes.photo_like(600, 800, seed=2), "PNG")
    )
    (root / "shelf" / "aisle.webp").write_bytes(encode(scenes.photo_like(500, 500, seed=3), "WEBP"))
    (root / "shelf" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    (root / "notes.txt").write_text("not an image")


def test_folder_structure_is_kept_and_a_corrupt_file_is_reported(tmp_path: Path) -> None:
    source, output = tmp_path / "photos", tmp_path / "out"
    _tree(source)
    result = CliRunner().invoke(
        app,
        ["standardize", str(source), str(output), "--long-side", "200", "--format", "webp"],
    )
    assert result.exit_code == 1, result.output  # some file could not be converted
    written = sorted(str(p.relative_to(output)) for p in output.rglob("*") if p.is_file())
    assert written == ["shelf/aisle.webp", "street/day.webp", "street/night/late.webp"]
    assert Image.open(output / "street" / "day.webp").size == (200, 150)
    assert Image.open(output / "street" / "night" / "late.webp").size == (150, 200)
    assert "broken.jpg" in result.output
    assert "unreadable" in result.output


def test_exact_size_crop_and_success_exit_code(tmp_path: Path) -> None:
    source, output = tmp_path / "photos", tmp_path / "out"
    source.mkdir()
    (source / "a.jpg").write_bytes(encode(scenes.photo_like(900, 600, seed=4)))
    result = CliRunner().invoke(
        app,
        ["standardize", str(source), str(output), "--size", "300x300", "--fit", "crop",
         "--keep-exif", "safe", "--workers", "1"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert Image.open(output / "a.jpg").size == (300, 300)


def test_single_file_and_bad_options(tmp_path: Path) -> None:
    photo = tmp_path / "one.png"
    photo.write_bytes(encode(scenes.photo_like(400, 300, seed=6), "PNG"))
    runner = CliRunner()
    result = runner.invoke(
        app, ["standardize", str(photo), str(tmp_path / "small.jpg"), "--long-side", "100"]
    )
    assert result.exit_code == 0, result.output
    assert Image.open(tmp_path / "small.jpg").size == (100, 75)
    bad = runner.invoke(app, ["standardize", str(photo), str(tmp_path / "x.jpg"), "--size", "big"])
    assert bad.exit_code == 2
    assert "--size" in bad.output
    both = runner.invoke(
        app,
        ["standardize", str(photo), str(tmp_path / "x.jpg"), "--size", "10x10", "--long-side", "5"],
    )
    assert both.exit_code == 2
    missing = runner.invoke(app, ["standardize", str(tmp_path / "nope"), str(tmp_path / "o")])
    assert missing.exit_code == 2
