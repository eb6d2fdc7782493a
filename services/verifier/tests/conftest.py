"""Shared fixtures: a test issuer and holder, documents served from memory, and the message bus
on in-memory adapters with a fixed clock."""

from __future__ import annotations

import itertools

import pytest

from skillpass.platform.store.memory import MemoryAggregateStore
from skillpass.verifier.adapters.memory import StaticDocuments
from skillpass.verifier.adapters.repositories import (
    StoreTrustRegistryRepository,
    StoreVerificationRepository,
)
from skillpass.verifier.adapters.vc_core import VcCore
from skillpass.verifier.service_layer.handlers import Dependencies, MessageBus
from skillpass.verifier.testing import FIXED_NOW, TestHolder, TestIssuer

ISSUER_BASE = "https://uni.example"


@pytest.fixture
def issuer() -> TestIssuer:
    return TestIssuer.at(ISSUER_BASE)


@pytest.fixture
def holder() -> TestHolder:
    return TestHolder.named("ada")


@pytest.fixture
def documents(issuer: TestIssuer) -> StaticDocuments:
    """The issuer's DID document and (clear) status lists; tests change them as they need."""
    return StaticDocuments(
        dids={issuer.did: issuer.did_document()},
        status_lists={
            issuer.list_url(p): issuer.status_list(p) for p in ("revocation", "suspension")
        },
    )


@pytest.fixture
def verification_store() -> MemoryAggregateStore:
    return MemoryAggregateStore()


@pytest.fixture
def bus(documents: StaticDocuments, verification_store: MemoryAggregateStore) -> MessageBus:
    ids = itertools.count(1)
    return MessageBus(
        Dependencies(
            core=VcCore(),
            documents=documents,
            verifications=StoreVerificationRepository(verification_store),
            trust=StoreTrustRegistryRepository(MemoryAggregateStore()),
            clock=lambda: FIXED_NOW,
            new_id=lambda: f"id-{next(ids)}",
        )
    )
