"""The issuer's HTTP API (Starlette): the W3C VC-API issuing and status endpoints, the service API
(tenants, keys, catalogue, pathways, issuing, batches, status changes, skill gap) and the public
documents (``did:web`` DID documents, signed status lists). See ``openapi.py`` / ``/openapi.json``.

Every route but the public documents needs a bearer JWT, verified here again (the gateway's check
is not trusted alone): the tenant's issuer admins and service accounts act on their tenant;
platform admins on any, and only they create tenants. Errors are problem+json with a ``code``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from skillpass.issuer.bootstrap import IssuerRuntime, embedded_runtime, real_runtime
from skillpass.issuer.domain.achievements import Achievement
from skillpass.issuer.domain.batches import BatchJob
from skillpass.issuer.domain.credentials import (
    InvalidCredentialRequest,
    IssuedCredential,
    StatusAction,
    fingerprint,
)
from skillpass.issuer.domain.pathways import Pathway
from skillpass.issuer.domain.recipients import InvalidRecipient, parse_recipient
from skillpass.issuer.domain.tenants import Tenant
from skillpass.issuer.entrypoints import schemas as s
from skillpass.issuer.entrypoints.openapi import openapi_document
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer import views
from skillpass.issuer.service_layer.errors import IssuerError, UnknownResourceError
from skillpass.issuer.service_layer.handlers import IssueResult
from skillpass.issuer.settings import IssuerSettings
from skillpass.platform.app import AppResources
from skillpass.platform.app import create_app as platform_app
from skillpass.platform.auth import AuthError, Principal, Role, TokenVerifier, bearer_token
from skillpass.platform.bus.port import EventBus
from skillpass.platform.problems import ProblemError, problem_response, read_json

RUNTIME = "issuer"
STATUS_LIST_MAX_AGE = int(views.STATUS_LIST_TTL.total_seconds())

Endpoint = Callable[[Request], Awaitable[Response]]


# ------------------------------------------------------------------------------ plumbing


def runtime(request: Request) -> IssuerRuntime:
    found: IssuerRuntime = getattr(request.state, RUNTIME)
    return found


def principal(request: Request) -> Principal:
    return runtime(request).tokens.verify(bearer_token(request.headers.get("authorization")))


def admin_of(request: Request, tenant_id: str) -> Principal:
    caller = principal(request)
    caller.require_admin_of(tenant_id)
    return caller


async def body(request: Request, model: type[s.Request]) -> Any:
    data = await read_json(request)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _invalid(exc) from None


def _invalid(exc: ValidationError) -> ProblemError:
    errors = [
        {"loc": ".".join(str(p) for p in e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in exc.errors(include_url=False, include_input=False)
    ]
    missing_recipient = any(e["loc"] == "recipient" and e["type"] == "missing" for e in errors)
    code = "missing-recipient" if missing_recipient else "invalid-request"
    return ProblemError(422, code, "the request body is not valid", extensions={"errors": errors})


async def handle(request: Request, command: c.Command) -> Any:
    try:
        return await runtime(request).bus.handle(command)
    except IssuerError as exc:
        raise ProblemError(exc.status, exc.code, exc.detail, extensions=exc.extensions) from None


def created(content: Any, status: int = 201, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers=headers)


def base_url(request: Request) -> str:
    return runtime(request).settings.public_base_url


async def _tenant(request: Request, tenant_id: str) -> Tenant:
    tenant = await runtime(request).bus.deps.tenants.get(tenant_id)
    if tenant is None:
        raise ProblemError(404, "unknown-tenant", f"no tenant {tenant_id!r}")
    return tenant


# ------------------------------------------------------------------------------- public


async def did_document(request: Request) -> Response:
    slug = request.path_params["slug"]
    try:
        document = await views.tenant_did_document(runtime(request).bus.deps, slug)
    except UnknownResourceError as exc:
        raise ProblemError(404, exc.code, exc.detail) from None
    return JSONResponse(
        document, media_type="application/did+json", headers={"Cache-Control": "public, max-age=60"}
    )


async def status_list(request: Request) -> Response:
    try:
        published = await views.published_status_list(
            runtime(request).bus.deps, request.path_params["list_id"]
        )
    except UnknownResourceError as exc:
        raise ProblemError(404, exc.code, exc.detail) from None
    headers = {
        "ETag": published.etag,
        "Cache-Control": f"public, max-age={STATUS_LIST_MAX_AGE}",
    }
    if published.etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return JSONResponse(published.credential, media_type="application/vc+ld+json", headers=headers)


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


async def openapi(request: Request) -> Response:
    return JSONResponse(openapi_document())


# -------------------------------------------------------------------------- tenants, keys


async def create_tenant(request: Request) -> Response:
    principal(request).require(Role.PLATFORM_ADMIN)
    data: s.CreateTenantIn = await body(request, s.CreateTenantIn)
    tenant: Tenant = await handle(
        request, c.CreateTenant(slug=data.slug, profile=data.profile.to_domain())
    )
    return created(s.tenant_out(tenant))


async def get_tenant(request: Request) -> Response:
    # Public: the profile is in every credential the tenant issues, the keys in its DID document.
    tenant_id = request.path_params["tenant"]
    return JSONResponse(s.tenant_out(await _tenant(request, tenant_id)))


async def rotate_key(request: Request) -> Response:
    tenant_id = request.path_params["tenant"]
    admin_of(request, tenant_id)
    tenant: Tenant = await handle(request, c.RotateIssuerKey(tenant_id=tenant_id))
    return JSONResponse(s.tenant_out(tenant))


# ---------------------------------------------------------------------------- catalogue


async def _achievement_json(request: Request, achievement: Achievement) -> dict[str, Any]:
    tenant = await _tenant(request, achievement.tenant_id)
    return s.achievement_out(
        achievement, base_url=base_url(request), issuer=tenant.issuer_profile()
    )


async def create_achievement(request: Request) -> Response:
    tenant_id = request.path_params["tenant"]
    admin_of(request, tenant_id)
    data: s.AchievementIn = await body(request, s.AchievementIn)
    achievement: Achievement = await handle(
        request, c.CreateAchievement(tenant_id=tenant_id, definition=data.to_domain())
    )
    return created(await _achievement_json(request, achievement))


async def update_achievement(request: Request) -> Response:
    tenant_id = request.path_params["tenant"]
    admin_of(request, tenant_id)
    data: s.AchievementIn = await body(request, s.AchievementIn)
    achievement: Achievement = await handle(
        request,
        c.UpdateAchievement(
            tenant_id=tenant_id,
            achievement_id=request.path_params["achievement_id"],
            definition=data.to_domain(),
        ),
    )
    return JSONResponse(await _achievement_json(request, achievement))


# The catalogue (achievements and pathways) is public to read: it is what the institution offers,
# every credential carries its achievement anyway, and wallets and partners show pathway progress
# from it without acting for the tenant.
async def get_achievement(request: Request) -> Response:
    tenant_id = request.path_params["tenant"]
    repo = runtime(request).bus.deps.achievements
    achievement_id = request.path_params["achievement_id"]
    version = request.query_params.get("version")
    achievement = (
        await repo.get_version(achievement_id, int(version))
        if version is not None and version.isdigit()
        else await repo.get(achievement_id)
    )
    if achievement is None or achievement.tenant_id != tenant_id:
        raise ProblemError(404, "unknown-achievement", f"no achievement {achievement_id!r}")
    return JSONResponse(await _achievement_json(request, achievement))


async def list_achievements(request: Request) -> Response:
    tenant_id = request.path_params["tenant"]
    found = await runtime(request).bus.deps.achievements.list_for_tenant(tenant_id)
    return JSONResponse({"items": [await _achievement_json(request, a) for a in found]})


async def create_pathway(request: Request) -> Response:
    tenant_id = request.path_params["tenant"]
    admin_of(request, tenant_id)
    data: s.PathwayIn = await body(request, s.PathwayIn)
    pathway: Pathway = await handle(request, data.to_command(tenant_id))
    return created(s.pathway_out(pathway))


async def _pathway(request: Request, pathway_id: str) -> Pathway:
    pathway = await runtime(request).bus.deps.pathways.get(pathway_id)
    if pathway is None:
        raise ProblemError(404, "unknown-pathway", f"no pathway {pathway_id!r}")
    return pathway


async def get_pathway(request: Request) -> Response:
    tenant_id = request.path_params["tenant"]
    pathway = await _pathway(request, request.path_params["pathway_id"])
    if pathway.tenant_id != tenant_id:
        raise ProblemError(404, "unknown-pathway", "no such pathway for this tenant")
    return JSONResponse(s.pathway_out(pathway))


async def list_pathways(request: Request) -> Response:
    tenant_id = request.path_params["tenant"]
    found = await runtime(request).bus.deps.pathways.list_for_tenant(tenant_id)
    return JSONResponse({"items": [s.pathway_out(p) for p in found]})


async def pathway_progress(request: Request) -> Response:
    """The skill-gap view: what ``recipient`` (an email, a learner id or a DID) still needs.
    Admins of the pathway's tenant may ask about anyone; a learner only about themselves."""
    caller = principal(request)
    pathway = await _pathway(request, request.path_params["pathway_id"])
    raw = request.query_params.get("recipient", "")
    try:
        recipient = parse_recipient(raw)
    except InvalidRecipient as exc:
        raise ProblemError(422, "missing-recipient", str(exc)) from None
    if not (caller.may_administer(pathway.tenant_id) or caller.may_use_wallet(raw)):
        raise AuthError("may not see this learner's progress", status=403, code="forbidden")
    view = await views.pathway_progress(runtime(request).bus.deps, pathway, recipient)
    return JSONResponse(s.progress_out(view))


