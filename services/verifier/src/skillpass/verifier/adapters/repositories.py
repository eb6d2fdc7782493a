"""The verification log and the trust registries over the platform's aggregate store (its
in-memory twin or MongoDB): one document per report (with its event, the outbox) and one per
registry scope. Documents hold plain JSON values: ISO dates, lists rather than DID-keyed maps
(DIDs have dots, which not every MongoDB-wire server accepts in field names)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from skillpass.platform.cloudevents import PendingEvent
from skillpass.platform.store.port import AggregateStore, Applied
from skillpass.vc.result import Check, Outcome, VerificationResult
from skillpass.verifier.domain.report import (
    CredentialReport,
    Kind,
    Requester,
    VerificationReport,
)
from skillpass.verifier.domain.trust import TrustedIssuer, TrustRegistry
from skillpass.verifier.service_layer.ports import RegistryChange

Document = dict[str, Any]


# ---------------------------------------------------------------------------------- reports


def _check_document(check: Check) -> Document:
    return {
        "name": check.name,
        "outcome": check.outcome.value,
        "reason": check.reason,
        "detail": dict(check.detail),
    }


def _check_from(document: Mapping[str, Any]) -> Check:
    return Check(
        name=document["name"],
        outcome=Outcome(document["outcome"]),
        reason=document.get("reason", ""),
        detail=dict(document.get("detail") or {}),
    )


def _result_document(result: VerificationResult) -> Document:
    return {
        "checks": [_check_document(c) for c in result.checks],
        "warnings": list(result.warnings),
    }


def _result_from(document: Mapping[str, Any]) -> VerificationResult:
    return VerificationResult.of(
        (_check_from(c) for c in document["checks"]), document.get("warnings", [])
    )


def report_document(report: VerificationReport) -> Document:
    return {
        "id": report.id,
        "kind": report.kind.value,
        "completedAt": report.completed_at.isoformat(),
        "requester": {"subject": report.requester.subject, "tenant": report.requester.tenant},
        "verified": report.verified,
        "credentials": [
            {
                "credentialId": c.credential_id,
                "issuer": c.issuer,
                **_result_document(c.result),
            }
            for c in report.credentials
        ],
        "presentation": None
        if report.presentation is None
        else _result_document(report.presentation),
    }


def report_from(document: Mapping[str, Any]) -> VerificationReport:
    presentation = document.get("presentation")
    return VerificationReport(
        id=document["id"],
        kind=Kind(document["kind"]),
        completed_at=datetime.fromisoformat(document["completedAt"]),
        requester=Requester(**document["requester"]),
        credentials=tuple(
            CredentialReport(
                credential_id=c.get("credentialId"),
                issuer=c.get("issuer"),
                result=_result_from(c),
            )
            for c in document["credentials"]
        ),
        presentation=None if presentation is None else _result_from(presentation),
    )


class StoreVerificationRepository:
    def __init__(self, store: AggregateStore) -> None:
        self._store = store

    async def add(self, report: VerificationReport, *, events: Sequence[PendingEvent]) -> None:
        state = report_document(report)
        await self._store.apply(report.id, lambda _: Applied(state=state, events=tuple(events)))

    async def get(self, verification_id: str) -> VerificationReport | None:
        document = await self._store.get(verification_id)
        return None if document is None else report_from(document)


# ------------------------------------------------------------------------------- registries


def _moment(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _parse_moment(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def issuer_document(entry: TrustedIssuer) -> Document:
    return {
        "did": entry.did,
        "name": entry.name,
        "url": entry.url,
        "accreditationBody": entry.accreditation_body,
        "validFrom": _moment(entry.valid_from),
        "validUntil": _moment(entry.valid_until),
        "registry": entry.registry,
    }


def issuer_from(document: Mapping[str, Any], scope: str) -> TrustedIssuer:
    return TrustedIssuer(
        did=document["did"],
        name=document["name"],
        scope=scope,
        url=document.get("url"),
        accreditation_body=document.get("accreditationBody"),
        valid_from=_parse_moment(document.get("validFrom")),
        valid_until=_parse_moment(document.get("validUntil")),
        registry=document.get("registry"),
    )


def registry_document(registry: TrustRegistry) -> Document:
    return {
        "scope": registry.scope,
        "issuers": [issuer_document(e) for _, e in sorted(registry.issuers.items())],
    }


def registry_from(scope: str, document: Mapping[str, Any] | None) -> TrustRegistry:
    if document is None:
        return TrustRegistry(scope)
    entries = (issuer_from(d, scope) for d in document.get("issuers", []))
    return TrustRegistry(scope, {e.did: e for e in entries})


class StoreTrustRegistryRepository:
    def __init__(self, store: AggregateStore) -> None:
        self._store = store

    async def get(self, scope: str) -> TrustRegistry:
        return registry_from(scope, await self._store.get(scope))

    async def update(self, scope: str, change: RegistryChange) -> TrustRegistry:
        changed: list[TrustRegistry] = []

        def apply(state: Mapping[str, Any] | None) -> Applied:
            registry = change(registry_from(scope, state))
            changed[:] = [registry]  # the change may run again on a write conflict: keep the last
            return Applied(state=registry_document(registry))

        await self._store.apply(scope, apply)
        return changed[-1]

    async def entries_for(self, did: str, scopes: Sequence[str]) -> list[TrustedIssuer]:
        registries = await asyncio.gather(*(self.get(scope) for scope in scopes))
        return [r.issuers[did] for r in registries if did in r.issuers]
