"""`snapset qc` as a user runs it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from snapset.cli import app
from tests.quality import scenes
from tests.quality.conftest import encode


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("qc")
    (root / "nested").mkdir()
    (root / "good.jpg").write_bytes(encode(scenes.photo_like(1000, 750, seed=1)))
    (root / "nested" / "blurry.jpg").write_bytes(
        encode(scenes.motion_blur(scenes.photo_like(1000, 750, seed=2), 31, 0))
    )
    (root / "nested" / "copy.jpg").write_bytes((root / "good.jpg").read_bytes())
    (root / "nested" / "small.png").write_bytes(encode(scenes.photo_like(320, 200, seed=3), "PNG"))
    (root / "truncated.jpg").write_bytes(encode(scenes.photo_like(seed=4))[:5000])
    return root


def run(*args: str):
    return CliRunner().invoke(app, ["qc", *args])


def test_json_report_shape_and_exit_zero_with_unreadable(folder, tmp_path):
    out = tmp_path / "report.json"
    result = run(str(folder), "--json", str(out), "--workers", "2")
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    paths = {Path(image["path"]).name: image for image in data["images"]}
    assert set(paths) == {"good.jpg", "blurry.jpg", "copy.jpg", "small.png", "truncated.jpg"}
    for image in data["images"]:
        assert isinstance(image["path"], str) and image["path"].startswith(str(folder))
        assert isinstance(image["width"], int) and isinstance(image["height"], int)
        assert isinstance(image["issues"], list) and isinstance(image["scores"], dict)
        assert image["error"] is None or isinstance(image["error"], str)
    assert paths["truncated.jpg"]["issues"] == ["unreadable"]
    assert "truncated" in paths["truncated.jpg"]["error"]
    assert "blurry" in paths["blurry.jpg"]["issues"]
    assert paths["blurry.jpg"]["details"]["blur_kind"] == "motion"
    assert "low_resolution" in paths["small.png"]["issues"]
    exact = [sorted(Path(p).name for p in group) for group in data["duplicates"]["exact"]]
    assert ["copy.jpg", "good.jpg"] in exact
    assert isinstance(data["duplicates"]["near"], list)
    assert data["summary"]["unreadable"] == 1
    assert "coverage" in data["diversity"]


def test_summary_table_printed(folder):
    result = run(str(folder), "--workers", "1")
    assert result.exit_code == 0
    assert "blurry" in result.output and "unreadable" in result.output


def test_threshold_and_min_resolution_options(folder, tmp_path):
    out = tmp_path / "r.json"
    result = run(
        str(folder), "--json", str(out), "--workers", "1",
        "--threshold", "blurry=1.0", "--min-resolution", "2000x2000",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    images = {Path(i["path"]).name: i for i in json.loads(out.read_text())["images"]}
    assert "blurry" not in images["blurry.jpg"]["issues"]
    assert "low_resolution" in images["good.jpg"]["issues"]


def test_bad_threshold_is_a_usage_error(folder):
    result = run(str(folder), "--threshold", "sharpness=3")
    assert result.exit_code == 2
    assert "unknown threshold" in result.output


def test_html_report_is_self_contained(folder, tmp_path):
    out = tmp_path / "report.html"
    result = run(str(folder), "--html", str(out), "--workers", "1")
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "data:image/jpeg;base64," in html
    assert "<svg" in html
    assert 'id="blurry"' in html and 'id="exact_duplicate"' in html
    # nothing loaded from elsewhere: no external src/href, no scripts
    assert not re.search(r'(src|href)="(?!data:|#)', html)
    assert "<script" not in html
