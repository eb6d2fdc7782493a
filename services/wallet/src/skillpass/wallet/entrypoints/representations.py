"""JSON shapes of the wallet API (documented in openapi.py)."""

from __future__ import annotations

from typing import Any

from skillpass.wallet.adapters.documents import format_time
from skillpass.wallet.domain.holdings import Holding
from skillpass.wallet.domain.learners import Learner
from skillpass.wallet.domain.pathways import PathwayProgress
from skillpass.wallet.domain.queries import Page, StatusCounts
from skillpass.wallet.domain.sharing import ShareLink
from skillpass.wallet.domain.verification import VerificationReport


def _time(moment: Any) -> str | None:
    return None if moment is None else format_time(moment)


def learner_json(learner: Learner) -> dict[str, Any]:
    return {
        "id": learner.id,
        "did": learner.did,
        "identifiers": [{"type": i.type, "value": i.value} for i in learner.identifiers],
        "auto_accept": learner.auto_accept,
        "created_at": _time(learner.created_at),
    }


def holding_json(holding: Holding, *, full: bool = False) -> dict[str, Any]:
    summary = holding.summary
    track = holding.track
    body: dict[str, Any] = {
        "id": holding.id,
        "credential_id": holding.credential_id,
        "origin": holding.origin.value,
        "offer": holding.offer.value,
        "status": holding.status.value,
        "status_reason": track.reason or None,
        "status_changed_at": _time(track.changed_at),
        "revoked_at": _time(track.revoked_at),
        "tenant_id": holding.tenant_id,
        "received_at": _time(holding.received_at),
        "decided_at": _time(holding.decided_at),
        "pathway_id": holding.pathway_id,
    }
    if summary is not None:
        body |= {
            "name": summary.name,
            "issuer": {"id": summary.issuer_id, "name": summary.issuer_name},
            "achievement": {
                "id": summary.achievement_id,
                "name": summary.achievement_name,
                "type": summary.achievement_type,
                "description": summary.description,
                "image": summary.image_url,
            },
            "skills": [
                {"name": s.name, "url": s.url, "code": s.code, "framework": s.framework}
                for s in summary.skills
            ],
            "credits": summary.credits,
            "valid_from": _time(summary.valid_from),
            "valid_until": _time(summary.valid_until),
        }
    if full:
        body["credential"] = holding.credential
        body["verification"] = holding.verification
        body["source_credential_ids"] = list(holding.source_credential_ids)
    return body


def page_json(page: Page) -> dict[str, Any]:
    return {
        "items": [holding_json(h) for h in page.items],
        "next_cursor": page.next_cursor.encode() if page.next_cursor else None,
    }


def counts_json(counts: StatusCounts) -> dict[str, int]:
    return {
        "active": counts.active,
        "suspended": counts.suspended,
        "revoked": counts.revoked,
        "offers": counts.offers,
    }


def share_link_json(link: ShareLink, *, base_url: str, now: Any) -> dict[str, Any]:
    return {
        "id": link.id,
        "url": share_url(base_url, link.token),
        "holding_ids": list(link.holding_ids),
        "label": link.label,
        "created_at": _time(link.created_at),
        "expires_at": _time(link.expires_at),
        "revoked_at": _time(link.revoked_at),
        "views": link.views,
        "state": link.state(now).value,
    }


def share_url(base_url: str, token: str) -> str:
    return f"{base_url}/s/{token}"


def progress_json(progress: PathwayProgress) -> dict[str, Any]:
    pathway = progress.pathway
    return {
        "pathway": {
            "id": pathway.id,
            "tenant_id": pathway.tenant_id,
            "name": pathway.name,
            "rule": pathway.rule.value,
            "required_count": pathway.required_count,
            "required_credits": pathway.required_credits,
            "target_achievement_id": pathway.target_achievement_id,
        },
        "held": [
            {
                "achievement_id": c.component.achievement_id,
                "name": c.component.name,
                "holding_id": c.holding_id,
            }
            for c in progress.held
        ],
        "missing": [
            {
                "achievement_id": c.component.achievement_id,
                "name": c.component.name,
                "credits": c.component.credits,
            }
            for c in progress.missing
        ],
        "credits_earned": progress.credits_earned,
        "completed": progress.completed,
        "stacked_holding_id": progress.stacked_holding_id,
    }


def report_json(report: VerificationReport) -> dict[str, Any]:
    return report.to_json()
