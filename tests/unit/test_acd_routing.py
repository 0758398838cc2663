"""ACD routing: who gets the call, by strategy, skill, level, tier and priority."""

from __future__ import annotations

from typing import Any

import pytest

from contactcenter.acd import (
    STRATEGIES,
    STRATEGY_NAMES,
    AcdConfig,
    AgentConfig,
    AgentState,
    CancelOffer,
    ConnectCall,
    QueueConfig,
)
from contactcenter.acd.harness import AcdHarness, of_type, offers


def config(queues: dict[str, dict[str, Any]], agents: dict[str, dict[str, Any]]) -> AcdConfig:
    return AcdConfig(
        queues={name: QueueConfig(name, **fields) for name, fields in queues.items()},
        agents={agent: AgentConfig(agent, **fields) for agent, fields in agents.items()},
    )


def member(queue: str = "q", tier: int = 1, **skills: int) -> dict[str, Any]:
    return {"queues": {queue: tier}, "skills": skills}


def logins(harness: AcdHarness, *agents: str, step: float = 1.0) -> None:
    """Log agents in one after the other, ``step`` seconds apart (the first idles longest)."""
    for agent in agents:
        harness.login(agent)
        harness.advance(step)


def serve(harness: AcdHarness, call: str, agent: str, talk: float = 30.0) -> None:
    """Answer, talk and hang up."""
    harness.answer(call, agent)
    harness.advance(talk)
    harness.finish(call)


def test_a_call_reaches_the_longest_idle_agent_with_the_skill() -> None:
    agents = {"novice": member(), "a3": member(sales=3), "a1": member(sales=5)}
    h = AcdHarness(config({"q": {"required_skill": "sales"}}, agents))
    logins(h, "novice", "a3", "a1")  # novice idles longest but lacks the skill
    assert offers(h.join("c1", "q")) == [("c1", "a3")]
    assert offers(h.join("c2", "q")) == [("c2", "a1")]
    assert offers(h.join("c3", "q")) == []  # the one left cannot take sales calls


def test_the_ivr_skill_overrides_the_queues() -> None:
    agents = {"seller": member(sales=5), "helper": member(support=5)}
    h = AcdHarness(config({"q": {"required_skill": "sales"}}, agents))
    logins(h, "seller", "helper")
    assert offers(h.join("c1", "q", skill="support")) == [("c1", "helper")]


def test_higher_priority_first_then_the_longest_waiting() -> None:
    h = AcdHarness(config({"q": {"wrap_up": 0}}, {"a": member()}))
    for call, priority in (("early", 0), ("later", 0), ("vip", 10)):
        h.join(call, "q", priority=priority)
        h.advance(5)
    views = {call: h.acd.call_state(call) for call in ("early", "later", "vip")}
    assert {call: view.position for call, view in views.items() if view} == {
        "vip": 1,
        "early": 2,
        "later": 3,
    }
    assert offers(h.login("a")) == [("vip", "a")]
    h.answer("vip", "a")
    assert offers(h.finish("vip")) == [("early", "a")]
    h.answer("early", "a")
    assert offers(h.finish("early")) == [("later", "a")]


@pytest.mark.parametrize(
    ("strategy", "second"),
    [
        ("longest_idle", "a3"),  # a2's pause sent them to the back of the idle line
        ("round_robin", "a2"),  # a2 keeps their turn through the pause
    ],
)
def test_round_robin_keeps_turns_that_longest_idle_does_not(strategy: str, second: str) -> None:
    queue = {"strategy": strategy, "wrap_up": 0}
    h = AcdHarness(config({"q": queue}, {a: member() for a in ("a1", "a2", "a3")}))
    logins(h, "a1", "a2", "a3")
    assert offers(h.join("c1", "q")) == [("c1", "a1")]
    serve(h, "c1", "a1")
    h.pause("a2")
    h.ready("a2")
    assert offers(h.join("c2", "q")) == [("c2", second)]


