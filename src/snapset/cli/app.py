"""The Typer application every command module registers itself on."""

import typer

app = typer.Typer(
    name="snapset",
    help="Collect, check, annotate and export image datasets.",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def version() -> None:
    """Print the installed snapset version."""
    from snapset import __version__

    typer.echo(__version__)
