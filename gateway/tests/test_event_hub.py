"""The hub delivers each event to the subscribers whose predicate accepts it, and cuts off a
subscriber that falls behind instead of buffering without bound."""

from __future__ import annotations

import asyncio

import pytest

from skillpass.gateway.event_hub import EventHub, HubEvent, SubscriberTooSlowError


def event(subject: str, kind: str = "issuer.credential.issued.v1") -> HubEvent:
    return HubEvent(type=kind, subject=subject, data={"tenant": subject.split("/")[0]})


async def test_subscribers_see_only_what_their_predicate_admits() -> None:
    hub = EventHub()
    mit = hub.subscribe(lambda e: e.data["tenant"] == "mit")
    anyone = hub.subscribe(lambda e: True)
    first_mit = asyncio.ensure_future(anext(mit))
    first_any = asyncio.ensure_future(anext(anyone))
    await asyncio.sleep(0)
    hub.publish(event("harvard/1"))
    hub.publish(event("mit/2"))
    assert (await first_mit).subject == "mit/2"
    assert (await first_any).subject == "harvard/1"
    await mit.aclose()
    await anyone.aclose()
    assert hub.subscriber_count == 0


async def test_slow_subscriber_is_cut_off_and_others_continue() -> None:
    hub = EventHub(queue_size=2)
    slow = hub.subscribe(lambda e: True)
    fast = hub.subscribe(lambda e: True)
    started = [asyncio.ensure_future(anext(slow)), asyncio.ensure_future(anext(fast))]
    await asyncio.sleep(0)
    for i in range(4):
        hub.publish(event(f"mit/{i}"))
        if i == 0:
            assert (await started[1]).subject == "mit/0"
            assert (await started[0]).subject == "mit/0"
        else:
            assert (await anext(fast)).subject == f"mit/{i}"
    # slow read nothing after the first event: on overflow its oldest queued event made room for
    # the end marker, so it gets what is left and then the error
    assert (await anext(slow)).subject == "mit/2"
    with pytest.raises(SubscriberTooSlowError):
        await anext(slow)
    assert hub.subscriber_count == 1
    await fast.aclose()
