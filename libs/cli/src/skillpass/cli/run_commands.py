"""Run the platform: ``skillpass dev`` (embedded) and ``skillpass serve <name>``."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def dev(host: str, port: int) -> None:
    """Run gateway and services in one process on the in-memory adapters."""
    raise click.ClickException("not built yet")


@click.command()
@click.argument("name", type=click.Choice(["issuer", "wallet", "verifier", "gateway"]))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(name: str, host: str, port: int) -> None:
    """Serve one service as its own process (real Kafka and MongoDB)."""
    raise click.ClickException("not built yet")
