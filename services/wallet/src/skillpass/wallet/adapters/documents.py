"""How wallet objects are stored: plain JSON-safe dicts, the same for MongoDB and memory.

Times are fixed-width UTC strings (`2026-01-15T09:00:00.000000Z`): they sort as text exactly as
they sort as times and keep microseconds (BSON dates keep milliseconds), so a pagination cursor
compares the same in both stores. Credentials are stored as JSON text: JSON-LD keys may hold
`.` or start with `$`, which document stores restrict.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from skillpass.wallet.domain.credentials import CredentialSummary, Skill
from skillpass.wallet.domain.holdings import Holding, OfferState, Origin, StatusTrack
from skillpass.wallet.domain.identities import Identifier, IdentityObject, Recipient
from skillpass.wallet.domain.learners import Learner
from skillpass.wallet.domain.sharing import ShareLink

Document = dict[str, Any]


def format_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("times are timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _opt_time(moment: datetime | None) -> str | None:
    return None if moment is None else format_time(moment)


def _opt_parse(text: object) -> datetime | None:
    return parse_time(text) if isinstance(text, str) else None


# --- holdings -------------------------------------------------------------------------------------


def _summary_to_document(summary: CredentialSummary) -> Document:
    return {
        "credential_id": summary.credential_id,
        "name": summary.name,
        "issuer_id": summary.issuer_id,
        "issuer_name": summary.issuer_name,
        "achievement_id": summary.achievement_id,
        "achievement_name": summary.achievement_name,
        "achievement_type": summary.achievement_type,
        "description": summary.description,
        "image_url": summary.image_url,
        "skills": [
            {"name": s.name, "url": s.url, "code": s.code, "framework": s.framework}
            for s in summary.skills
        ],
        "credits": summary.credits,
        "valid_from": _opt_time(summary.valid_from),
        "valid_until": _opt_time(summary.valid_until),
    }


def _summary_from_document(doc: Mapping[str, Any]) -> CredentialSummary:
    return CredentialSummary(
        credential_id=doc["credential_id"],
        name=doc["name"],
        issuer_id=doc["issuer_id"],
        issuer_name=doc.get("issuer_name"),
        achievement_id=doc.get("achievement_id"),
        achievement_name=doc.get("achievement_name"),
        achievement_type=doc.get("achievement_type"),
        description=doc.get("description"),
        image_url=doc.get("image_url"),
        skills=tuple(
            Skill(
                name=s["name"], url=s.get("url"), code=s.get("code"), framework=s.get("framework")
            )
            for s in doc.get("skills", [])
        ),
        credits=doc.get("credits"),
        valid_from=_opt_parse(doc.get("valid_from")),
        valid_until=_opt_parse(doc.get("valid_until")),
    )


def _track_to_document(track: StatusTrack) -> Document:
    return {
        "revoked": track.revoked,
        "revoked_at": _opt_time(track.revoked_at),
        "revocation_changed_at": _opt_time(track.revocation_changed_at),
        "suspended": track.suspended,
        "suspension_changed_at": _opt_time(track.suspension_changed_at),
        "reason": track.reason,
        "changed_at": _opt_time(track.changed_at),
    }


def _track_from_document(doc: Mapping[str, Any]) -> StatusTrack:
    return StatusTrack(
        revoked=bool(doc.get("revoked")),
        revoked_at=_opt_parse(doc.get("revoked_at")),
        revocation_changed_at=_opt_parse(doc.get("revocation_changed_at")),
        suspended=bool(doc.get("suspended")),
        suspension_changed_at=_opt_parse(doc.get("suspension_changed_at")),
        reason=doc.get("reason", ""),
        changed_at=_opt_parse(doc.get("changed_at")),
    )


def _recipient_to_document(recipient: Recipient) -> Document:
    return {
        "did": recipient.did,
        "identities": [
            {
                "type": i.identity_type,
                "hash": i.identity_hash,
                "hashed": i.hashed,
                "salt": i.salt,
            }
            for i in recipient.identities
        ],
    }


def _recipient_from_document(doc: Mapping[str, Any]) -> Recipient:
    return Recipient(
        did=doc.get("did"),
        identities=tuple(
            IdentityObject(
                identity_type=i["type"], identity_hash=i["hash"], hashed=i["hashed"], salt=i["salt"]
            )
            for i in doc.get("identities", [])
        ),
    )


def holding_to_document(holding: Holding) -> Document:
    summary = holding.summary
    waiting = holding.offer is OfferState.WAITING
    return {
        "id": holding.id,
        "origin": holding.origin.value,
        "offer": holding.offer.value,
        "received_at": format_time(holding.received_at),
        "credential_json": None
        if holding.credential is None
        else json.dumps(holding.credential, ensure_ascii=False, separators=(",", ":")),
        "summary": None if summary is None else _summary_to_document(summary),
        "learner_id": holding.learner_id,
        "tenant_id": holding.tenant_id,
        "recipient": _recipient_to_document(holding.recipient),
        "track": _track_to_document(holding.track),
        "decided_at": _opt_time(holding.decided_at),
        "decline_reason": holding.decline_reason,
        "learner_did": holding.learner_did,
        "pathway_id": holding.pathway_id,
        "source_credential_ids": list(holding.source_credential_ids),
        "achievement_ref": holding.achievement_ref,
        "verification_json": None
        if holding.verification is None
        else json.dumps(holding.verification, separators=(",", ":")),
        # Denormalised for queries (derived from the above, rewritten on every write):
        "status": holding.status.value,
        "issuer_id": summary.issuer_id if summary else None,
        "achievement_type": summary.achievement_type if summary else None,
        "valid_from": _opt_time(summary.valid_from) if summary else None,
        "skill_keys": list(summary.skill_keys) if summary else [],
        "search_text": summary.search_text if summary else "",
        "recipient_types": sorted(holding.recipient.identity_types) if waiting else [],
    }


def holding_from_document(doc: Mapping[str, Any]) -> Holding:
    credential_json = doc.get("credential_json")
    verification_json = doc.get("verification_json")
    summary = doc.get("summary")
    return Holding(
        id=doc["id"],
        origin=Origin(doc["origin"]),
        offer=OfferState(doc["offer"]),
        received_at=parse_time(doc["received_at"]),
        credential=None if credential_json is None else json.loads(credential_json),
        summary=None if summary is None else _summary_from_document(summary),
        learner_id=doc.get("learner_id"),
        tenant_id=doc.get("tenant_id"),
        recipient=_recipient_from_document(doc.get("recipient", {})),
        track=_track_from_document(doc.get("track", {})),
        decided_at=_opt_parse(doc.get("decided_at")),
        decline_reason=doc.get("decline_reason", ""),
        learner_did=doc.get("learner_did"),
        pathway_id=doc.get("pathway_id"),
        source_credential_ids=tuple(doc.get("source_credential_ids", [])),
        achievement_ref=doc.get("achievement_ref"),
        verification=None if verification_json is None else json.loads(verification_json),
    )


# --- learners and share links ---------------------------------------------------------------------


def learner_to_document(learner: Learner) -> Document:
    return {
        "_id": learner.id,
        "did": learner.did,
        "sealed_key": bytes(learner.sealed_key),
        "identifiers": [{"type": i.type, "value": i.value} for i in learner.identifiers],
        "auto_accept": learner.auto_accept,
        "created_at": format_time(learner.created_at),
    }


def learner_from_document(doc: Mapping[str, Any]) -> Learner:
    return Learner(
        id=doc["_id"],
        did=doc["did"],
        sealed_key=bytes(doc["sealed_key"]),
        identifiers=tuple(Identifier(type=i["type"], value=i["value"]) for i in doc["identifiers"]),
        auto_accept=bool(doc["auto_accept"]),
        created_at=parse_time(doc["created_at"]),
    )


def share_link_to_document(link: ShareLink) -> Document:
    return {
        "_id": link.id,
        "token": link.token,
        "learner_id": link.learner_id,
        "holding_ids": list(link.holding_ids),
        "created_at": format_time(link.created_at),
        "expires_at": _opt_time(link.expires_at),
        "revoked_at": _opt_time(link.revoked_at),
        "label": link.label,
    }


def share_link_from_document(doc: Mapping[str, Any]) -> ShareLink:
    return ShareLink(
        id=doc["_id"],
        token=doc["token"],
        learner_id=doc["learner_id"],
        holding_ids=tuple(doc["holding_ids"]),
        created_at=parse_time(doc["created_at"]),
        expires_at=_opt_parse(doc.get("expires_at")),
        revoked_at=_opt_parse(doc.get("revoked_at")),
        views=int(doc.get("views", 0)),
        label=doc.get("label", ""),
    )
