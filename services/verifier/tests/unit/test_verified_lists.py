"""Remembered status list verdicts, through the bus on in-memory adapters: a list's proof is
checked once per version of the list, the report is the core's own, and nothing is reused that
the core would not have passed now."""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from skillpass.platform.store.memory import MemoryAggregateStore
from skillpass.vc.credentials import verify
from skillpass.vc.dids import CompositeResolver
from skillpass.vc.result import Outcome
from skillpass.vc.status import StatusList
from skillpass.verifier.adapters.memory import StaticDocuments
from skillpass.verifier.adapters.repositories import (
    StoreTrustRegistryRepository,
    StoreVerificationRepository,
)
from skillpass.verifier.adapters.vc_core import VcCore
from skillpass.verifier.adapters.verified_lists import VerifiedLists
from skillpass.verifier.domain.report import VerificationReport
from skillpass.verifier.service_layer.handlers import Dependencies, MessageBus
from skillpass.verifier.service_layer.messages import VerifyCredential
from skillpass.verifier.testing import FIXED_NOW, TestIssuer, key_for
from skillpass.verifier.testing.list_proofs import ListProofs

TTL = 300.0


@dataclass
class Harness:
    bus: MessageBus
    proofs: ListProofs
    lists: VerifiedLists
    timer: list[float]  # seconds, for the cache
    clock: list[datetime]  # the verification clock

    async def verify(self, credential: dict[str, Any]) -> VerificationReport:
        return await self.bus.handle(VerifyCredential(credential=credential))


def harness(documents: StaticDocuments, *, ttl: float = TTL, max_entries: int = 100) -> Harness:
    proofs, timer, clock, ids = ListProofs(), [0.0], [FIXED_NOW], itertools.count(1)
    lists = VerifiedLists(proofs, ttl_seconds=ttl, max_entries=max_entries, clock=lambda: timer[0])
    bus = MessageBus(
        Dependencies(
            core=VcCore(lists=lists),
            documents=documents,
            verifications=StoreVerificationRepository(MemoryAggregateStore()),
            trust=StoreTrustRegistryRepository(MemoryAggregateStore()),
            clock=lambda: clock[0],
            new_id=lambda: f"id-{next(ids)}",
        )
    )
    return Harness(bus, proofs, lists, timer, clock)


def status(report: VerificationReport, purpose: str) -> tuple[Outcome, str]:
    check = report.credentials[0].result.check(f"status.{purpose}")
    assert check is not None
    return check.outcome, check.reason


BOTH = ("revocation", "suspension")


