"""Use cases: one handler per command, all taking the command and the :class:`Dependencies`.

Issuing (single, VC-API, batch rows and stacked credentials) goes through one path,
:func:`_issue`: allocate status positions, build, sign (through the signer executor), store the
credential with its event in one write. A store that says "that position is taken" (another
writer got there first) sends the credential back for a new position and a new signature; one
that says "that id exists" is an idempotent retry, answered with the stored credential.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

import structlog

from skillpass.issuer.domain import pathways as pathway_rules
from skillpass.issuer.domain.achievements import (
    Achievement,
    InvalidAchievement,
    new_achievement,
    revised,
)
from skillpass.issuer.domain.batches import (
    BatchJob,
    RowError,
    RowResult,
    chunk_bounds,
    chunk_id,
    job_uuid,
    row_credential_uuid,
)
from skillpass.issuer.domain.credentials import (
    CredentialDraft,
    CredentialState,
    Evidence,
    InvalidCredentialRequest,
    InvalidStatusChange,
    IssuedCredential,
    StatusChange,
    StatusPosition,
    Suite,
    build_achievement_credential,
    credential_urn,
    credits_of,
    fingerprint,
)
from skillpass.issuer.domain.pathways import (
    Holding,
    InvalidPathway,
    Pathway,
    RecipientHoldings,
    new_pathway,
    stacked_credential_uuid,
)
from skillpass.issuer.domain.recipients import (
    InvalidRecipient,
    SubjectIdentity,
    subject_identity,
)
from skillpass.issuer.domain.status_lists import StatusList, new_status_list
from skillpass.issuer.domain.tenants import InvalidTenant, Tenant, new_tenant
from skillpass.issuer.service_layer import commands as c
from skillpass.issuer.service_layer import outgoing
from skillpass.issuer.service_layer.batch_work import BatchChunk, BatchRow, PreparedRow
from skillpass.issuer.service_layer.errors import (
    RequestConflictError,
    RequestRejectedError,
    UnknownResourceError,
)
from skillpass.issuer.service_layer.ports import (
    AchievementRepository,
    Added,
    AlreadyExistsError,
    BatchJobRepository,
    Clock,
    ConflictError,
    CredentialRepository,
    Existing,
    HoldingsRepository,
    IdGenerator,
    KeyVault,
    NewCredential,
    PathwayRepository,
    PositionTaken,
    Rng,
    SignerExecutor,
    SignFailure,
    StatusListRepository,
    TenantRepository,
)
from skillpass.issuer.service_layer.supplied import check_supplied, supplied_subject
from skillpass.vc.keys import SigningKey
from skillpass.vc.validation import is_url

log = structlog.get_logger(__name__)

# Rounds of "position taken, allocate again" before a credential is reported as failed.
MAX_POSITION_ROUNDS: Final = 8
IDEMPOTENCY_NAMESPACE: Final = uuid.UUID("2f9c1a44-7d0b-4d7e-b3f1-5c8e7a9d0e21")


# Positions known to be taken, per status list, kept for the process: the list's taken set is read
# once, not per credential or chunk (others' claims surface as "position taken" on the write).
TakenPositions = dict[str, set[int]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Dependencies:
    tenants: TenantRepository
    achievements: AchievementRepository
    pathways: PathwayRepository
    credentials: CredentialRepository
    status_lists: StatusListRepository
    batch_jobs: BatchJobRepository
    holdings: HoldingsRepository
    vault: KeyVault
    signer: SignerExecutor
    clock: Clock
    ids: IdGenerator
    rng: Rng
    base_url: str  # https://<public host>[:port]
    public_host: str  # host[:port], for did:web
    pepper: bytes  # keys recipient pseudonyms (see domain.recipients)
    outbox_written: Callable[[], None] = field(default=lambda: None)  # wakes the relay
    batch_submitted: Callable[[], None] = field(default=lambda: None)  # wakes the batch worker
    taken_positions: TakenPositions = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class IssueResult:
    record: IssuedCredential
    replayed: bool = False  # an idempotent retry: the credential was issued before


# ------------------------------------------------------------------ tenants and keys


async def create_tenant(cmd: c.CreateTenant, deps: Dependencies) -> Tenant:
    now = deps.clock.now()
    if await deps.tenants.get(cmd.slug) is not None:
        raise RequestConflictError("tenant-exists", f"the slug {cmd.slug!r} is taken")
    try:
        tenant = new_tenant(
            slug=cmd.slug, profile=cmd.profile, public_host=deps.public_host, now=now
        )
    except InvalidTenant as exc:
        raise RequestRejectedError("invalid-tenant", str(exc)) from None
    tenant = await _with_new_key(deps, tenant)
    try:
        await deps.tenants.add(tenant)
    except AlreadyExistsError:
        raise RequestConflictError("tenant-exists", f"the slug {cmd.slug!r} is taken") from None
    log.info("tenant created", tenant=tenant.id, did=tenant.did)
    return tenant


async def rotate_issuer_key(cmd: c.RotateIssuerKey, deps: Dependencies) -> Tenant:
    tenant = await _tenant(deps, cmd.tenant_id)
    rotated = await _with_new_key(deps, tenant)
    await deps.tenants.save(rotated)
    log.info("issuer key rotated", tenant=tenant.id, key=rotated.next_key_id())
    return rotated


async def _with_new_key(deps: Dependencies, tenant: Tenant) -> Tenant:
    """A fresh Ed25519 key, stored (encrypted) in the vault before the tenant names it, so a
    tenant never lists a key whose secret is missing."""
    key = SigningKey.from_seed(deps.rng.randbytes(32))
    updated = tenant.with_new_key(
        public_key_multibase=key.public_key.multibase, now=deps.clock.now()
    )
    active = updated.active_key
    assert active is not None
    await deps.vault.put(_key_ref(tenant.id, active.public_key_multibase), key)
    return updated


def _key_ref(tenant_id: str, public_key_multibase: str) -> str:
    """Named by the public key, so a key sealed by a request that failed afterwards (the tenant
    write) never blocks the retry, which generates another key."""
    return f"{tenant_id}#{public_key_multibase}"


async def _tenant(deps: Dependencies, tenant_id: str) -> Tenant:
    tenant = await deps.tenants.get(tenant_id)
    if tenant is None:
        raise UnknownResourceError("unknown-tenant", f"no tenant {tenant_id!r}")
    return tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class ActiveSigner:
    key: SigningKey
    verification_method: str


async def active_signer(deps: Dependencies, tenant: Tenant) -> ActiveSigner:
    active = tenant.active_key
    if active is None:
        raise RequestConflictError("no-active-key", f"tenant {tenant.id} has no signing key")
    key = await deps.vault.get(_key_ref(tenant.id, active.public_key_multibase))
    if key is None or key.public_key.multibase != active.public_key_multibase:
        raise RuntimeError(f"the vault does not hold tenant {tenant.id}'s active key")
    return ActiveSigner(key=key, verification_method=active.verification_method(tenant.did))


# ------------------------------------------------------------------------- catalogue


async def create_achievement(cmd: c.CreateAchievement, deps: Dependencies) -> Achievement:
    await _tenant(deps, cmd.tenant_id)
    try:
        achievement = new_achievement(
            achievement_id=deps.ids.new_id(),
            tenant_id=cmd.tenant_id,
            definition=cmd.definition,
            now=deps.clock.now(),
        )
    except InvalidAchievement as exc:
        raise RequestRejectedError("invalid-achievement", str(exc)) from None
    await deps.achievements.add(achievement)
    return achievement


async def update_achievement(cmd: c.UpdateAchievement, deps: Dependencies) -> Achievement:
    current = await _achievement(deps, cmd.tenant_id, cmd.achievement_id)
    try:
        updated = revised(current, cmd.definition, now=deps.clock.now())
    except InvalidAchievement as exc:
        raise RequestRejectedError("invalid-achievement", str(exc)) from None
    try:
        await deps.achievements.save_revision(updated)
    except ConflictError:
        raise RequestConflictError(
            "concurrent-update", "the achievement changed meanwhile; reload and retry"
        ) from None
    return updated


async def _achievement(deps: Dependencies, tenant_id: str, achievement_id: str) -> Achievement:
    achievement = await deps.achievements.get(achievement_id)
    if achievement is None or achievement.tenant_id != tenant_id:
        raise UnknownResourceError(
            "unknown-achievement", f"tenant {tenant_id} has no achievement {achievement_id!r}"
        )
    return achievement


async def create_pathway(cmd: c.CreatePathway, deps: Dependencies) -> Pathway:
    tenant = await _tenant(deps, cmd.tenant_id)
    await _achievement(deps, tenant.id, cmd.target_achievement_id)
    partner_dids = set(cmd.accepted_issuers)
    for achievement_id in cmd.rule.components:
        component = await deps.achievements.get(achievement_id)
        if component is None:
            raise UnknownResourceError(
                "unknown-achievement", f"no component achievement {achievement_id!r}"
            )
        if component.tenant_id != tenant.id:
            owner = await deps.tenants.get(component.tenant_id)
            if owner is None or owner.did not in partner_dids:
                raise RequestRejectedError(
                    "issuer-not-accepted",
                    f"component {achievement_id} belongs to another tenant whose issuer DID "
                    "is not in acceptedIssuers",
                )
    try:
        pathway = new_pathway(
            pathway_id=deps.ids.new_id(),
            tenant_id=tenant.id,
            issuer_did=tenant.did,
            name=cmd.name,
            target_achievement_id=cmd.target_achievement_id,
            rule=cmd.rule,
            accepted_issuers=cmd.accepted_issuers,
            now=deps.clock.now(),
            description=cmd.description,
        )
    except InvalidPathway as exc:
        raise RequestRejectedError("invalid-pathway", str(exc)) from None
    await deps.pathways.add(pathway)
    return pathway


# --------------------------------------------------------------------------- issuing


@dataclass(slots=True, kw_only=True)
class _Pending:
    """One credential on its way through :func:`_issue`."""

    row: int
    credential_id: str
    build: Callable[[StatusPosition], dict[str, Any]]  # the unsigned credential at a position
    record: Callable[[Mapping[str, Any], StatusPosition], IssuedCredential]
    rounds: int = 0


@dataclass(frozen=True, slots=True)
class _Failed:
    row: int
    code: str
    detail: str


async def issue_credential(cmd: c.IssueCredential, deps: Dependencies) -> IssueResult:
    tenant = await _tenant(deps, cmd.tenant_id)
    credential_id = _credential_id(deps, tenant.id, cmd.idempotency_key)
    if cmd.idempotency_key is not None:
        replay = await _replay(deps, credential_id, cmd.request.fingerprint)
        if replay is not None:
            return replay
    achievement = await _achievement(deps, tenant.id, cmd.request.achievement_id)
    try:
        pending = _catalogue_pending(deps, tenant, achievement, cmd.request, credential_id, row=0)
    except InvalidCredentialRequest as exc:
        raise RequestRejectedError(exc.code, str(exc)) from None
    return _single(await _issue(deps, tenant, [pending], cmd.suite))


async def issue_supplied_credential(
    cmd: c.IssueSuppliedCredential, deps: Dependencies
) -> IssueResult:
    tenant = await _tenant(deps, cmd.tenant_id)
    credential_id = _credential_id(deps, tenant.id, cmd.idempotency_key)
    own_id = cmd.credential.get("id") if isinstance(cmd.credential, Mapping) else None
    if isinstance(own_id, str) and is_url(own_id):
        credential_id = own_id  # the caller's id is the idempotency anchor
    if cmd.idempotency_key is not None or credential_id == own_id:
        replay = await _replay(deps, credential_id, fingerprint_of(cmd))
        if replay is not None:
            return replay
    now = deps.clock.now()
    supplied = check_supplied(
        cmd.credential, tenant=tenant, credential_id=credential_id, base_url=deps.base_url, now=now
    )
    subject = supplied_subject(supplied.credential, pepper=deps.pepper)

    def record(signed: Mapping[str, Any], position: StatusPosition) -> IssuedCredential:
        return IssuedCredential(
            id=supplied.credential_id,
            tenant_id=tenant.id,
            issuer_did=tenant.did,
            achievement_id=supplied.achievement_id or "",
            achievement_version=supplied.achievement_version or 0,
            subject=subject,
            status=position,
            credential=signed,
            issued_at=now,
            valid_from=supplied.valid_from or now,
            valid_until=supplied.valid_until,
            request_fingerprint=fingerprint_of(cmd),
        )

    pending = _Pending(
        row=0, credential_id=supplied.credential_id, build=supplied.with_status, record=record
    )
    return _single(await _issue(deps, tenant, [pending], cmd.suite))


def fingerprint_of(cmd: c.IssueSuppliedCredential) -> str:
    return fingerprint({"credential": dict(cmd.credential), "suite": cmd.suite.value})


def _single(outcomes: list[IssueResult | _Failed]) -> IssueResult:
    (outcome,) = outcomes
    if isinstance(outcome, _Failed):
        raise RequestRejectedError(outcome.code, outcome.detail)
    return outcome


def _credential_id(deps: Dependencies, tenant_id: str, idempotency_key: str | None) -> str:
    if idempotency_key is None:
        return credential_urn(deps.ids.new_id())
    return credential_urn(str(uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{tenant_id}\n{idempotency_key}")))


async def _replay(
    deps: Dependencies, credential_id: str, request_fingerprint: str | None
) -> IssueResult | None:
    existing = await deps.credentials.get(credential_id)
    if existing is None:
        return None
    if (
        request_fingerprint is not None
        and existing.request_fingerprint is not None
        and existing.request_fingerprint != request_fingerprint
    ):
        raise RequestConflictError(
            "idempotency-key-reused",
            "this idempotency key was used for a different request",
        )
    return IssueResult(record=existing, replayed=True)


def _catalogue_pending(
    deps: Dependencies,
    tenant: Tenant,
    achievement: Achievement,
    request: c.IssueRequest,
    credential_id: str,
    *,
    row: int,
    batch_job_id: str | None = None,
    subject: SubjectIdentity | None = None,
    pathway_id: str | None = None,
    sources: tuple[str, ...] = (),
) -> _Pending:
    """A credential built from the catalogue. Raises InvalidCredentialRequest for a bad row."""
    now = deps.clock.now()
    if subject is None:
        if request.recipient is None:
            raise InvalidCredentialRequest("missing-recipient", "a recipient is required")
        salt = deps.rng.randbytes(16).hex()
        subject = subject_identity(request.recipient, salt=salt, pepper=deps.pepper)
    valid_from = request.valid_from or now
    draft = CredentialDraft(
        credential_id=credential_id,
        tenant=tenant,
        achievement=achievement,
        subject=subject,
        valid_from=valid_from,
        valid_until=request.valid_until,
        evidence=request.evidence,
        results=request.results,
        credits_earned=request.credits_earned,
        pathway_id=pathway_id,
        source_credential_ids=sources,
    )
    if request.valid_until is not None and request.valid_until <= valid_from:
        raise InvalidCredentialRequest("dates-out-of-order", "validUntil must be after validFrom")
    if request.valid_until is not None and request.valid_until <= now:
        raise InvalidCredentialRequest("dates-out-of-order", "validUntil is already past")

    def build(position: StatusPosition) -> dict[str, Any]:
        return build_achievement_credential(draft, base_url=deps.base_url, status=position)

    def record(signed: Mapping[str, Any], position: StatusPosition) -> IssuedCredential:
        return IssuedCredential(
            id=credential_id,
            tenant_id=tenant.id,
            issuer_did=tenant.did,
            achievement_id=achievement.id,
            achievement_version=achievement.version,
            subject=subject,
            status=position,
            credential=signed,
            issued_at=now,
            valid_from=valid_from,
            valid_until=request.valid_until,
            request_fingerprint=request.fingerprint,
            pathway_id=pathway_id,
            source_credential_ids=sources,
            batch_job_id=batch_job_id,
        )

    return _Pending(row=row, credential_id=credential_id, build=build, record=record)


async def _issue(
    deps: Dependencies,
    tenant: Tenant,
    pending: list[_Pending],
    suite: Suite,
) -> list[IssueResult | _Failed]:
    """Allocate, build, sign and store ``pending``; one outcome per item, in the given order."""
    signer = await active_signer(deps, tenant)
    outcomes: dict[int, IssueResult | _Failed] = {}
    order = [p.row for p in pending]
    taken = deps.taken_positions
    while pending:
        positions = await _allocate(deps, tenant.id, len(pending))
        built: list[tuple[_Pending, StatusPosition, dict[str, Any]]] = []
        for item, position in zip(pending, positions, strict=True):
            try:
                built.append((item, position, item.build(position)))
            except InvalidCredentialRequest as exc:
                outcomes[item.row] = _Failed(item.row, exc.code, str(exc))
        signed = await deps.signer.sign(
            [unsigned for _, _, unsigned in built],
            key=signer.key,
            verification_method=signer.verification_method,
            suite=suite,
            created=deps.clock.now(),
        )
        to_store: list[tuple[_Pending, NewCredential]] = []
        tried = {item.row: position for item, position, _ in built}
        for (item, position, _), result in zip(built, signed, strict=True):
            if isinstance(result, SignFailure):
                outcomes[item.row] = _Failed(item.row, result.code, result.detail)
                continue
            record = item.record(result, position)
            event = outgoing.credential_issued(
                record, event_id=deps.ids.new_id(), now=deps.clock.now()
            )
            to_store.append((item, NewCredential(record=record, events=[event])))
        stored = await deps.credentials.add_many([new for _, new in to_store])
        pending = []
        for (item, _), added in zip(to_store, stored, strict=True):
            if isinstance(added, Added):
                outcomes[item.row] = IssueResult(record=added.record)
            elif isinstance(added, Existing):
                outcomes[item.row] = IssueResult(record=added.record, replayed=True)
            else:
                assert isinstance(added, PositionTaken)
                # Someone else claims positions in this list too: note the one we lost; if the
                # item loses again, our view is too stale and the list's taken set is reloaded.
                lost = tried[item.row]
                if item.rounds:
                    taken.pop(lost.list_id, None)
                elif lost.list_id in taken:
                    taken[lost.list_id].add(lost.index)
                item.rounds += 1
                if item.rounds >= MAX_POSITION_ROUNDS:
                    outcomes[item.row] = _Failed(
                        item.row, "status-list-contention", "no free status position; retry"
                    )
                else:
                    pending.append(item)
        if to_store:
            deps.outbox_written()
    return [outcomes[row] for row in order]


async def _allocate(deps: Dependencies, tenant_id: str, count: int) -> list[StatusPosition]:
    """``count`` free positions, at random, in the tenant's current list (new lists as needed).

    Drawn from the list's free set as this process knows it (read from the store once per list:
    asking the store per credential would cost a lookup each, a scan on FerretDB). The store has
    the last word: a position is claimed by the credential write itself."""
    taken = deps.taken_positions
    positions: list[StatusPosition] = []
    while len(positions) < count:
        status_list = await _current_list(deps, tenant_id)
        need = count - len(positions)
        if status_list.id not in taken:
            taken[status_list.id] = await deps.credentials.taken_positions(status_list.id)
        found = status_list.allocate_many(taken[status_list.id], need, deps.rng)
        taken[status_list.id].update(found)
        positions.extend(StatusPosition(list_id=status_list.id, index=i) for i in found)
        if len(found) < need:
            await deps.status_lists.mark_full(status_list.id)
            taken.pop(status_list.id, None)
    return positions


async def _current_list(deps: Dependencies, tenant_id: str) -> StatusList:
    current = await deps.status_lists.current(tenant_id)
    if current is not None:
        return current
    created = new_status_list(list_id=deps.ids.new_id(), tenant_id=tenant_id, now=deps.clock.now())
    await deps.status_lists.add(created)
    return created


# ------------------------------------------------------------------------------ batch


async def start_batch(cmd: c.StartBatch, deps: Dependencies) -> tuple[BatchJob, bool]:
    """The job, and whether it is new (False: a retried submission of an existing job). The rows
    are stored with it, prepared (recipients hashed), in chunks any batch worker may claim."""
    await _tenant(deps, cmd.tenant_id)
    job_id = (
        job_uuid(cmd.tenant_id, cmd.idempotency_key)
        if cmd.idempotency_key is not None
        else deps.ids.new_id()
    )
    existing = await deps.batch_jobs.get(job_id)
    if existing is not None:
        return existing, False
    job = BatchJob(
        id=job_id,
        tenant_id=cmd.tenant_id,
        total=len(cmd.rows),
        created_at=deps.clock.now(),
        suite=cmd.suite,
    )
    prepared = [_prepared_row(deps, number, row) for number, row in enumerate(cmd.rows)]
    chunks = [
        BatchChunk(
            id=chunk_id(job_id, number),
            job_id=job_id,
            tenant_id=cmd.tenant_id,
            suite=cmd.suite,
            number=number,
            rows=tuple(prepared[i] for i in bounds),
        )
        for number, bounds in enumerate(chunk_bounds(len(prepared), cmd.chunk_size))
    ]
    if not await deps.batch_jobs.add(job, chunks):
        found = await deps.batch_jobs.get(job_id)
        assert found is not None
        return found, False
    deps.batch_submitted()
    return job, True


def _prepared_row(deps: Dependencies, number: int, row: c.IssueRequest | Exception) -> BatchRow:
    """A row as stored: its recipient hashed now (a fresh salt per credential, as for a single
    issue), or the reason it cannot be issued."""
    if isinstance(row, InvalidCredentialRequest):
        return RowError(row=number, code=row.code, detail=str(row))
    if isinstance(row, Exception):
        return RowError(row=number, code="invalid-row", detail=str(row))
    if row.recipient is None:
        return RowError(row=number, code="missing-recipient", detail="a recipient is required")
    try:
        subject = subject_identity(
            row.recipient, salt=deps.rng.randbytes(16).hex(), pepper=deps.pepper
        )
    except (InvalidRecipient, ValueError) as exc:
        return RowError(row=number, code="invalid-row", detail=str(exc))
    return PreparedRow(row=number, request=replace(row, recipient=None), subject=subject)


async def run_batch_chunk(cmd: c.RunBatchChunk, deps: Dependencies) -> None:
    chunk = cmd.chunk
    tenant = await _tenant(deps, chunk.tenant_id)
    results: list[RowResult] = []
    errors: list[RowError] = []
    row_ids = {
        row.row: credential_urn(row_credential_uuid(chunk.job_id, row.row))
        for row in chunk.rows
        if isinstance(row, PreparedRow)
    }
    # A chunk run again (its worker died, or lost its lease) skips rows whose credential exists.
    done = await deps.credentials.existing_ids(list(row_ids.values())) if row_ids else set()
    achievements: dict[str, Achievement | None] = {}
    pending: list[_Pending] = []
    for row in chunk.rows:
        if isinstance(row, RowError):
            errors.append(row)
            continue
        credential_id = row_ids[row.row]
        if credential_id in done:
            results.append(RowResult(row=row.row, credential_id=credential_id))
            continue
        achievement_id = row.request.achievement_id
        if achievement_id not in achievements:
            found = await deps.achievements.get(achievement_id)
            achievements[achievement_id] = (
                found if found is not None and found.tenant_id == tenant.id else None
            )
        achievement = achievements[achievement_id]
        if achievement is None:
            errors.append(
                RowError(
                    row=row.row,
                    code="unknown-achievement",
                    detail=f"no achievement {achievement_id!r}",
                )
            )
            continue
        try:
            pending.append(
                _catalogue_pending(
                    deps,
                    tenant,
                    achievement,
                    row.request,
                    credential_id,
                    row=row.row,
                    batch_job_id=chunk.job_id,
                    subject=row.subject,
                )
            )
        except InvalidCredentialRequest as exc:
            errors.append(RowError(row=row.row, code=exc.code, detail=str(exc)))
    if pending:
        rows_of = {p.credential_id: p.row for p in pending}
        for outcome in await _issue(deps, tenant, pending, chunk.suite):
            if isinstance(outcome, _Failed):
                errors.append(RowError(row=outcome.row, code=outcome.code, detail=outcome.detail))
            else:
                results.append(
                    RowResult(row=rows_of[outcome.record.id], credential_id=outcome.record.id)
                )
    await deps.batch_jobs.finish(
        chunk.id, sorted(results, key=lambda r: r.row), sorted(errors, key=lambda e: e.row)
    )
    await deps.batch_jobs.complete_if_done(chunk.job_id, deps.clock.now())


# ----------------------------------------------------------------------------- status


async def change_status(cmd: c.ChangeStatus, deps: Dependencies) -> IssuedCredential:
    for _ in range(5):
        record = await deps.credentials.get(cmd.credential_id)
        if record is None or (cmd.tenant_id is not None and record.tenant_id != cmd.tenant_id):
            raise UnknownResourceError("unknown-credential", f"no credential {cmd.credential_id!r}")
        now = deps.clock.now()
        try:
            updated = record.change_status(
                StatusChange(action=cmd.action, reason=cmd.reason, at=now)
            )
        except InvalidStatusChange as exc:
            raise RequestConflictError(exc.code, str(exc)) from None
        event = outgoing.status_changed(
            record, cmd.action, cmd.reason, event_id=deps.ids.new_id(), now=now
        )
        try:
            await deps.credentials.replace(record, updated, [event])
        except ConflictError:
            continue
        deps.outbox_written()
        return updated
    raise RequestConflictError("concurrent-update", "the credential keeps changing; retry")


# --------------------------------------------------------------------------- pathways


async def record_credential_issued(cmd: c.RecordCredentialIssued, deps: Dependencies) -> None:
    """A credential event (any tenant): note the holding, then issue every pathway credential
    the recipient has now completed. Safe to run again for the same event: the inbox makes the
    note a no-op and the stacked credential's id is fixed per pathway and recipient."""
    subject = await _subject_of(deps, cmd.credential_id, cmd.recipient_did)
    if subject is None:
        log.info("credential event without a recognisable recipient", credential=cmd.credential_id)
        return
    holding = Holding(
        credential_id=cmd.credential_id,
        achievement_id=cmd.achievement_id,
        issuer_did=cmd.issuer_did,
        credits=credits_of(cmd.credential),
        state=CredentialState.ACTIVE,
        subject=subject,
        issued_at=cmd.issued_at,
    )
    await deps.holdings.apply(
        subject.recipient_key, lambda h: h.with_holding(holding), event_id=cmd.event_id
    )
    await _complete_pathways(deps, subject.recipient_key, cmd.achievement_id)


