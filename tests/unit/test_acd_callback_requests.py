"""Callbacks asked for outright (the IVR's "call me back", the web's form): a virtual
caller waits its turn in the queue and rings an agent like a call."""

from __future__ import annotations

from contactcenter.acd import AcdConfig, AgentConfig, CallbackRequested, QueueConfig
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
