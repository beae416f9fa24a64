"""Entry point `snapset`: each command lives in its own module and registers on `app`."""

from snapset.cli import convert, qc, serve, standardize, validate  # noqa: F401  (registration)
from snapset.cli.app import app


def main() -> None:
    app()