def test_round_robin_goes_round() -> None:
    queue = {"strategy": "round_robin", "wrap_up": 0}
    h = AcdHarness(config({"q": queue}, {a: member() for a in ("a1", "a2", "a3")}))
    h.login("a3", "a2", "a1")  # the first turn follows the config's order, not the login's
    got = []
    for n in range(5):
        (offer,) = offers(h.join(f"c{n}", "q"))
        got.append(offer[1])
        serve(h, f"c{n}", offer[1], talk=1)
    assert got == ["a1", "a2", "a3", "a1", "a2"]


def test_fewest_calls_prefers_the_agent_with_the_fewest_answered() -> None:
    queue = {"strategy": "fewest_calls", "wrap_up": 0}
    h = AcdHarness(config({"q": queue}, {"busy": member(), "fresh": member()}))
    h.login("busy")
    for n in range(2):
        h.join(f"c{n}", "q")
        serve(h, f"c{n}", "busy", talk=5)
    h.advance(100)  # busy has idled far longer than fresh will have
    h.login("fresh")
    assert offers(h.join("c9", "q")) == [("c9", "fresh")]


def test_skills_takes_the_best_level_not_the_longest_idle() -> None:
    agents = {"low": member(sales=3), "top": member(sales=9), "mid": member(sales=6)}
    h = AcdHarness(config({"q": {"strategy": "skills", "required_skill": "sales"}}, agents))
    logins(h, "low", "top", "mid")
    assert offers(h.join("c1", "q")) == [("c1", "top")]
    assert offers(h.join("c2", "q")) == [("c2", "mid")]
    assert offers(h.join("c3", "q")) == [("c3", "low")]


def test_skills_widens_the_minimum_level_as_the_call_waits() -> None:
    queue = {
        "strategy": "skills",
        "required_skill": "sales",
        "min_level": 6,
        "widen_after": ((10.0, 4), (30.0, 1)),
    }
    h = AcdHarness(config({"q": queue}, {"weak": member(sales=2), "fair": member(sales=4)}))
    h.login("weak", "fair")
    assert offers(h.join("c1", "q")) == []
    assert offers(h.join("c2", "q")) == []
    assert offers(h.advance(9.9)) == []
    out = h.advance(0.1)  # 10 s: level 4 will do
    assert offers(out) == [("c1", "fair")]
    h.answer("c1", "fair")
    assert offers(h.advance(19.9)) == []
    assert offers(h.advance(0.1)) == [("c2", "weak")]  # 30 s: anyone with the skill


def test_a_better_agent_freed_later_still_gets_the_widened_call_first() -> None:
    """Widening lowers the bar; it does not skip agents who already meet it."""
    queue = {"strategy": "skills", "required_skill": "sales", "min_level": 8}
    queue["widen_after"] = ((5.0, 3),)
    h = AcdHarness(config({"q": queue}, {"weak": member(sales=3), "strong": member(sales=8)}))
    h.login("weak")
    h.join("c1", "q")
    h.advance(2)
    assert offers(h.login("strong")) == [("c1", "strong")]


def test_tier_one_agents_first_even_if_tier_two_idle_longer() -> None:
    agents = {"backup": member(tier=2), "main": member(tier=1)}
    h = AcdHarness(config({"q": {}}, agents))
    logins(h, "backup", "main")
    assert offers(h.join("c1", "q")) == [("c1", "main")]
    assert offers(h.join("c2", "q")) == [("c2", "backup")]  # tier 2 when tier 1 is busy


def test_an_agent_takes_their_tier_one_queue_first() -> None:
    agents = {"a": {"queues": {"sales": 1, "support": 2}}}
    h = AcdHarness(config({"sales": {}, "support": {}}, agents))
    h.join("old", "support", priority=5)
    h.advance(60)
    h.join("new", "sales")
    assert offers(h.login("a")) == [("new", "a")]


