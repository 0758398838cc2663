"""ACD announcements and statistics, with the figures worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from contactcenter.acd import AcdConfig, AgentConfig, Announce, PlayComfort, QueueConfig
from contactcenter.acd.harness import AcdHarness, of_type, offers
from contactcenter.acd.records import AHT_WINDOW


def harness(agents: tuple[str, ...] = ("a1", "a2"), now: float = 0.0, **queue: Any) -> AcdHarness:
    config = AcdConfig(
        queues={"q": QueueConfig("q", **queue)},
        agents={a: AgentConfig(a, queues={"q": 1}) for a in agents},
    )
    return AcdHarness(config, now=now)


def announced(out: list[Any]) -> list[tuple[str, int, float | None]]:
    return [(c.call_id, c.position, c.expected_wait) for c in of_type(out, Announce)]


def at(h: AcdHarness, when: float) -> list[Any]:
    """Move the clock to ``when``, firing timers on the way."""
    return h.advance(when - h.now)


def test_announcements_carry_the_expected_wait_from_live_handle_times() -> None:
    h = harness(wrap_up=20.0, announce_every=30.0)
    h.login("a1", "a2")
    for call, agent in (("c1", "a1"), ("c2", "a2")):
        h.join(call, "q")
        h.answer(call, agent)
    # no call has been handled yet: the wait cannot be estimated
    assert announced(h.join("c3", "q")) == [("c3", 1, None)]
    assert announced(at(h, 60)) == [("c3", 1, None), ("c3", 1, None)]  # at 30 and 60
    h.finish("c2")  # talk 60, wrap-up to 80: handle time 80
    at(h, 80)
    h.answer("c3", "a2")
    at(h, 100)
    h.finish("c1")  # talk 100, wrap-up to 120: handle time 120
    at(h, 121)
    assert offers(h.join("c4", "q")) == [("c4", "a1")]
    h.answer("c4", "a1")
    # AHT (80 + 120) / 2 = 100 s over 2 staffed agents: 50 s per place in line
    assert announced(h.join("c5", "q")) == [("c5", 1, 50.0)]
    assert announced(h.join("c6", "q")) == [("c6", 2, 100.0)]
    assert announced(h.join("vip", "q", priority=5)) == [("vip", 1, 50.0)]
    # the first repeats, 30 s on: c5 is now behind the VIP
    assert announced(at(h, 151)) == [("c5", 2, 100.0), ("c6", 3, 150.0), ("vip", 1, 50.0)]
    assert h.acd.queue_stats(h.now)["q"].expected_wait == 200.0  # a caller coming now: 4th


def test_no_announcement_on_join_when_the_queue_says_so() -> None:
    h = harness(announce_on_join=False, announce_every=45.0, comfort_every=20.0)
    assert announced(h.join("c1", "q")) == []
    out = at(h, 45)
    assert announced(out) == [("c1", 1, None)]
    assert [c.call_id for c in of_type(out, PlayComfort)] == ["c1", "c1"]  # at 20 and 40


def test_a_ringing_caller_hears_no_announcement() -> None:
    h = harness(("a1",), announce_every=10.0, ring_timeout=30.0)
    h.login("a1")
    h.join("c1", "q")
    assert announced(at(h, 25)) == []


def test_the_expected_wait_follows_the_recent_handle_times() -> None:
    h = harness(("a1",), wrap_up=0.0)
    h.login("a1")
    for n in range(AHT_WINDOW + 5):
        h.join(f"c{n}", "q")
        h.answer(f"c{n}", "a1")
        h.advance(100.0 if n < AHT_WINDOW else 200.0)
        h.finish(f"c{n}")
    stats = h.acd.queue_stats(h.now)["q"]
    # the last 20: 15 of 100 s and 5 of 200 s; all 25 for the average handle time
    assert stats.expected_wait == pytest.approx((15 * 100 + 5 * 200) / 20)
    assert stats.average_handle_time == pytest.approx((20 * 100 + 5 * 200) / 25)


def test_queue_statistics_worked_out_by_hand() -> None:
    h = harness(("a",), wrap_up=0.0, service_level_target=(0.8, 20.0), short_abandon=5.0)
    h.login("a")
    h.join("c1", "q")
    h.join("c2", "q")
    at(h, 10)
    h.answer("c1", "a")  # waited 10: within 20
    at(h, 25)
    h.finish("c1")  # talk 15; c2 rings a
    at(h, 30)
    h.answer("c2", "a")  # waited 30: late
    at(h, 50)
    h.finish("c2")  # talk 20
    h.pause("a", "break")
    at(h, 100)
    h.join("c3", "q")
    h.join("c4", "q")
    at(h, 103)
    h.leave("c3")  # after 3 s: a short abandon, not held against the service level
    at(h, 120)
    stats = h.acd.queue_stats(h.now)["q"]
    assert (stats.waiting, stats.longest_wait) == (1, 20.0)
    at(h, 140)
    h.leave("c4")  # after 40 s
    stats = h.acd.queue_stats(h.now)["q"]
    assert (stats.offered, stats.answered, stats.abandoned, stats.waiting) == (4, 2, 2, 0)
    assert stats.service_level == pytest.approx(1 / 3)  # 1 in target / (2 answered + 1)
    assert stats.average_speed_of_answer == pytest.approx(20.0)  # (10 + 30) / 2
    assert stats.average_handle_time == pytest.approx(17.5)  # (15 + 20) / 2
    assert (stats.longest_wait, stats.staffed) == (0.0, 0)


def test_agent_statistics_worked_out_by_hand() -> None:
    h = harness(("a",), now=1000.0, wrap_up=10.0)
    at(h, 1100)
    h.login("a")  # 100 s logged out before
    at(h, 1110)
    h.join("c1", "q")
    at(h, 1115)
    h.answer("c1", "a")
    at(h, 1175)
    h.finish("c1")
    at(h, 1190)  # wrap-up ended at 1185
    h.pause("a", "break")
    at(h, 1205)
    h.ready("a")
    stats = h.acd.agent_stats(1220.0)["a"]
    assert dict(stats.seconds) == {
        "logged_out": 100.0,
        "available": 10.0 + 5.0 + 15.0,
        "ringing": 5.0,
        "on_call": 60.0,
        "wrap_up": 10.0,
        "paused": 15.0,
    }
    assert (stats.calls, stats.logged_in) == (1, 120.0)
    assert stats.occupancy == pytest.approx((60 + 10) / (120 - 15))


def test_reports_only_when_something_changed() -> None:
    h = harness(("a1",))
    assert h.answer("c9", "a1") == []  # stale: nothing changed, nothing reported
    out = h.login("a1")
    assert [r["state"] for r in h.reports("agent.state", out)] == ["available"]
    (stats,) = h.reports("queue.stats", out)
    assert (stats["queue"], stats["staffed"]) == ("q", 1)
    out = h.join("c1", "q")  # offered and ringing in one step: one queue.stats
    assert [r["offered"] for r in h.reports("queue.stats", out)] == [1]
    assert h.reports("agent.state", out) == [
        {"agent": "a1", "state": "ringing", "reason": "", "since": 0.0, "call_id": "c1"}
    ]
