"""`snapset validate SRC`: annotation problems with stable codes, JSON and a summary table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from snapset.cli.app import app
from snapset.formats import FormatError, detect_format, read_dataset
from snapset.formats.validation import CODES, ValidationReport
from snapset.formats.validation import validate as validate_dataset

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _table(report: ValidationReport, fmt: str, src: Path) -> Table:
    table = Table(title=f"snapset validate: {src} ({fmt}), {report.images} images, "
                        f"{report.annotations} annotations")
    table.add_column("code")
    table.add_column("severity")
    table.add_column("count", justify="right")
    table.add_column("first example")
    counts = report.counts()
    for code, (severity, _meaning) in CODES.items():
        if code not in counts:
            continue
        first = next(p for p in report.problems if p.code == code)
        where = " ".join(x for x in (first.image, first.annotation) if x)
        table.add_row(code, severity, str(counts[code]),
                      f"{first.message}" + (f" [{where}]" if where else ""),
                      style=_STYLE[severity])
    if not counts:
        table.add_row("ok", "", "0", "no problems found", style="green")
    return table


def _class_table(report: ValidationReport) -> Table:
    table = Table(title="annotations per category")
    table.add_column("category")
    table.add_column("annotations", justify="right")
    for name, n in sorted(report.class_counts.items(), key=lambda kv: -kv[1]):
        table.add_row(name, str(n))
    return table


@app.command()
def validate(
    src: Annotated[Path, typer.Argument(help="Dataset folder or annotation file.")],
    format: Annotated[str | None, typer.Option("--format", help="Input format; detected when "
                                               "not given.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write all problems as "
                                                  "JSON here.")] = None,
    with_qc: Annotated[bool, typer.Option("--with-qc", help="Also run the image quality "
                                          "audit (`snapset qc`) on the dataset's images.")]
    = False,
) -> None:
    """Check a dataset's annotations; exits 1 when any problem is an error."""
    console = Console()
    try:
        fmt = format or detect_format(src)
        ds = read_dataset(src, fmt)
    except (FormatError, ValueError, FileNotFoundError) as e:
        report = ValidationReport()
        report.add(getattr(e, "code", "unreadable_annotations"), str(e))
        fmt = format or "?"
        ds = None
    else:
        report = validate_dataset(ds)
    out: dict[str, Any] = {"source": str(src), "format": fmt, **report.to_json()}
    if with_qc and ds is not None and ds.root is not None:
        from snapset.quality import audit

        files = [str(Path(ds.root) / im.file) for im in ds.images
                 if (Path(ds.root) / im.file).is_file()]
        qc_report = audit(files) if files else None
        if qc_report is not None:
            out["qc"] = qc_report.to_json()
            issues = qc_report.summary.get("issues", {})
            console.print("image quality: " + (", ".join(
                f"{k} {v}" for k, v in sorted(issues.items()) if v) or "no issues"))
    console.print(_table(report, fmt, src))
    if report.class_counts:
        console.print(_class_table(report))
    if json_out is not None:
        json_out.write_text(json.dumps(out, indent=1), encoding="utf-8")
    if report.has_errors():
        raise typer.Exit(1)
