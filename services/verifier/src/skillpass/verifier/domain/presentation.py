"""The checks only a presentation has: who signed it (``holder_binding``), for whom and when
(``challenge``, ``domain``), and whether each credential's subject is the one presenting it
(``subject_binding``). Pure: the proofs' signatures are verified by the core beforehand; these
rules see which DIDs' keys produced the proofs that verified."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from skillpass.vc.result import Check
from skillpass.vc.validation import as_list, node_id
from skillpass.verifier.domain.references import did_of


def challenge_check(
    proofs: Sequence[Mapping[str, Any]], *, expected: str | None, required: bool
) -> tuple[Check, str | None]:
    """Every proof must carry the verifier's challenge. Without one the caller supplied, a proof
    that carries none is a failure when ``required`` (it could be replayed anywhere)."""
    if not proofs:
        return Check.failed("challenge", "the presentation has no proof to carry a challenge"), None
    found = [p.get("challenge") for p in proofs]
    if expected is not None:
        if all(c == expected for c in found):
            return Check.passed("challenge", "every proof carries the expected challenge"), None
        if any(c is None for c in found):
            return Check.failed("challenge", "a presentation proof carries no challenge"), None
        return Check.failed("challenge", "a presentation proof carries another challenge"), None
    if all(c is None for c in found) and required:
        return Check.failed(
            "challenge",
            "no challenge was given and the proof carries none: it could be a replay",
        ), None
    why = "no challenge was given to compare with"
    return Check.skipped("challenge", why), f"challenge not checked: {why}"


def domain_check(proofs: Sequence[Mapping[str, Any]], *, expected: str | None) -> Check:
    """With an expected domain, every proof's ``domain`` (a string or a list) must include it."""
    if expected is None:
        return Check.skipped("domain", "no domain was given to compare with")
    for proof in proofs:
        if expected not in [d for d in as_list(proof.get("domain")) if isinstance(d, str)]:
            return Check.failed("domain", f"a presentation proof is not bound to {expected!r}")
    if not proofs:
        return Check.failed("domain", "the presentation has no proof to carry a domain")
    return Check.passed("domain", f"every proof is bound to {expected!r}")


def holder_of(presentation: Mapping[str, Any]) -> str | None:
    return node_id(presentation.get("holder"))


def holder_binding_check(presentation: Mapping[str, Any], *, signers: Sequence[str]) -> Check:
    """The key that signed the presentation belongs to its ``holder``. ``signers`` are the
    verification methods of the presentation proofs that verified."""
    holder = holder_of(presentation)
    if holder is None:
        return Check.failed("holder_binding", "the presentation names no holder")
    if not signers:
        return Check.failed("holder_binding", "no presentation proof verified")
    signer_dids = {did_of(vm) for vm in signers}
    if holder in signer_dids:
        return Check.passed("holder_binding", f"signed with a key of the holder {holder}")
    others = ", ".join(sorted(d or "?" for d in signer_dids))
    return Check.failed(
        "holder_binding", f"signed with a key of {others}, not of the holder {holder}"
    )


def subject_binding_check(
    credential: Mapping[str, Any], *, holder: str | None
) -> tuple[Check, str | None]:
    """A credential about a DID subject is presented by that subject. A subject identified
    otherwise (an OB 3.0 hashed e-mail) cannot be bound here: skipped, with a warning."""
    subjects = as_list(credential.get("credentialSubject"))
    dids = [i for i in (node_id(s) for s in subjects) if i is not None and i.startswith("did:")]
    if not dids:
        why = "the credential subject has no DID, so it cannot be bound to the holder"
        return Check.skipped("subject_binding", why), why
    if holder is not None and holder in dids:
        return Check.passed("subject_binding", "the holder is the credential subject"), None
    return Check.failed(
        "subject_binding",
        f"the credential subject {dids[0]} is not the presentation holder {holder}",
    ), None
