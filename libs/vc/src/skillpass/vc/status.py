"""W3C Bitstring Status List v1.0: the bitstring, issuer helpers, and the verifier's status checks.

Spec: https://www.w3.org/TR/vc-bitstring-status-list/. Also reads ``StatusList2021Entry`` (the
VC 1.1-era predecessor) when verifying.

Pure: the status list credential is *given* (a :class:`StatusListSource` returns what was already
fetched, the HTTP adapter lives in the verifier service), its proof is checked by the injected
``verify_list``, ``now`` is passed in and randomness comes from the caller's generator. A caller
that sees the same list many times may remember :func:`load_status_list`'s answer (the checked,
decoded list) and hand it back through ``load_list``; the list's validity window and issuer are
still judged at every use.

The one rule this module exists to keep: a status that *could not be checked* (no list, a broken
list, a list that fails its proof or has expired, an index past its end …) is an ``error``
outcome, never "not revoked".
"""

from __future__ import annotations

import base64
import gzip
import re
import zlib
from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Final, Protocol

from skillpass.vc.result import Check, VerificationResult
from skillpass.vc.validation import (
    VC2_CONTEXT,
    ValidityWindow,
    as_list,
    format_datetime,
    is_url,
    node_id,
    require_aware,
    types_of,
    validity_window,
)

__all__ = [
    "MAX_LIST_BYTES",
    "MIN_ENTRIES",
    "Accept",
    "Bitstring",
    "IndexRandom",
    "ListLoader",
    "StatusErrorCode",
    "StatusList",
    "StatusListError",
    "StatusListProblem",
    "StatusListSource",
    "StatusPurpose",
    "StatusResult",
    "StatusState",
    "allocate_index",
    "check_status_entry",
    "load_status_list",
    "status_checks",
    "status_list_credential",
    "status_list_entry",
]

# 16 KB uncompressed: the spec's minimum, so one credential hides among at least 131,072.
MIN_ENTRIES: Final = 131_072
# Issuers re-sign a list when it changes, with validFrom = that moment; a verifier whose clock is a
# little behind must not call the fresh list "not yet valid" (and so the status unknown).
STATUS_LIST_CLOCK_LEEWAY: Final = timedelta(seconds=60)
# A decoded list larger than this is refused (a tiny GZIP member can inflate to gigabytes).
MAX_LIST_BYTES: Final = 16 * 1024 * 1024

ENTRY_TYPE: Final = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE: Final = "BitstringStatusListCredential"
LIST_TYPE: Final = "BitstringStatusList"
LEGACY_ENTRY_TYPE: Final = "StatusList2021Entry"
LEGACY_LIST_CREDENTIAL_TYPE: Final = "StatusList2021Credential"
LEGACY_LIST_TYPE: Final = "StatusList2021"

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_GZIP_MAGIC_BASE64: Final = "H4sI"  # 1f 8b 08 in base64: how every GZIP member starts
_MAX_INDEX_DIGITS: Final = 18  # beyond any real list; also keeps int() cheap


class StatusPurpose(StrEnum):
    REVOCATION = "revocation"
    SUSPENSION = "suspension"


class StatusErrorCode(StrEnum):
    """The spec's error names (§ Processing Errors), for machine-readable detail."""

    STATUS_RETRIEVAL_ERROR = "STATUS_RETRIEVAL_ERROR"
    STATUS_VERIFICATION_ERROR = "STATUS_VERIFICATION_ERROR"
    STATUS_LIST_LENGTH_ERROR = "STATUS_LIST_LENGTH_ERROR"
    RANGE_ERROR = "RANGE_ERROR"
    MALFORMED_VALUE_ERROR = "MALFORMED_VALUE_ERROR"


