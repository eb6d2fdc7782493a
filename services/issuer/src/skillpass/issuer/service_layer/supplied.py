"""VC-API issuing: checks on a credential the caller built, before anything is allocated or
signed. Each refusal has its own code: ``invalid-credential``, ``issuer-mismatch``,
``missing-recipient``, ``unhashed-identifier``, ``dates-out-of-order``, ``invalid-date``,
``undefined-terms`` (the vc core's safe mode: a term no context defines would silently vanish
from the signed graph), ``unknown-context``, ``already-signed``."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from skillpass.issuer.domain.credentials import StatusPosition, with_status
from skillpass.issuer.domain.recipients import HashedIdentity, SubjectIdentity
from skillpass.issuer.domain.tenants import Tenant
from skillpass.issuer.service_layer.errors import RequestRejectedError
from skillpass.vc.canonical import UndefinedTerms, expand
from skillpass.vc.jsonld import ContextError
from skillpass.vc.loader import BUNDLED
from skillpass.vc.validation import (
    as_list,
    is_url,
    node_id,
    validate_for_issue,
    validity_window,
)

_PROBE_POSITION = StatusPosition(list_id="probe", index=0)


@dataclass(frozen=True, slots=True, kw_only=True)
class SuppliedCredential:
    credential: Mapping[str, Any]  # with id and issuer filled in, no status yet
    credential_id: str
    base_url: str
    achievement_id: str | None
    achievement_version: int | None
    valid_from: datetime | None
    valid_until: datetime | None

    def with_status(self, position: StatusPosition) -> dict[str, Any]:
        return with_status(self.credential, self.base_url, position)


def reject(code: str, detail: str, **extensions: Any) -> RequestRejectedError:
    return RequestRejectedError(code, detail, extensions=extensions)


def check_supplied(
    credential: Any, *, tenant: Tenant, credential_id: str, base_url: str, now: datetime
) -> SuppliedCredential:
    if not isinstance(credential, Mapping):
        raise reject("invalid-credential", "credential must be a JSON object")
    if "proof" in credential:
        raise reject("already-signed", "the credential already has a proof")
    document = dict(credential)
    issuer = document.get("issuer")
    if issuer is None:
        document["issuer"] = tenant.issuer_profile()
    elif node_id(issuer) != tenant.did:
        raise reject(
            "issuer-mismatch",
            f"the issuer must be this tenant's DID {tenant.did}",
            issuer=node_id(issuer),
        )
    if "id" in document:
        if not is_url(document["id"]):
            raise reject("invalid-credential", "id must be a URL")
        credential_id = str(document["id"])
    else:
        document["id"] = credential_id

    subjects = as_list(document.get("credentialSubject"))
    if not subjects or not all(isinstance(s, Mapping) and s for s in subjects):
        raise reject("missing-recipient", "credentialSubject is required")
    first = subjects[0]
    identifiers = [i for i in as_list(first.get("identifier")) if isinstance(i, Mapping)]
    if "id" not in first and not identifiers:
        raise reject(
            "missing-recipient", "credentialSubject needs an id (DID) or a hashed identifier"
        )
    if any(i.get("hashed") is not True for i in identifiers):
        raise reject(
            "unhashed-identifier", "identifiers must be salted hashes (hashed: true), never clear"
        )

    window = validity_window(document)
    if window.problems:
        out_of_order = [p for p in window.problems if " is after " in p]
        if out_of_order:
            raise reject("dates-out-of-order", out_of_order[0])
        raise reject("invalid-date", "; ".join(window.problems))

    probe = with_status(document, base_url, _PROBE_POSITION)
    problems = validate_for_issue(probe, now=now)
    if problems:
        raise reject("invalid-credential", "; ".join(problems[:5]), problems=problems)
    try:
        expand(probe, loader=BUNDLED, safe=True)
    except UndefinedTerms as exc:
        raise reject("undefined-terms", str(exc), terms=exc.terms) from None
    except ContextError as exc:
        raise reject("unknown-context", str(exc)) from None

    achievement = first.get("achievement")
    achievement_id = achievement_version = None
    prefix = f"{base_url}/achievements/"
    if isinstance(achievement, Mapping) and str(achievement.get("id", "")).startswith(prefix):
        achievement_id = str(achievement["id"])[len(prefix) :]
        version = achievement.get("version")
        achievement_version = (
            int(version) if isinstance(version, str) and version.isdigit() else None
        )
    return SuppliedCredential(
        credential=document,
        credential_id=credential_id,
        base_url=base_url,
        achievement_id=achievement_id,
        achievement_version=achievement_version,
        valid_from=window.valid_from,
        valid_until=window.valid_until,
    )


def supplied_subject(credential: Mapping[str, Any], *, pepper: bytes) -> SubjectIdentity:
    """The recipient of a supplied credential: its subject id, else its first hashed identifier
    (whose hash is then the only key pathway progress can use)."""
    first = as_list(credential.get("credentialSubject"))[0]
    subject_id = first.get("id")
    if isinstance(subject_id, str):
        return SubjectIdentity(recipient_key=subject_id, did=subject_id)
    identity = next(i for i in as_list(first.get("identifier")) if isinstance(i, Mapping))
    hashed = HashedIdentity(
        identity_hash=str(identity.get("identityHash", "")),
        identity_type=str(identity.get("identityType", "")),
        salt=str(identity.get("salt", "")),
    )
    key = "hash:" + hashlib.sha256(pepper + hashed.identity_hash.encode()).hexdigest()
    return SubjectIdentity(recipient_key=key, hashed=hashed)
