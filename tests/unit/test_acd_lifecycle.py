"""ACD calls and agents through time: wrap-up, ring timeouts, failures, abandons, disorder."""

from __future__ import annotations

import pytest

from contactcenter.acd import (
    Acd,
    AcdConfig,
    AcdUsageError,
    AgentConfig,
    AgentState,
    CallState,
    CancelOffer,
    ConnectCall,
    QueueConfig,
)
from contactcenter.acd.harness import AcdHarness, of_type, offers
from contactcenter.ivr import DigitPressed


def harness(agents: tuple[str, ...] = ("a1", "a2"), **queue: object) -> AcdHarness:
    config = AcdConfig(
        queues={"q": QueueConfig("q", **queue)},  # type: ignore[arg-type]
        agents={a: AgentConfig(a, queues={"q": 1}) for a in agents},
    )
    return AcdHarness(config)


def state(h: AcdHarness, agent: str) -> tuple[AgentState, str]:
    view = h.acd.agent_state(agent)
    return view.state, view.reason


def test_wrap_up_holds_the_next_call_until_it_ends() -> None:
    h = harness(("a1",), wrap_up=10.0)
    h.login("a1")
    h.join("c1", "q")
    h.answer("c1", "a1")
    h.advance(5)
    h.join("c2", "q")
    h.advance(95)
    assert offers(h.finish("c1")) == []
    assert state(h, "a1") == (AgentState.WRAP_UP, "")
    assert offers(h.advance(9.9)) == []
    out = h.advance(0.1)
    assert offers(out) == [("c2", "a1")]
    assert [r["state"] for r in h.reports("agent.state", out)] == ["available", "ringing"]


def test_the_done_button_ends_wrap_up_early() -> None:
    h = harness(("a1",), wrap_up=60.0)
    h.login("a1")
    h.join("c1", "q")
    h.answer("c1", "a1")
    h.finish("c1")
    h.join("c2", "q")
    h.advance(3)
    assert offers(h.done("a1")) == [("c2", "a1")]
    assert offers(h.advance(120)) == []  # the wrap-up timer of c1 is void


def test_no_wrap_up_means_the_next_call_at_once() -> None:
    h = harness(("a1",), wrap_up=0.0)
    h.login("a1")
    h.join("c1", "q")
    h.join("c2", "q")
    h.answer("c1", "a1")
    assert offers(h.finish("c1")) == [("c2", "a1")]


def test_ring_timeout_offers_the_next_agent_and_pauses_the_first() -> None:
    h = harness(ring_timeout=15.0)
    h.login("a1")
    h.advance(1)
    h.login("a2")
    assert offers(h.join("c1", "q")) == [("c1", "a1")]
    assert offers(h.advance(14.9)) == []
    out = h.advance(0.1)
    assert of_type(out, CancelOffer) == [
        CancelOffer(call_id="c1", agent="a1", reason="ring_timeout")
    ]
    assert offers(out) == [("c1", "a2")]
    assert state(h, "a1") == (AgentState.PAUSED, "ring_timeout")
    assert h.answer("c1", "a1") == []  # a1's late answer is stale
    assert of_type(h.answer("c1", "a2"), ConnectCall) == [ConnectCall(call_id="c1", agent="a2")]


def test_the_queue_may_keep_an_agent_available_after_a_ring_timeout() -> None:
    h = harness(ring_timeout=10.0, after_ring_timeout="available")
    h.login("a1")
    h.advance(1)
    h.login("a2")
    h.join("c1", "q")
    out = h.advance(10)
    assert offers(out) == [("c1", "a2")]  # the next agent, though a1 is available again
    assert state(h, "a1") == (AgentState.AVAILABLE, "")
    assert offers(h.join("c2", "q")) == [("c2", "a1")]


def test_an_agent_alone_is_rung_again_when_the_queue_keeps_them_available() -> None:
    h = harness(("a1",), ring_timeout=10.0, after_ring_timeout="available")
    h.login("a1")
    h.join("c1", "q")
    assert offers(h.advance(10)) == [("c1", "a1")]


def test_a_failed_offer_pauses_the_agent_with_the_failure_and_tries_the_next() -> None:
    h = harness()
    h.login("a1", "a2")
    h.join("c1", "q")
    out = h.fail("c1", "a1", "unreachable")
    assert offers(out) == [("c1", "a2")]
    assert of_type(out, CancelOffer) == []  # the offer had already failed
    assert state(h, "a1") == (AgentState.PAUSED, "unreachable")


