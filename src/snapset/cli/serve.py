"""`snapset serve`: run the collection server (API + web pages)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from snapset.cli.app import app


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="Database, blobs and keys folder (default $SNAPSET_DATA_DIR or ./snapset-data)."
        ),
    ] = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Also load a demo campaign with generated photos.")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes (use the cores: e.g. 2 on 2 cores; they share the database).",
        ),
    ] = 1,
) -> None:
    """Migrate the database, create the admin on first start, and serve the API and web app."""
    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from snapset.api.app import create_app
    from snapset.config import Settings
    from snapset.service import users
    from snapset.service.platform import Platform

    try:
        settings = Settings.from_env(data_dir=data_dir)
        platform = Platform.open(settings)
    except SQLAlchemyError as exc:
        typer.echo(f"error: cannot open the database: {exc.__class__.__name__}: {exc}", err=True)
        raise typer.Exit(2) from None
    except (PermissionError, ValueError, RuntimeError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    with platform.sessions() as session:
        admin, generated = users.ensure_admin(session, platform.hasher, settings.admin_password)
        session.commit()
    if generated:
        typer.echo(f"Created user 'admin' with one-time password: {generated}")
        typer.echo("  (shown only now; change it after logging in)")
    if demo:
        from snapset.service.demo import load_demo

        summary = load_demo(platform, admin_id=admin.id)
        typer.echo(summary)
    typer.echo(f"snapset data folder: {settings.data_dir.resolve()}")
    typer.echo(f"database: {platform.engine.url.render_as_string(hide_password=True)}")
    typer.echo(f"API docs: http://{host}:{port}/api/docs")
    if workers == 1:
        uvicorn.run(create_app(settings, platform=platform), host=host, port=port, log_level="info")
        return
    # Each worker process opens its own platform from the environment (same data dir).
    platform.close()
    os.environ["SNAPSET_DATA_DIR"] = str(settings.data_dir.resolve())
    uvicorn.run(
        "snapset.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
