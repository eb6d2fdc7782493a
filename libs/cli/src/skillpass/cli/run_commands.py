"""Run the platform: ``skillpass dev`` (embedded) and ``skillpass serve <name>``."""

from __future__ import annotations

import click
import uvicorn


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def dev(host: str, port: int) -> None:
    """Run gateway and services in one process on the in-memory adapters."""
    from skillpass.gateway.app import create_app

    click.echo(f"skillpass dev: GraphiQL at http://{host}:{port}/graphql")
    uvicorn.run(create_app(graphiql=True), host=host, port=port, log_level="info")


@click.command()
@click.argument("name", type=click.Choice(["issuer", "wallet", "verifier", "gateway"]))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(name: str, host: str, port: int) -> None:
    """Serve one service as its own process (real Kafka and MongoDB)."""
    if name != "gateway":
        raise click.ClickException(f"the {name} service is not built yet")
    from skillpass.gateway.app import create_app

    uvicorn.run(create_app(graphiql=False), host=host, port=port, log_level="info")