def test_ring_all_rings_every_free_agent_of_the_best_tier_and_the_first_answer_wins() -> None:
    agents = {"a1": member(), "a2": member(), "a3": member()}
    h = AcdHarness(config({"q": {"strategy": "ring_all"}}, agents))
    h.login("a1", "a2", "a3")
    assert sorted(offers(h.join("c1", "q"))) == [("c1", "a1"), ("c1", "a2"), ("c1", "a3")]
    assert offers(h.join("c2", "q")) == []  # everyone rings for c1
    out = h.answer("c1", "a2")
    assert of_type(out, ConnectCall) == [ConnectCall(call_id="c1", agent="a2")]
    cancelled = {(c.agent, c.reason) for c in of_type(out, CancelOffer)}
    assert cancelled == {("a1", "answered_elsewhere"), ("a3", "answered_elsewhere")}
    # the two freed agents ring at once for the next caller
    assert sorted(offers(out)) == [("c2", "a1"), ("c2", "a3")]
    assert h.answer("c1", "a1") == []  # too late: c1 is taken


def test_ring_all_rings_tier_two_only_when_tier_one_is_busy() -> None:
    agents = {"a1": member(), "s1": member(tier=2), "s2": member(tier=2)}
    h = AcdHarness(config({"q": {"strategy": "ring_all"}}, agents))
    h.login("a1", "s1", "s2")
    assert offers(h.join("c1", "q")) == [("c1", "a1")]
    assert sorted(offers(h.join("c2", "q"))) == [("c2", "s1"), ("c2", "s2")]


def test_a_paused_or_logged_out_agent_gets_nothing() -> None:
    h = AcdHarness(config({"q": {}}, {"resting": member(), "gone": member(), "late": member()}))
    h.login("resting", "gone")
    h.pause("resting", "lunch")
    h.logout("gone")
    assert offers(h.join("c1", "q")) == []
    assert h.acd.agent_state("resting").state is AgentState.PAUSED
    assert h.acd.agent_state("resting").reason == "lunch"
    assert offers(h.advance(600)) == []
    assert offers(h.ready("resting")) == [("c1", "resting")]


def test_a_pause_while_ringing_sends_the_call_to_the_next_agent() -> None:
    h = AcdHarness(config({"q": {}}, {"a1": member(), "a2": member()}))
    logins(h, "a1", "a2")
    h.join("c1", "q")
    out = h.pause("a1", "break")
    assert of_type(out, CancelOffer) == [
        CancelOffer(call_id="c1", agent="a1", reason="agent_paused")
    ]
    assert offers(out) == [("c1", "a2")]


def test_every_strategy_name_has_a_strategy() -> None:
    assert sorted(STRATEGIES) == sorted(STRATEGY_NAMES)
    for name in STRATEGY_NAMES:  # and a queue of each routes a call
        h = AcdHarness(config({"q": {"strategy": name}}, {"a": member()}))
        h.login("a")
        assert offers(h.join("c1", "q")) == [("c1", "a")], name


def test_an_agent_outside_the_queue_gets_none_of_its_calls() -> None:
    h = AcdHarness(config({"q": {}, "other": {}}, {"a": member("other")}))
    h.login("a")
    assert offers(h.join("c1", "q")) == []


def test_a_queue_nobody_calls_does_not_grow_with_its_agents_comings_and_goings() -> None:
    agent = {"queues": {"busy": 1, "quiet": 1}}
    h = AcdHarness(config({"busy": {"wrap_up": 0}, "quiet": {}}, {"a": agent}))
    h.login("a")
    for n in range(1000):  # each time "a" is free again, they are filed in "quiet" too
        h.join(f"c{n}", "busy")
        serve(h, f"c{n}", "a", talk=1)
    group = h.acd._queues["quiet"].groups[None]  # its one heap of available agents
    assert sum(len(bucket.heap) for bucket in group.agents.values()) < 100
    assert offers(h.join("q1", "quiet")) == [("q1", "a")]
