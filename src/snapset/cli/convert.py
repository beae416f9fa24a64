"""`snapset convert SRC DST --to FORMAT`: convert a dataset between annotation formats."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn

from snapset.cli.app import app
from snapset.formats import FormatError, detect_format, formats, read_dataset, write_dataset


class ImageMode(StrEnum):
    copy = "copy"
    link = "link"
    none = "none"


def _names() -> str:
    return ", ".join(sorted(formats()))


@app.command()
def convert(
    src: Annotated[Path, typer.Argument(help="Dataset folder or annotation file to read.")],
    dst: Annotated[Path, typer.Argument(help="Folder to write the converted dataset into.")],
    to: Annotated[str, typer.Option("--to", help="Output format (coco, yolo, voc, cvat, "
                                    "labelme, icdar, mot, manifest).")],
    from_: Annotated[str | None, typer.Option("--from", help="Input format; detected when "
                                              "not given.")] = None,
    images: Annotated[ImageMode, typer.Option(help="Copy, hard-link (symlink across disks) "
                                              "or leave out the image files.")] = ImageMode.copy,
    task: Annotated[str | None, typer.Option(help="YOLO layout: detect, segment or pose "
                                             "(chosen from the data when not given).")] = None,
) -> None:
    """Convert a dataset; whatever the output format cannot hold is reported, never lost
    silently."""
    console = Console(stderr=True)
    try:
        fmt_in = from_ or detect_format(src)
        if to.lower() not in formats():
            raise ValueError(f"unknown format {to!r}; known: {_names()}")
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                      MofNCompleteColumn(), console=console, transient=True) as progress:
            reading = progress.add_task(f"reading {fmt_in}", total=None)
            ds = read_dataset(src, fmt_in)
            progress.update(reading, total=1, completed=1)
            writing = progress.add_task(f"writing {to}", total=len(ds.images))
            warnings = write_dataset(
                ds, dst, to.lower(), images=images.value,
                on_image=lambda: progress.advance(writing),
                **({"task": task} if task else {}))
    except (FormatError, ValueError, FileNotFoundError) as e:
        console.print(f"[bold red]error:[/] {e}")
        raise typer.Exit(2) from None
    for w in ds.warnings + warnings:
        console.print(f"[yellow]warning:[/] {w}")
    kinds = ", ".join(f"{n} {k}" for k, n in sorted(ds.count_kinds().items())) or "none"
    console.print(f"[green]converted[/] {len(ds.images)} images ({kinds}) from {fmt_in} "
                  f"to {to.lower()} in {dst}")
