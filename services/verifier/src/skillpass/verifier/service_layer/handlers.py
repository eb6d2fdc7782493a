"""Use cases: verify a credential or a presentation (fetch what the core needs, call it, add
trust and presentation rules, log the report with its event), manage trust registries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, cast

import structlog

from skillpass.platform.cloudevents import new_event
from skillpass.vc.result import Check, VerificationResult
from skillpass.vc.validation import node_id
from skillpass.verifier.domain.policy import VerificationPolicy
from skillpass.verifier.domain.presentation import (
    challenge_check,
    domain_check,
    holder_binding_check,
    holder_of,
    subject_binding_check,
)
from skillpass.verifier.domain.references import (
    credential_references,
    embedded_credentials,
    presentation_references,
    proofs_of,
)
from skillpass.verifier.domain.report import (
    CredentialReport,
    Kind,
    Requester,
    VerificationReport,
)
from skillpass.verifier.domain.trust import TrustRegistry, parse_dcc_registry, trust_check
from skillpass.verifier.service_layer.event_payloads import verification_completed
from skillpass.verifier.service_layer.evidence import Evidence, collect
from skillpass.verifier.service_layer.messages import (
    Command,
    ImportTrustRegistry,
    PutTrustedIssuer,
    RemoveTrustedIssuer,
    VerifyCredential,
    VerifyOptions,
    VerifyPresentation,
)
from skillpass.verifier.service_layer.ports import (
    Clock,
    CredentialCore,
    Documents,
    NewId,
    TrustRegistryRepository,
    VerificationRepository,
)

log = structlog.get_logger(__name__)

EVENT_SOURCE = "skillpass/verifier"


class NotFoundError(LookupError):
    """The thing a command names does not exist; the message is safe to show."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Dependencies:
    core: CredentialCore
    documents: Documents
    verifications: VerificationRepository
    trust: TrustRegistryRepository
    clock: Clock
    new_id: NewId
    require_registered_issuer: bool = False
    require_challenge: bool = True
    max_documents: int = 32  # fetched per verification round (DID documents + status lists)
    # Called after a report (and its event) is stored: lets the outbox relay publish at once.
    recorded: Callable[[], None] = field(default=lambda: None)


# ------------------------------------------------------------------------------ verification


def _policy(options: VerifyOptions, requester: Requester, deps: Dependencies) -> VerificationPolicy:
    return VerificationPolicy.for_caller(
        tenant=requester.tenant,
        require_registered_issuer=deps.require_registered_issuer
        or bool(options.require_registered_issuer),
        require_challenge=deps.require_challenge,
        checks=options.checks,
    )


def _core_verify(
    credential: Mapping[str, Any], evidence: Evidence, now: datetime, deps: Dependencies
) -> VerificationResult:
    try:
        return deps.core.verify_credential(
            credential, resolver=evidence.resolver(), status=evidence.status_source(), now=now
        )
    except Exception:
        # The core reports bad input as results; anything it raises is our bug, not the caller's.
        log.exception("credential core raised while verifying")
        return VerificationResult.of(
            [Check.error("proof", "the credential could not be processed")]
        )


async def _credential_report(
    credential: object,
    evidence: Evidence,
    policy: VerificationPolicy,
    now: datetime,
    deps: Dependencies,
    *,
    presented_by: str | None = None,
    in_presentation: bool = False,
) -> CredentialReport:
    if not isinstance(credential, Mapping):
        why = "a credential must be a JSON object (enveloped credentials are not supported)"
        return CredentialReport(
            credential_id=None,
            issuer=None,
            result=VerificationResult.of([Check.failed("data_model", why)]),
        )
    result = _core_verify(credential, evidence, now, deps)
    issuer = node_id(credential.get("issuer"))
    entries = await deps.trust.entries_for(issuer, policy.trust.scopes) if issuer else []
    trust, trust_warning = trust_check(issuer, entries=entries, policy=policy.trust, now=now)
    checks = [*result.checks, trust]
    warnings = [*result.warnings, *([trust_warning] if trust_warning else [])]
    if in_presentation:
        binding, binding_warning = subject_binding_check(credential, holder=presented_by)
        checks.append(binding)
        warnings.extend([binding_warning] if binding_warning else [])
    credential_id = credential.get("id")
    return CredentialReport(
        credential_id=credential_id if isinstance(credential_id, str) else None,
        issuer=issuer,
        result=VerificationResult.of(policy.apply(checks), warnings),
    )


async def _record(report: VerificationReport, deps: Dependencies) -> VerificationReport:
    event = new_event(
        verification_completed(report),
        source=EVENT_SOURCE,
        subject=report.id,
        event_id=deps.new_id(),
        time=report.completed_at,
    )
    await deps.verifications.add(report, events=[event])
    deps.recorded()
    return report


