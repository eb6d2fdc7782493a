"""One contract for `LearnerRepository`, run on memory and on the real MongoDB-wire server."""

from __future__ import annotations

import pytest

from skillpass.wallet.domain.errors import Conflict, NotFound
from skillpass.wallet.domain.identities import Identifier, hash_identifier
from skillpass.wallet.domain.learners import Learner
from skillpass.wallet.testing import FIXED_NOW, email

from .conftest import Repositories


def learner(learner_id: str, *, did: str | None = None) -> Learner:
    return Learner(
        id=learner_id,
        did=did or f"did:key:z6Mk{learner_id}",
        sealed_key=b"\x00sealed\xff",
        created_at=FIXED_NOW,
    )


async def test_a_learner_round_trips(repositories: Repositories) -> None:
    await repositories.learners.add(learner("ada"))
    found = await repositories.learners.get("ada")
    assert found == learner("ada")
    assert await repositories.learners.by_did("did:key:z6Mkada") == found
    assert await repositories.learners.get("nobody") is None


async def test_adding_a_learner_twice_conflicts(repositories: Repositories) -> None:
    await repositories.learners.add(learner("ada"))
    with pytest.raises(Conflict):
        await repositories.learners.add(learner("ada", did="did:key:z6Mkother"))


async def test_identifiers_are_claimed_once_and_found_every_way(
    repositories: Repositories,
) -> None:
    learners = repositories.learners
    await learners.add(learner("ada"))
    await learners.add(learner("eve"))
    ada_email = email("ada@example.org")
    claimed = await learners.claim_identifier("ada", ada_email)
    assert claimed.identifiers == (ada_email,)
    again = await learners.claim_identifier("ada", ada_email)  # idempotent
    assert again.identifiers == (ada_email,)
    with pytest.raises(Conflict):
        await learners.claim_identifier("eve", ada_email)
    with pytest.raises(NotFound):
        await learners.claim_identifier("nobody", email("x@example.org"))

    assert (await learners.by_identifier(ada_email)) == claimed
    digest = hash_identifier(ada_email.value, salt="")
    assert digest is not None
    assert (await learners.by_identifier_digest("emailAddress", digest)) == claimed
    assert await learners.by_identifier_digest("studentId", digest) is None
    student = Identifier.parse("studentId", "S-1")
    await learners.claim_identifier("eve", student)
    found = [(i, owner) async for i, owner in learners.identifiers_of_type("emailAddress")]
    assert found == [(ada_email, "ada")]


async def test_auto_accept_is_stored(repositories: Repositories) -> None:
    await repositories.learners.add(learner("ada"))
    updated = await repositories.learners.set_auto_accept("ada", True)
    assert updated.auto_accept
    stored = await repositories.learners.get("ada")
    assert stored is not None
    assert stored.auto_accept
    with pytest.raises(NotFound):
        await repositories.learners.set_auto_accept("nobody", True)
