"""The wallet's HTTP API (Starlette): the learner's wallet for the gateway, and the public share
URL `GET /s/{token}`. Every route checks the bearer token itself (see access.py); every bad
input is a 4xx problem+json with a `code`, and nothing is written on error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from skillpass.platform.app import AppResources, ServiceLifespan, create_app
from skillpass.platform.auth import AuthError, TokenVerifier
from skillpass.platform.bus.memory import MemoryBroker
from skillpass.platform.problems import ProblemError, problem_response, read_json
from skillpass.wallet.bootstrap import WalletRuntime, open_wallet, utc_now
from skillpass.wallet.domain.errors import InvalidInput, NotFound, WalletError
from skillpass.wallet.domain.holdings import OfferState, Status
from skillpass.wallet.domain.identities import Identifier
from skillpass.wallet.domain.learners import check_learner_id
from skillpass.wallet.domain.presentations import check_challenge
from skillpass.wallet.domain.queries import HoldingFilter
from skillpass.wallet.domain.uploads import MAX_CREDENTIAL_BYTES, credential_from_upload
from skillpass.wallet.entrypoints import access
from skillpass.wallet.entrypoints.consumer import consumer_workers
from skillpass.wallet.entrypoints.openapi import openapi_document
from skillpass.wallet.entrypoints.representations import (
    counts_json,
    holding_json,
    learner_json,
    page_json,
    progress_json,
    share_link_json,
    share_url,
)
from skillpass.wallet.entrypoints.share_page import render_share_page
from skillpass.wallet.service_layer import views
from skillpass.wallet.service_layer.handlers import ImportRefused
from skillpass.wallet.service_layer.messages import (
    AcceptOffer,
    AddIdentifier,
    CreatePresentation,
    CreateShareLink,
    DeclineOffer,
    ImportCredential,
    RegisterLearner,
    RevokeShareLink,
    SetAutoAccept,
)
from skillpass.wallet.service_layer.ports import CredentialVerifier, PathwayCatalogue
from skillpass.wallet.settings import WalletSettings

VC_MEDIA_TYPES = ("application/vc", "application/vc+ld+json", "application/ld+json")


# --- errors -------------------------------------------------------------------------------------


async def _wallet_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WalletError)
    extensions: dict[str, Any] = {}
    if isinstance(exc, ImportRefused):
        extensions["report"] = exc.report.to_json()
    return problem_response(ProblemError(exc.status, exc.code, str(exc), extensions=extensions))


async def _auth_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
    return problem_response(ProblemError(exc.status, exc.code, str(exc), headers=headers))


# --- request parsing ----------------------------------------------------------------------------


def _body_object(body: Any) -> Mapping[str, Any]:
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", code="invalid-body")
    return body


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be true or false", code="invalid-body")
    return value


def _string_list(value: Any, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InvalidInput(f"{name} must be a list of ids", code="invalid-body")
    return tuple(value)


def _identifier(value: Any) -> Identifier:
    if not isinstance(value, Mapping):
        raise InvalidInput("an identifier is {type, value}", code="invalid-identifier")
    return Identifier.parse(value.get("type"), value.get("value"))


def _moment(text: str | None, name: str) -> datetime | None:
    if text is None or text == "":
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"{name} must be an ISO 8601 date or date-time", code="invalid-filter"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _limit(text: str | None) -> int | None:
    if text is None:
        return None
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        raise InvalidInput("limit must be a positive integer", code="invalid-limit")
    return int(text)


def _status(text: str | None) -> Status | None:
    if text is None or text == "":
        return None
    try:
        return Status(text)
    except ValueError:
        raise InvalidInput(
            "status is active, suspended or revoked", code="invalid-filter"
        ) from None


def _filter(
    request: Request, scope: access.ReadScope, *, offers: tuple[OfferState, ...]
) -> HoldingFilter:
    q = request.query_params
    return HoldingFilter(
        learner_id=scope.learner_id,
        tenant_id=scope.tenant_id,
        offers=offers,
        issuer=q.get("issuer") or None,
        achievement_type=q.get("achievement_type") or None,
        skill=q.get("skill") or None,
        status=_status(q.get("status")),
        issued_from=_moment(q.get("issued_from"), "issued_from"),
        issued_to=_moment(q.get("issued_to"), "issued_to"),
        text=q.get("q") or None,
    )


def _learner_id(request: Request) -> str:
    return check_learner_id(request.path_params["learner_id"])


# --- learners -------------------------------------------------------------------------------------


async def register_learner(request: Request) -> Response:
    principal = access.principal_of(request)
    body = _body_object(await read_json(request))
    learner_id = body.get("learner_id", access.own_learner_id(principal))
    check_learner_id(learner_id)
    access.require_owner(principal, learner_id)
    raw_identifiers = body.get("identifiers") or []
    if not isinstance(raw_identifiers, list):
        raise InvalidInput("identifiers must be a list", code="invalid-body")
    identifiers = tuple(_identifier(i) for i in raw_identifiers)
    if identifiers:
        access.require_identifier_admin(principal)
    auto_accept = _bool(body.get("auto_accept", False), "auto_accept")
    registered = await access.runtime_of(request).bus.handle(
        RegisterLearner(learner_id=learner_id, identifiers=identifiers, auto_accept=auto_accept)
    )
    return JSONResponse(
        {**learner_json(registered.learner), "matched": registered.matched}, status_code=201
    )


async def get_learner(request: Request) -> Response:
    learner_id = _learner_id(request)
    access.require_owner(access.principal_of(request), learner_id)
    learner = await access.runtime_of(request).bus.deps.learners.get(learner_id)
    if learner is None:
        raise NotFound("no such learner", code="learner-not-found")
    return JSONResponse(learner_json(learner))


async def add_identifier(request: Request) -> Response:
    learner_id = _learner_id(request)
    access.require_identifier_admin(access.principal_of(request))
    identifier = _identifier(_body_object(await read_json(request)))
    registered = await access.runtime_of(request).bus.handle(
        AddIdentifier(learner_id=learner_id, identifier=identifier)
    )
    return JSONResponse({**learner_json(registered.learner), "matched": registered.matched})


async def update_settings(request: Request) -> Response:
    learner_id = _learner_id(request)
    access.require_owner(access.principal_of(request), learner_id)
    body = _body_object(await read_json(request))
    learner = await access.runtime_of(request).bus.handle(
        SetAutoAccept(learner_id=learner_id, enabled=_bool(body.get("auto_accept"), "auto_accept"))
    )
    return JSONResponse(learner_json(learner))


# --- holdings -------------------------------------------------------------------------------------


async def _holding_page(request: Request, offers: tuple[OfferState, ...]) -> Response:
    learner_id = _learner_id(request)
    scope = access.read_scope(access.principal_of(request), learner_id)
    page = await views.list_holdings(
        access.runtime_of(request).bus.deps,
        _filter(request, scope, offers=offers),
        limit=_limit(request.query_params.get("limit")),
        cursor=request.query_params.get("cursor"),
    )
    return JSONResponse(page_json(page))


async def list_holdings(request: Request) -> Response:
    return await _holding_page(request, (OfferState.ACCEPTED,))


async def list_offers(request: Request) -> Response:
    return await _holding_page(request, (OfferState.OFFERED,))


async def holding_counts(request: Request) -> Response:
    learner_id = _learner_id(request)
    scope = access.read_scope(access.principal_of(request), learner_id)
    counts = await views.counts(
        access.runtime_of(request).bus.deps, learner_id=learner_id, tenant_id=scope.tenant_id
    )
    return JSONResponse(counts_json(counts))


async def get_holding(request: Request) -> Response:
    learner_id = _learner_id(request)
    scope = access.read_scope(access.principal_of(request), learner_id)
    holding = await views.holding(
        access.runtime_of(request).bus.deps,
        request.path_params["holding_id"],
        learner_id=learner_id,
        tenant_id=scope.tenant_id,
    )
    return JSONResponse(holding_json(holding, full=True))


async def export_holding(request: Request) -> Response:
    learner_id = _learner_id(request)
    scope = access.read_scope(access.principal_of(request), learner_id)
    holding = await views.holding(
        access.runtime_of(request).bus.deps,
        request.path_params["holding_id"],
        learner_id=learner_id,
        tenant_id=scope.tenant_id,
    )
    return JSONResponse(
        holding.credential,
        media_type="application/vc+ld+json",
        headers={"Content-Disposition": f'attachment; filename="{holding.id}.json"'},
    )


async def accept_offer(request: Request) -> Response:
    learner_id = _learner_id(request)
    access.require_owner(access.principal_of(request), learner_id)
    holding = await access.runtime_of(request).bus.handle(
        AcceptOffer(learner_id=learner_id, holding_id=request.path_params["holding_id"])
    )
    return JSONResponse(holding_json(holding))


async def decline_offer(request: Request) -> Response:
    learner_id = _learner_id(request)
    access.require_owner(access.principal_of(request), learner_id)
    raw = await request.body()
    body = _body_object(await read_json(request)) if raw.strip() else {}
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        raise InvalidInput("reason must be a string", code="invalid-body")
    holding = await access.runtime_of(request).bus.handle(
        DeclineOffer(
            learner_id=learner_id, holding_id=request.path_params["holding_id"], reason=reason
        )
    )
    return JSONResponse(holding_json(holding))


async def import_credential(request: Request) -> Response:
    learner_id = _learner_id(request)
    access.require_owner(access.principal_of(request), learner_id)
    body = await request.body()
    if len(body) > MAX_CREDENTIAL_BYTES * 2:
        raise InvalidInput("the upload is too large", code="credential-too-large")
    credential = credential_from_upload(request.headers.get("content-type", ""), body)
    holding = await access.runtime_of(request).bus.handle(
        ImportCredential(learner_id=learner_id, credential=credential)
    )
    return JSONResponse(holding_json(holding, full=True), status_code=201)


async def pathway_progress(request: Request) -> Response:
    learner_id = _learner_id(request)
    access.require_owner(access.principal_of(request), learner_id)
    progress = await views.pathway_progress(
        access.runtime_of(request).bus.deps, learner_id=learner_id
    )
    return JSONResponse({"items": [progress_json(p) for p in progress]})


async def create_presentation(request: Request) -> Response:
    learner_id = _learner_id(request)
    access.require_owner(access.principal_of(request), learner_id)
    body = _body_object(await read_json(request))
    holding_ids = body.get("holding_ids")
    presentation = await access.runtime_of(request).bus.handle(
        CreatePresentation(
            learner_id=learner_id,
            holding_ids=None if holding_ids is None else _string_list(holding_ids, "holding_ids"),
            challenge=check_challenge(body.get("challenge"), "challenge"),
            domain=check_challenge(body.get("domain"), "domain"),
        )
    )
    return JSONResponse(presentation, status_code=201, media_type="application/vp+ld+json")


# --- share links ----------------------------------------------------------------------------------


def _expires_in(body: Mapping[str, Any]) -> timedelta | None:
    seconds = body.get("expires_in_seconds")
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        raise InvalidInput("expires_in_seconds must be an integer", code="invalid-share")
    if seconds <= 0 or seconds > 366 * 86400:
        raise InvalidInput("expiry must be in the future and within a year", code="invalid-share")
    return timedelta(seconds=seconds)


async def create_share_link(request: Request) -> Response:
    learner_id = _learner_id(request)
    access.require_owner(access.principal_of(request), learner_id)
    body = _body_object(await read_json(request))
    label = body.get("label", "")
    if not isinstance(label, str):
        raise InvalidInput("label must be a string", code="invalid-share")
    runtime = access.runtime_of(request)
    link = await runtime.bus.handle(
        CreateShareLink(
            learner_id=learner_id,
            holding_ids=_string_list(body.get("holding_ids"), "holding_ids"),
            expires_in=_expires_in(body),
            label=label,
        )
    )
    return JSONResponse(
        share_link_json(link, base_url=runtime.public_base_url, now=runtime.bus.deps.clock()),
        status_code=201,
    )


async def list_share_links(request: Request) -> Response:
    learner_id = _learner_id(request)
    access.require_owner(access.principal_of(request), learner_id)
    runtime = access.runtime_of(request)
    links = await runtime.bus.deps.share_links.of_learner(learner_id)
    now = runtime.bus.deps.clock()
    return JSONResponse(
        {"items": [share_link_json(x, base_url=runtime.public_base_url, now=now) for x in links]}
    )


async def revoke_share_link(request: Request) -> Response:
    learner_id = _learner_id(request)
    access.require_owner(access.principal_of(request), learner_id)
    runtime = access.runtime_of(request)
    link = await runtime.bus.handle(
        RevokeShareLink(learner_id=learner_id, link_id=request.path_params["link_id"])
    )
    return JSONResponse(
        share_link_json(link, base_url=runtime.public_base_url, now=runtime.bus.deps.clock())
    )


# --- the public share URL -------------------------------------------------------------------------


def preferred(accept: str, offered: tuple[str, ...]) -> str | None:
    """The offered media type the Accept header prefers (q-values; ties: header order)."""
    best: tuple[float, int, str] | None = None
    for position, part in enumerate(accept.split(",")):
        media, *params = [p.strip() for p in part.split(";")]
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        for candidate in offered:
            kind = candidate.split("/")[0]
            if media.lower() in (candidate, f"{kind}/*", "*/*") and quality > 0:
                key = (-quality, position if media != "*/*" else 1_000_000, candidate)
                if best is None or key < best:
                    best = key
    return best[2] if best is not None else None


async def share(request: Request) -> Response:
    runtime = access.runtime_of(request)
    token = request.path_params["token"]
    wants = request.query_params.get("format")
    accept = request.headers.get("accept", "*/*") or "*/*"
    offered = ("application/json", "text/html", *VC_MEDIA_TYPES)
    media = "application/json" if wants == "json" else preferred(accept, offered)
    if media is None:
        raise ProblemError(406, "not-acceptable", "this link serves JSON or HTML")
    html = media == "text/html"
    view = await views.shared(runtime.bus.deps, token, verify=html)
    headers = {
        "Cache-Control": "no-store",  # a revoked link must stop working at once
        "Referrer-Policy": "no-referrer",  # the token is in the URL: never leak it onwards
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept",
    }
    if html:
        page = render_share_page(view, share_url=share_url(runtime.public_base_url, token))
        headers["Content-Security-Policy"] = (
            "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; "
            "form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
        )
        return HTMLResponse(page, headers=headers)
    credentials = [c.holding.credential for c in view.credentials]
    only = request.query_params.get("credential")
    if only is not None:
        credentials = [c.holding.credential for c in view.credentials if c.holding.id == only]
        if not credentials:
            raise ProblemError(404, "not-found", "this link does not share that credential")
    body: Any = credentials[0] if len(credentials) == 1 else {"credentials": credentials}
    media_type = media if media in VC_MEDIA_TYPES and len(credentials) == 1 else "application/json"
    return Response(json.dumps(body, ensure_ascii=False), media_type=media_type, headers=headers)


async def openapi(_request: Request) -> Response:
    return JSONResponse(openapi_document())


def routes() -> list[BaseRoute]:
    learner = "/learners/{learner_id}"
    return [
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/learners", register_learner, methods=["POST"]),
        Route(learner, get_learner, methods=["GET"]),
        Route(f"{learner}/identifiers", add_identifier, methods=["POST"]),
        Route(f"{learner}/settings", update_settings, methods=["PUT"]),
        Route(f"{learner}/holdings", list_holdings, methods=["GET"]),
        Route(f"{learner}/holdings/counts", holding_counts, methods=["GET"]),
        Route(f"{learner}/holdings/import", import_credential, methods=["POST"]),
        Route(f"{learner}/holdings/{{holding_id}}", get_holding, methods=["GET"]),
        Route(f"{learner}/holdings/{{holding_id}}/export", export_holding, methods=["GET"]),
        Route(f"{learner}/offers", list_offers, methods=["GET"]),
        Route(f"{learner}/offers/{{holding_id}}/accept", accept_offer, methods=["POST"]),
        Route(f"{learner}/offers/{{holding_id}}/decline", decline_offer, methods=["POST"]),
        Route(f"{learner}/pathways", pathway_progress, methods=["GET"]),
        Route(f"{learner}/presentations", create_presentation, methods=["POST"]),
        Route(f"{learner}/share-links", create_share_link, methods=["POST"]),
        Route(f"{learner}/share-links", list_share_links, methods=["GET"]),
        Route(f"{learner}/share-links/{{link_id}}", revoke_share_link, methods=["DELETE"]),
        Route("/s/{token}", share, methods=["GET"]),
    ]


EXCEPTION_HANDLERS = {WalletError: _wallet_error, AuthError: _auth_error}


def create_wallet_app(settings: WalletSettings, lifespan: ServiceLifespan) -> Starlette:
    return create_app(
        settings=settings,
        routes=routes(),
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
    )


RuntimeContext = Callable[[Starlette], AbstractAsyncContextManager[WalletRuntime]]


def wallet_lifespan(runtime_context: RuntimeContext) -> ServiceLifespan:
    """A lifespan that opens `runtime_context(app)` for the life of the app."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[AppResources]:
        async with runtime_context(app) as runtime:
            if runtime.token_verifier is None:
                raise RuntimeError("the wallet HTTP API needs SKILLPASS_WALLET_JWT_JWKS")
            yield AppResources(probes=runtime.probes, state={"wallet": runtime})

    return lifespan


def app_from_settings(settings: WalletSettings | None = None) -> Starlette:
    """`skillpass serve wallet`: MongoDB + Kafka from the environment. The consumer runs in its
    own process (`python -m skillpass.wallet.entrypoints.consumer`)."""
    settings = settings or WalletSettings()
    return create_wallet_app(settings, wallet_lifespan(lambda _app: open_wallet(settings)))


def embedded_app(
    *,
    memory_broker: MemoryBroker,
    token_verifier: TokenVerifier,
    settings: WalletSettings | None = None,
    verifier: CredentialVerifier | None = None,
    catalogue: PathwayCatalogue | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Starlette:
    """`skillpass dev`: the wallet on memory repositories and the process's shared in-memory
    bus, its consumer running inside the app's lifespan."""
    settings = settings or WalletSettings(kafka_bootstrap_servers=None, mongodb_uri=None)

    def runtime(_app: Starlette) -> AbstractAsyncContextManager[WalletRuntime]:
        return open_wallet(
            settings,
            workers=consumer_workers(settings),
            token_verifier=token_verifier,
            memory_broker=memory_broker,
            verifier=verifier,
            catalogue=catalogue,
            clock=clock,
        )

    return create_wallet_app(settings, wallet_lifespan(runtime))