def test_abandon_while_queued_counts_as_abandoned_and_silences_the_call() -> None:
    h = harness(("a1",), announce_every=10.0, comfort_every=15.0)
    h.join("c1", "q")
    h.advance(30)
    h.leave("c1")
    view = h.acd.call_state("c1")
    assert view is not None and view.state is CallState.ABANDONED
    stats = h.acd.queue_stats(h.now)["q"]
    assert (stats.abandoned, stats.waiting, stats.answered) == (1, 0, 0)
    assert h.advance(600) == []  # no announcement or comfort for a call that left
    assert offers(h.login("a1")) == []
    assert h.leave("c1") == []  # a duplicate hang-up


def test_abandon_while_ringing_frees_the_agent_for_the_next_caller() -> None:
    h = harness(("a1",))
    h.login("a1")
    h.join("c1", "q")
    h.join("c2", "q")
    out = h.leave("c1")
    assert of_type(out, CancelOffer) == [
        CancelOffer(call_id="c1", agent="a1", reason="caller_left")
    ]
    assert offers(out) == [("c2", "a1")]
    assert [r["ringing"] for r in h.reports("call.abandoned")] == [True]


def test_a_pause_or_logout_during_a_call_waits_for_its_end() -> None:
    h = harness(wrap_up=5.0)
    h.login("a1", "a2")
    h.join("c1", "q")
    h.join("c2", "q")
    h.answer("c1", "a1")
    h.answer("c2", "a2")
    h.pause("a1", "lunch")
    h.logout("a2")
    assert state(h, "a1")[0] is AgentState.ON_CALL
    h.finish("c1")
    h.finish("c2")
    assert state(h, "a1")[0] is AgentState.WRAP_UP  # the pause comes after the wrap-up
    assert state(h, "a2")[0] is AgentState.LOGGED_OUT  # no wrap-up without a phone
    h.advance(5)
    assert state(h, "a1") == (AgentState.PAUSED, "lunch")


def test_available_during_a_call_cancels_a_pause_asked_before() -> None:
    h = harness(("a1",), wrap_up=0.0)
    h.login("a1")
    h.join("c1", "q")
    h.answer("c1", "a1")
    h.pause("a1", "lunch")
    h.ready("a1")
    h.finish("c1")
    assert state(h, "a1")[0] is AgentState.AVAILABLE


def test_logout_while_ringing_gives_the_call_to_another_agent() -> None:
    h = harness()
    h.login("a1", "a2")
    h.join("c1", "q")
    out = h.logout("a1")
    assert (CancelOffer(call_id="c1", agent="a1", reason="agent_logged_out")) in out
    assert offers(out) == [("c1", "a2")]


def test_duplicated_and_stale_events_change_nothing() -> None:
    h = harness(("a1",), wrap_up=0.0)
    h.login("a1")
    h.join("c1", "q")
    assert h.join("c1", "q") == []  # the same call again
    assert h.login("a1") == []  # already logged in
    assert h.answer("c1", "a2") == []  # never offered to a2
    assert len(of_type(h.answer("c1", "a1"), ConnectCall)) == 1
    assert h.answer("c1", "a1") == []
    assert h.fail("c1", "a1") == []  # too late to fail
    assert len(h.reports("call.completed", h.finish("c1"))) == 1
    assert h.finish("c1") == []
    assert h.leave("c1") == []
    assert h.join("c1", "q") == []  # an ended call does not come back
    assert h.leave("nobody") == [] and h.done("a1") == [] and h.ready("ghost") == []
    assert h.acd.ignored == 11


def test_the_caller_hanging_up_as_the_bridge_is_made_ends_the_call() -> None:
    h = harness(("a1",))
    h.login("a1")
    h.join("c1", "q")
    h.answer("c1", "a1")
    out = h.leave("c1")
    assert h.reports("call.completed", out) and not h.reports("call.abandoned", out)
    assert state(h, "a1")[0] is AgentState.WRAP_UP


def test_a_call_to_an_unknown_queue_is_rejected() -> None:
    h = harness()
    out = h.join("c1", "nowhere")
    assert h.reports("call.rejected", out) == [
        {"call_id": "c1", "queue": "nowhere", "reason": "no_queue"}
    ]
    assert h.acd.call_state("c1") is None


def test_time_never_goes_back() -> None:
    h = harness(("a1",))
    h.now = 100.0
    h.login("a1")
    h.now = 50.0  # a late clock
    h.join("c1", "q")
    view = h.acd.call_state("c1")
    assert view is not None and view.entered == 100.0


def test_our_own_misuse_raises() -> None:
    h = harness()
    with pytest.raises(AcdUsageError, match="not an ACD event"):
        h.acd.handle(DigitPressed(digit="1"), 0.0)  # type: ignore[arg-type]
    with pytest.raises(AcdUsageError, match="no agent"):
        h.acd.agent_state("ghost")
    bad = AcdConfig(queues={"q": QueueConfig("q", strategy="random")}, agents={})
    with pytest.raises(AcdUsageError, match="unknown strategy 'random'"):
        Acd(bad)