# ------------------------------------------------------------------------------ issuing


def _issued(result: IssueResult) -> Response:
    content = {
        "credentialId": result.record.id,
        "replayed": result.replayed,
        "verifiableCredential": result.record.credential,
    }
    return created(content, status=200 if result.replayed else 201)


async def issue_credential(request: Request) -> Response:
    tenant_id = request.path_params["tenant"]
    admin_of(request, tenant_id)
    raw = await read_json(request)
    try:
        data = s.IssueCredentialIn.model_validate(raw)
        issue_request = data.to_request(fingerprint(raw) if isinstance(raw, dict) else None)
    except ValidationError as exc:
        raise _invalid(exc) from None
    except InvalidRecipient as exc:
        raise ProblemError(422, "missing-recipient", str(exc)) from None
    key = request.headers.get("idempotency-key") or data.idempotency_key
    result: IssueResult = await handle(
        request,
        c.IssueCredential(
            tenant_id=tenant_id,
            request=issue_request,
            suite=s.suite_of(data.suite),
            idempotency_key=key,
        ),
    )
    return _issued(result)


async def vc_api_issue(request: Request) -> Response:
    """VC-API ``POST /credentials/issue``: ``{credential, options}`` → ``201
    {verifiableCredential}``. The tenant is the one whose DID is the credential's issuer (or the
    caller's tenant when the credential names none)."""
    caller = principal(request)
    data: s.VcApiIssueIn = await body(request, s.VcApiIssueIn)
    tenant_id = _tenant_of_issuer(data.credential.get("issuer")) or caller.tenant
    if tenant_id is None:
        raise ProblemError(422, "unknown-tenant", "the credential names no issuer of this service")
    caller.require_admin_of(tenant_id)
    result: IssueResult = await handle(
        request,
        c.IssueSuppliedCredential(
            tenant_id=tenant_id,
            credential=data.credential,
            suite=s.suite_of(data.options.cryptosuite),
            idempotency_key=request.headers.get("idempotency-key"),
        ),
    )
    return created(
        {"verifiableCredential": result.record.credential}, status=200 if result.replayed else 201
    )


