"""Bitstring Status List v1.0: the bitstring, allocation, builders and the verifier's checks."""

from __future__ import annotations

import base64
import gzip
import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skillpass.vc.result import Check, Outcome, VerificationResult
from skillpass.vc.status import (
    MAX_LIST_BYTES,
    MIN_ENTRIES,
    STATUS_LIST_CLOCK_LEEWAY,
    Accept,
    Bitstring,
    ListLoader,
    StatusErrorCode,
    StatusList,
    StatusListError,
    StatusListProblem,
    StatusPurpose,
    StatusState,
    allocate_index,
    check_status_entry,
    load_status_list,
    status_checks,
    status_list_credential,
    status_list_entry,
)
from skillpass.vc.validation import format_datetime, validation_checks

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ISSUER = "did:web:uni.example"
REVOCATION_URL = "https://uni.example/status/revocation/1"
SUSPENSION_URL = "https://uni.example/status/suspension/1"

# The spec's example BitstringStatusListCredential (§ 2.2): an empty 131,072-entry list.
SPEC_EMPTY_LIST = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"

NO_LISTS: dict[str, Mapping[str, Any]] = {}

# Lean: two shared cores; the deadline is off because a loaded machine makes timings noisy.
LEAN = settings(max_examples=40, deadline=None)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# ----------------------------------------------------------------------------------- bitstring


def test_spec_example_decodes_to_an_empty_minimum_list() -> None:
    bits = Bitstring.decode(SPEC_EMPTY_LIST)
    assert len(bits) == MIN_ENTRIES
    assert list(bits.set_indices()) == []


def test_empty_list_encodes_byte_for_byte_as_the_spec_example() -> None:
    assert Bitstring().encode() == SPEC_EMPTY_LIST


def test_index_zero_is_the_left_most_bit_of_the_first_byte() -> None:
    bits = Bitstring()
    bits.set(0)
    bits.set(7)
    bits.set(9)
    assert bits.to_bytes()[:2] == bytes([0b1000_0001, 0b0100_0000])
    assert (bits.get(0), bits.get(1), bits.get(9)) == (True, False, True)
    bits.set(0, False)
    assert bits.to_bytes()[0] == 0b0000_0001


def test_encoding_is_unpadded_base64url_with_multibase_prefix() -> None:
    bits = Bitstring(MIN_ENTRIES + 8)  # a length whose base64 would need padding
    bits.set(MIN_ENTRIES + 7)
    encoded = bits.encode()
    assert encoded.startswith("uH4sI")
    assert not set(encoded) & set("=+/")
    assert Bitstring.decode(encoded) == bits


@LEAN
@given(
    indices=st.sets(st.integers(0, MIN_ENTRIES + 63), max_size=40),
    extra_bytes=st.integers(0, 8),
)
def test_encode_decode_round_trip(indices: set[int], extra_bytes: int) -> None:
    bits = Bitstring(MIN_ENTRIES + 64 + extra_bytes * 8)
    for index in indices:
        bits.set(index)
    decoded = Bitstring.decode(bits.encode())
    assert decoded == bits
    assert set(decoded.set_indices()) == indices
    assert len(decoded) == len(bits)


def test_copy_is_independent_and_equality_is_by_bits() -> None:
    bits = Bitstring()
    twin = bits.copy()
    assert twin == bits
    twin.set(5)
    assert twin != bits
    assert bits != "not a bitstring"
    assert "set=1" in repr(twin)


@pytest.mark.parametrize("length", [0, 8, MIN_ENTRIES - 8, MIN_ENTRIES + 1])
def test_a_list_shorter_than_the_minimum_or_not_whole_bytes_is_misuse(length: int) -> None:
    with pytest.raises(ValueError, match="131,072"):
        Bitstring(length)


@pytest.mark.parametrize("index", [-1, MIN_ENTRIES, True])
def test_index_outside_the_list_is_misuse(index: int) -> None:
    with pytest.raises(IndexError):
        Bitstring().get(index)
    with pytest.raises(IndexError):
        Bitstring().set(index)


def _gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


