"""The verifier's HTTP API (Starlette). Verification is public (employers, the share page) but
rate-limited; a bearer token, when sent, is verified and makes the caller's tenant registry count.
Trust registries: platform admins manage the global one, a tenant's admins and verifiers their
own. A stored report is readable by whoever verified (or, for anonymous verifications, by whoever
holds its unguessable id), their tenant's admins and verifiers, and platform admins.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skillpass.platform.app import AppResources
from skillpass.platform.app import create_app as create_service_app
from skillpass.platform.auth import AuthError, Principal, Role, TokenVerifier, bearer_token
from skillpass.platform.bus.memory import MemoryBroker
from skillpass.platform.problems import ProblemError, read_json
from skillpass.verifier.bootstrap import STATE_KEY, Verifier, open_verifier
from skillpass.verifier.domain.report import Requester, VerificationReport
from skillpass.verifier.domain.trust import (
    GLOBAL_SCOPE,
    InvalidTrustEntryError,
    RegistryFormatError,
)
from skillpass.verifier.entrypoints import wire
from skillpass.verifier.entrypoints.openapi import OPENAPI
from skillpass.verifier.service_layer.handlers import NotFoundError
from skillpass.verifier.service_layer.messages import (
    ImportTrustRegistry,
    PutTrustedIssuer,
    RemoveTrustedIssuer,
    VerifyCredential,
    VerifyPresentation,
)
from skillpass.verifier.settings import VerifierSettings

_SCOPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%-]{1,2000}")


def _verifier(request: Request) -> Verifier:
    verifier: Verifier = getattr(request.state, STATE_KEY)
    return verifier


# ---------------------------------------------------------------------------------- callers


def _principal(request: Request, *, required: bool) -> Principal | None:
    header = request.headers.get("authorization")
    if header is None and not required:
        return None
    tokens = _verifier(request).tokens
    try:
        token = bearer_token(header)
        if tokens is None:
            raise AuthError("authentication is not configured on this service")
        return tokens.verify(token)
    except AuthError as exc:
        raise ProblemError(
            exc.status, exc.code, str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from None


def _caller(request: Request) -> Principal:
    principal = _principal(request, required=True)
    assert principal is not None
    return principal


def _client_key(request: Request, principal: Principal | None) -> str:
    if principal is not None:
        return f"sub:{principal.subject}"
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and _verifier(request).settings.trust_forwarded_for:
        return "ip:" + forwarded.split(",", 1)[0].strip()
    return "ip:" + (request.client.host if request.client else "unknown")


def _rate_limited(request: Request, principal: Principal | None) -> None:
    wait = _verifier(request).limiter.acquire(_client_key(request, principal))
    if wait is not None:
        raise ProblemError(
            429,
            "rate-limited",
            "too many verification requests; slow down",
            headers={"Retry-After": str(max(1, round(wait)))},
        )


def _requester(principal: Principal | None) -> Requester:
    if principal is None:
        return Requester()
    return Requester(subject=principal.subject, tenant=principal.tenant)


def _may_manage(principal: Principal, scope: str) -> bool:
    if principal.has(Role.PLATFORM_ADMIN):
        return True
    if scope == GLOBAL_SCOPE:
        return False
    return principal.tenant == scope and principal.has(
        Role.ISSUER_ADMIN, Role.VERIFIER, Role.SERVICE
    )


def _may_read_report(principal: Principal | None, report: VerificationReport) -> bool:
    owner = report.requester
    if owner.subject is None:
        return True  # anonymous: the unguessable id is the capability
    if principal is None:
        return False
    if principal.has(Role.PLATFORM_ADMIN) or principal.subject == owner.subject:
        return True
    return (
        owner.tenant is not None
        and principal.tenant == owner.tenant
        and principal.has(Role.ISSUER_ADMIN, Role.VERIFIER, Role.SERVICE)
    )


def _scope(request: Request) -> str:
    scope: str = request.path_params["scope"]
    if not _SCOPE.fullmatch(scope):
        raise wire.invalid(f"{scope!r} is not a registry scope ('global' or a tenant id)")
    return scope


def _did(request: Request) -> str:
    did: str = request.path_params["did"]
    if not _DID.fullmatch(did):
        raise wire.invalid(f"{did!r} is not a DID", code="invalid-did")
    return did


# -------------------------------------------------------------------------------- endpoints


async def verify_credential(request: Request) -> Response:
    principal = _principal(request, required=False)
    _rate_limited(request, principal)
    body = await read_json(request)
    credential = wire.required_object(body, "verifiableCredential")
    command = VerifyCredential(
        credential=credential, options=wire.options_from(body), requester=_requester(principal)
    )
    report = await _verifier(request).bus.handle(command)
    return JSONResponse(wire.credential_verification_json(report))


async def verify_presentation(request: Request) -> Response:
    principal = _principal(request, required=False)
    _rate_limited(request, principal)
    body = await read_json(request)
    signed = not (isinstance(body, dict) and "presentation" in body)
    presentation = wire.required_object(
        body, "verifiablePresentation" if signed else "presentation"
    )
    command = VerifyPresentation(
        presentation=presentation,
        options=wire.options_from(body),
        requester=_requester(principal),
        signed=signed,
    )
    report = await _verifier(request).bus.handle(command)
    return JSONResponse(wire.presentation_verification_json(report))


async def get_verification(request: Request) -> Response:
    principal = _principal(request, required=False)
    verification_id: str = request.path_params["verification_id"]
    report = await _verifier(request).bus.deps.verifications.get(verification_id)
    if report is None:
        raise ProblemError(404, "not-found", f"no verification {verification_id}")
    if not _may_read_report(principal, report):
        if principal is None:
            raise ProblemError(401, "unauthenticated", "sign in to read this verification")
        raise ProblemError(403, "forbidden", "this verification belongs to someone else")
    return JSONResponse(wire.stored_report_json(report))


async def list_trusted_issuers(request: Request) -> Response:
    scope = _scope(request)
    if scope != GLOBAL_SCOPE and not _may_manage(_caller(request), scope):
        raise ProblemError(403, "forbidden", f"not an administrator or verifier of {scope}")
    registry = await _verifier(request).bus.deps.trust.get(scope)
    return JSONResponse(wire.registry_json(registry))


def _require_manager(request: Request, scope: str) -> None:
    if not _may_manage(_caller(request), scope):
        who = "a platform admin" if scope == GLOBAL_SCOPE else f"an admin or verifier of {scope}"
        raise ProblemError(403, "forbidden", f"managing the {scope} registry needs {who}")


async def put_trusted_issuer(request: Request) -> Response:
    scope, did = _scope(request), _did(request)
    _require_manager(request, scope)
    body = await read_json(request)
    try:
        entry = wire.trusted_issuer_from(body, did=did, scope=scope)
    except InvalidTrustEntryError as exc:
        raise wire.invalid(str(exc)) from None
    registry = await _verifier(request).bus.handle(PutTrustedIssuer(entry=entry))
    return JSONResponse(wire.trusted_issuer_json(registry.issuers[did]))


async def remove_trusted_issuer(request: Request) -> Response:
    scope, did = _scope(request), _did(request)
    _require_manager(request, scope)
    try:
        await _verifier(request).bus.handle(RemoveTrustedIssuer(scope=scope, did=did))
    except NotFoundError as exc:
        raise ProblemError(404, "not-found", str(exc)) from None
    return Response(status_code=204)


async def import_trust_registry(request: Request) -> Response:
    scope = _scope(request)
    _require_manager(request, scope)
    name = request.query_params.get("name", "").strip()
    if not name or len(name) > 200:
        raise wire.invalid("the query parameter 'name' names the imported registry")
    body = await read_json(request)
    if not isinstance(body, dict):
        raise wire.invalid("the body must be a DCC registry JSON object")
    try:
        registry = await _verifier(request).bus.handle(
            ImportTrustRegistry(scope=scope, registry_name=name, document=body)
        )
    except RegistryFormatError as exc:
        raise wire.invalid(str(exc), code="invalid-registry") from None
    return JSONResponse(wire.registry_json(registry))


async def openapi(_request: Request) -> Response:
    return JSONResponse(OPENAPI)


ROUTES = [
    Route("/credentials/verify", verify_credential, methods=["POST"]),
    Route("/presentations/verify", verify_presentation, methods=["POST"]),
    Route("/verifications/{verification_id}", get_verification, methods=["GET"]),
    Route("/trust/registries/{scope}/issuers", list_trusted_issuers, methods=["GET"]),
    Route("/trust/registries/{scope}/issuers/{did}", put_trusted_issuer, methods=["PUT"]),
    Route("/trust/registries/{scope}/issuers/{did}", remove_trusted_issuer, methods=["DELETE"]),
    Route("/trust/registries/{scope}/import", import_trust_registry, methods=["POST"]),
    Route("/openapi.json", openapi, methods=["GET"]),
]


def create_app(settings: VerifierSettings | None = None, **options: Any) -> Starlette:
    """The verifier app; ``options`` go to :func:`~skillpass.verifier.bootstrap.open_verifier`
    (``memory_broker``, ``tokens``, ``transport``, ``resolve``, ``clock``, ``timer``,
    ``verify_list``)."""
    resolved = settings or VerifierSettings()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[AppResources]:
        async with open_verifier(resolved, **options) as resources:
            yield resources

    return create_service_app(settings=resolved, routes=ROUTES, lifespan=lifespan)


def create_embedded_app(
    *,
    memory_broker: MemoryBroker,
    tokens: TokenVerifier,
    settings: VerifierSettings | None = None,
) -> Starlette:
    """The verifier inside ``skillpass dev``: the broker every embedded service shares, the
    gateway's token verifier, memory stores (settings without MONGODB_URI/KAFKA_*)."""
    return create_app(settings, memory_broker=memory_broker, tokens=tokens)