def _tenant_of_issuer(issuer: Any) -> str | None:
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if isinstance(issuer_id, str) and issuer_id.startswith("did:web:") and ":issuers:" in issuer_id:
        return issuer_id.rsplit(":issuers:", 1)[1]
    return None


async def get_credential(request: Request) -> Response:
    tenant_id = request.path_params["tenant"]
    admin_of(request, tenant_id)
    record = await runtime(request).bus.deps.credentials.get(request.path_params["credential_id"])
    if record is None or record.tenant_id != tenant_id:
        raise ProblemError(404, "unknown-credential", "no such credential for this tenant")
    return JSONResponse(s.credential_out(record))


def _status_route(action: StatusAction) -> Endpoint:
    async def change(request: Request) -> Response:
        tenant_id = request.path_params["tenant"]
        admin_of(request, tenant_id)
        raw = await read_json(request) if await request.body() else {}
        try:
            data = s.StatusChangeIn.model_validate(raw)
        except ValidationError as exc:
            raise _invalid(exc) from None
        record: IssuedCredential = await handle(
            request,
            c.ChangeStatus(
                credential_id=request.path_params["credential_id"],
                tenant_id=tenant_id,
                action=action,
                reason=data.reason,
            ),
        )
        return JSONResponse(s.credential_out(record))

    return change