@pytest.mark.parametrize(
    ("encoded", "code", "message"),
    [
        (12345, StatusErrorCode.MALFORMED_VALUE_ERROR, "must be a string"),
        (SPEC_EMPTY_LIST[1:], StatusErrorCode.MALFORMED_VALUE_ERROR, "start with 'u'"),
        ("z" + SPEC_EMPTY_LIST[1:], StatusErrorCode.MALFORMED_VALUE_ERROR, "start with 'u'"),
        (SPEC_EMPTY_LIST + "=", StatusErrorCode.MALFORMED_VALUE_ERROR, "base64url"),
        ("u" + SPEC_EMPTY_LIST[1:20] + "+/", StatusErrorCode.MALFORMED_VALUE_ERROR, "base64url"),
        ("uA", StatusErrorCode.MALFORMED_VALUE_ERROR, "base64url"),  # 6 bits: no whole byte
        ("u" + _b64url(b"plain bytes, not gzip"), StatusErrorCode.MALFORMED_VALUE_ERROR, "GZIP"),
        (
            "u" + _b64url(_gz(bytes(16384))[:-12]),
            StatusErrorCode.MALFORMED_VALUE_ERROR,
            "truncated",
        ),
        (
            "u" + _b64url(_gz(bytes(16384)) + b"junk"),
            StatusErrorCode.MALFORMED_VALUE_ERROR,
            "after",
        ),
        ("u" + _b64url(_gz(bytes(1024))), StatusErrorCode.STATUS_LIST_LENGTH_ERROR, "minimum"),
        (
            "u" + _b64url(_gz(bytes(MAX_LIST_BYTES + 1))),
            StatusErrorCode.STATUS_LIST_LENGTH_ERROR,
            "inflates",
        ),
    ],
    ids=[
        "not-a-string",
        "no-multibase-prefix",
        "other-multibase",
        "padded",
        "standard-alphabet",
        "impossible-length",
        "not-gzip",
        "truncated",
        "trailing-data",
        "too-short",
        "gzip-bomb",
    ],
)
def test_decoding_rejects_malformed_lists(
    encoded: object, code: StatusErrorCode, message: str
) -> None:
    with pytest.raises(StatusListError, match=message) as caught:
        Bitstring.decode(encoded)
    assert caught.value.code is code


def test_a_corrupted_gzip_checksum_is_rejected() -> None:
    data = bytearray(_gz(bytes(16384)))
    data[-8] ^= 0xFF  # CRC-32 of the trailer
    with pytest.raises(StatusListError, match="GZIP"):
        Bitstring.decode("u" + _b64url(bytes(data)))


def test_status_list_2021_values_without_prefix_and_in_plain_base64_decode() -> None:
    bits = Bitstring()
    bits.set(62)  # lands on a base64 digit that differs between the two alphabets
    body = base64.b64encode(_gz(bits.to_bytes())).decode()
    assert Bitstring.decode(body, multibase=False) == bits
    assert Bitstring.decode(bits.encode()[1:], multibase=False) == bits
    assert Bitstring.decode(bits.encode(), multibase=False) == bits


# ---------------------------------------------------------------------------------- allocation


@LEAN
@given(
    size=st.integers(1, 64),
    data=st.data(),
    seed=st.integers(0, 2**32),
)
def test_allocation_picks_a_free_index_or_reports_full(
    size: int, data: st.DataObject, seed: int
) -> None:
    used = data.draw(st.sets(st.integers(0, size - 1)))
    index = allocate_index(used, rng=random.Random(seed), size=size, attempts=3)
    if len(used) == size:
        assert index is None
    else:
        assert index is not None
        assert 0 <= index < size
        assert index not in used


def test_allocation_finds_the_last_free_index_when_random_draws_miss() -> None:
    used = set(range(MIN_ENTRIES)) - {98_765}
    assert allocate_index(used, rng=random.Random(1)) == 98_765


def test_allocation_is_random_not_sequential() -> None:
    rng = random.Random(7)
    picks = {allocate_index(set(), rng=rng) for _ in range(20)}
    assert len(picks) == 20
    assert picks != set(range(20))


def test_allocation_is_reproducible_with_a_seeded_generator() -> None:
    first = allocate_index({1, 2, 3}, rng=random.Random(42))
    assert first == allocate_index({1, 2, 3}, rng=random.Random(42))


def test_allocation_of_an_empty_size_is_misuse() -> None:
    with pytest.raises(ValueError, match="size"):
        allocate_index(set(), rng=random.Random(0), size=0)


# ------------------------------------------------------------------------------------ builders


