"""How domain objects are stored: plain, BSON-friendly dicts and back.

Dates are fixed-width UTC strings (``2026-01-15T09:00:00.000000Z``): they keep microseconds (BSON
dates keep milliseconds) and sort as text. A signed credential is kept as its JSON text, exactly
as signed: a database must not reorder, retype or reject its keys (``$``, ``.``) or numbers.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from skillpass.issuer.domain.achievements import (
    Achievement,
    AchievementDefinition,
    Alignment,
    ResultDescription,
)
from skillpass.issuer.domain.batches import BatchJob, ChunkState, JobState, RowError, RowResult
from skillpass.issuer.domain.credentials import (
    CredentialState,
    Evidence,
    IssuedCredential,
    ResultValue,
    StatusAction,
    StatusChange,
    StatusPosition,
    Suite,
)
from skillpass.issuer.domain.pathways import Holding, Pathway, RecipientHoldings, Rule, RuleKind
from skillpass.issuer.domain.recipients import SubjectIdentity
from skillpass.issuer.domain.status_lists import StatusList
from skillpass.issuer.domain.tenants import Image, IssuerKey, KeyState, Profile, Tenant
from skillpass.issuer.service_layer.batch_work import BatchChunk, BatchRow, PreparedRow
from skillpass.issuer.service_layer.commands import IssueRequest
from skillpass.issuer.service_layer.ports import PublishedList
from skillpass.vc.status import StatusPurpose

Document = dict[str, Any]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else iso(moment)


def moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def moment_or_none(text: str | None) -> datetime | None:
    return None if text is None else moment(text)


def _image(image: Image | None) -> Document | None:
    return None if image is None else {"id": image.id, "caption": image.caption}


def _image_from(doc: Mapping[str, Any] | None) -> Image | None:
    return None if doc is None else Image(id=doc["id"], caption=doc.get("caption"))


# ---------------------------------------------------------------------------- tenants


def tenant_to_doc(tenant: Tenant) -> Document:
    p = tenant.profile
    return {
        "_id": tenant.id,
        "did": tenant.did,
        "profile": {
            "name": p.name,
            "url": p.url,
            "email": p.email,
            "description": p.description,
            "image": _image(p.image),
        },
        "created_at": iso(tenant.created_at),
        "keys": [
            {
                "key_id": k.key_id,
                "public_key_multibase": k.public_key_multibase,
                "state": k.state.value,
                "created_at": iso(k.created_at),
                "retired_at": iso_or_none(k.retired_at),
            }
            for k in tenant.keys
        ],
    }


def tenant_from_doc(doc: Mapping[str, Any]) -> Tenant:
    p = doc["profile"]
    return Tenant(
        id=doc["_id"],
        did=doc["did"],
        profile=Profile(
            name=p["name"],
            url=p.get("url"),
            email=p.get("email"),
            description=p.get("description"),
            image=_image_from(p.get("image")),
        ),
        created_at=moment(doc["created_at"]),
        keys=tuple(
            IssuerKey(
                key_id=k["key_id"],
                public_key_multibase=k["public_key_multibase"],
                state=KeyState(k["state"]),
                created_at=moment(k["created_at"]),
                retired_at=moment_or_none(k.get("retired_at")),
            )
            for k in doc["keys"]
        ),
    )


# ------------------------------------------------------------------------ achievements


def definition_to_doc(d: AchievementDefinition) -> Document:
    return {
        "name": d.name,
        "description": d.description,
        "criteria_narrative": d.criteria_narrative,
        "criteria_id": d.criteria_id,
        "achievement_type": d.achievement_type,
        "image": _image(d.image),
        "alignment": [
            {
                "target_name": a.target_name,
                "target_url": a.target_url,
                "target_description": a.target_description,
                "target_framework": a.target_framework,
                "target_code": a.target_code,
                "target_type": a.target_type,
            }
            for a in d.alignment
        ],
        "tags": list(d.tags),
        "credits_available": d.credits_available,
        "result_descriptions": [
            {
                "id": r.id,
                "name": r.name,
                "result_type": r.result_type,
                "allowed_value": list(r.allowed_value),
                "required_value": r.required_value,
                "value_min": r.value_min,
                "value_max": r.value_max,
            }
            for r in d.result_descriptions
        ],
        "field_of_study": d.field_of_study,
        "human_code": d.human_code,
    }


def definition_from_doc(doc: Mapping[str, Any]) -> AchievementDefinition:
    return AchievementDefinition(
        name=doc["name"],
        description=doc["description"],
        criteria_narrative=doc.get("criteria_narrative"),
        criteria_id=doc.get("criteria_id"),
        achievement_type=doc.get("achievement_type"),
        image=_image_from(doc.get("image")),
        alignment=tuple(Alignment(**a) for a in doc.get("alignment", [])),
        tags=tuple(doc.get("tags", [])),
        credits_available=doc.get("credits_available"),
        result_descriptions=tuple(
            ResultDescription(**{**r, "allowed_value": tuple(r.get("allowed_value", []))})
            for r in doc.get("result_descriptions", [])
        ),
        field_of_study=doc.get("field_of_study"),
        human_code=doc.get("human_code"),
    )


def version_to_doc(a: Achievement) -> Document:
    return {
        "version": a.version,
        "definition": definition_to_doc(a.definition),
        "updated_at": iso(a.updated_at),
    }


def achievement_to_doc(a: Achievement) -> Document:
    """Latest version at the top, every version (this one included) in ``versions``."""
    return {
        "_id": a.id,
        "tenant_id": a.tenant_id,
        "created_at": iso(a.created_at),
        **version_to_doc(a),
        "versions": [version_to_doc(a)],
    }


def achievement_from_doc(doc: Mapping[str, Any], version: int | None = None) -> Achievement | None:
    versions = {v["version"]: v for v in doc["versions"]}
    chosen = versions.get(doc["version"] if version is None else version)
    if chosen is None:
        return None
    return Achievement(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        version=chosen["version"],
        definition=definition_from_doc(chosen["definition"]),
        created_at=moment(doc["created_at"]),
        updated_at=moment(chosen["updated_at"]),
        history=tuple(sorted(v for v in versions if v < chosen["version"])),
    )


# ---------------------------------------------------------------------------- pathways


def pathway_to_doc(p: Pathway) -> Document:
    return {
        "_id": p.id,
        "tenant_id": p.tenant_id,
        "name": p.name,
        "description": p.description,
        "target_achievement_id": p.target_achievement_id,
        "rule": {"kind": p.rule.kind.value, "n": p.rule.n, "credits": p.rule.credits},
        "components": list(p.rule.components),
        "issuer_did": p.issuer_did,
        "accepted_issuers": sorted(p.accepted_issuers),
        "created_at": iso(p.created_at),
    }


def pathway_from_doc(doc: Mapping[str, Any]) -> Pathway:
    rule = doc["rule"]
    return Pathway(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        name=doc["name"],
        description=doc.get("description"),
        target_achievement_id=doc["target_achievement_id"],
        rule=Rule(
            kind=RuleKind(rule["kind"]),
            components=tuple(doc["components"]),
            n=rule.get("n"),
            credits=rule.get("credits"),
        ),
        issuer_did=doc["issuer_did"],
        accepted_issuers=frozenset(doc.get("accepted_issuers", [])),
        created_at=moment(doc["created_at"]),
    )


# ------------------------------------------------------------------------- credentials


def credential_to_doc(r: IssuedCredential) -> Document:
    return {
        "_id": r.id,
        "tenant_id": r.tenant_id,
        "issuer_did": r.issuer_did,
        "achievement_id": r.achievement_id,
        "achievement_version": r.achievement_version,
        "subject": r.subject.to_json(),
        "list_id": r.status.list_id,
        "index": r.status.index,
        "credential_json": json.dumps(r.credential, separators=(",", ":"), ensure_ascii=False),
        "issued_at": iso(r.issued_at),
        "valid_from": iso(r.valid_from),
        "valid_until": iso_or_none(r.valid_until),
        "revoked": r.revoked,
        "suspended": r.suspended,
        "history": [
            {"action": h.action.value, "reason": h.reason, "at": iso(h.at)} for h in r.history
        ],
        "revision": len(r.history),
        "request_fingerprint": r.request_fingerprint,
        "pathway_id": r.pathway_id,
        "source_credential_ids": list(r.source_credential_ids),
        "batch_job_id": r.batch_job_id,
    }


def credential_from_doc(doc: Mapping[str, Any]) -> IssuedCredential:
    return IssuedCredential(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        issuer_did=doc["issuer_did"],
        achievement_id=doc["achievement_id"],
        achievement_version=doc["achievement_version"],
        subject=SubjectIdentity.from_json(doc["subject"]),
        status=StatusPosition(list_id=doc["list_id"], index=doc["index"]),
        credential=json.loads(doc["credential_json"]),
        issued_at=moment(doc["issued_at"]),
        valid_from=moment(doc["valid_from"]),
        valid_until=moment_or_none(doc.get("valid_until")),
        revoked=doc["revoked"],
        suspended=doc["suspended"],
        history=tuple(
            StatusChange(action=StatusAction(h["action"]), reason=h["reason"], at=moment(h["at"]))
            for h in doc.get("history", [])
        ),
        request_fingerprint=doc.get("request_fingerprint"),
        pathway_id=doc.get("pathway_id"),
        source_credential_ids=tuple(doc.get("source_credential_ids", [])),
        batch_job_id=doc.get("batch_job_id"),
    )


# ------------------------------------------------------------------------ status lists


def status_list_to_doc(s: StatusList) -> Document:
    return {
        "_id": s.id,
        "tenant_id": s.tenant_id,
        "size": s.size,
        "created_at": iso(s.created_at),
        "full": s.full,
    }


def status_list_from_doc(doc: Mapping[str, Any]) -> StatusList:
    return StatusList(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        size=doc["size"],
        created_at=moment(doc["created_at"]),
        full=doc["full"],
    )


def published_id(list_id: str, purpose: StatusPurpose) -> str:
    return f"{list_id}-{purpose.value}"


def published_to_doc(p: PublishedList) -> Document:
    return {
        "_id": published_id(p.list_id, p.purpose),
        "list_id": p.list_id,
        "purpose": p.purpose.value,
        "encoded_list": p.encoded_list,
        "credential_json": json.dumps(p.credential, separators=(",", ":"), ensure_ascii=False),
        "etag": p.etag,
        "signed_at": iso(p.signed_at),
    }


def published_from_doc(doc: Mapping[str, Any]) -> PublishedList:
    return PublishedList(
        list_id=doc["list_id"],
        purpose=StatusPurpose(doc["purpose"]),
        encoded_list=doc["encoded_list"],
        credential=json.loads(doc["credential_json"]),
        etag=doc["etag"],
        signed_at=moment(doc["signed_at"]),
    )


# ---------------------------------------------------------------------------- batches


def row_error_to_doc(e: RowError) -> Document:
    return {"row": e.row, "code": e.code, "detail": e.detail}


def row_result_to_doc(r: RowResult) -> Document:
    return {"row": r.row, "credential_id": r.credential_id}


def job_to_doc(j: BatchJob) -> Document:
    """The job alone: row outcomes live in its chunks (see ``chunk_to_doc``)."""
    return {
        "_id": j.id,
        "tenant_id": j.tenant_id,
        "total": j.total,
        "suite": j.suite.value,
        "created_at": iso(j.created_at),
        "state": j.state.value,
        "finished_at": iso_or_none(j.finished_at),
    }


def job_from_doc(doc: Mapping[str, Any], chunks: Sequence[Mapping[str, Any]] = ()) -> BatchJob:
    job = BatchJob(
        id=doc["_id"],
        tenant_id=doc["tenant_id"],
        total=doc["total"],
        suite=Suite(doc.get("suite", Suite.EDDSA_RDFC_2022.value)),
        created_at=moment(doc["created_at"]),
        state=JobState(doc["state"]),
        finished_at=moment_or_none(doc.get("finished_at")),
    )
    done = [c for c in chunks if c["state"] == ChunkState.DONE.value]
    return job.with_outcomes(
        [RowResult(**r) for c in done for r in c.get("results", [])],
        [RowError(**e) for c in done for e in c.get("errors", [])],
    )


def _request_to_doc(r: IssueRequest) -> Document:
    return {
        "achievement_id": r.achievement_id,
        "evidence": [
            {k: v for k, v in dataclasses.asdict(e).items() if v is not None} for e in r.evidence
        ],
        "results": [
            {k: v for k, v in dataclasses.asdict(x).items() if v is not None} for x in r.results
        ],
        "valid_from": iso_or_none(r.valid_from),
        "valid_until": iso_or_none(r.valid_until),
        "credits_earned": r.credits_earned,
        "fingerprint": r.fingerprint,
    }


def _request_from_doc(doc: Mapping[str, Any]) -> IssueRequest:
    return IssueRequest(
        achievement_id=doc["achievement_id"],
        recipient=None,
        evidence=tuple(Evidence(**e) for e in doc.get("evidence", [])),
        results=tuple(ResultValue(**x) for x in doc.get("results", [])),
        valid_from=moment_or_none(doc.get("valid_from")),
        valid_until=moment_or_none(doc.get("valid_until")),
        credits_earned=doc.get("credits_earned"),
        fingerprint=doc.get("fingerprint"),
    )


def _batch_row_to_doc(row: BatchRow) -> Document:
    if isinstance(row, RowError):
        return {"error": row_error_to_doc(row)}
    return {
        "row": row.row,
        "request": _request_to_doc(row.request),
        "subject": row.subject.to_json(),
    }


def _batch_row_from_doc(doc: Mapping[str, Any]) -> BatchRow:
    if "error" in doc:
        return RowError(**doc["error"])
    return PreparedRow(
        row=doc["row"],
        request=_request_from_doc(doc["request"]),
        subject=SubjectIdentity.from_json(doc["subject"]),
    )


def chunk_to_doc(c: BatchChunk) -> Document:
    return {
        "_id": c.id,
        "job_id": c.job_id,
        "tenant_id": c.tenant_id,
        "suite": c.suite.value,
        "number": c.number,
        "rows": [_batch_row_to_doc(r) for r in c.rows],
        "state": ChunkState.PENDING.value,
        "worker": None,
        "lease_until": None,
        "results": [],
        "errors": [],
    }


def chunk_from_doc(doc: Mapping[str, Any]) -> BatchChunk:
    return BatchChunk(
        id=doc["_id"],
        job_id=doc["job_id"],
        tenant_id=doc["tenant_id"],
        suite=Suite(doc["suite"]),
        number=doc["number"],
        rows=tuple(_batch_row_from_doc(r) for r in doc["rows"]),
    )


# ---------------------------------------------------------------------------- holdings


def holdings_to_state(h: RecipientHoldings) -> Document:
    return {
        "recipient_key": h.recipient_key,
        "holdings": [
            {
                "credential_id": x.credential_id,
                "achievement_id": x.achievement_id,
                "issuer_did": x.issuer_did,
                "credits": x.credits,
                "state": x.state.value,
                "subject": None if x.subject is None else x.subject.to_json(),
                "issued_at": iso(x.issued_at),
            }
            for x in h.holdings.values()
        ],
    }


def holdings_from_state(state: Mapping[str, Any]) -> RecipientHoldings:
    return RecipientHoldings(
        recipient_key=state["recipient_key"],
        holdings={
            x["credential_id"]: Holding(
                credential_id=x["credential_id"],
                achievement_id=x["achievement_id"],
                issuer_did=x["issuer_did"],
                credits=float(x["credits"]),
                state=CredentialState(x["state"]),
                subject=None if x["subject"] is None else SubjectIdentity.from_json(x["subject"]),
                issued_at=moment(x["issued_at"]),
            )
            for x in state.get("holdings", [])
        },
    )
