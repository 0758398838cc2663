"""Staffing per half hour: Erlang C's agents match the figures worked out by hand from the
formula, Erlang A's are the fewest that reach the target with impatient callers."""

from __future__ import annotations

import math

import pytest

from contactcenter.acd.erlang import erlang_a
from crm_core.metrics.call_staffing import Target, erlang_a_agents, plan, plan_slot


def _erlang_c_by_hand(agents: int, traffic: float) -> float:
    """P(wait) from the textbook formula with factorials (fine for small N)."""
    last = traffic ** agents / math.factorial(agents) * agents / (agents - traffic)
    return last / (sum(traffic ** k / math.factorial(k) for k in range(agents)) + last)


def _level_by_hand(agents: int, traffic: float, aht: float, within: float) -> float:
    return 1 - _erlang_c_by_hand(agents, traffic) * math.exp(-(agents - traffic) * within / aht)


def test_a_hundred_calls_in_half_an_hour_need_fourteen_agents() -> None:
    # 100 calls x 180 s / 1800 s = 10 Erlangs; 80 % in 20 s
    slot = plan_slot(100.0, Target(level=0.8, within=20.0, aht=180.0))
    assert slot.traffic == pytest.approx(10.0)
    assert _level_by_hand(13, 10.0, 180.0, 20.0) == pytest.approx(0.7956, abs=1e-4)  # short
    assert slot.erlang_c_agents == 14
    assert slot.erlang_c_service_level == pytest.approx(_level_by_hand(14, 10.0, 180.0, 20.0))
    assert slot.erlang_c_service_level == pytest.approx(0.8884, abs=1e-4)
    assert slot.erlang_c_asa == pytest.approx(_erlang_c_by_hand(14, 10.0) * 180.0 / 4)
    assert slot.occupancy == pytest.approx(10 / 14)
    assert slot.erlang_a_agents is None  # no patience given: no Erlang A


@pytest.mark.parametrize("calls, aht, within, level", [
    (20.0, 300.0, 20.0, 0.8), (55.0, 240.0, 30.0, 0.9), (6.0, 200.0, 60.0, 0.7),
])
def test_erlang_c_is_the_fewest_agents_that_reach_the_target(calls: float, aht: float,
                                                             within: float,
                                                             level: float) -> None:
    traffic = calls * aht / 1800
    agents = plan_slot(calls, Target(level=level, within=within, aht=aht)).erlang_c_agents
    assert _level_by_hand(agents, traffic, aht, within) >= level
    fewer = agents - 1
    assert fewer <= traffic or _level_by_hand(fewer, traffic, aht, within) < level


def test_erlang_a_is_the_fewest_agents_with_impatient_callers() -> None:
    target = Target(level=0.8, within=20.0, aht=180.0, patience=120.0, short_abandon=5.0)
    slot = plan_slot(100.0, target)
    agents = slot.erlang_a_agents
    assert agents is not None and agents <= slot.erlang_c_agents  # hang-ups shorten the queue
    short = erlang_a(10.0, agents - 1, 180.0, 120.0).service_level_excluding(20.0, 5.0)
    assert short < 0.8 <= (slot.erlang_a_service_level or 0.0)
    assert 0.0 < (slot.erlang_a_abandon or 0.0) < 0.2
    assert erlang_a_agents(10.0, target) == agents


def test_a_slot_without_calls_needs_nobody() -> None:
    [quiet, busy] = plan([0.0, 100.0], Target(aht=180.0, patience=60.0))
    assert (quiet.erlang_c_agents, quiet.erlang_a_agents, quiet.erlang_c_service_level) == (
        0, 0, None)
    assert busy.erlang_c_agents == 14


@pytest.mark.parametrize("bad, field", [
    ({"level": 1.0}, "target"), ({"aht": 0.0}, "aht"), ({"within": -1.0}, "within"),
    ({"patience": 0.0}, "patience"), ({"slot_seconds": math.inf}, "slot_seconds"),
])
def test_a_bad_target_names_its_field(bad: dict[str, float], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        Target(**bad)


def test_negative_calls_are_refused() -> None:
    with pytest.raises(ValueError, match="calls"):
        plan_slot(-1.0, Target())
