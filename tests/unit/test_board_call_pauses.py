"""An agent paused for a call of their own (one they placed, a colleague's consultation)
counts on the live figures as the call history counts them: busy, staffing their queues,
in occupancy; a break stays a pause. Worked out by hand, then against the history's own
definition (``crm_core.metrics.agent_time``)."""

from __future__ import annotations

import pytest

from contactcenter.acd import AcdConfig, AgentConfig, Announce, QueueConfig
from contactcenter.acd.harness import AcdHarness
from contactcenter.acd.states import CALL_PAUSES
from contactcenter.engine.agent_store import CALL_PAUSES as RESTART_ENDS
from crm_core.metrics.agent_time import CALL_PAUSE_REASONS, StateTime, kind_of


def harness(agents: tuple[str, ...] = ("a", "b")) -> AcdHarness:
    config = AcdConfig(queues={"q": QueueConfig("q", wrap_up=10.0)},
                       agents={a: AgentConfig(a, queues={"q": 1}) for a in agents})
    return AcdHarness(config, now=0.0)


def at(h: AcdHarness, when: float) -> None:
    h.advance(when - h.now)


def staffed(h: AcdHarness) -> int:
    return h.acd.queue_stats(h.now)["q"].staffed


def test_the_live_figures_and_the_history_name_the_same_call_pauses() -> None:
    assert CALL_PAUSES == RESTART_ENDS == CALL_PAUSE_REASONS == {"outbound", "consult"}


@pytest.mark.parametrize("reason", sorted(CALL_PAUSES))
def test_an_agent_on_a_call_of_their_own_staffs_the_queue_and_a_break_does_not(
        reason: str) -> None:
    h = harness()
    h.login("a", "b")
    assert staffed(h) == 2
    h.pause("a", reason)
    assert staffed(h) == 2
    (stats,) = h.reports("queue.stats", h.pause("a", "break"))  # the call over, a break
    assert stats["staffed"] == 1
    (stats,) = h.reports("queue.stats", h.pause("a", reason))
    assert stats["staffed"] == 2
    h.ready("a")
    assert staffed(h) == 2
    h.pause("b", reason)
    h.logout("b")
    assert staffed(h) == 1


def test_no_call_is_offered_to_an_agent_on_a_call_of_their_own() -> None:
    h = harness(("a",))
    h.login("a")
    h.pause("a", "outbound")
    h.join("c1", "q")
    assert h.acd.queue_stats(h.now)["q"].waiting == 1
    assert h.acd.agent_state("a").state.value == "paused"


def test_live_occupancy_counts_a_call_of_their_own_as_busy_worked_out_by_hand() -> None:
    h = harness(("a",))
    h.login("a")
    at(h, 20)  # 20 s available
    h.pause("a", "outbound")
    at(h, 80)  # 60 s on a call they placed
    h.pause("a", "lunch")
    at(h, 180)  # 100 s at lunch
    h.ready("a")
    at(h, 200)  # 20 s available
    h.pause("a", "consult")
    stats = h.acd.agent_stats(230.0)["a"]  # 30 s consulted, still going
    assert stats.seconds["paused"] == 60 + 100 + 30
    assert stats.paused_for_calls == 60 + 30
    assert stats.logged_in == 230
    # busy 90 over staffed (busy 90 + available 40): lunch is left out
    assert stats.occupancy == pytest.approx(90 / 130)


def test_live_occupancy_is_the_history_occupancy_of_the_same_states() -> None:
    h = harness(("a",))
    states: list[tuple[str, str, float]] = []  # what the history would hold: state, reason
    h.login("a")
    for when, move, reason in ((15, "join", ""), (18, "answer", ""), (78, "finish", ""),
                               (100, "pause", "outbound"), (160, "pause", "break"),
                               (190, "ready", ""), (200, "pause", "consult")):
        at(h, when)
        if move == "join":
            h.join("c1", "q")
        elif move == "answer":
            h.answer("c1", "a")
        elif move == "finish":
            h.finish("c1")
        elif move == "pause":
            h.pause("a", reason)
        else:
            h.ready("a")
    for report in h.reports("agent.state"):
        states.append((report["state"], report["reason"], report["since"]))
    now = 250.0
    history = StateTime()
    for (state, reason, since), end in zip(states, [s[2] for s in states[1:]] + [now],
                                           strict=True):
        kind = kind_of(state, reason)
        if kind is not None:
            history.add(kind, end - since)
    live = h.acd.agent_stats(now)["a"]
    assert history.busy == pytest.approx(60 + 10 + 60 + 50)  # talk, wrap-up, own calls
    assert live.occupancy == pytest.approx(history.occupancy)


def test_the_announced_wait_is_spread_over_the_agents_who_take_the_queue_s_calls() -> None:
    """An agent on a call of their own (a campaign's open line lasts hours) staffs the
    queue on the board, but answers none of its callers meanwhile: the wait a caller
    hears is their place times AHT over the agents working the queue (docs/acd.md,
    "Announcements"), as before those pauses counted in staffed."""
    h = harness(("a", "b"))
    h.login("a", "b")
    h.join("c1", "q")
    h.answer("c1", "a")
    at(h, 100)
    h.finish("c1")  # talk 100 s
    at(h, 110)  # wrap-up 10 s: AHT 110 s
    h.pause("b", "outbound")
    assert staffed(h) == 2
    h.join("c2", "q")  # rings a
    h.pause("a", "consult")  # c2 waits again, first; nobody takes the queue's calls now
    out = h.join("c3", "q")
    assert [(c.call_id, c.expected_wait) for c in out if isinstance(c, Announce)] == [
        ("c3", 220.0)]
    assert h.acd.queue_stats(h.now)["q"].expected_wait == 330.0
