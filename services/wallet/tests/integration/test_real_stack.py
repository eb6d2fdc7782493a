"""The composition root on the real MongoDB-wire server: `open_wallet` with MONGODB_URI builds
the MongoDB repositories (indexes included), and holder keys are sealed under the KEK."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from pymongo import AsyncMongoClient

from skillpass.platform.auth import DevTokenSigner
from skillpass.wallet.bootstrap import open_wallet
from skillpass.wallet.domain.holdings import OfferState
from skillpass.wallet.service_layer.messages import (
    CreatePresentation,
    RecordIssuedCredential,
    RegisterLearner,
)
from skillpass.wallet.settings import WalletSettings
from skillpass.wallet.testing import Clock, TestIssuer, email


async def test_the_wallet_runs_on_mongodb_from_settings(
    mongodb_uri: str, issuer: TestIssuer, clock: Clock
) -> None:
    database = f"wallet_{uuid.uuid4().hex[:12]}"
    settings = WalletSettings(
        mongodb_uri=mongodb_uri,
        mongodb_database=database,
        kek=base64.b64encode(b"\x01" * 32).decode(),
    )
    signer = DevTokenSigner(issuer="t", audience="skillpass")
    async with open_wallet(settings, token_verifier=signer.verifier(), clock=clock) as runtime:
        bus = runtime.bus
        registered = await bus.handle(
            RegisterLearner(
                learner_id="ada", identifiers=(email("ada@example.org"),), auto_accept=True
            )
        )
        credential = issuer.credential(recipient=email("ada@example.org"))
        holding = await bus.handle(
            RecordIssuedCredential(
                event_id="e-1",
                credential_id=credential["id"],
                tenant_id="tenant-1",
                credential_json=json.dumps(credential).encode(),
            )
        )
        assert holding is not None
        assert holding.offer is OfferState.ACCEPTED
        vp = await bus.handle(CreatePresentation(learner_id="ada", challenge="c"))
        assert vp["holder"] == registered.learner.did
        assert set(runtime.probes) == {"mongodb"}  # a broker outage leaves the wallet ready
        for probe in runtime.probes.values():
            await probe()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_uri)
    try:
        stored = await client[database]["learners"].find_one({"_id": "ada"})
        assert stored is not None
        sealed = bytes(stored["sealed_key"])
        assert len(sealed) > 40
        assert b"z3u" not in sealed  # no secretKeyMultibase (z3u…) in clear
    finally:
        await client.drop_database(database)
        await client.close()
