"""Callbacks asked for outright (the IVR's "call me back", the web's form): a virtual
caller waits its turn in the queue and rings an agent like a call."""

from __future__ import annotations

from contactcenter.acd import (
    AcdConfig,
    AgentConfig,
    CallbackDeferred,
    CallbackRequested,
    QueueConfig,
)
from contactcenter.acd.harness import AcdHarness, offers
from contactcenter.acd.model import CallId


def harness() -> AcdHarness:
    config = AcdConfig(queues={"q": QueueConfig("q", announce_every=10.0, comfort_every=10.0)},
                       agents={"a1": AgentConfig("a1", queues={"q": 1})})
    return AcdHarness(config)


def request(h: AcdHarness, call: str, number: str = "+15557770100") -> list:
    return h.send(CallbackRequested(call_id=CallId(call), queue="q", number=number))


def test_a_requested_callback_waits_its_turn_behind_earlier_callers() -> None:
    h = harness()
    h.join("caller", "q")
    queued = h.reports("call.queued", request(h, "cb"))
    assert queued[0]["callback"] == "+15557770100"
    assert offers(h.login("a1")) == [("caller", "a1")]  # the earlier caller first
    h.answer("caller", "a1")
    h.finish("caller")
    assert offers(h.advance(10)) == [("cb", "a1")]  # after the wrap-up, the callback


def test_a_virtual_caller_hears_nothing_and_the_queue_counts_it() -> None:
    h = harness()
    out = request(h, "cb")
    out += h.advance(60)
    assert not [c for c in out if type(c).__name__ in ("Announce", "PlayComfort")]
    stats = h.acd.queue_stats(h.now)["q"]
    assert (stats.offered, stats.callbacks, stats.waiting) == (1, 1, 1)


def test_a_withdrawn_callback_leaves_the_queue_and_a_duplicate_is_ignored() -> None:
    h = harness()
    request(h, "cb")
    ignored = h.acd.ignored
    request(h, "cb")
    assert h.acd.ignored == ignored + 1
    h.leave("cb", "abandoned")  # the caller hanging up after asking: the callback stays
    assert h.acd.call_state("cb").state.value == "waiting"  # type: ignore[union-attr]
    h.leave("cb", "cancelled")
    assert offers(h.login("a1")) == []


def defer(h: AcdHarness, call: str) -> list:
    return h.send(CallbackDeferred(call_id=CallId(call)))


def test_a_deferred_callback_frees_its_ringing_agent_and_leaves_the_figures() -> None:
    h = harness()
    h.login("a1")
    assert offers(request(h, "cb")) == [("cb", "a1")]  # ringing the agent
    out = defer(h, "cb")
    assert [(c.call_id, c.agent, c.reason) for c in out if type(c).__name__ == "CancelOffer"] \
        == [("cb", "a1", "deferred")]
    assert h.reports("call.deferred", out) and not h.reports("call.abandoned", out)
    assert h.acd.agent_state("a1").state.value == "available"
    assert h.acd.call_state("cb") is None
    stats = h.acd.queue_stats(h.now)["q"]
    assert (stats.offered, stats.callbacks, stats.abandoned, stats.waiting) == (0, 0, 0, 0)


def test_a_resumed_callback_keeps_its_place_and_is_counted_once() -> None:
    h = harness()
    request(h, "cb")
    asked = h.now
    defer(h, "cb")
    h.advance(30)
    h.join("later", "q")
    h.send(CallbackRequested(call_id=CallId("cb"), queue="q", number="+15557770100",
                             since=asked))
    assert offers(h.login("a1")) == [("cb", "a1")]  # before the caller who came later
    stats = h.acd.queue_stats(h.now)["q"]
    assert (stats.offered, stats.callbacks) == (2, 1)  # the callback and "later"


def test_only_a_virtual_caller_can_be_deferred() -> None:
    h = harness()
    h.join("caller", "q")
    ignored = h.acd.ignored
    assert defer(h, "caller") == [] and h.acd.ignored == ignored + 1
    assert h.acd.call_state("caller") is not None