def test_entry_builder_matches_the_spec_shape() -> None:
    assert status_list_entry(list_url=REVOCATION_URL, index=94567, purpose="revocation") == {
        "id": f"{REVOCATION_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": REVOCATION_URL,
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        {"list_url": REVOCATION_URL, "index": 1, "purpose": "refresh"},
        {"list_url": REVOCATION_URL, "index": -1, "purpose": "revocation"},
        {"list_url": REVOCATION_URL, "index": True, "purpose": "revocation"},
        {"list_url": "not a url", "index": 1, "purpose": "revocation"},
    ],
)
def test_entry_builder_rejects_misuse(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the messages are checked elsewhere
        status_list_entry(**kwargs)


def test_list_credential_builder_matches_the_spec_shape() -> None:
    bits = Bitstring()
    bits.set(3)
    credential = status_list_credential(
        list_url=SUSPENSION_URL,
        issuer={"id": ISSUER, "name": "Example University"},
        purpose=StatusPurpose.SUSPENSION,
        bitstring=bits,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
        valid_until=datetime(2027, 1, 1, 1, tzinfo=UTC),
        ttl=timedelta(minutes=5),
    )
    assert credential == {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": SUSPENSION_URL,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": {"id": ISSUER, "name": "Example University"},
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2027-01-01T01:00:00Z",
        "credentialSubject": {
            "id": f"{SUSPENSION_URL}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "suspension",
            "encodedList": bits.encode(),
            "ttl": 300_000,
        },
    }
    assert all(c.outcome is not Outcome.FAILED for c in validation_checks(credential, now=NOW))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"purpose": "message"},
        {"list_url": "relative/path"},
        {"issuer": {"name": "no id"}},
        {"valid_from": NOW, "valid_until": NOW - timedelta(seconds=1)},
        {"ttl": timedelta(seconds=-1)},
    ],
)
def test_list_credential_builder_rejects_misuse(kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {
        "list_url": REVOCATION_URL,
        "issuer": ISSUER,
        "purpose": "revocation",
        "bitstring": Bitstring(),
    } | kwargs
    with pytest.raises(ValueError):  # noqa: PT011
        status_list_credential(**arguments)


# ------------------------------------------------------------------------------ status checks


def _list(
    url: str = REVOCATION_URL,
    *,
    purpose: str = "revocation",
    set_bits: tuple[int, ...] = (),
    **overrides: Any,
) -> dict[str, Any]:
    bits = Bitstring()
    for index in set_bits:
        bits.set(index)
    credential = status_list_credential(
        list_url=url,
        issuer=ISSUER,
        purpose=purpose,
        bitstring=bits,
        valid_from=datetime(2026, 1, 1, tzinfo=UTC),
    )
    credential["proof"] = [{"type": "DataIntegrityProof", "proofValue": "z-test"}]
    return credential | overrides


def _credential(*entries: Mapping[str, Any], issuer: Any = ISSUER) -> dict[str, Any]:
    credential: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:learner"},
    }
    if entries:
        credential["credentialStatus"] = entries[0] if len(entries) == 1 else list(entries)
    return credential


def _proof_ok(_: Mapping[str, Any]) -> VerificationResult:
    return VerificationResult.of([Check.passed("proof")])


def _proof_bad(_: Mapping[str, Any]) -> VerificationResult:
    return VerificationResult.of([Check.failed("proof", "signature does not match")])


def _revocation(index: int = 42, url: str = REVOCATION_URL) -> dict[str, Any]:
    return status_list_entry(list_url=url, index=index, purpose="revocation")


def _suspension(index: int = 42, url: str = SUSPENSION_URL) -> dict[str, Any]:
    return status_list_entry(list_url=url, index=index, purpose="suspension")


def _run(
    credential: Mapping[str, Any],
    lists: Mapping[str, Mapping[str, Any]],
    *,
    verify: Callable[[Mapping[str, Any]], VerificationResult] = _proof_ok,
    **kwargs: Any,
) -> dict[str, Check]:
    checks = status_checks(credential, source=lists.get, verify_list=verify, now=NOW, **kwargs)
    return {c.name: c for c in checks}


def test_credential_without_status_skips_both_purposes() -> None:
    checks = _run(_credential(), {})
    assert [(n, c.outcome) for n, c in checks.items()] == [
        ("status.revocation", Outcome.SKIPPED),
        ("status.suspension", Outcome.SKIPPED),
    ]


