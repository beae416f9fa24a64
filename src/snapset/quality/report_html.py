"""One self-contained HTML page for a Report: no external files, scripts or fonts.

Flagged photos appear as inline base64 thumbnails per issue with their scores,
duplicate groups side by side, and the diversity statistics as inline SVG bar charts.
"""

from __future__ import annotations

import base64
import io
from html import escape
from typing import Any

from PIL import Image

from snapset.quality.audit import ImageResult, Report
from snapset.quality.check import ISSUE_CODES
from snapset.quality.decode import DecodeError, decode_image

THUMB_SIDE = 160
MAX_PER_ISSUE = 60
MAX_GROUPS = 40

_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222;background:#fafafa}
h1{margin-top:0}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:10px}
figure{margin:0;width:170px;background:#fff;border:1px solid #ddd;padding:4px;font-size:11px}
figure img{max-width:160px;max-height:160px;display:block;margin:auto}
figcaption{word-break:break-all}.score{font-weight:bold;color:#b00}
.group{display:flex;gap:10px;padding:8px;margin:8px 0;background:#fff;border:1px solid #ddd;
overflow-x:auto}.charts{display:flex;flex-wrap:wrap;gap:20px}.muted{color:#777}
td{word-break:break-word;max-width:45em}
"""


class _Thumbnails:
    """Base64 JPEG thumbnails, decoded once per file."""

    def __init__(self) -> None:
        self._cache: dict[str, str | None] = {}

    def get(self, path: str) -> str | None:
        if path not in self._cache:
            try:
                pixels = decode_image(path, max_side=THUMB_SIDE).pixels
            except DecodeError:
                self._cache[path] = None
            else:
                buffer = io.BytesIO()
                Image.fromarray(pixels).save(buffer, "JPEG", quality=75)
                encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
                self._cache[path] = f"data:image/jpeg;base64,{encoded}"
        return self._cache[path]


def _figure(thumbs: _Thumbnails, path: str, caption: str) -> str:
    source = thumbs.get(path)
    image = f'<img src="{source}" alt="">' if source else '<div class="muted">(no preview)</div>'
    return (
        f"<figure>{image}<figcaption>{caption}<br><span class=muted>{escape(path)}</span>"
        "</figcaption></figure>"
    )


def _issue_caption(image: ImageResult, code: str) -> str:
    parts = []
    if code in image.scores:
        parts.append(f'<span class="score">{code} {image.scores[code]:.2f}</span>')
    if code == "blurry" and "blur_kind" in image.details:
        parts.append(escape(str(image.details["blur_kind"])))
    if code == "low_resolution":
        parts.append(f"{image.width}x{image.height}")
    return " ".join(parts)


def _bar_chart(title: str, labels: list[str], counts: list[int], coverage: float) -> str:
    width, height, pad = 320, 140, 24
    peak = max(counts) if counts and max(counts) > 0 else 1
    bar = (width - 2 * pad) / max(1, len(counts))
    bars = []
    for i, (label, count) in enumerate(zip(labels, counts, strict=False)):
        h = (height - 2 * pad) * count / peak
        x = pad + i * bar
        bars.append(
            f'<rect x="{x + 1:.1f}" y="{height - pad - h:.1f}" width="{max(bar - 2, 1):.1f}" '
            f'height="{h:.1f}" fill="#4a7ebb"><title>{escape(label)}: {count}</title></rect>'
        )
        if len(counts) <= 12:
            bars.append(
                f'<text x="{x + bar / 2:.1f}" y="{height - 8}" font-size="9" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img"><text x="{pad}" y="14" font-size="12">{escape(title)} '
        f"(coverage {coverage:.2f})</text>{''.join(bars)}</svg>"
    )


def _diversity_charts(diversity: dict[str, Any]) -> str:
    charts = []
    for name, stats in diversity.items():
        if not isinstance(stats, dict) or "counts" not in stats:
            continue
        if "bins" in stats:
            edges = stats["bins"]
            labels = [f"{edges[i]:g}-{edges[i + 1]:g}" for i in range(len(edges) - 1)]
        else:
            labels = [str(c) for c in stats["categories"]]
        charts.append(_bar_chart(name, labels, stats["counts"], stats.get("coverage", 0.0)))
    return f'<div class="charts">{"".join(charts)}</div>'


def render_html_report(report: Report) -> str:
    """The whole report as one HTML document (a str)."""
    thumbs = _Thumbnails()
    summary = report.summary
    out = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<title>snapset qc report</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>snapset qc report</h1>",
        f"<p>{summary['images']} images checked in {summary['seconds']} s; "
        f"{summary['clean']} clean, {summary['with_issues']} with issues.</p>",
        "<table><tr><th>issue</th><th>images</th></tr>",
    ]
    for code, count in summary["issues"].items():
        out.append(f'<tr><td><a href="#{code}">{code}</a></td><td>{count}</td></tr>')
    out.append("</table>")
    for code in ISSUE_CODES:
        flagged = report.flagged(code)
        if not flagged:
            continue
        out.append(f'<h2 id="{code}">{code} ({len(flagged)})</h2><div class="grid">')
        for image in flagged[:MAX_PER_ISSUE]:
            out.append(_figure(thumbs, image.path, _issue_caption(image, code)))
        out.append("</div>")
        if len(flagged) > MAX_PER_ISSUE:
            out.append(f"<p class=muted>and {len(flagged) - MAX_PER_ISSUE} more</p>")
    unreadable = report.flagged("unreadable")
    if unreadable:
        out.append(f'<h2 id="unreadable">unreadable ({len(unreadable)})</h2><table>')
        for image in unreadable:
            out.append(
                f"<tr><td>{escape(image.path)}</td><td>{escape(image.error or '')}</td></tr>"
            )
        out.append("</table>")
    transforms = {
        (pair.first, pair.second): pair.transform for pair in report.duplicates.near_pairs
    }
    for code, groups in (
        ("exact_duplicate", report.duplicates.exact),
        ("near_duplicate", report.duplicates.near),
    ):
        if not groups:
            continue
        out.append(f'<h2 id="{code}">{code} groups ({len(groups)})</h2>')
        for group in groups[:MAX_GROUPS]:
            out.append('<div class="group">')
            for member in group:
                relation = transforms.get((group[0], member)) or transforms.get((member, group[0]))
                caption = escape(relation) if relation and relation != "same" else ""
                out.append(_figure(thumbs, member, caption))
            out.append("</div>")
        if len(groups) > MAX_GROUPS:
            out.append(f"<p class=muted>and {len(groups) - MAX_GROUPS} more groups</p>")
    out.append("<h2 id=diversity>diversity</h2>")
    out.append(_diversity_charts(report.diversity))
    out.append("</body></html>")
    return "\n".join(out)
