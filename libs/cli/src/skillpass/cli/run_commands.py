"""Run the platform: ``skillpass dev`` (everything in one process, in memory) and
``skillpass serve <name> [--role …]`` (one process of one service, on the real Kafka and MongoDB
named by ``KAFKA_BOOTSTRAP_SERVERS`` / ``MONGODB_URI``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import uvicorn

DEFAULT_TOKENS_FILE = Path(".skillpass/dev-tokens.json")


def _public_host(host: str) -> str:
    """The host to put in URLs: a wildcard bind is reached at the loopback address."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - compared only


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--tokens-file",
    default=str(DEFAULT_TOKENS_FILE),
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the demo users' bearer tokens are written (JSON, mode 0600).",
)
def dev(host: str, port: int, tokens_file: Path) -> None:
    """Run gateway, issuer, wallet and verifier in one process on the in-memory adapters, with a
    demo tenant, learner and partner (their tokens are printed and written to a file)."""
    from skillpass.cli.embedded import EmbeddedPlatform
    from skillpass.gateway.demo import Demo, write_tokens

    base_url = f"http://{_public_host(host)}:{port}"
    graphql_url = f"{base_url}/graphql"

    def announce(demo: Demo) -> None:
        write_tokens(tokens_file, demo, graphql_url=graphql_url)
        click.echo("")
        click.echo(f"skillpass dev: tenant {demo.tenant_id!r}, learner {demo.learner_id!r}")
        click.echo(f"  ({demo.learner_email}), pathway {demo.pathway_id}")
        for role, token in demo.tokens.as_json().items():
            click.echo(f"  {role:>15}: Bearer {token}")
        click.echo(f"  tokens and ids written to {tokens_file}")
        click.echo(f'  GraphiQL: {graphql_url}   (Headers: {{"Authorization": "Bearer …"}})')
        click.echo("")

    platform = EmbeddedPlatform(base_url=base_url, on_seeded=announce)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per in-process call is noise
    uvicorn.run(platform.app, host=host, port=port, log_level="warning", ws="websockets-sansio")


# --- serve: one process of one service ---------------------------------------------------------

ROLES = ("api", "consumer", "relay", "worker")


def _serve_api(app_factory: Callable[[], Any], host: str, port: int) -> None:
    uvicorn.run(app_factory(), host=host, port=port, log_level="warning", ws="websockets-sansio")


def _issuer_api() -> Any:
    from skillpass.issuer.entrypoints.http import create_app

    return create_app()


def _issuer_consumer() -> None:
    from skillpass.issuer.entrypoints.consumer import main

    main()


def _wallet_api() -> Any:
    from skillpass.wallet.entrypoints.http import app_from_settings

    return app_from_settings()


def _wallet_consumer() -> None:
    from skillpass.wallet.entrypoints.consumer import serve
    from skillpass.wallet.settings import WalletSettings

    asyncio.run(serve(WalletSettings()))


def _verifier_api() -> Any:
    from skillpass.verifier.entrypoints.http import create_app

    return create_app()


def _gateway_api() -> Any:
    from skillpass.gateway.app import create_app

    return create_app()


APIS: dict[str, Callable[[], Any]] = {
    "issuer": _issuer_api,
    "wallet": _wallet_api,
    "verifier": _verifier_api,
    "gateway": _gateway_api,
}
WORKERS: dict[tuple[str, str], Callable[[], None]] = {
    ("issuer", "consumer"): _issuer_consumer,
    ("wallet", "consumer"): _wallet_consumer,
}
# Where a role lives when a service has no process of its own for it.
INSIDE = {
    ("issuer", "relay"): "the issuer's outbox relay runs inside its api process",
    ("issuer", "worker"): "the issuer signs batches in a process pool of its api process",
    ("wallet", "relay"): "the wallet's outbox relay runs inside its api and consumer processes",
    ("verifier", "relay"): "the verifier's outbox relay runs inside its api process",
}


def roles_of(name: str) -> list[str]:
    """The roles ``name`` runs as separate processes (``make up`` starts one of each)."""
    return ["api", *(role for service, role in WORKERS if service == name)]


@click.command()
@click.argument("name", type=click.Choice(["issuer", "wallet", "verifier", "gateway"]))
@click.option("--role", type=click.Choice(ROLES), default="api", show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(name: str, role: str, host: str, port: int) -> None:
    """Serve one role of one service as its own process (real Kafka and MongoDB from the
    environment: KAFKA_BOOTSTRAP_SERVERS, MONGODB_URI)."""
    if role == "api":
        _serve_api(APIS[name], host, port)
        return
    worker = WORKERS.get((name, role))
    if worker is None:
        where = INSIDE.get((name, role), f"the {name} has no {role} role")
        raise click.ClickException(f"{where}; run `skillpass serve {name} --role api`")
    worker()
