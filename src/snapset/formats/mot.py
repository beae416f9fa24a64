"""MOT Challenge sequences: `<seq>/img1/000001.jpg`, `<seq>/gt/gt.txt` with lines
`frame,track_id,x,y,w,h,conf,class,visibility` (frames from 1), `<seq>/seqinfo.ini` and
`<seq>/gt/labels.txt` (class names, one a line; datumaro's convention). Boxes without a
track get track id -1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from snapset.formats.errors import FormatError
from snapset.formats.io import atomic_write_text, fill_image_sizes, place_image
from snapset.formats.model import NO_CATEGORY, Boxes, Dataset, Image
from snapset.formats.registry import WriteContext, drop_unheld, reader, writer

NAME = "mot"
HOLDS = frozenset({"box", "track"})


def _sequences(src: Path) -> list[Path]:
    if (src / "gt" / "gt.txt").is_file():
        return [src]
    return sorted(p for p in src.iterdir() if (p / "gt" / "gt.txt").is_file()) \
        if src.is_dir() else []


def looks_like_mot(src: Path) -> bool:
    return bool(_sequences(src))


@reader(NAME, extensions=(".txt",), description="MOT Challenge tracks", detect=looks_like_mot)
def read_mot(src: Path) -> Dataset:
    ds = Dataset(root=src)
    parts = []
    for seq in _sequences(src):
        prefix = "" if seq == src else f"{seq.name}/"
        labels = seq / "gt" / "labels.txt"
        names = labels.read_text(encoding="utf-8").split() if labels.is_file() else []
        cat_of = [ds.ensure_category(n) for n in names]
        frame_index: dict[int, int] = {}
        for p in sorted((seq / "img1").glob("*")) if (seq / "img1").is_dir() else []:
            if not p.stem.isdigit():
                continue
            ds.images.append(Image(file=f"{prefix}img1/{p.name}", frame=int(p.stem),
                                   sequence=seq.name if prefix else None))
            frame_index[int(p.stem)] = len(ds.images) - 1
        gt = seq / "gt" / "gt.txt"
        rows = []
        for ln, line in enumerate(gt.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            f = line.split(",")
            if len(f) < 6:
                raise FormatError(gt, f"line {ln}", "expected frame,id,x,y,w,h[,conf,class,vis]")
            try:
                v = [float(x) for x in f[:9]]
            except ValueError:
                raise FormatError(gt, f"line {ln}", "expected numbers") from None
            if not np.isfinite(v).all():
                raise FormatError(gt, f"line {ln}", "expected finite numbers")
            frame = int(v[0])
            if frame not in frame_index:
                raise FormatError(gt, f"line {ln}", f"frame {frame} has no image in img1/")
            cls = int(v[7]) if len(v) > 7 else 1
            if cls < 1:
                cat = NO_CATEGORY
            else:
                while len(cat_of) < cls:
                    cat_of.append(ds.ensure_category(str(len(cat_of) + 1)))
                cat = cat_of[cls - 1]
            conf = v[6] if len(v) > 6 else 1.0
            vis = v[8] if len(v) > 8 else 1.0
            rows.append((frame_index[frame], cat, v[2], v[3], v[2] + v[4], v[3] + v[5],
                         int(v[1]), conf, vis))
        if rows:
            a = np.array(rows, np.float64)
            part = Boxes.from_columns(a[:, 0].astype(np.int32), a[:, 1].astype(np.int32),
                                      a[:, 2:6], track=a[:, 6].astype(np.int64))
            for k, (conf, vis) in enumerate(a[:, 7:9].tolist()):
                if conf != 1.0 or vis != 1.0:
                    part.attributes[k] = {"conf": conf, "visibility": vis}
            parts.append(part)
    ds.boxes = Boxes.concat(parts)
    fill_image_sizes(ds.images, src)
    return ds


@writer(NAME, holds=HOLDS, extensions=(".txt",), description="MOT Challenge tracks")
def write_mot(ds: Dataset, ctx: WriteContext) -> None:
    drop_unheld(ctx, ds, HOLDS | {"rotated_box"}, "MOT holds tracked boxes only")
    fill_image_sizes(ds.images, ds.root)
    seqs: dict[str, list[int]] = {}
    for i, im in enumerate(ds.images):
        seqs.setdefault(im.sequence or "seq", []).append(i)
    frame_of: dict[int, int] = {}
    b = ds.boxes
    n_rot = int((b.angle != 0).sum())
    ctx.report.drop("box rotations", n_rot, "MOT boxes are axis-aligned")
    for name, members in seqs.items():
        members.sort(key=lambda i: (ds.images[i].frame is None, ds.images[i].frame or 0, i))
        base = ctx.dst if len(seqs) == 1 else ctx.dst / name
        for f, i in enumerate(members, 1):
            frame_of[i] = f
            im = ds.images[i]
            place_image(ctx, ds.root, im, str((base / "img1" / f"{f:06d}{Path(im.file).suffix}")
                                              .relative_to(ctx.dst)))
        lines = []
        in_seq = np.isin(b.image, np.asarray(members, np.int32))
        rows = np.flatnonzero(in_seq).tolist()
        rows.sort(key=lambda r: (frame_of[int(b.image[r])], int(b.track[r])))
        for r in rows:
            x0, y0, x1, y1 = b.xyxy[r].tolist()
            attrs = b.attributes.get(r, {})
            conf = attrs.get("conf", 1 if b.score[r] != b.score[r] else float(b.score[r]))
            cls = int(b.category[r]) + 1
            lines.append(f"{frame_of[int(b.image[r])]},{int(b.track[r])},{x0:g},{y0:g},"
                         f"{x1 - x0:g},{y1 - y0:g},{conf:g},{cls},"
                         f"{attrs.get('visibility', 1):g}\n")
        atomic_write_text(base / "gt" / "gt.txt", "".join(lines))
        atomic_write_text(base / "gt" / "labels.txt",
                          "".join(f"{c.name}\n" for c in ds.categories))
        first = ds.images[members[0]] if members else Image(file="x.jpg")
        # MOT's own spelling (camelCase keys, no spaces), not configparser's.
        ini = (f"[Sequence]\nname={name}\nimDir=img1\nframeRate=30\n"
               f"seqLength={len(members)}\nimWidth={first.width}\nimHeight={first.height}\n"
               f"imExt={Path(first.file).suffix}\n")
        atomic_write_text(base / "seqinfo.ini", ini)

