"""Everything the pure core will look up, fetched beforehand and concurrently.

Two rounds: the DIDs and status lists a credential (or presentation) names, then the DIDs that
sign those status lists. The fetcher behind ``Documents`` is cached and single-flight, so a
thousand verifications pointing at one list fetch it once; what it has at hand is taken without
awaiting (no task per document when everything is cached).
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


async def collect(references: References, documents: Documents, *, limit: int) -> Evidence:
    """At most ``limit`` documents per round: a credential naming a thousand status lists must
    not turn one request into a thousand fetches (the ones left out are "could not be had")."""
    evidence = Evidence()
    await _fetch(evidence, references, documents, limit)
    fetched_lists = [d for d in evidence.status_lists.values() if d is not None]
    signers = status_list_references(fetched_lists)
    await _fetch(evidence, References(signers.dids - evidence.dids.keys()), documents, limit)
    return evidence


async def _fetch(
    evidence: Evidence, references: References, documents: Documents, limit: int
) -> None:
    # did:key documents are derived from the key itself by the core: nothing to fetch.
    wanted = [(d, True) for d in sorted(references.dids) if not d.startswith("did:key:")]
    wanted += [(url, False) for url in sorted(references.status_lists)]
    allowed, left_out = wanted[:limit], wanted[limit:]
    # What is at hand (cached) is taken as is: tasks only for what must be fetched.
    known = [
        documents.known_did_document(n) if is_did else documents.known_status_list(n)
        for n, is_did in allowed
    ]
    fetches = [
        documents.did_document(n) if is_did else documents.status_list(n)
        for (n, is_did), answer in zip(allowed, known, strict=True)
        if answer is None
    ]
    if len(fetches) == 1:
        fetched = iter([await fetches[0]])
    else:
        fetched = iter(await asyncio.gather(*fetches) if fetches else [])
    answers = [answer if answer is not None else next(fetched) for answer in known]
    answers += [Fetched(None, f"not fetched: more than {limit} documents referenced")] * len(
        left_out
    )
    for (name, is_did), answer in zip([*allowed, *left_out], answers, strict=True):
        (evidence.dids if is_did else evidence.status_lists)[name] = answer.document
        if answer.problem is not None:
            evidence.problems.append(f"{name}: {answer.problem}")