def test_revoked_credential_fails_revocation_check() -> None:
    checks = _run(_credential(_revocation(42)), {REVOCATION_URL: _list(set_bits=(42,))})
    revocation = checks["status.revocation"]
    assert (revocation.outcome, revocation.reason) == (Outcome.FAILED, "revoked")
    assert revocation.detail == {"list": REVOCATION_URL, "index": 42}
    assert checks["status.suspension"].outcome is Outcome.SKIPPED


def test_credential_whose_bit_is_clear_passes_revocation_check() -> None:
    checks = _run(_credential(_revocation(42)), {REVOCATION_URL: _list(set_bits=(41, 43))})
    assert (checks["status.revocation"].outcome, checks["status.revocation"].reason) == (
        Outcome.PASSED,
        "not revoked",
    )


def test_suspended_credential_fails_suspension_check_and_revocation_is_separate() -> None:
    lists = {
        REVOCATION_URL: _list(),
        SUSPENSION_URL: _list(SUSPENSION_URL, purpose="suspension", set_bits=(7,)),
    }
    checks = _run(_credential(_revocation(7), _suspension(7)), lists)
    assert checks["status.revocation"].outcome is Outcome.PASSED
    assert (checks["status.suspension"].outcome, checks["status.suspension"].reason) == (
        Outcome.FAILED,
        "suspended",
    )


def test_reinstated_credential_passes_suspension_check() -> None:
    lists = {SUSPENSION_URL: _list(SUSPENSION_URL, purpose="suspension")}
    checks = _run(_credential(_suspension(7)), lists)
    assert (checks["status.suspension"].outcome, checks["status.suspension"].reason) == (
        Outcome.PASSED,
        "not suspended",
    )


def _entry(**changes: Any) -> dict[str, Any]:
    entry = _revocation(42)
    for key, value in changes.items():
        if value is None:
            del entry[key]
        else:
            entry[key] = value
    return entry


# Every way a status can fail to be checked. Each must be an ``error`` with the spec's code,
# never ``passed`` (which would read as "not revoked").
UNCHECKABLE: list[tuple[str, dict[str, Any], Any, StatusErrorCode, str]] = [
    (
        "list-unavailable",
        _entry(),
        None,
        StatusErrorCode.STATUS_RETRIEVAL_ERROR,
        "could not be retrieved",
    ),
    (
        "malformed-encoded-list",
        _entry(),
        _list(credentialSubject=_list()["credentialSubject"] | {"encodedList": "uH4sI!!"}),
        StatusErrorCode.MALFORMED_VALUE_ERROR,
        "base64url",
    ),
    (
        "list-too-short",
        _entry(),
        _list(
            credentialSubject=_list()["credentialSubject"]
            | {"encodedList": "u" + _b64url(gzip.compress(bytes(100)))}
        ),
        StatusErrorCode.STATUS_LIST_LENGTH_ERROR,
        "minimum",
    ),
    (
        "purpose-mismatch",
        _entry(),
        _list(purpose="suspension"),
        StatusErrorCode.STATUS_VERIFICATION_ERROR,
        "not revocation",
    ),
    (
        "index-out-of-range",
        _entry(statusListIndex=str(MIN_ENTRIES)),
        _list(),
        StatusErrorCode.RANGE_ERROR,
        "past the end",
    ),
    (
        "list-expired",
        _entry(),
        _list(validUntil="2026-05-31T00:00:00Z"),
        StatusErrorCode.STATUS_VERIFICATION_ERROR,
        "expired at 2026-05-31T00:00:00Z",
    ),
    (
        "list-not-yet-valid",
        _entry(),
        _list(validFrom="2026-07-01T00:00:00Z"),
        StatusErrorCode.STATUS_VERIFICATION_ERROR,
        "not yet valid",
    ),
    (
        "list-dates-malformed",
        _entry(),
        _list(validUntil="soon"),
        StatusErrorCode.MALFORMED_VALUE_ERROR,
        "dates are malformed",
    ),
    (
        "list-from-another-issuer",
        _entry(),
        _list(issuer="did:web:attacker.example"),
        StatusErrorCode.STATUS_VERIFICATION_ERROR,
        "not the credential's issuer",
    ),
    (
        "list-replayed-at-another-url",
        _entry(),
        _list(id="https://uni.example/status/revocation/2"),
        StatusErrorCode.STATUS_VERIFICATION_ERROR,
        "has id",
    ),
    (
        "not-a-status-list-credential",
        _entry(),
        _list(type=["VerifiableCredential"]),
        StatusErrorCode.MALFORMED_VALUE_ERROR,
        "not a BitstringStatusListCredential",
    ),
    (
        "subject-not-a-status-list",
        _entry(),
        _list(credentialSubject={"type": "Other"}),
        StatusErrorCode.MALFORMED_VALUE_ERROR,
        "credentialSubject is not a BitstringStatusList",
    ),
    (
        "index-negative",
        _entry(statusListIndex="-1"),
        _list(),
        StatusErrorCode.MALFORMED_VALUE_ERROR,
        "statusListIndex",
    ),
    (
        "index-not-decimal",
        _entry(statusListIndex="0x2a"),
        _list(),
        StatusErrorCode.MALFORMED_VALUE_ERROR,
        "statusListIndex",
    ),
    (
        "index-unicode-digit",
        _entry(statusListIndex="٤٢"),
        _list(),
        StatusErrorCode.MALFORMED_VALUE_ERROR,
        "statusListIndex",
    ),
    (
        "index-missing",
        _entry(statusListIndex=None),
        _list(),
        StatusErrorCode.MALFORMED_VALUE_ERROR,
        "statusListIndex",
    ),
    (
        "list-url-missing",
        _entry(statusListCredential=None),
        _list(),
        StatusErrorCode.MALFORMED_VALUE_ERROR,
        "not a URL",
    ),
    (
        "status-size-2",
        _entry(statusSize=2),
        _list(),
        StatusErrorCode.MALFORMED_VALUE_ERROR,
        "statusSize",
    ),
    (
        "unsupported-entry-type",
        _entry(type="1EdTechRevocationList"),
        _list(),
        StatusErrorCode.MALFORMED_VALUE_ERROR,
        "not supported",
    ),
]


