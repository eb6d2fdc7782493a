"""Collecting what the core needs: both rounds, nothing for did:key, and a cap on fan-out."""

from __future__ import annotations

from skillpass.vc.status import status_list_entry
from skillpass.verifier.adapters.memory import StaticDocuments
from skillpass.verifier.domain.references import credential_references, presentation_references
from skillpass.verifier.service_layer.evidence import collect
from skillpass.verifier.service_layer.ports import Fetched
from skillpass.verifier.testing import TestHolder, TestIssuer


async def test_collects_the_issuer_status_lists_and_the_lists_signers(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    list_signer = TestIssuer.at("https://lists.example", "uni")
    signed_elsewhere = list_signer.status_list("revocation")
    documents.status_lists[issuer.list_url("revocation")] = signed_elsewhere
    documents.dids[list_signer.did] = list_signer.did_document()
    evidence = await collect(credential_references(issuer.credential()), documents, limit=32)
    assert evidence.dids.keys() == {issuer.did, list_signer.did}
    assert evidence.status_lists.keys() == {issuer.list_url("revocation")}
    assert evidence.problems == []


async def test_did_key_holders_are_not_fetched(
    documents: StaticDocuments, issuer: TestIssuer, holder: TestHolder
) -> None:
    vp = holder.present([issuer.credential(subject=holder.did)])
    await collect(presentation_references(vp), documents, limit=32)
    assert not any(r.startswith("did:key:") for r in documents.requests)


async def test_fan_out_is_capped_and_the_rest_reported(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    credential = issuer.credential()
    credential["credentialStatus"] = [
        status_list_entry(list_url=f"https://lists{i}.example/l", index=1, purpose="revocation")
        for i in range(40)
    ]
    evidence = await collect(credential_references(credential), documents, limit=8)
    assert len(documents.requests) == 8
    assert len(evidence.status_lists) == 40
    assert sum("more than 8 documents" in p for p in evidence.problems) == 33


class HalfCached(StaticDocuments):
    """Status lists must be fetched (awaited); DID documents are at hand."""

    def __init__(self, documents: StaticDocuments) -> None:
        super().__init__(dids=documents.dids, status_lists=documents.status_lists)
        self.fetched: list[str] = []

    async def did_document(self, did: str) -> Fetched:
        self.fetched.append(did)
        return super().known_did_document(did)

    async def status_list(self, url: str) -> Fetched:
        self.fetched.append(url)
        return super().known_status_list(url)

    def known_status_list(self, url: str) -> Fetched | None:  # type: ignore[override]
        return None


async def test_documents_at_hand_are_taken_and_only_the_others_fetched(
    documents: StaticDocuments, issuer: TestIssuer
) -> None:
    half = HalfCached(documents)
    credential = issuer.credential(status=("revocation", "suspension"), open_badge=False)
    evidence = await collect(credential_references(credential), half, limit=32)
    assert sorted(half.fetched) == sorted(issuer.list_url(p) for p in ("revocation", "suspension"))
    assert evidence.dids == {issuer.did: documents.dids[issuer.did]}
    assert evidence.status_lists == {
        url: documents.status_lists[url] for url in evidence.status_lists
    }
    assert len(evidence.status_lists) == 2
    assert evidence.problems == []
