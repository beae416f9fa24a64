"""`snapset qc PATH...`: audit photos in folders, print a summary, write JSON / HTML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from snapset.cli.app import app
from snapset.quality import ISSUE_CODES, Report, Thresholds, audit

_DESCRIPTIONS = {
    "blurry": "out of focus or motion blurred",
    "dark": "underexposed",
    "bright": "overexposed",
    "noisy": "grainy / sensor noise",
    "low_information": "nearly blank",
    "grayscale": "no colour",
    "odd_aspect_ratio": "unusually long or tall",
    "low_resolution": "below the minimum size",
    "unreadable": "could not be decoded",
    "exact_duplicate": "same bytes or same pixels",
    "near_duplicate": "re-encoded, resized, cropped, flipped or rotated copy",
}


def _summary_table(report: Report) -> Table:
    summary = report.summary
    table = Table(title=f"snapset qc: {summary['images']} images, {summary['seconds']} s")
    table.add_column("issue")
    table.add_column("images", justify="right")
    table.add_column("share", justify="right")
    table.add_column("meaning")
    total = max(1, summary["images"])
    for code in (*ISSUE_CODES, "unreadable", "exact_duplicate", "near_duplicate"):
        count = summary["issues"].get(code, 0)
        style = "bold red" if count else "dim"
        meaning = _DESCRIPTIONS[code]
        if code == "blurry" and summary["blur_kinds"]:
            kinds = ", ".join(f"{k} {v}" for k, v in sorted(summary["blur_kinds"].items()))
            meaning = f"{meaning} ({kinds})"
        table.add_row(code, str(count), f"{100 * count / total:.1f}%", meaning, style=style)
    table.add_section()
    table.add_row("clean", str(summary["clean"]), f"{100 * summary['clean'] / total:.1f}%", "")
    return table


@app.command()
def qc(
    paths: Annotated[list[Path], typer.Argument(help="Image files or folders (recursive).")],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the full report as JSON here.")
    ] = None,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML report here.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: CPU cores).", min=1)
    ] = None,
    threshold: Annotated[
        list[str] | None,
        typer.Option(help="Override a threshold, NAME=VALUE (repeatable), e.g. blurry=0.4."),
    ] = None,
    min_resolution: Annotated[
        str | None, typer.Option(help="Minimum WIDTHxHEIGHT, e.g. 1280x720.")
    ] = None,
) -> None:
    """Check photos for blur, exposure, noise, size, duplicates and more.

    Exits 0 whenever the audit ran, whatever it found.
    """
    console = Console(stderr=True)
    try:
        thresholds = Thresholds.parse_cli(threshold or [], min_resolution)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    for path in paths:
        if not path.exists():
            console.print(f"[yellow]warning:[/] {path} does not exist; it is reported unreadable")
    with Progress(
        TextColumn("[bold]checking"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.description}", style="dim"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=None)

        def advance(done: int, total: int, path: str) -> None:
            progress.update(task, completed=done, total=total, description=Path(path).name)

        report = audit([str(p) for p in paths], thresholds, workers, progress=advance)
    Console().print(_summary_table(report))
    if json_out:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        temporary = json_out.with_name(json_out.name + ".part")
        temporary.write_text(json.dumps(report.to_json(), indent=1), encoding="utf-8")
        temporary.replace(json_out)
        console.print(f"JSON report: {json_out}")
    if html_out:
        from snapset.quality.report_html import render_html_report

        html_out.parent.mkdir(parents=True, exist_ok=True)
        temporary = html_out.with_name(html_out.name + ".part")
        temporary.write_text(render_html_report(report), encoding="utf-8")
        temporary.replace(html_out)
        console.print(f"HTML report: {html_out}")
