"""Reads: the public DID documents and status lists, and the skill-gap view of a pathway."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

from skillpass.issuer.domain import pathways as rules
from skillpass.issuer.domain.credentials import Suite, status_list_url
from skillpass.issuer.domain.pathways import Pathway, RecipientHoldings
from skillpass.issuer.domain.recipients import Recipient, recipient_key
from skillpass.issuer.domain.status_lists import bitstring, parse_public_id
from skillpass.issuer.domain.tenants import did_document
from skillpass.issuer.service_layer.errors import UnknownResourceError
from skillpass.issuer.service_layer.handlers import Dependencies, active_signer
from skillpass.issuer.service_layer.ports import PublishedList, SignFailure
from skillpass.vc.status import status_list_credential

# How long a verifier may cache a list (also the ``ttl`` hint inside it).
STATUS_LIST_TTL: Final = timedelta(minutes=5)


async def tenant_did_document(deps: Dependencies, slug: str) -> dict[str, Any]:
    tenant = await deps.tenants.get(slug)
    if tenant is None:
        raise UnknownResourceError("unknown-tenant", f"no issuer {slug!r}")
    return did_document(tenant)


async def published_status_list(deps: Dependencies, public_id: str) -> PublishedList:
    """The signed ``BitstringStatusListCredential`` for ``<list id>-<purpose>``, computed from the
    credentials' status flags and re-signed only when its bits changed since the last signing
    (so an unchanged list keeps its bytes and its ETag)."""
    parsed = parse_public_id(public_id)
    status_list = None if parsed is None else await deps.status_lists.get(parsed[0])
    if parsed is None or status_list is None:
        raise UnknownResourceError("unknown-status-list", f"no status list {public_id!r}")
    list_id, purpose = parsed
    bits = bitstring(status_list.size, await deps.credentials.set_positions(list_id, purpose))
    encoded = bits.encode()
    current = await deps.status_lists.published(list_id, purpose)
    if current is not None and current.encoded_list == encoded:
        return current
    tenant = await deps.tenants.get(status_list.tenant_id)
    if tenant is None:
        raise UnknownResourceError("unknown-tenant", f"no tenant {status_list.tenant_id!r}")
    now = deps.clock.now()
    unsigned = status_list_credential(
        list_url=status_list_url(deps.base_url, list_id, purpose),
        issuer=tenant.did,
        purpose=purpose,
        bitstring=bits,
        valid_from=now,
        ttl=STATUS_LIST_TTL,
    )
    signer = await active_signer(deps, tenant)
    (signed,) = await deps.signer.sign(
        [unsigned],
        key=signer.key,
        verification_method=signer.verification_method,
        suite=Suite.EDDSA_RDFC_2022,
        created=now,
    )
    if isinstance(signed, SignFailure):
        raise RuntimeError(f"cannot sign status list {public_id}: {signed.detail}")
    body = json.dumps(signed, separators=(",", ":")).encode()
    published = PublishedList(
        list_id=list_id,
        purpose=purpose,
        encoded_list=encoded,
        credential=signed,
        etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
        signed_at=now,
    )
    await deps.status_lists.publish(published)
    return published


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressView:
    pathway: Pathway
    progress: rules.PathwayProgress
    stacked_credential_id: str | None


async def pathway_progress(
    deps: Dependencies, pathway: Pathway, recipient: Recipient
) -> ProgressView:
    key = recipient_key(recipient, pepper=deps.pepper)
    holdings = await deps.holdings.get(key) or RecipientHoldings(recipient_key=key)
    progress = rules.evaluate(pathway, holdings)
    stacked = f"urn:uuid:{rules.stacked_credential_uuid(pathway.id, key)}"
    exists = await deps.credentials.get(stacked) is not None
    return ProgressView(
        pathway=pathway, progress=progress, stacked_credential_id=stacked if exists else None
    )
