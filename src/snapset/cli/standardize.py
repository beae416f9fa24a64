"""`snapset standardize SRC DST`: one size, shape, colour space and format for a folder.

Every image under SRC is written under DST at the same relative path with the new
format's extension. A file that cannot be read is reported and skipped; the rest go on.
Exit status: 0 when every image was written, 1 when some could not be, 2 on bad usage.
"""

from __future__ import annotations

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from snapset.cli.app import app
from snapset.quality.decode import DecodeError
from snapset.quality.files import iter_image_files
from snapset.quality.standardize import StandardizeOptions, standardize_file


@dataclass(frozen=True)
class _Outcome:
    source: str
    target: Path | None
    bytes_in: int
    bytes_out: int
    error: str | None


def _parse_pair(text: str, separator: str, what: str) -> tuple[int, int]:
    match = re.fullmatch(rf"\s*(\d+)\s*{separator}\s*(\d+)\s*", text)
    if not match or int(match[1]) < 1 or int(match[2]) < 1:
        example = "1024x768" if separator == "[xX]" else "4:3"
        raise typer.BadParameter(f"{what} must look like {example}, got {text!r}")
    return int(match[1]), int(match[2])


def _targets(source: Path, destination: Path, extension: str) -> list[tuple[str, Path]]:
    """(input file, output file) pairs keeping the folder structure."""
    if source.is_file():
        target = destination / source.name if destination.is_dir() else destination
        if destination.is_dir() or target.suffix.lower() != extension:
            target = target.with_suffix(extension)
        return [(str(source), target)]
    pairs = []
    for found in iter_image_files([source]):
        relative = Path(found).relative_to(source)
        pairs.append((found, (destination / relative).with_suffix(extension)))
    return pairs


def _convert(source: str, target: Path, options: StandardizeOptions) -> _Outcome:
    try:
        size_in = os.path.getsize(source)
    except OSError:
        size_in = 0
    try:
        result = standardize_file(source, target, options)
    except DecodeError as exc:
        return _Outcome(source, None, size_in, 0, f"{exc.code}: {exc.message}")
    except OSError as exc:
        return _Outcome(source, None, size_in, 0, f"cannot write {target}: {exc}")
    return _Outcome(source, target, size_in, len(result.data), None)


def _summary(outcomes: list[_Outcome], seconds: float, destination: Path) -> Table:
    done = [o for o in outcomes if o.error is None]
    failed = [o for o in outcomes if o.error is not None]
    table = Table(title=f"snapset standardize: {len(outcomes)} images, {seconds:.1f} s")
    table.add_column("")
    table.add_column("images", justify="right")
    table.add_column("size", justify="right")
    mb_in = sum(o.bytes_in for o in done) / 1e6
    mb_out = sum(o.bytes_out for o in done) / 1e6
    table.add_row("written", str(len(done)), f"{mb_in:.1f} MB -> {mb_out:.1f} MB", style="green")
    table.add_row("unreadable", str(len(failed)), "", style="bold red" if failed else "dim")
    table.caption = f"output: {destination}"
    return table


@app.command()
def standardize(
    source: Annotated[Path, typer.Argument(help="An image or a folder of images (recursive).")],
    destination: Annotated[Path, typer.Argument(help="Output folder (or file for one image).")],
    long_side: Annotated[
        int | None, typer.Option(help="Scale so the longer side has N pixels.", min=1)
    ] = None,
    size: Annotated[
        str | None, typer.Option(help="Exact output size WIDTHxHEIGHT, e.g. 640x640.")
    ] = None,
    aspect: Annotated[str | None, typer.Option(help="Aspect ratio W:H, e.g. 4:3.")] = None,
    fit: Annotated[
        str, typer.Option(help="Reach the aspect ratio by 'pad' (bars) or 'crop' (centre).")
    ] = "pad",
    output_format: Annotated[
        str, typer.Option("--format", help="Output format: jpeg, png or webp.")
    ] = "jpeg",
    quality: Annotated[int, typer.Option(help="JPEG/WebP quality 1-100.", min=1, max=100)] = 90,
    keep_exif: Annotated[
        str,
        typer.Option(
            help="'none' strips all metadata; 'safe' keeps date/time, camera make and "
            "model (never GPS)."
        ),
    ] = "none",
    upscale: Annotated[bool, typer.Option(help="Allow enlarging small images.")] = False,
    workers: Annotated[
        int | None, typer.Option(help="Parallel conversions (default: CPU cores).", min=1)
    ] = None,
) -> None:
    """Resize, fit an aspect ratio, convert to sRGB, fix orientation, re-encode, strip EXIF."""
    console = Console(stderr=True)
    if not source.exists():
        raise typer.BadParameter(f"{source} does not exist", param_hint="SOURCE")
    try:
        options = StandardizeOptions(
            long_side=long_side,
            size=_parse_pair(size, "[xX]", "--size") if size else None,
            aspect=_parse_pair(aspect, ":", "--aspect") if aspect else None,
            fit=fit.lower(),  # type: ignore[arg-type]
            format=output_format.lower(),  # type: ignore[arg-type]
            quality=quality,
            keep_exif=keep_exif.lower(),  # type: ignore[arg-type]
            upscale=upscale,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if source.is_dir() and destination.resolve().is_relative_to(source.resolve()):
        raise typer.BadParameter("DESTINATION must not be inside SOURCE", param_hint="DESTINATION")
    jobs = _targets(source, destination, options.extension)
    started = time.perf_counter()
    outcomes: list[_Outcome] = []
    progress = Progress(
        TextColumn("standardizing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    with progress, ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        task = progress.add_task("standardize", total=len(jobs))
        futures = [pool.submit(_convert, src, dst, options) for src, dst in jobs]
        for future in as_completed(futures):
            outcomes.append(future.result())
            progress.advance(task)
    outcomes.sort(key=lambda outcome: outcome.source)
    console.print(_summary(outcomes, time.perf_counter() - started, destination))
    failed = [o for o in outcomes if o.error is not None]
    for outcome in failed:
        console.print(
            f"[red]unreadable[/red] {outcome.source}: {outcome.error}",
            highlight=False,
            soft_wrap=True,
        )
    if failed:
        raise typer.Exit(1)
