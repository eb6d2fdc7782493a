"""Adding and checking Data Integrity proofs (VC Data Integrity 1.0 §4), with proof sets and
proof chains (``previousProof``). Credential- and presentation-level policy lives in
:mod:`skillpass.vc.credentials` and :mod:`skillpass.vc.presentations`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Final

from skillpass.vc.canonical import UndefinedTerms, rdfc
from skillpass.vc.cryptosuites import Suite, hash_data, suite_of
from skillpass.vc.dids import DidError, DidResolver, VerificationMethod, dereference
from skillpass.vc.jsonld import ContextError
from skillpass.vc.keys import SigningKey
from skillpass.vc.loader import DocumentLoader, UnknownContext
from skillpass.vc.memo import bounded
from skillpass.vc.multibase import MultibaseError, decode_base58btc, encode_base58btc
from skillpass.vc.result import Check, Outcome

VC_V1: Final = "https://www.w3.org/2018/credentials/v1"
VC_V2: Final = "https://www.w3.org/ns/credentials/v2"
DATA_INTEGRITY_V2: Final = "https://w3id.org/security/data-integrity/v2"
ED25519_2020_CONTEXT: Final = "https://w3id.org/security/suites/ed25519-2020/v1"


class IssueError(ValueError):
    """The document cannot be signed as given (misuse: bad input to ``issue``); says why."""


def format_datetime(moment: datetime) -> str:
    """XML Schema dateTime in UTC with ``Z``, to the second (or microsecond when it has one)."""
    if moment.tzinfo is None:
        raise IssueError("datetimes must be timezone-aware")
    utc = moment.astimezone(UTC)
    spec = "microseconds" if utc.microsecond else "seconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def proofs_of(document: Mapping[str, Any]) -> list[Any]:
    proof = document.get("proof")
    if proof is None:
        return []
    return list(proof) if isinstance(proof, list) else [proof]


def without_proof(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _with_data_integrity_context(document: dict[str, Any]) -> dict[str, Any]:
    ctx = document.get("@context")
    if isinstance(ctx, list) and ctx and ctx[0] == VC_V1 and DATA_INTEGRITY_V2 not in ctx:
        document["@context"] = [*ctx, DATA_INTEGRITY_V2]
    return document


def add_proof(
    document: Mapping[str, Any],
    *,
    key: SigningKey,
    verification_method: str,
    suite: Suite | str,
    created: datetime,
    proof_purpose: str,
    loader: DocumentLoader,
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A copy of ``document`` with one more proof (``proof`` always an array). Existing proofs
    stay (a proof set); ``options`` may add ``id``, ``previousProof`` (a chain), ``challenge``,
    ``domain``, ``expires``, ``nonce``. Nested values are shared with ``document``, not copied.
    Raises :class:`IssueError` for input that cannot be signed (unknown context, undefined
    terms in safe mode, a suite that cannot sign)."""
    try:
        suite = Suite(suite)
    except ValueError:
        raise IssueError(f"unknown cryptosuite {suite!r}") from None
    if not suite.can_sign:
        raise IssueError(f"{suite.value} is supported for verification only")
    if not isinstance(document, Mapping):
        raise IssueError("the document must be a JSON object")
    if not isinstance(document.get("@context"), list) or not document["@context"]:
        raise IssueError("the document needs an @context array")
    if not isinstance(verification_method, str) or ":" not in verification_method:
        raise IssueError("verification_method must be a DID URL")
    existing = proofs_of(document)
    unsecured = _with_data_integrity_context(without_proof(document))

    proof: dict[str, Any] = {}
    if options and "id" in options:
        proof["id"] = options["id"]
    proof |= {
        "type": suite.proof_type,
        "cryptosuite": suite.value,
        "created": format_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    for name, value in (options or {}).items():
        if name in ("id", "type", "cryptosuite", "proofValue", "@context"):
            continue
        proof[name] = format_datetime(value) if isinstance(value, datetime) else value

    to_sign: dict[str, Any] = unsecured
    previous = proof.get("previousProof")
    if previous is not None:
        to_sign = dict(unsecured)
        to_sign["proof"] = _matching_proofs(existing, previous)
    config = dict(proof)
    config["@context"] = unsecured["@context"]
    if suite is Suite.EDDSA_JCS_2022:
        proof["@context"] = unsecured["@context"]
    try:
        if suite is Suite.EDDSA_JCS_2022:
            _check_for_jcs(unsecured, loader=loader)
        data = hash_data(suite, to_sign, config, loader=loader, safe=True)
    except UndefinedTerms as exc:
        raise IssueError(str(exc)) from None
    except ContextError as exc:
        raise IssueError(str(exc)) from None
    proof["proofValue"] = encode_base58btc(key.sign(data))
    secured = dict(unsecured)
    secured["proof"] = [*existing, proof]
    return secured


def _check_for_jcs(document: Mapping[str, Any], *, loader: DocumentLoader) -> None:
    """JCS signs JSON, not RDF, but the credential must still mean what it says: every context
    is a pinned one, and without VC 2.0's ``@vocab`` (under which every term expands) the
    document goes through the safe-mode expansion that RDFC issuing does."""
    contexts = document["@context"]
    for url in contexts:
        if isinstance(url, str):
            try:
                loader(url)
            except UnknownContext as exc:
                raise ContextError(str(exc), url=url) from None
    if contexts[0] != VC_V2:
        rdfc(document, loader=loader, safe=True)


def _matching_proofs(proofs: Sequence[Any], previous: Any) -> list[Any]:
    """The proofs a ``previousProof`` value names (VC-DI §4.3/4.4); ValueError if malformed."""
    if isinstance(previous, str):
        wanted = [previous]
    elif isinstance(previous, list) and previous and all(isinstance(p, str) for p in previous):
        wanted = list(previous)
    else:
        raise IssueError("previousProof must be a proof id or a non-empty list of proof ids")
    by_id = {p.get("id"): p for p in proofs if isinstance(p, Mapping)}
    missing = [w for w in wanted if w not in by_id]
    if missing:
        raise IssueError(f"previousProof names proofs that are not present: {', '.join(missing)}")
    return [by_id[w] for w in wanted]


@dataclass(frozen=True, slots=True, kw_only=True)
class ProofOutcome:
    check: Check
    method: VerificationMethod | None = None
    proof: Mapping[str, Any] | None = None


_NEW: Final = object.__new__
_SET_CHECK: Final = ProofOutcome.__dict__["check"].__set__
_SET_METHOD: Final = ProofOutcome.__dict__["method"].__set__
_SET_PROOF: Final = ProofOutcome.__dict__["proof"].__set__


def _outcome(
    check: Check, method: VerificationMethod | None, proof: Mapping[str, Any] | None
) -> ProofOutcome:
    """``ProofOutcome(...)`` without the frozen dataclass's per-field ``object.__setattr__``."""
    outcome: ProofOutcome = _NEW(ProofOutcome)
    _SET_CHECK(outcome, check)
    _SET_METHOD(outcome, method)
    _SET_PROOF(outcome, proof)
    return outcome


def verify_proofs(
    document: Mapping[str, Any],
    *,
    resolver: DidResolver,
    loader: DocumentLoader,
    now: datetime,
    expected_purpose: str,
    challenge: str | None = None,
    domain: str | None = None,
) -> list[ProofOutcome]:
    """One ``proof`` check per proof (none present: one failed check)."""
    proofs = proofs_of(document)
    if not proofs:
        return [ProofOutcome(check=Check.failed("proof", "the document has no proof"))]
    if type(document) is dict:  # a C-level copy; the comprehension costs ~1 µs more
        unsecured = document.copy()
        del unsecured["proof"]
    else:
        unsecured = without_proof(document)
    return [
        _verify_one(
            unsecured,
            proofs,
            i,
            resolver=resolver,
            loader=loader,
            now=now,
            expected_purpose=expected_purpose,
            challenge=challenge,
            domain=domain,
        )
        for i in range(len(proofs))
    ]


def _verify_one(
    unsecured: dict[str, Any],
    proofs: list[Any],
    index: int,
    *,
    resolver: DidResolver,
    loader: DocumentLoader,
    now: datetime,
    expected_purpose: str,
    challenge: str | None,
    domain: str | None,
) -> ProofOutcome:
    proof = proofs[index]
    if type(proof) is not dict and not isinstance(proof, Mapping):
        return _outcome(
            Check.failed("proof", "the proof is not a JSON object", index=index), None, None
        )
    suite = suite_of(proof)
    if suite is None:
        reason = (
            f"unsupported proof type/cryptosuite {proof.get('type')!r}/{proof.get('cryptosuite')!r}"
        )
        return _outcome(Check.failed("proof", reason, **_detail(proof, index)), None, proof)
    outcome = _check_proof(
        proof, suite, unsecured, proofs, resolver, loader, now, expected_purpose, challenge, domain
    )
    if isinstance(outcome, str):
        return _outcome(Check.failed("proof", outcome, **_detail(proof, index)), None, proof)
    return _outcome(_passed(proof, index, suite, outcome), outcome, proof)


def _detail(proof: Mapping[str, Any], index: int) -> dict[str, Any]:
    detail: dict[str, Any] = {"index": index, "type": str(proof.get("type"))}
    if "cryptosuite" in proof:
        detail["cryptosuite"] = str(proof.get("cryptosuite"))
    vm_id = proof.get("verificationMethod")
    if isinstance(vm_id, str):
        detail["verificationMethod"] = vm_id
    return detail


# Passed proof checks by what they say (suite, method, index, proof options), not by the proof
# value: a verifier sees few issuers, and a Check is immutable (its detail is made read-only).
_PASSED: dict[tuple[Any, ...], Check] = {}
_ABSENT: Final = object()


def _passed(
    proof: Mapping[str, Any], index: int, suite: Suite, method: VerificationMethod
) -> Check:
    cryptosuite = proof.get("cryptosuite", _ABSENT)
    if cryptosuite is not _ABSENT and type(cryptosuite) is not str:
        return Check.passed(
            "proof", f"{_SUITE_LABEL[suite]} signature by {method.id}", **_detail(proof, index)
        )
    key = (suite, method.id, index, proof["type"], cryptosuite, proof["verificationMethod"])
    check = _PASSED.get(key)
    if check is None:
        check = Check(
            name="proof",
            outcome=Outcome.PASSED,
            reason=f"{_SUITE_LABEL[suite]} signature by {method.id}",
            detail=MappingProxyType(_detail(proof, index)),
        )
        bounded(_PASSED)[key] = check
    return check


def _check_proof(
    proof: Mapping[str, Any],
    suite: Suite,
    unsecured: dict[str, Any],
    proofs: list[Any],
    resolver: DidResolver,
    loader: DocumentLoader,
    now: datetime,
    expected_purpose: str,
    challenge: str | None,
    domain: str | None,
) -> VerificationMethod | str:
    """The proof's verification method when its signature holds, else why it does not."""
    get = proof.get
    for name in _REQUIRED_2020 if suite is Suite.ED25519_SIGNATURE_2020 else _REQUIRED:
        if not isinstance(get(name), str):
            return f"the proof has no {name}"
    purpose = proof["proofPurpose"]
    if purpose != expected_purpose:
        return f"proofPurpose is {purpose!r}, expected {expected_purpose!r}"
    if challenge is not None and get("challenge") != challenge:
        return "the proof's challenge does not match"
    if (
        domain is not None
        and get("domain") != domain
        and not (isinstance(get("domain"), list) and domain in proof["domain"])
    ):
        return "the proof's domain does not match"
    expires = get("expires")
    if isinstance(expires, str):
        moment = _parse_datetime(expires)
        if moment is None:
            return "the proof's expires is not a dateTime"
        if now > moment:
            return f"the proof expired at {expires}"
    try:
        signature = decode_base58btc(proof["proofValue"])
    except MultibaseError as exc:
        return f"proofValue: {exc}"
    try:
        method = dereference(proof["verificationMethod"], resolver=resolver)
    except DidError as exc:
        return f"verification method: {exc}"
    if purpose not in method.relationships:
        return f"{method.id} is not authorized for {purpose} by its controller"

    to_verify: dict[str, Any] = unsecured
    previous = get("previousProof")
    if previous is not None:
        try:
            to_verify = dict(unsecured)
            to_verify["proof"] = _matching_proofs(proofs, previous)
        except IssueError as exc:
            return str(exc)
    if type(proof) is dict:
        config = proof.copy()
        del config["proofValue"]
    else:
        config = {k: v for k, v in proof.items() if k != "proofValue"}
    if suite is Suite.EDDSA_JCS_2022:
        proof_ctx = get("@context")
        if proof_ctx is not None:
            doc_ctx = unsecured.get("@context")
            if proof_ctx != doc_ctx:  # equal (as when skillpass signed it): nothing to swap
                pc = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
                dc = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
                if dc[: len(pc)] != pc:
                    return "the proof's @context is not a prefix of the document's @context"
                if to_verify is unsecured:
                    to_verify = dict(unsecured)
                to_verify["@context"] = proof_ctx
        elif "@context" in unsecured:
            config["@context"] = unsecured["@context"]
    else:
        config["@context"] = unsecured.get("@context")
    try:
        data = hash_data(suite, to_verify, config, loader=loader)
    except ContextError as exc:
        return f"cannot canonicalize: {exc}"
    if not method.public_key.verify(data, signature):
        return "the signature does not match the document and proof options"
    return method


_SUITE_LABEL: Final = {suite: suite.value for suite in Suite}
_REQUIRED: Final = ("proofPurpose", "verificationMethod", "proofValue")
_REQUIRED_2020: Final = ("created", *_REQUIRED)


def _parse_datetime(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
