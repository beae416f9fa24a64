"""The numpy label-line formatter writes what Python's own formatting writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from snapset.formats import BoxesBuilder, read_dataset, write_dataset
from snapset.formats.textcols import format_rows
from tests.formats.conftest import make_dataset


def test_matches_python_formatting() -> None:
    rng = np.random.default_rng(3)
    ids = rng.integers(0, 1200, 5000)
    values = rng.uniform(0, 1, (5000, 4))
    values[:5] = [[0, 1, 0.5, 0.9999996], [1e-7, 0.25, 0.125, 0.0000005], [0.1] * 4,
                  [0.999999, 0.000001, 0.3333333, 0.6666667], [0.5] * 4]
    data, ends = format_rows(ids, values)
    expected = "".join(f"{i} " + " ".join(f"{v:.6f}" for v in row) + "\n"
                       for i, row in zip(ids.tolist(), values.tolist(), strict=True))
    got = data.decode()
    assert len(ends) == 5000 and ends[-1] == len(data)
    for a, b in zip(got.splitlines(), expected.splitlines(), strict=True):
        fa, fb = a.split(), b.split()
        assert fa[0] == fb[0]
        assert np.allclose([float(x) for x in fa[1:]], [float(x) for x in fb[1:]], atol=1.1e-6)
    assert format_rows(np.array([1]), np.array([[-0.1, 0.2, 0.3, 0.4]])) is None


def test_boxes_past_the_border_still_written(tmp_path: Path) -> None:
    ds = make_dataset(tmp_path / "src")
    b = BoxesBuilder()
    b.add(0, 0, (-10.0, 0.0, 6.4, 4.8))  # centre left of the border
    ds.boxes, ds.shapes = b.build(), []
    write_dataset(ds, tmp_path / "out", "yolo", images="none")
    assert (tmp_path / "out/labels/img0.txt").read_text() == \
        "0 -0.028125 0.050000 0.256250 0.100000\n"
    assert (tmp_path / "out/labels/img1.txt").read_text() == ""
    write_dataset(ds, tmp_path / "out2", "yolo")
    assert len(read_dataset(tmp_path / "out2").boxes) == 1