@pytest.mark.parametrize(
    ("entry", "served", "code", "reason"),
    [case[1:] for case in UNCHECKABLE],
    ids=[case[0] for case in UNCHECKABLE],
)
def test_status_that_cannot_be_checked_is_an_error_never_a_pass(
    entry: dict[str, Any], served: Any, code: StatusErrorCode, reason: str
) -> None:
    lists = {} if served is None else {REVOCATION_URL: served}
    check = _run(_credential(entry), lists)["status.revocation"]
    assert check.outcome is Outcome.ERROR
    assert check.reason.startswith("could not be checked: ")
    assert reason in check.reason
    assert check.detail["code"] == code


def test_a_list_signed_moments_ahead_of_our_clock_still_vouches() -> None:
    # The issuer re-signed the list "now" by its clock, a few seconds ahead of ours.
    fresh = _list(validFrom=format_datetime(NOW + timedelta(seconds=20)))
    check = _run(_credential(_revocation()), {REVOCATION_URL: fresh})["status.revocation"]
    assert check.outcome is Outcome.PASSED


def test_a_list_valid_only_from_well_after_our_clock_cannot_vouch() -> None:
    future = _list(validFrom=format_datetime(NOW + STATUS_LIST_CLOCK_LEEWAY + timedelta(seconds=1)))
    check = _run(_credential(_revocation()), {REVOCATION_URL: future})["status.revocation"]
    assert check.outcome is Outcome.ERROR
    assert "not yet valid" in check.reason


def test_a_list_whose_proof_fails_cannot_vouch_for_the_status() -> None:
    check = _run(_credential(_revocation()), {REVOCATION_URL: _list()}, verify=_proof_bad)[
        "status.revocation"
    ]
    assert check.outcome is Outcome.ERROR
    assert "proof failed (proof: signature does not match)" in check.reason
    assert check.detail["code"] == StatusErrorCode.STATUS_VERIFICATION_ERROR


def test_a_list_verification_without_any_proof_check_is_not_trusted() -> None:
    check = _run(
        _credential(_revocation()),
        {REVOCATION_URL: _list()},
        verify=lambda _: VerificationResult.of([]),
    )["status.revocation"]
    assert (check.outcome, check.detail["code"]) == (Outcome.ERROR, "STATUS_VERIFICATION_ERROR")
    assert "no proof passed" in check.reason


def test_a_list_from_another_issuer_is_accepted_when_the_verifier_allows_it() -> None:
    lists = {REVOCATION_URL: _list(issuer="did:web:status-service.example", set_bits=(42,))}
    checks = _run(_credential(_revocation()), lists, require_same_issuer=False)
    assert checks["status.revocation"].outcome is Outcome.FAILED