async def verify_credential(command: VerifyCredential, deps: Dependencies) -> VerificationReport:
    policy = _policy(command.options, command.requester, deps)
    evidence = await collect(
        credential_references(command.credential), deps.documents, limit=deps.max_documents
    )
    now = deps.clock()  # after the fetch: the documents are judged as of when we had them
    credential = await _credential_report(command.credential, evidence, policy, now, deps)
    if evidence.problems:
        credential = CredentialReport(
            credential_id=credential.credential_id,
            issuer=credential.issuer,
            result=VerificationResult.of(
                credential.result.checks, [*credential.result.warnings, *evidence.problems]
            ),
        )
    report = VerificationReport(
        id=deps.new_id(),
        kind=Kind.CREDENTIAL,
        completed_at=now,
        requester=command.requester,
        credentials=(credential,),
    )
    return await _record(report, deps)


def _presentation_result(
    command: VerifyPresentation, evidence: Evidence, now: datetime, deps: Dependencies
) -> VerificationResult:
    options = command.options
    presentation = command.presentation
    try:
        proofs = deps.core.verify_presentation_proofs(
            presentation,
            resolver=evidence.resolver(),
            now=now,
            challenge=options.challenge,
            domain=options.domain,
        )
        proof_checks, signers, core_warnings = (
            proofs.result.checks,
            proofs.signers,
            proofs.result.warnings,
        )
    except Exception:
        log.exception("credential core raised while verifying a presentation")
        proof_checks = (Check.error("proof", "the presentation could not be processed"),)
        signers, core_warnings = (), ()
    raw_proofs = proofs_of(presentation)
    challenge, challenge_warning = challenge_check(
        raw_proofs, expected=options.challenge, required=deps.require_challenge
    )
    checks = [
        *proof_checks,
        holder_binding_check(presentation, signers=signers),
        challenge,
        domain_check(raw_proofs, expected=options.domain),
    ]
    warnings = [*core_warnings, *([challenge_warning] if challenge_warning else [])]
    return VerificationResult.of(checks, [*warnings, *evidence.problems])


async def verify_presentation(
    command: VerifyPresentation, deps: Dependencies
) -> VerificationReport:
    policy = _policy(command.options, command.requester, deps)
    evidence = await collect(
        presentation_references(command.presentation), deps.documents, limit=deps.max_documents
    )
    now = deps.clock()  # after the fetch, as for a credential
    presentation = _presentation_result(command, evidence, now, deps) if command.signed else None
    holder = holder_of(command.presentation)
    credentials = [
        await _credential_report(
            credential,
            evidence,
            policy,
            now,
            deps,
            presented_by=holder,
            in_presentation=command.signed,
        )
        for credential in embedded_credentials(command.presentation)
    ]
    report = VerificationReport(
        id=deps.new_id(),
        kind=Kind.PRESENTATION,
        completed_at=now,
        requester=command.requester,
        credentials=tuple(credentials),
        presentation=presentation,
    )
    return await _record(report, deps)


# ---------------------------------------------------------------------------- trust registry


async def put_trusted_issuer(command: PutTrustedIssuer, deps: Dependencies) -> TrustRegistry:
    entry = command.entry
    return await deps.trust.update(entry.scope, lambda registry: registry.put(entry))


async def remove_trusted_issuer(command: RemoveTrustedIssuer, deps: Dependencies) -> TrustRegistry:
    if command.did not in (await deps.trust.get(command.scope)).issuers:
        raise NotFoundError(f"{command.did} is not in the {command.scope} registry")
    return await deps.trust.update(command.scope, lambda registry: registry.remove(command.did))


async def import_trust_registry(command: ImportTrustRegistry, deps: Dependencies) -> TrustRegistry:
    # Parsed before anything is written: a malformed document changes nothing.
    entries = parse_dcc_registry(
        command.document, registry_name=command.registry_name, scope=command.scope
    )
    return await deps.trust.update(
        command.scope,
        lambda registry: registry.synced(entries, registry_name=command.registry_name),
    )


# ------------------------------------------------------------------------------- message bus

R = TypeVar("R")
Handler = Callable[[Any, Dependencies], Awaitable[Any]]

COMMAND_HANDLERS: Mapping[type[Command[Any]], Handler] = {
    VerifyCredential: verify_credential,
    VerifyPresentation: verify_presentation,
    PutTrustedIssuer: put_trusted_issuer,
    RemoveTrustedIssuer: remove_trusted_issuer,
    ImportTrustRegistry: import_trust_registry,
}


class MessageBus:
    def __init__(self, deps: Dependencies) -> None:
        self.deps = deps

    async def handle(self, command: Command[R]) -> R:
        handler = COMMAND_HANDLERS[type(command)]
        return cast("R", await handler(command, self.deps))
