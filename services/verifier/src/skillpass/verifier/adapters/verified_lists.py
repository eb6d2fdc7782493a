"""Status list credentials that passed the core's checks, decoded, remembered per list URL.

Every credential with a status entry makes the core check its status list credential (types, id,
dates, proof) and decode its bitstring: a thousand verifications against one list would do all of
that a thousand times. That answer (``skillpass.vc.status.load_status_list``) depends only on the
list, on the DID documents of its signers and on the clock; the core judges the list's issuer and
validity window again at every use. So the answer is kept together with the list and those DID
documents as they were (copies: a change made later in place does not go unnoticed), and handed
back only while both are still equal to what this verification fetched: a re-signed list or a
rotated key is checked again as soon as the HTTP cache hands over the new document. Comparing is
cheap, no digest: the HTTP adapter hands over the same parsed objects while its entry is fresh,
and the copies share their strings with them.

Reused only while the list is within its validity window at the time of use (without the core's
clock leeway: the core's proof check of a list judges its window too, so this keeps the answer
the core would give now), only when it verified (a failure is checked again every time), never
for proofs that expire, bounded (least recently used goes first) and kept no longer than the HTTP
cache may keep a document (``ttl_seconds``; 0 keeps nothing).
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from skillpass.vc.dids import DidResolver
from skillpass.vc.result import VerificationResult
from skillpass.vc.status import Accept, StatusList, StatusListProblem, load_status_list
from skillpass.verifier.domain.references import did_of, proofs_of

# The core's check of a status list credential (its proof, data model, validity; status off).
ListVerifier = Callable[[Mapping[str, Any], DidResolver, datetime], VerificationResult]

Signers = tuple[tuple[str, Mapping[str, Any] | None], ...]


@dataclass(frozen=True, slots=True)
class _Known:
    document: Mapping[str, Any]
    signers: Signers  # each signer's DID and its document, as they were
    loaded: StatusList
    expires_at: float


class VerifiedLists:
    """``load_status_list`` for the verifier (see :meth:`load`), remembering the lists that
    verified."""

    def __init__(
        self,
        verify_list: ListVerifier,
        *,
        ttl_seconds: float,
        max_entries: int,
        clock: Callable[[], float],
    ) -> None:
        self._verify_list = verify_list
        self._ttl = ttl_seconds
        self._max_entries = max_entries
        self._clock = clock
        self._known: OrderedDict[tuple[str, bool], _Known] = OrderedDict()

    def load(
        self,
        url: str,
        document: Mapping[str, Any],
        legacy: bool,
        accept: Accept,
        *,
        resolver: DidResolver,
        now: datetime,
    ) -> StatusList | StatusListProblem:
        """As ``load_status_list`` (a ``ListLoader`` once ``resolver`` and ``now`` are bound)."""
        key = (url, legacy)
        known = self._known.get(key)
        if known is not None:
            if self._still_holds(known, document, resolver, now):
                self._known.move_to_end(key)
                return known.loaded
            if known.expires_at <= self._clock():
                del self._known[key]
        loaded = load_status_list(
            document,
            url=url,
            legacy=legacy,
            verify_list=lambda list_credential: self._verify_list(list_credential, resolver, now),
            accept=accept,
        )
        if self._ttl > 0 and isinstance(loaded, StatusList):
            self._remember(key, document, resolver, loaded)
        return loaded

    def __len__(self) -> int:
        return len(self._known)

    def _still_holds(
        self, known: _Known, document: Mapping[str, Any], resolver: DidResolver, now: datetime
    ) -> bool:
        if known.expires_at <= self._clock() or known.document != document:
            return False
        # The window is judged now, not when the answer was made: no "valid" past validUntil.
        if known.loaded.window.problem_at(now) is not None:
            return False
        try:
            return all(resolver(did) == was for did, was in known.signers)
        except ValueError:  # a DID the resolver now refuses (DidError): check afresh
            return False

    def _remember(
        self,
        key: tuple[str, bool],
        document: Mapping[str, Any],
        resolver: DidResolver,
        loaded: StatusList,
    ) -> None:
        proofs = proofs_of(document)
        if any("expires" in proof for proof in proofs):
            return  # the answer would depend on the clock beyond the validity window
        # The resolver matters only through the proofs' verification methods.
        dids = sorted({d for p in proofs if (d := did_of(p.get("verificationMethod")))})
        try:
            signers = tuple((did, copy.deepcopy(resolver(did))) for did in dids)
        except ValueError:  # a DID it refuses (DidError): nothing to compare with later
            return
        self._known[key] = _Known(
            document=copy.deepcopy(document),
            signers=signers,
            loaded=loaded,
            expires_at=self._clock() + self._ttl,
        )
        self._known.move_to_end(key)
        while len(self._known) > self._max_entries:
            self._known.popitem(last=False)
