"""What the Ingresses expose: the gateway's API, and only the public documents of the issuer and
the wallet, each a route those services really serve; over TLS in production."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

import pytest
from starlette.routing import BaseRoute, Route

from tests.k8s.manifests import Rendered

EXPOSED = {
    "gateway": ["/"],
    "issuer": ["/issuers/", "/status-lists/"],  # did:web documents, status lists
    "wallet": ["/s/"],  # share pages
}


def _paths(rendered: Rendered) -> dict[str, list[str]]:
    exposed: dict[str, list[str]] = {}
    for ingress in rendered.of_kind("Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                service = path["backend"]["service"]["name"]
                exposed.setdefault(service, []).append(path["path"])
    return exposed


def _routes(module: str, attribute: str) -> Sequence[BaseRoute] | None:
    try:
        found: Any = getattr(importlib.import_module(module), attribute)
    except (ModuleNotFoundError, AttributeError):
        return None
    routes: Sequence[BaseRoute] = found() if callable(found) else found
    return routes


def test_only_the_public_surface_is_routed_from_outside(rendered: Rendered) -> None:
    assert _paths(rendered) == EXPOSED


@pytest.mark.parametrize(
    ("service", "module", "attribute"),
    [
        ("issuer", "skillpass.issuer.entrypoints.http", "ROUTES"),
        ("wallet", "skillpass.wallet.entrypoints.http", "routes"),
    ],
)
def test_each_public_prefix_leads_to_get_routes_of_its_service(
    service: str, module: str, attribute: str
) -> None:
    routes = _routes(module, attribute)
    if routes is None:
        pytest.skip(f"{module}.{attribute} is not there yet")
    gets = [r.path for r in routes if isinstance(r, Route) and "GET" in (r.methods or ())]
    for prefix in EXPOSED[service]:
        assert any(path.startswith(prefix) for path in gets), f"{service} serves no GET {prefix}…"


def test_production_serves_every_public_host_over_tls(rendered: Rendered) -> None:
    if rendered.overlay != "prod":
        pytest.skip("TLS is a production concern here (dev uses *.localhost over HTTP)")
    for ingress in rendered.of_kind("Ingress"):
        hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
        covered = {host for tls in ingress["spec"].get("tls", []) for host in tls["hosts"]}
        assert hosts <= covered, ingress["metadata"]["name"]
