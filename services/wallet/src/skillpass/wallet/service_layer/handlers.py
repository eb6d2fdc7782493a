"""Use cases: one handler per command."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import structlog

from skillpass.vc.dids import did_key
from skillpass.vc.keys import SigningKey
from skillpass.wallet.domain import holdings as lifecycle
from skillpass.wallet.domain.errors import Conflict, InvalidInput, NotFound, Unprocessable
from skillpass.wallet.domain.holdings import (
    Holding,
    OfferState,
    StatusChange,
    Transition,
    issued_holding_id,
)
from skillpass.wallet.domain.identities import Identifier, Recipient, recipient_of
from skillpass.wallet.domain.learners import Learner, check_learner_id
from skillpass.wallet.domain.presentations import unsigned_presentation
from skillpass.wallet.domain.sharing import ShareLink, new_share_link
from skillpass.wallet.domain.verification import VerificationReport
from skillpass.wallet.service_layer.dependencies import WalletDeps
from skillpass.wallet.service_layer.messages import (
    AcceptOffer,
    AddIdentifier,
    Command,
    CreatePresentation,
    CreateShareLink,
    DeclineOffer,
    ImportCredential,
    RecordIssuedCredential,
    RecordStatusChange,
    Registered,
    RegisterLearner,
    RevokeShareLink,
    SetAutoAccept,
)

log = structlog.get_logger(__name__)


class ImportRefused(Unprocessable):
    code = "credential-not-verified"

    def __init__(self, report: VerificationReport) -> None:
        super().__init__("the credential did not verify; it was not imported")
        self.report = report


async def _learner(deps: WalletDeps, learner_id: str) -> Learner:
    learner = await deps.learners.get(learner_id)
    if learner is None:
        raise NotFound("no such learner", code="learner-not-found")
    return learner


# --- learners -------------------------------------------------------------------------------------


async def register_learner(cmd: RegisterLearner, deps: WalletDeps) -> Registered:
    check_learner_id(cmd.learner_id)
    key = SigningKey.from_seed(deps.new_seed())
    learner = Learner(
        id=cmd.learner_id,
        did=did_key(key.public_key),
        sealed_key=deps.sealer.seal(key),
        auto_accept=cmd.auto_accept,
        created_at=deps.clock(),
    )
    await deps.learners.add(learner)
    matched = 0
    for identifier in cmd.identifiers:
        added = await add_identifier(
            AddIdentifier(learner_id=learner.id, identifier=identifier), deps
        )
        learner, matched = added.learner, matched + added.matched
    return Registered(learner=learner, matched=matched)


async def add_identifier(cmd: AddIdentifier, deps: WalletDeps) -> Registered:
    # Claim first, then look for waiting credentials: an issued event racing with us either sees
    # the claim (and offers to the learner) or wrote its waiting holding before our scan.
    learner = await deps.learners.claim_identifier(cmd.learner_id, cmd.identifier)
    matched = 0
    async for waiting in deps.holdings.waiting_for(cmd.identifier.type):
        if waiting.recipient.matches(did=None, identifiers=(cmd.identifier,)):
            matched += await _offer(deps, waiting.id, learner)
    return Registered(learner=learner, matched=matched)


async def _offer(deps: WalletDeps, holding_id: str, learner: Learner) -> int:
    now = deps.clock()

    def change(current: Holding | None) -> Transition:
        if current is None:
            raise NotFound("the holding vanished")
        return lifecycle.match(current, learner, now=now)

    after = await deps.holdings.update(holding_id, change)
    deps.on_outbox_write()
    return int(after is not None and after.learner_id == learner.id)


async def set_auto_accept(cmd: SetAutoAccept, deps: WalletDeps) -> Learner:
    return await deps.learners.set_auto_accept(cmd.learner_id, cmd.enabled)


# --- offers ---------------------------------------------------------------------------------------


async def accept_offer(cmd: AcceptOffer, deps: WalletDeps) -> Holding:
    learner = await _learner(deps, cmd.learner_id)
    now = deps.clock()

    def change(current: Holding | None) -> Transition:
        if current is None:
            raise NotFound("no such offer", code="offer-not-found")
        return lifecycle.accept(current, learner, now=now)

    holding = await deps.holdings.update(cmd.holding_id, change)
    deps.on_outbox_write()
    assert holding is not None  # no event id: never a duplicate
    return holding


async def decline_offer(cmd: DeclineOffer, deps: WalletDeps) -> Holding:
    if len(cmd.reason) > 500:
        raise InvalidInput("the reason is too long", code="invalid-reason")
    now = deps.clock()

    def change(current: Holding | None) -> Transition:
        if current is None:
            raise NotFound("no such offer", code="offer-not-found")
        return lifecycle.decline(current, cmd.learner_id, reason=cmd.reason, now=now)

    holding = await deps.holdings.update(cmd.holding_id, change)
    deps.on_outbox_write()
    assert holding is not None
    return holding


# --- import ---------------------------------------------------------------------------------------


async def import_credential(cmd: ImportCredential, deps: WalletDeps) -> Holding:
    await _learner(deps, cmd.learner_id)
    credential = dict(cmd.credential)
    if "proof" not in credential:
        raise ImportRefused(
            VerificationReport.from_json(
                {
                    "verified": False,
                    "checks": [{"check": "proof", "outcome": "failed", "reason": "no proof"}],
                    "errors": ["proof: the credential is not signed"],
                }
            )
        )
    report = await deps.verifier.verify(credential)
    if not report.verified:
        raise ImportRefused(report)
    holding = lifecycle.imported(
        learner_id=cmd.learner_id,
        credential=credential,
        verification=report.to_json(),
        now=deps.clock(),
    )
    if not await deps.holdings.add(holding):
        raise Conflict("this credential is already in the wallet", code="already-imported")
    return holding


# --- sharing and presentations --------------------------------------------------------------------


async def owned_accepted(
    deps: WalletDeps, learner_id: str, holding_ids: tuple[str, ...]
) -> list[Holding]:
    found = {h.id: h for h in await deps.holdings.many(holding_ids)}
    result = []
    for holding_id in dict.fromkeys(holding_ids):
        holding = found.get(holding_id)
        if holding is None or holding.learner_id != learner_id:
            raise NotFound(f"no holding {holding_id} in this wallet", code="holding-not-found")
        if holding.offer is not OfferState.ACCEPTED:
            raise Conflict(f"holding {holding_id} is an offer, not accepted", code="not-accepted")
        result.append(holding)
    return result


async def create_share_link(cmd: CreateShareLink, deps: WalletDeps) -> ShareLink:
    await owned_accepted(deps, cmd.learner_id, cmd.holding_ids)
    link = new_share_link(
        link_id=deps.new_id(),
        token=deps.new_token(),
        learner_id=cmd.learner_id,
        holding_ids=cmd.holding_ids,
        now=deps.clock(),
        expires_in=cmd.expires_in,
        label=cmd.label,
    )
    await deps.share_links.add(link)
    return link


async def revoke_share_link(cmd: RevokeShareLink, deps: WalletDeps) -> ShareLink:
    link = await deps.share_links.get(cmd.link_id)
    if link is None or link.learner_id != cmd.learner_id:
        raise NotFound("no such share link", code="share-link-not-found")
    revoked = await deps.share_links.revoke(cmd.link_id, at=deps.clock())
    assert revoked is not None
    return revoked


async def create_presentation(cmd: CreatePresentation, deps: WalletDeps) -> dict[str, Any]:
    learner = await _learner(deps, cmd.learner_id)
    if cmd.holding_ids is None:
        holdings = await deps.holdings.accepted_of(learner.id)
    else:
        holdings = await owned_accepted(deps, learner.id, cmd.holding_ids)
    credentials = [h.credential for h in holdings if h.credential is not None]
    presentation = unsigned_presentation(
        credentials, holder=learner.did, presentation_id=f"urn:uuid:{deps.new_id()}"
    )
    return deps.signer.sign(
        presentation,
        key=deps.sealer.unseal(learner.sealed_key),
        challenge=cmd.challenge,
        domain=cmd.domain,
        created=deps.clock(),
    )


# --- the issuer's events --------------------------------------------------------------------------


async def find_learner(deps: WalletDeps, recipient: Recipient) -> Learner | None:
    if recipient.did is not None:
        learner = await deps.learners.by_did(recipient.did)
        if learner is not None:
            return learner
    for identity in recipient.identities:
        if not identity.hashed:
            try:
                plain = Identifier.parse(identity.identity_type, identity.identity_hash)
            except InvalidInput:
                continue
            learner = await deps.learners.by_identifier(plain)
        elif (digest := identity.unsalted_digest) is not None:
            learner = await deps.learners.by_identifier_digest(identity.identity_type, digest)
        else:
            learner = None
            async for identifier, learner_id in deps.learners.identifiers_of_type(
                identity.identity_type
            ):
                if identity.matches(identifier):
                    learner = await deps.learners.get(learner_id)
                    break
        if learner is not None:
            return learner
    return None


def _parse_credential(data: bytes) -> Mapping[str, Any]:
    try:
        credential = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput(f"credential_json is not JSON: {error}") from None
    if not isinstance(credential, dict):
        raise InvalidInput("credential_json is not a JSON object")
    return credential


async def record_issued_credential(cmd: RecordIssuedCredential, deps: WalletDeps) -> Holding | None:
    credential = _parse_credential(cmd.credential_json)
    if not credential.get("id"):
        credential = {**credential, "id": cmd.credential_id}
    elif credential["id"] != cmd.credential_id:
        # Status events find the holding by the event's credential id: they must agree.
        raise InvalidInput("the event's credential_id is not the credential's id")
    recipient = recipient_of(credential)
    if not recipient.is_known:
        recipient = cmd.recipient
    learner = await find_learner(deps, recipient)
    now = deps.clock()

    emitted: list[int] = []  # events of each run of `change`; the last run is the one written

    def change(current: Holding | None) -> Transition:
        transition = lifecycle.receive_issued(
            current,
            credential=credential,
            tenant_id=cmd.tenant_id,
            recipient=recipient,
            learner=learner,
            pathway_id=cmd.pathway_id,
            source_credential_ids=cmd.source_credential_ids,
            now=now,
            achievement_ref=cmd.achievement_id,
        )
        emitted.append(len(transition[1]))
        return transition

    holding_id = issued_holding_id(cmd.credential_id)
    holding = await deps.holdings.update(holding_id, change, event_id=cmd.event_id)
    if holding is not None and emitted[-1]:
        # Only when events were written: each wake costs the relay a look at the outbox, which
        # on a server without a usable index (FerretDB) reads the whole collection.
        deps.on_outbox_write()
    if holding is not None and holding.offer is OfferState.WAITING:
        # The learner may have claimed the identifier after our lookup: look again now that
        # the waiting holding is visible to their scan (one of the two sides sees the other).
        learner = await find_learner(deps, recipient)
        if learner is not None:
            await _offer(deps, holding.id, learner)
            holding = await deps.holdings.get(holding.id)
    return holding


async def record_status_change(cmd: RecordStatusChange, deps: WalletDeps) -> Holding | None:
    status = StatusChange(
        purpose=cmd.purpose, set=cmd.set, reason=cmd.reason, changed_at=cmd.changed_at
    )
    holding_id = issued_holding_id(cmd.credential_id)
    now = deps.clock()

    def change(current: Holding | None) -> Transition:
        base = current or lifecycle.status_placeholder(holding_id, now=now)
        return lifecycle.change_status(base, status), ()

    return await deps.holdings.update(holding_id, change, event_id=cmd.event_id)


Handler = Callable[[Any, WalletDeps], Awaitable[Any]]

COMMAND_HANDLERS: Mapping[type[Command[Any]], Handler] = {
    RegisterLearner: register_learner,
    AddIdentifier: add_identifier,
    SetAutoAccept: set_auto_accept,
    AcceptOffer: accept_offer,
    DeclineOffer: decline_offer,
    ImportCredential: import_credential,
    CreateShareLink: create_share_link,
    RevokeShareLink: revoke_share_link,
    CreatePresentation: create_presentation,
    RecordIssuedCredential: record_issued_credential,
    RecordStatusChange: record_status_change,
}
