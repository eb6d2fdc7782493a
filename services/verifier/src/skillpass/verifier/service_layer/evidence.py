"""Everything the pure core will look up, fetched beforehand and concurrently.

Two rounds: the DIDs and status lists a credential (or presentation) names, then the DIDs that
sign those status lists. The fetcher behind ``Documents`` is cached and single-flight, so a
thousand verifications pointing at one list fetch it once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from skillpass.vc.dids import CompositeResolver, DidResolver
from skillpass.vc.status import StatusListSource
from skillpass.verifier.domain.references import References, status_list_references
from skillpass.verifier.service_layer.ports import Documents, Fetched


@dataclass(slots=True)
class Evidence:
    dids: dict[str, Mapping[str, Any] | None] = field(default_factory=dict)
    status_lists: dict[str, Mapping[str, Any] | None] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # why a document could not be had

    def resolver(self) -> DidResolver:
        documents = self.dids
        return CompositeResolver(web=lambda did: documents.get(did))

    def status_source(self) -> StatusListSource:
        lists = self.status_lists
        return lambda url: lists.get(url)


async def collect(references: References, documents: Documents) -> Evidence:
    evidence = Evidence()
    await _fetch(evidence, references, documents)
    fetched_lists = [d for d in evidence.status_lists.values() if d is not None]
    signers = status_list_references(fetched_lists)
    await _fetch(evidence, References(signers.dids - evidence.dids.keys()), documents)
    return evidence


async def _fetch(evidence: Evidence, references: References, documents: Documents) -> None:
    # did:key documents are derived from the key itself by the core: nothing to fetch.
    dids = sorted(d for d in references.dids if not d.startswith("did:key:"))
    urls = sorted(references.status_lists)
    results: list[Fetched] = await asyncio.gather(
        *(documents.did_document(d) for d in dids),
        *(documents.status_list(u) for u in urls),
    )
    for name, fetched in zip([*dids, *urls], results, strict=True):
        target = evidence.dids if name in references.dids else evidence.status_lists
        target[name] = fetched.document
        if fetched.problem is not None:
            evidence.problems.append(f"{name}: {fetched.problem}")