async def record_status_changed(cmd: c.RecordStatusChanged, deps: Dependencies) -> None:
    record = await deps.credentials.get(cmd.credential_id)
    if record is None:
        return  # not ours: partners' status lists are not tracked here
    key = record.subject.recipient_key
    if cmd.active:
        state = CredentialState.ACTIVE
    elif cmd.purpose.value == "revocation":
        state = CredentialState.REVOKED
    else:
        state = CredentialState.SUSPENDED

    def change(holdings: RecipientHoldings) -> RecipientHoldings:
        current = holdings.holdings.get(cmd.credential_id)
        if current is not None and current.state is CredentialState.REVOKED:
            return holdings  # revocation is final
        return holdings.with_state(cmd.credential_id, state)

    await deps.holdings.apply(key, change, event_id=cmd.event_id)
    if cmd.active and record.achievement_id:
        await _complete_pathways(deps, key, record.achievement_id)


async def _subject_of(
    deps: Dependencies, credential_id: str, recipient_did: str | None
) -> SubjectIdentity | None:
    record = await deps.credentials.get(credential_id)
    if record is not None:
        return record.subject
    if recipient_did is not None:
        return SubjectIdentity(recipient_key=recipient_did, did=recipient_did)
    return None


async def _complete_pathways(deps: Dependencies, recipient_key: str, achievement_id: str) -> None:
    holdings = await deps.holdings.get(recipient_key)
    if holdings is None:
        return
    for pathway in await deps.pathways.with_component(achievement_id):
        progress = pathway_rules.evaluate(pathway, holdings)
        if progress.complete:
            # Events of different credentials travel on different partitions, so a revocation
            # may not have arrived yet: the issuer's own records have the last word.
            holdings = await _with_current_states(deps, holdings, progress)
            progress = pathway_rules.evaluate(pathway, holdings)
        if progress.complete:
            await _issue_stacked(deps, pathway, holdings, progress)