async def test_second_verification_checks_no_list_proof_again(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    h = harness(documents)
    credential = issuer.credential(status=BOTH, open_badge=False)
    first = await h.verify(credential)
    assert sorted(h.proofs.checked) == sorted(issuer.list_url(p) for p in BOTH)
    second = await h.verify(credential)
    assert len(h.proofs.checked) == 2
    assert second.credentials[0].result == first.credentials[0].result
    assert first.verified


async def test_remembered_verdicts_give_the_cores_own_report(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    h = harness(documents)
    issuer.suspended.add(5)
    documents.status_lists[issuer.list_url("suspension")] = issuer.status_list("suspension")
    clear = issuer.credential(status=BOTH, open_badge=False, index=4)
    suspended = issuer.credential(status=BOTH, open_badge=False, index=5)
    unlisted = issuer.credential(status=(), open_badge=False)
    for credential in (clear, suspended, unlisted, clear, suspended):
        report = await h.verify(credential)
        core = verify(
            credential,
            resolver=CompositeResolver(web=lambda did: documents.dids.get(did)),
            now=FIXED_NOW,
            status_source=documents.status_lists.get,
        )
        checks = report.credentials[0].result.checks
        assert tuple(c for c in checks if c.name != "trust") == core.checks
    assert status(report, "suspension")[0] is Outcome.FAILED
    assert len(h.proofs.checked) == 2


async def test_a_re_signed_list_is_checked_and_read_again(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    h = harness(documents)
    credential = issuer.credential(status=BOTH, open_badge=False, index=7)
    assert status(await h.verify(credential), "revocation")[0] is Outcome.PASSED
    issuer.revoked.add(7)
    documents.status_lists[issuer.list_url("revocation")] = issuer.status_list("revocation")
    report = await h.verify(credential)
    assert status(report, "revocation") == (Outcome.FAILED, "revoked")
    assert h.proofs.checked[2:] == [issuer.list_url("revocation")]


async def test_a_remembered_list_is_not_valid_past_its_valid_until(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    h = harness(documents)
    documents.status_lists[issuer.list_url("revocation")] = issuer.status_list(
        "revocation", valid_until=FIXED_NOW + timedelta(hours=1)
    )
    credential = issuer.credential()
    assert status(await h.verify(credential), "revocation")[0] is Outcome.PASSED
    h.clock[0] = FIXED_NOW + timedelta(hours=2)
    outcome, reason = status(await h.verify(credential), "revocation")
    assert outcome is Outcome.ERROR
    assert "expired" in reason


async def test_a_list_that_fails_its_proof_is_never_remembered(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    h = harness(documents)
    forged = issuer.status_list("revocation")
    forged["validFrom"] = "2020-01-01T00:00:00Z"  # signed content changed: the proof fails
    documents.status_lists[issuer.list_url("revocation")] = forged
    credential = issuer.credential()
    for _ in range(2):
        outcome, reason = status(await h.verify(credential), "revocation")
        assert outcome is Outcome.ERROR
        assert "proof failed" in reason
    assert len(h.proofs.checked) == 2
    assert len(h.lists) == 0


async def test_a_verdict_is_checked_again_after_the_ttl(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    h = harness(documents)
    credential = issuer.credential()
    await h.verify(credential)
    h.timer[0] = TTL - 1
    await h.verify(credential)
    assert len(h.proofs.checked) == 1
    h.timer[0] = TTL + 1
    await h.verify(credential)
    assert len(h.proofs.checked) == 2


async def test_ttl_zero_remembers_nothing(documents: StaticDocuments, issuer: TestIssuer) -> None:
    h = harness(documents, ttl=0)
    credential = issuer.credential(status=BOTH, open_badge=False)
    await h.verify(credential)
    await h.verify(credential)
    assert len(h.proofs.checked) == 4
    assert len(h.lists) == 0


async def test_the_least_recently_used_verdict_goes_first(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    h = harness(documents, max_entries=1)
    revocation_only, suspension_only = (
        issuer.credential(status=(p,), open_badge=False) for p in BOTH
    )
    await h.verify(revocation_only)
    await h.verify(suspension_only)
    await h.verify(suspension_only)
    assert len(h.lists) == 1
    await h.verify(revocation_only)
    assert h.proofs.checked == [issuer.list_url(p) for p in ("revocation", "suspension")] + [
        issuer.list_url("revocation")
    ]


async def test_a_list_whose_signers_key_changed_is_checked_again(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    h = harness(documents)
    credential = issuer.credential()
    assert status(await h.verify(credential), "revocation")[0] is Outcome.PASSED
    documents.dids[issuer.did] = issuer.did_document(key=key_for("rotated"))
    outcome, reason = status(await h.verify(credential), "revocation")
    assert outcome is Outcome.ERROR
    assert "proof failed" in reason
    assert h.proofs.checked == [issuer.list_url("revocation")] * 2


async def test_a_list_changed_in_place_is_not_read_from_memory(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    h = harness(documents)
    credential = issuer.credential(index=9)
    assert status(await h.verify(credential), "revocation")[0] is Outcome.PASSED
    issuer.revoked.add(9)
    served = documents.status_lists[issuer.list_url("revocation")]
    assert isinstance(served, dict)
    served["credentialSubject"] = issuer.status_list("revocation")["credentialSubject"]
    outcome, reason = status(await h.verify(credential), "revocation")
    assert outcome is Outcome.ERROR
    assert "proof failed" in reason  # the list was not signed like this
    assert len(h.proofs.checked) == 2


async def test_an_equal_copy_of_the_list_is_read_from_memory(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    h = harness(documents)
    url = issuer.list_url("revocation")
    credential = issuer.credential()
    await h.verify(credential)
    documents.status_lists[url] = copy.deepcopy(documents.status_lists[url])  # parsed anew
    documents.dids[issuer.did] = copy.deepcopy(documents.dids[issuer.did])
    assert status(await h.verify(credential), "revocation")[0] is Outcome.PASSED
    assert h.proofs.checked == [url]


def test_a_remembered_list_is_the_decoded_list_itself(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    h = harness(documents)
    url = issuer.list_url("revocation")
    resolver = CompositeResolver(web=lambda did: documents.dids.get(did))

    def load() -> object:
        return h.lists.load(
            url,
            documents.status_lists[url],
            False,
            lambda *_: None,
            resolver=resolver,
            now=FIXED_NOW,
        )

    first = load()
    assert isinstance(first, StatusList)
    assert load() is first
    assert h.proofs.checked == [url]


async def test_a_remembered_list_is_judged_for_each_credential(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    h = harness(documents)
    await h.verify(issuer.credential())
    other = TestIssuer.at("https://other.example", "other")
    stray = other.credential()
    stray["credentialStatus"] = issuer.credential()["credentialStatus"]  # points at uni's list
    outcome, reason = status(await h.verify(stray), "revocation")
    assert outcome is Outcome.ERROR
    assert "not the credential's issuer" in reason
    assert len(h.proofs.checked) == 1