def test_issuer_given_as_object_matches_the_list_issuer() -> None:
    checks = _run(_credential(_revocation(), issuer={"id": ISSUER}), {REVOCATION_URL: _list()})
    assert checks["status.revocation"].outcome is Outcome.PASSED


def test_a_set_bit_outweighs_an_unchecked_entry_of_the_same_purpose() -> None:
    other = "https://uni.example/status/revocation/9"
    credential = _credential(_revocation(3, url=other), _revocation(5))
    checks = _run(credential, {REVOCATION_URL: _list(set_bits=(5,))})
    assert checks["status.revocation"].outcome is Outcome.FAILED
    # …and an unchecked entry outweighs a clear one.
    checks = _run(credential, {REVOCATION_URL: _list()})
    assert checks["status.revocation"].outcome is Outcome.ERROR


def test_each_list_is_fetched_and_verified_once_per_verification() -> None:
    fetched: list[str] = []
    verified: list[str] = []
    lists = {REVOCATION_URL: _list(set_bits=(2,))}

    def source(url: str, /) -> Mapping[str, Any] | None:
        fetched.append(url)
        return lists.get(url)

    def verify(document: Mapping[str, Any]) -> VerificationResult:
        verified.append(str(document["id"]))
        return _proof_ok(document)

    credential = _credential(_revocation(1), _revocation(2))
    checks = status_checks(credential, source=source, verify_list=verify, now=NOW)
    assert checks[0].outcome is Outcome.FAILED
    assert fetched == verified == [REVOCATION_URL]


def test_entry_for_another_purpose_is_skipped_not_failed() -> None:
    message = _entry(statusPurpose="message", statusSize=2)
    checks = status_checks(
        _credential(message), source=NO_LISTS.get, verify_list=_proof_ok, now=NOW
    )
    assert [(c.name, c.outcome) for c in checks] == [
        ("status.revocation", Outcome.SKIPPED),
        ("status.suspension", Outcome.SKIPPED),
        ("status", Outcome.SKIPPED),
    ]


@pytest.mark.parametrize(
    "entry",
    [
        "https://uni.example/status/1#4",
        {"type": "CredentialStatusList2017", "id": "https://uni.example/status/1"},
        _entry(statusPurpose=None),
    ],
    ids=["not-an-object", "unknown-type-no-purpose", "purpose-missing"],
)
def test_entry_without_a_known_purpose_is_an_error(entry: Any) -> None:
    checks = status_checks(_credential(entry), source=NO_LISTS.get, verify_list=_proof_ok, now=NOW)
    assert checks[-1].name == "status"
    assert checks[-1].outcome is Outcome.ERROR


# StatusList2021 (VC 1.1): no multibase prefix, issuanceDate/expirationDate.
def _legacy_list(*, set_bits: tuple[int, ...] = (), **overrides: Any) -> dict[str, Any]:
    bits = Bitstring()
    for index in set_bits:
        bits.set(index)
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/vc/status-list/2021/v1",
        ],
        "id": REVOCATION_URL,
        "type": ["VerifiableCredential", "StatusList2021Credential"],
        "issuer": ISSUER,
        "issuanceDate": "2021-04-05T14:27:40Z",
        "credentialSubject": {
            "id": f"{REVOCATION_URL}#list",
            "type": "StatusList2021",
            "statusPurpose": "revocation",
            "encodedList": bits.encode()[1:],
        },
    } | overrides


def _legacy_entry(index: int) -> dict[str, Any]:
    return {
        "id": f"{REVOCATION_URL}#{index}",
        "type": "StatusList2021Entry",
        "statusPurpose": "revocation",
        "statusListIndex": str(index),
        "statusListCredential": REVOCATION_URL,
    }


@pytest.mark.parametrize(("index", "outcome"), [(9, Outcome.FAILED), (10, Outcome.PASSED)])
def test_status_list_2021_entries_are_verified(index: int, outcome: Outcome) -> None:
    checks = _run(_credential(_legacy_entry(index)), {REVOCATION_URL: _legacy_list(set_bits=(9,))})
    assert checks["status.revocation"].outcome is outcome


def test_expired_status_list_2021_cannot_vouch_for_the_status() -> None:
    lists = {REVOCATION_URL: _legacy_list(expirationDate="2022-01-01T00:00:00Z")}
    check = _run(_credential(_legacy_entry(1)), lists)["status.revocation"]
    assert check.outcome is Outcome.ERROR
    assert "expired" in check.reason


