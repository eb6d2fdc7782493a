from __future__ import annotations

import pytest

from skillpass.wallet.domain.errors import InvalidInput
from skillpass.wallet.domain.identities import (
    Identifier,
    IdentityObject,
    Recipient,
    identity_hash,
    recipient_of,
)
from skillpass.wallet.testing import TestIssuer, email


def test_email_identifiers_are_normalised() -> None:
    assert Identifier.parse("emailAddress", "  Ada@Example.ORG ").value == "ada@example.org"


@pytest.mark.parametrize(
    ("kind", "value"),
    [("emailAddress", "not-an-email"), ("emailAddress", ""), ("shoeSize", "42"), (None, "x")],
)
def test_malformed_identifiers_are_refused(kind: object, value: object) -> None:
    with pytest.raises(InvalidInput):
        Identifier.parse(kind, value)


def test_salted_hash_of_identifier_and_salt_matches_the_learner() -> None:
    ada = email("ada@example.org")
    hashed = IdentityObject(
        identity_type="emailAddress",
        identity_hash=identity_hash(ada, salt="pepper"),
        hashed=True,
        salt="pepper",
    )
    assert hashed.matches(ada)
    assert not hashed.matches(email("bob@example.org"))
    assert not hashed.matches(Identifier.parse("studentId", "ada@example.org"))


def test_the_hash_is_over_identifier_then_salt_per_ob3() -> None:
    import hashlib

    expected = hashlib.sha256(b"ada@example.orgpepper").hexdigest()
    assert identity_hash(email("ada@example.org"), salt="pepper") == f"sha256${expected}"


def test_unhashed_identity_objects_compare_plainly() -> None:
    plain = IdentityObject(
        identity_type="emailAddress", identity_hash="Ada@Example.org", hashed=False
    )
    assert plain.matches(email("ada@example.org"))


def test_recipient_is_read_from_the_credential_subject(issuer: TestIssuer) -> None:
    credential = issuer.credential(recipient=email("ada@example.org"))
    recipient = recipient_of(credential)
    assert recipient.identity_types == {"emailAddress"}
    assert recipient.matches(did=None, identifiers=[email("ada@example.org")])


def test_a_did_subject_matches_the_learner_with_that_did() -> None:
    recipient = Recipient(did="did:key:z6Mkabc")
    assert recipient.matches(did="did:key:z6Mkabc", identifiers=[])
    assert not recipient.matches(did="did:key:z6Mkother", identifiers=[])