class StatusListError(ValueError):
    """An ``encodedList`` that cannot be decoded into a conforming bitstring."""

    def __init__(self, code: StatusErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


# ---------------------------------------------------------------------------------- bitstring


class Bitstring:
    """A status bitstring. Index 0 is the left-most (most significant) bit of the first byte.

    Mutable (an issuer flips bits in place before re-encoding); equal when the bits are equal.
    """

    __slots__ = ("_bits",)
    __hash__ = None  # type: ignore[assignment]  # mutable

    def __init__(self, length: int = MIN_ENTRIES) -> None:
        if length < MIN_ENTRIES or length % 8:
            raise ValueError(f"length must be a multiple of 8 and at least {MIN_ENTRIES:,}")
        self._bits = bytearray(length // 8)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray) -> Bitstring:
        if len(data) * 8 < MIN_ENTRIES:
            raise ValueError(f"a status list has at least {MIN_ENTRIES:,} entries")
        bitstring = cls.__new__(cls)
        bitstring._bits = bytearray(data)
        return bitstring

    @classmethod
    def decode(cls, encoded: object, *, multibase: bool = True) -> Bitstring:
        """Decode an ``encodedList``: multibase ``u`` + unpadded base64url of GZIP.

        ``multibase=False`` reads StatusList2021 lists, whose value has no ``u`` prefix (plain
        base64 alphabets and padding, seen in the wild there, are accepted too).
        Raises :class:`StatusListError` with the spec's error code.
        """
        if not isinstance(encoded, str):
            raise StatusListError(
                StatusErrorCode.MALFORMED_VALUE_ERROR, "encodedList must be a string"
            )
        if multibase:
            if not encoded.startswith("u"):
                raise StatusListError(
                    StatusErrorCode.MALFORMED_VALUE_ERROR,
                    "encodedList must be multibase base64url (start with 'u')",
                )
            body = encoded[1:]
        else:
            body = encoded[1:] if encoded.startswith("u" + _GZIP_MAGIC_BASE64) else encoded
            body = body.replace("+", "-").replace("/", "_").rstrip("=")
        if not _BASE64URL.fullmatch(body) or len(body) % 4 == 1:
            raise StatusListError(
                StatusErrorCode.MALFORMED_VALUE_ERROR, "encodedList is not unpadded base64url"
            )
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return cls.from_bytes(_gunzip(compressed))

    def encode(self) -> str:
        """Multibase ``u`` + unpadded base64url of GZIP (level 6, mtime 0).

        Deterministic, so an unchanged list re-encodes to the same bytes (cache validators stay
        valid); with these settings an empty 16 KB list encodes exactly as the spec's example.
        """
        compressed = gzip.compress(bytes(self._bits), compresslevel=6, mtime=0)
        return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")

    def get(self, index: int) -> bool:
        byte, bit = self._locate(index)
        return bool(self._bits[byte] & (0x80 >> bit))

    def set(self, index: int, value: bool = True) -> None:
        byte, bit = self._locate(index)
        if value:
            self._bits[byte] |= 0x80 >> bit
        else:
            self._bits[byte] &= ~(0x80 >> bit) & 0xFF

    def set_indices(self) -> Iterator[int]:
        """Indices whose bit is set, ascending (skips zero bytes: lists are mostly zeros)."""
        for byte_index, byte in enumerate(self._bits):
            if byte:
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        yield byte_index * 8 + bit

    def to_bytes(self) -> bytes:
        return bytes(self._bits)

    def copy(self) -> Bitstring:
        return Bitstring.from_bytes(bytes(self._bits))

    def __len__(self) -> int:
        return len(self._bits) * 8

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bitstring) and self._bits == other._bits

    def __repr__(self) -> str:
        return f"Bitstring(length={len(self)}, set={sum(1 for _ in self.set_indices())})"

    def _locate(self, index: int) -> tuple[int, int]:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(self):
            raise IndexError(f"status index {index!r} is outside 0..{len(self) - 1}")
        return divmod(index, 8)


def _gunzip(compressed: bytes) -> bytes:
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP framing only, CRC checked
    try:
        data = inflater.decompress(compressed, MAX_LIST_BYTES + 1)
    except zlib.error as exc:
        raise StatusListError(
            StatusErrorCode.MALFORMED_VALUE_ERROR, f"encodedList is not GZIP data ({exc})"
        ) from exc
    if len(data) > MAX_LIST_BYTES:
        raise StatusListError(
            StatusErrorCode.STATUS_LIST_LENGTH_ERROR,
            f"the status list inflates past {MAX_LIST_BYTES:,} bytes",
        )
    if not inflater.eof or inflater.unused_data:
        raise StatusListError(
            StatusErrorCode.MALFORMED_VALUE_ERROR,
            "encodedList is truncated or has data after the GZIP member",
        )
    if len(data) * 8 < MIN_ENTRIES:
        raise StatusListError(
            StatusErrorCode.STATUS_LIST_LENGTH_ERROR,
            f"the status list has {len(data) * 8:,} entries, "
            f"fewer than the {MIN_ENTRIES:,} minimum",
        )
    return data


# -------------------------------------------------------------------------- issuer: allocation


class IndexRandom(Protocol):
    """What index allocation needs from a generator: ``random.SystemRandom()`` in production
    (an unpredictable index is the point), a seeded ``random.Random`` in tests."""

    def randrange(self, stop: int, /) -> int: ...


def allocate_index(
    used: AbstractSet[int], *, rng: IndexRandom, size: int = MIN_ENTRIES, attempts: int = 64
) -> int | None:
    """A free index in ``0..size-1`` chosen uniformly at random, or None when the list is full.

    Random rather than sequential so an index says nothing about issue order (herd privacy).
    Tries random draws first (cheap while the list is sparse), then picks among the free indices
    that remain, so a nearly full list still answers correctly.
    """
    if size < 1 or attempts < 0:
        raise ValueError("size must be positive and attempts non-negative")
    for _ in range(attempts):
        candidate = rng.randrange(size)
        if candidate not in used:
            return candidate
    free = [i for i in range(size) if i not in used]
    return free[rng.randrange(len(free))] if free else None


# ---------------------------------------------------------------------------- issuer: builders


def status_list_entry(*, list_url: str, index: int, purpose: StatusPurpose | str) -> dict[str, Any]:
    """The ``credentialStatus`` of an issued credential pointing at bit ``index`` of a list."""
    purpose = StatusPurpose(purpose)
    if not is_url(list_url):
        raise ValueError(f"list_url {list_url!r} is not a URL")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise ValueError(f"index {index!r} must be a non-negative integer")
    return {
        "id": f"{list_url}#{index}",
        "type": ENTRY_TYPE,
        "statusPurpose": purpose.value,
        "statusListIndex": str(index),  # the spec wants a base-10 string, not a number
        "statusListCredential": list_url,
    }


def status_list_credential(
    *,
    list_url: str,
    issuer: str | Mapping[str, Any],
    purpose: StatusPurpose | str,
    bitstring: Bitstring,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    ttl: timedelta | None = None,
) -> dict[str, Any]:
    """The unsigned ``BitstringStatusListCredential`` published at ``list_url`` (sign it with the
    issuer's key; verifiers reject a list whose proof fails or whose issuer differs)."""
    purpose = StatusPurpose(purpose)
    if not is_url(list_url):
        raise ValueError(f"list_url {list_url!r} is not a URL")
    if not is_url(node_id(issuer)):
        raise ValueError("issuer must be a URL or an object whose id is a URL")
    if valid_from is not None and valid_until is not None and valid_from > valid_until:
        raise ValueError("valid_from is after valid_until")
    credential: dict[str, Any] = {
        "@context": [VC2_CONTEXT],  # the v2 context defines every Bitstring Status List term
        "id": list_url,
        "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
        "issuer": issuer if isinstance(issuer, str) else dict(issuer),
    }
    if valid_from is not None:
        credential["validFrom"] = format_datetime(valid_from)
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    subject: dict[str, Any] = {
        "id": f"{list_url}#list",
        "type": LIST_TYPE,
        "statusPurpose": purpose.value,
        "encodedList": bitstring.encode(),
    }
    if ttl is not None:
        if ttl < timedelta(0):
            raise ValueError("ttl must not be negative")
        subject["ttl"] = ttl // timedelta(milliseconds=1)  # the spec counts milliseconds
    credential["credentialSubject"] = subject
    return credential


# ----------------------------------------------------------------------------- verifier: lookup


class StatusListSource(Protocol):
    """The status list credential at ``url``, already fetched (and cached, size- and time-capped)
    by an adapter; None when it could not be had. ``dict.get`` over pre-fetched lists fits."""

    def __call__(self, url: str, /) -> Mapping[str, Any] | None: ...


class StatusState(StrEnum):
    REVOKED = "revoked"  # revocation bit set
    SUSPENDED = "suspended"  # suspension bit set
    CLEAR = "clear"  # bit clear: not revoked / not suspended
    UNKNOWN = "unknown"  # could not be checked: never to be read as CLEAR


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusResult:
    """The status of one ``credentialStatus`` entry."""

    purpose: str
    state: StatusState
    reason: str
    list_url: str | None = None
    index: int | None = None
    code: StatusErrorCode | None = None  # set when state is UNKNOWN

    @property
    def detail(self) -> dict[str, Any]:
        """JSON-safe detail for a :class:`Check`: the list, the index, the spec's error code."""
        code = self.code.value if self.code is not None else None
        pairs = (("list", self.list_url), ("index", self.index), ("code", code))
        return {k: v for k, v in pairs if v is not None}

    def to_check(self) -> Check:
        name, detail = f"status.{self.purpose}", self.detail
        if self.state is StatusState.CLEAR:
            return Check.passed(name, self.reason, **detail)
        if self.state is StatusState.UNKNOWN:
            return Check.error(name, self.reason, **detail)
        return Check.failed(name, self.reason, **detail)


def check_status_entry(
    entry: Mapping[str, Any],
    *,
    issuer: str | None,
    source: StatusListSource,
    verify_list: Callable[[Mapping[str, Any]], VerificationResult] | None = None,
    now: datetime,
    require_same_issuer: bool = True,
    load_list: ListLoader | None = None,
) -> StatusResult:
    """Look up one ``BitstringStatusListEntry`` (or ``StatusList2021Entry``).

    ``issuer`` is the credential's issuer id; with ``require_same_issuer`` (the default) a list
    signed by anyone else is refused, so whoever controls the list's host cannot swap in a
    cleared list signed by their own key. Give ``verify_list`` (the list's proof check), or
    ``load_list`` (:func:`load_status_list` with that check, or a remembered answer of it).
    """
    require_aware(now, "now")
    return _Lookup(
        issuer=issuer,
        source=source,
        load_list=_loader(verify_list, load_list),
        now=now,
        require_same_issuer=require_same_issuer,
    ).check(entry)


def status_checks(
    credential: Mapping[str, Any],
    *,
    source: StatusListSource,
    verify_list: Callable[[Mapping[str, Any]], VerificationResult] | None = None,
    now: datetime,
    require_same_issuer: bool = True,
    load_list: ListLoader | None = None,
) -> list[Check]:
    """``status.revocation`` and ``status.suspension``, always both, in that order.

    Per purpose: ``failed`` when any entry's bit is set, else ``error`` when any entry could not
    be checked, else ``passed``; ``skipped`` when the credential has no entry for it. Entries of
    an unknown type add an ``error`` check (under their purpose, or ``status``): their status is
    unknown. Entries with other purposes (``refresh``, ``message``) add a ``skipped`` ``status``.
    ``verify_list`` / ``load_list`` as for :func:`check_status_entry`.
    """
    require_aware(now, "now")
    lookup = _Lookup(
        issuer=node_id(credential.get("issuer")),
        source=source,
        load_list=_loader(verify_list, load_list),
        now=now,
        require_same_issuer=require_same_issuer,
    )
    entries = as_list(credential.get("credentialStatus"))
    by_purpose: dict[StatusPurpose, list[StatusResult]] = {p: [] for p in StatusPurpose}
    others: list[Check] = []
    for entry in entries:
        purpose = entry.get("statusPurpose") if isinstance(entry, Mapping) else None
        if isinstance(purpose, str) and purpose not in _PURPOSES and _is_supported(entry):
            others.append(Check.skipped("status", f"statusPurpose {purpose!r} is not checked"))
            continue
        result = lookup.check(entry)
        if result.purpose in _PURPOSES:
            by_purpose[StatusPurpose(result.purpose)].append(result)
        else:
            others.append(Check.error("status", result.reason, **result.detail))

    checks: list[Check] = []
    for purpose, results in by_purpose.items():
        name = f"status.{purpose.value}"
        if not results:
            why = "no credentialStatus" if not entries else f"no {purpose.value} status entry"
            checks.append(Check.skipped(name, why))
            continue
        decided = next(
            (r for r in results if r.state in (StatusState.REVOKED, StatusState.SUSPENDED)),
            next((r for r in results if r.state is StatusState.UNKNOWN), results[0]),
        )
        checks.append(decided.to_check())
    return checks + others


def _is_supported(entry: Mapping[str, Any]) -> bool:
    types = types_of(entry)
    return ENTRY_TYPE in types or LEGACY_ENTRY_TYPE in types


@dataclass(frozen=True, slots=True)
class StatusListProblem:
    """Why a status list cannot vouch for a status (the spec's error code and a reason)."""

    code: StatusErrorCode
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusList:
    """A status list credential that passed every check that depends only on the document (and
    on what its proof check consults), decoded. Its ``window`` and ``issuer`` are judged at each
    use (``accept``). ``bits`` is shared by whoever remembers it: read it, never set bits."""

    issuer: str | None
    window: ValidityWindow
    purposes: frozenset[str]
    bits: Bitstring


# The checks of a list made at every use, from its issuer and validity window: None, or why the
# list cannot vouch for this credential now.
Accept = Callable[[str | None, ValidityWindow], "StatusListProblem | None"]
# (URL, the list credential fetched from it, legacy StatusList2021?, accept) -> the answer of
# load_status_list, or a remembered one.
ListLoader = Callable[[str, Mapping[str, Any], bool, Accept], "StatusList | StatusListProblem"]


def load_status_list(
    document: Mapping[str, Any],
    *,
    url: str,
    legacy: bool,
    verify_list: Callable[[Mapping[str, Any]], VerificationResult],
    accept: Accept | None = None,
) -> StatusList | StatusListProblem:
    """A status list credential fetched from ``url``, checked and decoded: its types, its id
    (a list replayed at another list's URL is refused), the form of its dates, then ``accept``
    (the per-use judgement of its issuer and validity window, made before the costly part), its
    proof (``verify_list``) and its bitstring. Without ``accept``'s part, the answer depends only
    on the document and on what ``verify_list`` consults (the signers' DID documents, the
    clock), so a caller may remember it while those stay the same and judge each use again."""
    malformed = StatusErrorCode.MALFORMED_VALUE_ERROR
    if not isinstance(document, Mapping):
        return StatusListProblem(malformed, "the status list is not a JSON object")
    credential_type, list_type = (
        (LEGACY_LIST_CREDENTIAL_TYPE, LEGACY_LIST_TYPE)
        if legacy
        else (LIST_CREDENTIAL_TYPE, LIST_TYPE)
    )
    if credential_type not in types_of(document):
        return StatusListProblem(malformed, f"the status list is not a {credential_type}")
    subject = document.get("credentialSubject")
    if not isinstance(subject, Mapping) or list_type not in types_of(subject):
        return StatusListProblem(
            malformed, f"the status list's credentialSubject is not a {list_type}"
        )
    # A list may be replayed at another list's URL (same issuer, same key): the id says which.
    if "id" in document and document["id"] != url:
        return StatusListProblem(
            StatusErrorCode.STATUS_VERIFICATION_ERROR,
            f"the status list fetched from {url} has id {document['id']!r}",
        )
    window = validity_window(document)
    if window.problems:
        return StatusListProblem(
            malformed, "the status list's dates are malformed: " + "; ".join(window.problems)
        )
    issuer = node_id(document.get("issuer"))
    if accept is not None and (problem := accept(issuer, window)) is not None:
        return problem

    result = verify_list(document)
    if not result.verified:
        failures = (
            "; ".join(f"{c.name}: {c.reason}" for c in result.failures()) or "no proof passed"
        )
        return StatusListProblem(
            StatusErrorCode.STATUS_VERIFICATION_ERROR,
            f"the status list's proof failed ({failures})",
        )
    purposes = frozenset(p for p in as_list(subject.get("statusPurpose")) if isinstance(p, str))
    try:
        bits = Bitstring.decode(subject.get("encodedList"), multibase=not legacy)
    except StatusListError as exc:
        return StatusListProblem(exc.code, str(exc))
    return StatusList(issuer=issuer, window=window, purposes=purposes, bits=bits)


def _loader(
    verify_list: Callable[[Mapping[str, Any]], VerificationResult] | None,
    load_list: ListLoader | None,
) -> ListLoader:
    if load_list is not None:
        return load_list
    if verify_list is None:
        raise TypeError("give verify_list or load_list")
    check = verify_list

    def load(
        url: str, document: Mapping[str, Any], legacy: bool, accept: Accept
    ) -> StatusList | StatusListProblem:
        return load_status_list(document, url=url, legacy=legacy, verify_list=check, accept=accept)

    return load


@dataclass(slots=True, kw_only=True)
class _Lookup:
    """One verification's lookups; each list is fetched, verified and decoded once."""

    issuer: str | None
    source: StatusListSource
    load_list: ListLoader
    now: datetime
    require_same_issuer: bool
    _lists: dict[tuple[str, bool], StatusList | StatusListProblem] = field(default_factory=dict)

    def check(self, entry: object) -> StatusResult:
        if not isinstance(entry, Mapping):
            return _unknown(
                "?", StatusErrorCode.MALFORMED_VALUE_ERROR, "credentialStatus must be an object"
            )
        raw_purpose = entry.get("statusPurpose")
        purpose = raw_purpose if raw_purpose in _PURPOSES else "?"
        entry_types = types_of(entry)
        if ENTRY_TYPE not in entry_types and LEGACY_ENTRY_TYPE not in entry_types:
            kinds = ", ".join(entry_types) or "none"
            return _unknown(
                purpose,
                StatusErrorCode.MALFORMED_VALUE_ERROR,
                f"credentialStatus type {kinds} is not supported, so the status is unknown",
            )
        legacy = ENTRY_TYPE not in entry_types
        url = entry.get("statusListCredential")
        index = _parse_index(entry.get("statusListIndex"))
        if purpose == "?":
            return _unknown(
                purpose,
                StatusErrorCode.MALFORMED_VALUE_ERROR,
                "statusPurpose is missing or unknown",
            )
        if not is_url(url):
            return _unknown(
                purpose, StatusErrorCode.MALFORMED_VALUE_ERROR, "statusListCredential is not a URL"
            )
        if index is None:
            return _unknown(
                purpose,
                StatusErrorCode.MALFORMED_VALUE_ERROR,
                "statusListIndex must be a non-negative base-10 integer",
                list_url=url,
            )
        size = entry.get("statusSize", 1)
        if size not in (1, "1"):
            return _unknown(
                purpose,
                StatusErrorCode.MALFORMED_VALUE_ERROR,
                f"statusSize {size!r} is not supported for {purpose} (only 1)",
                list_url=url,
                index=index,
            )

        loaded = self._load(url, legacy=legacy)
        if isinstance(loaded, StatusListProblem):
            return _unknown(purpose, loaded.code, loaded.reason, list_url=url, index=index)
        if purpose not in loaded.purposes:
            return _unknown(
                purpose,
                StatusErrorCode.STATUS_VERIFICATION_ERROR,
                f"the status list is for {', '.join(sorted(loaded.purposes)) or 'no purpose'}, "
                f"not {purpose}",
                list_url=url,
                index=index,
            )
        if index >= len(loaded.bits):
            return _unknown(
                purpose,
                StatusErrorCode.RANGE_ERROR,
                f"index {index} is past the end of the {len(loaded.bits):,}-entry status list",
                list_url=url,
                index=index,
            )
        if not loaded.bits.get(index):
            return StatusResult(
                purpose=purpose,
                state=StatusState.CLEAR,
                reason=f"not {_SET_WORD[purpose]}",
                list_url=url,
                index=index,
            )
        return StatusResult(
            purpose=purpose,
            state=StatusState.REVOKED
            if purpose == StatusPurpose.REVOCATION
            else StatusState.SUSPENDED,
            reason=_SET_WORD[purpose],
            list_url=url,
            index=index,
        )

    def _load(self, url: str, *, legacy: bool) -> StatusList | StatusListProblem:
        key = (url, legacy)
        if key not in self._lists:
            self._lists[key] = self._fetch_and_check(url, legacy=legacy)
        return self._lists[key]

    def _fetch_and_check(self, url: str, *, legacy: bool) -> StatusList | StatusListProblem:
        document = self.source(url)
        if document is None:
            return StatusListProblem(
                StatusErrorCode.STATUS_RETRIEVAL_ERROR, f"status list {url} could not be retrieved"
            )
        loaded = self.load_list(url, document, legacy, self._accept)
        if isinstance(loaded, StatusListProblem):
            return loaded
        # Judged at every use, remembered list or not (a fresh one was judged once already).
        problem = self._accept(loaded.issuer, loaded.window)
        return loaded if problem is None else problem

    def _accept(self, list_issuer: str | None, window: ValidityWindow) -> StatusListProblem | None:
        if (late := window.problem_at(self.now, leeway=STATUS_LIST_CLOCK_LEEWAY)) is not None:
            return StatusListProblem(
                StatusErrorCode.STATUS_VERIFICATION_ERROR, f"the status list is {late}"
            )
        if self.require_same_issuer and (self.issuer is None or list_issuer != self.issuer):
            return StatusListProblem(
                StatusErrorCode.STATUS_VERIFICATION_ERROR,
                f"the status list's issuer {list_issuer!r} is not "
                f"the credential's issuer {self.issuer!r}",
            )
        return None


_PURPOSES: Final = frozenset(p.value for p in StatusPurpose)
_SET_WORD: Final[Mapping[str, str]] = {
    StatusPurpose.REVOCATION.value: "revoked",
    StatusPurpose.SUSPENSION.value: "suspended",
}


def _unknown(
    purpose: str,
    code: StatusErrorCode,
    reason: str,
    *,
    list_url: str | None = None,
    index: int | None = None,
) -> StatusResult:
    return StatusResult(
        purpose=purpose,
        state=StatusState.UNKNOWN,
        reason=f"could not be checked: {reason}",
        list_url=list_url,
        index=index,
        code=code,
    )


def _parse_index(value: object) -> int | None:
    # The spec wants a base-10 string; a JSON number is read too (some issuers emit one).
    if (
        isinstance(value, str)
        and value.isascii()
        and value.isdigit()
        and len(value) <= _MAX_INDEX_DIGITS
    ):
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None