def test_a_bitstring_entry_does_not_accept_a_2021_list() -> None:
    check = _run(_credential(_revocation()), {REVOCATION_URL: _legacy_list()})["status.revocation"]
    assert check.outcome is Outcome.ERROR


def test_check_status_entry_reports_the_state() -> None:
    result = check_status_entry(
        _suspension(3),
        issuer=ISSUER,
        source={SUSPENSION_URL: _list(SUSPENSION_URL, purpose="suspension", set_bits=(3,))}.get,
        verify_list=_proof_ok,
        now=NOW,
    )
    assert result.state is StatusState.SUSPENDED
    assert (result.list_url, result.index, result.code) == (SUSPENSION_URL, 3, None)


def test_a_numeric_index_is_read_leniently() -> None:
    checks = _run(_credential(_entry(statusListIndex=42)), {REVOCATION_URL: _list(set_bits=(42,))})
    assert checks["status.revocation"].outcome is Outcome.FAILED


def test_naive_now_is_misuse() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        status_checks(
            _credential(), source=NO_LISTS.get, verify_list=_proof_ok, now=datetime(2026, 1, 1)
        )


# ------------------------------------------------------------------- remembered (loaded) lists


def _remembering() -> tuple[ListLoader, list[str]]:
    """A load_list that loads each URL once (as a verifier's cache would), counting loads."""
    remembered: dict[str, StatusList | StatusListProblem] = {}
    loads: list[str] = []

    def load(
        url: str, document: Mapping[str, Any], legacy: bool, accept: Accept
    ) -> StatusList | StatusListProblem:
        if url not in remembered:
            loads.append(url)
            remembered[url] = load_status_list(
                document, url=url, legacy=legacy, verify_list=_proof_ok, accept=accept
            )
        return remembered[url]

    return load, loads


def test_a_loaded_list_is_decoded_and_keeps_what_each_use_judges() -> None:
    loaded = load_status_list(
        _list(set_bits=(7,), validUntil="2027-01-01T00:00:00Z"),
        url=REVOCATION_URL,
        legacy=False,
        verify_list=_proof_ok,
    )
    assert isinstance(loaded, StatusList)
    assert (loaded.issuer, loaded.purposes) == (ISSUER, frozenset({"revocation"}))
    assert list(loaded.bits.set_indices()) == [7]
    assert loaded.window.problem_at(NOW) is None
    assert loaded.window.problem_at(datetime(2027, 2, 1, tzinfo=UTC)) is not None


def test_a_list_refused_at_use_never_reaches_its_proof_check() -> None:
    checked: list[object] = []

    def verify(document: Mapping[str, Any]) -> VerificationResult:
        checked.append(document)
        return _proof_ok(document)

    for served in (
        _list(issuer="did:web:attacker.example"),
        _list(validUntil="2026-05-01T00:00:00Z"),
    ):
        check = _run(_credential(_revocation()), {REVOCATION_URL: served}, verify=verify)
        assert check["status.revocation"].outcome is Outcome.ERROR
    assert checked == []


def test_a_remembered_list_is_read_for_every_credential_and_judged_at_every_use() -> None:
    load, loads = _remembering()
    lists = {REVOCATION_URL: _list(set_bits=(5,), validUntil="2026-07-01T00:00:00Z")}
    outcomes = [
        status_checks(
            _credential(_revocation(index), issuer=issuer),
            source=lists.get,
            load_list=load,
            now=now,
        )[0]
        for index, issuer, now in (
            (4, ISSUER, NOW),
            (5, ISSUER, NOW),
            (4, "did:web:attacker.example", NOW),  # another issuer's credential points at it
            (4, ISSUER, datetime(2026, 8, 1, tzinfo=UTC)),  # the list has expired meanwhile
        )
    ]
    assert [c.outcome for c in outcomes] == [
        Outcome.PASSED,
        Outcome.FAILED,
        Outcome.ERROR,
        Outcome.ERROR,
    ]
    assert "not the credential's issuer" in outcomes[2].reason
    assert "expired" in outcomes[3].reason
    assert loads == [REVOCATION_URL]


def test_status_checks_need_a_proof_check_or_a_loader() -> None:
    with pytest.raises(TypeError):
        status_checks(_credential(_revocation()), source=NO_LISTS.get, now=NOW)
