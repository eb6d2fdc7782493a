"""Run the platform: ``skillpass dev`` (everything in one process, in memory) and
``skillpass serve <name> [--role …]`` (one process of one service, on the real Kafka and MongoDB
named by ``KAFKA_BOOTSTRAP_SERVERS`` / ``MONGODB_URI``)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import uvicorn

if TYPE_CHECKING:
    from skillpass.platform.readiness import ReadinessProbe
    from skillpass.platform.settings import ServiceSettings

S = TypeVar("S", bound="ServiceSettings")
# A role's one job, running while the context is open; it yields its readiness probes.
BackgroundRuntime = AbstractAsyncContextManager[Mapping[str, "ReadinessProbe"]]

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


def background_app(settings: ServiceSettings, runtime: Callable[[], BackgroundRuntime]) -> Any:
    """A process whose one job runs for the lifespan of an app serving only /healthz and
    /readyz (the runtime yields the probes), so it is probed like every other role."""
    from skillpass.platform.app import AppResources, create_app

    @contextlib.asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[AppResources]:
        async with runtime() as probes:
            yield AppResources(probes=probes)

    return create_app(settings=settings, routes=[], lifespan=lifespan)


def _as_role(settings: S, role: str) -> S:
    """Name the process for telemetry ("issuer-relay"), keeping the service's database (whose
    default name derives from the service name)."""
    return settings.model_copy(
        update={
            "service_name": f"{settings.service_name}-{role}",
            "mongodb_database": settings.database_name,
        }
    )


def _issuer_relay() -> Any:
    from skillpass.issuer.bootstrap import relay_runtime
    from skillpass.issuer.settings import IssuerSettings

    settings = _as_role(IssuerSettings(), "relay")
    return background_app(settings, lambda: relay_runtime(settings))


def _issuer_worker() -> Any:
    from skillpass.issuer.bootstrap import worker_runtime
    from skillpass.issuer.settings import IssuerSettings

    settings = _as_role(IssuerSettings(), "worker")
    return background_app(settings, lambda: worker_runtime(settings))


def _wallet_relay() -> Any:
    from skillpass.wallet.bootstrap import relay_runtime
    from skillpass.wallet.settings import WalletSettings

    settings = _as_role(WalletSettings(), "relay")
    return background_app(settings, lambda: relay_runtime(settings))


def _verifier_relay() -> Any:
    from skillpass.verifier.bootstrap import relay_runtime
    from skillpass.verifier.settings import VerifierSettings

    settings = _as_role(VerifierSettings(), "relay")
    return background_app(settings, lambda: relay_runtime(settings))


# Roles whose one job runs in the background of a health-only app. `make up` does not start them:
# there the api and consumer processes run the relay and the batch worker themselves (the
# SKILLPASS_<SERVICE>_RUN_RELAY / SKILLPASS_ISSUER_RUN_BATCH_WORKER settings, default true).
BACKGROUND: dict[tuple[str, str], Callable[[], Any]] = {
    ("issuer", "relay"): _issuer_relay,
    ("issuer", "worker"): _issuer_worker,
    ("wallet", "relay"): _wallet_relay,
    ("verifier", "relay"): _verifier_relay,
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
    if (name, role) in BACKGROUND:
        _serve_api(BACKGROUND[name, role], host, port)
        return
    worker = WORKERS.get((name, role))
    if worker is None:
        raise click.ClickException(f"the {name} has no {role} role")
    worker()