_VC_API_ACTIONS = {
    "revoked": StatusAction.REVOKE,
    "suspended": StatusAction.SUSPEND,
    "active": StatusAction.REINSTATE,
}


async def vc_api_status(request: Request) -> Response:
    """VC-API ``POST /credentials/status``: ``{credentialId, credentialStatus: [{type, status}]}``
    with status ``revoked``, ``suspended`` or ``active`` (lifts a suspension)."""
    caller = principal(request)
    data: s.VcApiStatusIn = await body(request, s.VcApiStatusIn)
    if caller.has(Role.PLATFORM_ADMIN):
        tenant_id = None
    elif caller.has(Role.ISSUER_ADMIN, Role.SERVICE) and caller.tenant is not None:
        tenant_id = caller.tenant
    else:
        raise AuthError(
            "only issuer administrators change credential status", status=403, code="forbidden"
        )
    record: IssuedCredential | None = None
    for entry in data.credential_status:
        record = await handle(
            request,
            c.ChangeStatus(
                credential_id=data.credential_id,
                tenant_id=tenant_id,
                action=_VC_API_ACTIONS[entry.status],
                reason=data.reason,
            ),
        )
    assert record is not None
    return JSONResponse({"credentialId": record.id, "status": record.state.value})


# ------------------------------------------------------------------------------ batches


async def start_batch(request: Request) -> Response:
    tenant_id = request.path_params["tenant"]
    admin_of(request, tenant_id)
    data: s.BatchIn = await body(request, s.BatchIn)
    settings = runtime(request).settings
    if len(data.rows) > settings.max_batch_rows:
        raise ProblemError(
            422, "batch-too-large", f"a batch has at most {settings.max_batch_rows} rows"
        )
    rows = tuple(_row(raw) for raw in data.rows)
    key = request.headers.get("idempotency-key") or data.idempotency_key
    suite = s.suite_of(data.suite)
    job, _new = await handle(
        request,
        c.StartBatch(
            tenant_id=tenant_id,
            rows=rows,
            suite=suite,
            idempotency_key=key,
            chunk_size=settings.batch_chunk_size,
        ),
    )
    location = f"/tenants/{tenant_id}/batch-jobs/{job.id}"
    return created(s.job_out(job), status=202, headers={"Location": location})


def _row(raw: dict[str, Any]) -> c.IssueRequest | Exception:
    """A row that does not parse becomes its error (reported for that row, the rest go on)."""
    try:
        return s.IssueIn.model_validate(raw).to_request(fingerprint(raw))
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return InvalidCredentialRequest("invalid-row", f"{where}: {first['msg']}")
    except InvalidRecipient as exc:
        return InvalidCredentialRequest("missing-recipient", str(exc))


async def _job(request: Request) -> BatchJob:
    tenant_id = request.path_params["tenant"]
    admin_of(request, tenant_id)
    job = await runtime(request).bus.deps.batch_jobs.get(request.path_params["job_id"])
    if job is None or job.tenant_id != tenant_id:
        raise ProblemError(404, "unknown-batch-job", "no such batch job for this tenant")
    return job


async def get_batch(request: Request) -> Response:
    return JSONResponse(s.job_out(await _job(request)))


async def get_batch_results(request: Request) -> Response:
    return JSONResponse(s.job_out(await _job(request), include_results=True))


# ---------------------------------------------------------------------------------- app

