"""Status list credentials whose proof verified, remembered by what they are made of.

Every credential with a status entry makes the core check its status list credential's proof:
a thousand verifications against one list would check the same signature a thousand times. The
verdict depends only on the list, on the DID documents of its signers, and on the
clock (the list's validity window, a proof's ``expires``). So it is kept under a digest of the
list and those DID documents (a re-signed list or a rotated key is another key: it is checked
again as soon as the HTTP cache hands over the new document), reused only while the list is still
within its validity window at the time of use, and only when it verified: a failure is checked
again every time. Bounded (least recently used goes first) and kept no longer than the HTTP cache
may keep a document (``ttl_seconds``; 0 keeps nothing).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from skillpass.vc.dids import DidResolver
from skillpass.vc.result import VerificationResult
from skillpass.vc.validation import validity_window
from skillpass.verifier.domain.references import did_of, proofs_of

# The core's check of a status list credential (its proof, data model, validity; status off).
ListVerifier = Callable[[Mapping[str, Any], DidResolver, datetime], VerificationResult]


@dataclass(frozen=True, slots=True)
class _Verdict:
    result: VerificationResult
    expires_at: float


class VerifiedLists:
    """A :data:`ListVerifier` that remembers the lists that verified."""

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
        self._verdicts: OrderedDict[bytes, _Verdict] = OrderedDict()

    def __call__(
        self, document: Mapping[str, Any], resolver: DidResolver, now: datetime
    ) -> VerificationResult:
        key = self._key(document, resolver)
        known = self._known(key) if key is not None else None
        # The window is judged now, not when the verdict was made: no "valid" past validUntil.
        if known is not None and validity_window(document).problem_at(now) is None:
            return known
        result = self._verify_list(document, resolver, now)
        if key is not None and result.verified:
            self._verdicts[key] = _Verdict(result, self._clock() + self._ttl)
            self._verdicts.move_to_end(key)
            while len(self._verdicts) > self._max_entries:
                self._verdicts.popitem(last=False)
        return result

    def __len__(self) -> int:
        return len(self._verdicts)

    def _known(self, key: bytes) -> VerificationResult | None:
        verdict = self._verdicts.get(key)
        if verdict is None:
            return None
        if verdict.expires_at <= self._clock():
            del self._verdicts[key]
            return None
        self._verdicts.move_to_end(key)
        return verdict.result

    def _key(self, document: Mapping[str, Any], resolver: DidResolver) -> bytes | None:
        if self._ttl <= 0:
            return None
        proofs = proofs_of(document)
        if any("expires" in proof for proof in proofs):
            return None  # the verdict would depend on the clock beyond the validity window
        # The resolver matters only through the proofs' verification methods.
        dids = sorted({d for p in proofs if (d := did_of(p.get("verificationMethod")))})
        try:
            # Unsorted: the same fetched bytes parse in the same order, and sorting costs twice.
            material = json.dumps([document, [resolver(did) for did in dids]])
        except (TypeError, ValueError):  # not JSON data, or a DID it refuses (DidError): no key
            return None
        return hashlib.sha256(material.encode()).digest()