async def _with_current_states(
    deps: Dependencies, holdings: RecipientHoldings, progress: pathway_rules.PathwayProgress
) -> RecipientHoldings:
    for component in progress.held:
        if component.credential_id is None:
            continue
        record = await deps.credentials.get(component.credential_id)
        if record is not None and record.state is not CredentialState.ACTIVE:
            holdings = holdings.with_state(record.id, record.state)
    return holdings


async def _issue_stacked(
    deps: Dependencies,
    pathway: Pathway,
    holdings: RecipientHoldings,
    progress: pathway_rules.PathwayProgress,
) -> None:
    credential_id = credential_urn(stacked_credential_uuid(pathway.id, holdings.recipient_key))
    if await deps.credentials.get(credential_id) is not None:
        return
    tenant = await _tenant(deps, pathway.tenant_id)
    target = await deps.achievements.get(pathway.target_achievement_id)
    if target is None:
        log.error("pathway target achievement missing", pathway=pathway.id)
        return
    counted = [holdings.holdings[p.credential_id] for p in progress.held if p.credential_id]
    subject = max(counted, key=lambda h: (h.issued_at, h.credential_id)).subject
    assert subject is not None
    sources = tuple(h.credential_id for h in counted)
    evidence = tuple(
        Evidence(
            id=h.credential_id,
            name=f"Component credential for {h.achievement_id}",
            genre="Credential",
        )
        for h in counted
    )
    request = c.IssueRequest(achievement_id=target.id, recipient=None, evidence=evidence)
    pending = _catalogue_pending(
        deps,
        tenant,
        target,
        request,
        credential_id,
        row=0,
        subject=subject,
        pathway_id=pathway.id,
        sources=sources,
    )
    (outcome,) = await _issue(deps, tenant, [pending], Suite.EDDSA_RDFC_2022)
    if isinstance(outcome, _Failed):
        raise RuntimeError(f"stacked credential for pathway {pathway.id}: {outcome.detail}")
    if not outcome.replayed:
        log.info("stacked credential issued", pathway=pathway.id, credential=credential_id)


# --------------------------------------------------------------------------- registry

Handler = Callable[[Any, Dependencies], Awaitable[Any]]

COMMAND_HANDLERS: Final[Mapping[type[c.Command], Handler]] = {
    c.CreateTenant: create_tenant,
    c.RotateIssuerKey: rotate_issuer_key,
    c.CreateAchievement: create_achievement,
    c.UpdateAchievement: update_achievement,
    c.CreatePathway: create_pathway,
    c.IssueCredential: issue_credential,
    c.IssueSuppliedCredential: issue_supplied_credential,
    c.StartBatch: start_batch,
    c.RunBatchChunk: run_batch_chunk,
    c.ChangeStatus: change_status,
    c.RecordCredentialIssued: record_credential_issued,
    c.RecordStatusChanged: record_status_changed,
}