ROUTES = [
    Route("/openapi.json", openapi, methods=["GET"]),
    Route("/issuers/{slug}/did.json", did_document, methods=["GET"]),
    Route("/status-lists/{list_id}", status_list, methods=["GET"]),
    Route("/credentials/issue", vc_api_issue, methods=["POST"]),
    Route("/credentials/status", vc_api_status, methods=["POST"]),
    Route("/tenants", create_tenant, methods=["POST"]),
    Route("/tenants/{tenant}", get_tenant, methods=["GET"]),
    Route("/tenants/{tenant}/keys/rotate", rotate_key, methods=["POST"]),
    Route("/tenants/{tenant}/achievements", create_achievement, methods=["POST"]),
    Route("/tenants/{tenant}/achievements", list_achievements, methods=["GET"]),
    Route("/tenants/{tenant}/achievements/{achievement_id}", get_achievement, methods=["GET"]),
    Route("/tenants/{tenant}/achievements/{achievement_id}", update_achievement, methods=["PUT"]),
    Route("/tenants/{tenant}/pathways", create_pathway, methods=["POST"]),
    Route("/tenants/{tenant}/pathways", list_pathways, methods=["GET"]),
    Route("/tenants/{tenant}/pathways/{pathway_id}", get_pathway, methods=["GET"]),
    Route("/pathways/{pathway_id}/progress", pathway_progress, methods=["GET"]),
    Route("/tenants/{tenant}/credentials", issue_credential, methods=["POST"]),
    Route("/tenants/{tenant}/credentials/{credential_id}", get_credential, methods=["GET"]),
    Route(
        "/tenants/{tenant}/credentials/{credential_id}/revoke",
        _status_route(StatusAction.REVOKE),
        methods=["POST"],
    ),
    Route(
        "/tenants/{tenant}/credentials/{credential_id}/suspend",
        _status_route(StatusAction.SUSPEND),
        methods=["POST"],
    ),
    Route(
        "/tenants/{tenant}/credentials/{credential_id}/reinstate",
        _status_route(StatusAction.REINSTATE),
        methods=["POST"],
    ),
    Route("/tenants/{tenant}/batch-jobs", start_batch, methods=["POST"]),
    Route("/tenants/{tenant}/batch-jobs/{job_id}", get_batch, methods=["GET"]),
    Route("/tenants/{tenant}/batch-jobs/{job_id}/results", get_batch_results, methods=["GET"]),
]


async def _auth_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthError)
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return problem_response(ProblemError(exc.status, exc.code, str(exc), headers=headers))


RuntimeFactory = Callable[[], contextlib.AbstractAsyncContextManager[IssuerRuntime]]


def _app(settings: IssuerSettings, runtime_factory: RuntimeFactory) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[AppResources]:
        async with runtime_factory() as issuer:
            yield AppResources(probes=issuer.probes, state={RUNTIME: issuer})

    return platform_app(
        settings=settings,
        routes=ROUTES,
        lifespan=lifespan,
        exception_handlers={AuthError: _auth_error},
    )


def create_app(
    settings: IssuerSettings | None = None, *, tokens: TokenVerifier | None = None
) -> Starlette:
    """The issuer as its own process: MongoDB and Kafka from settings (``skillpass serve issuer``).
    Without ``KAFKA_BOOTSTRAP_SERVERS`` it runs embedded on its own in-memory bus."""
    settings = settings or IssuerSettings()
    if settings.embedded:
        from skillpass.platform.bus.memory import MemoryEventBus

        verifier = tokens
        if verifier is None:
            from skillpass.issuer.bootstrap import tokens_from

            verifier = tokens_from(settings)
        return create_embedded_app(settings, event_bus=MemoryEventBus(), tokens=verifier)
    return _app(settings, lambda: real_runtime(settings, tokens=tokens))


def create_embedded_app(
    settings: IssuerSettings, *, event_bus: EventBus, tokens: TokenVerifier
) -> Starlette:
    """The issuer inside ``skillpass dev``: in-memory stores on the shared in-memory bus."""
    return _app(settings, lambda: embedded_runtime(settings, event_bus=event_bus, tokens=tokens))
