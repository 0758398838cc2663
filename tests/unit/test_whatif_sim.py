"""The simulator's day: a rota that logs agents in and out at set times, and arrivals
whose rate changes each slot."""

from __future__ import annotations

import math

import pytest

from contactcenter.telephony.sim import Caller, Floor, Simulator, real_acd
from contactcenter.telephony.sim.metrics import CallRecord
from contactcenter.telephony.sim.scenario import DayTraffic


def _day(callers: list[Caller], rota: list[tuple[float, int]],
         agents: int = 2) -> tuple[dict[str, CallRecord], Simulator]:
    floor = Floor(agents=agents)
    simulator = Simulator(real_acd(floor), floor, callers, rota)
    simulator.run()
    return {r.call_id: r for r in simulator.records}, simulator


def test_an_agent_who_leaves_during_a_call_finishes_it_and_takes_no_other() -> None:
    calls, sim = _day([Caller(at=10, handle=200), Caller(at=20, handle=300),
                       Caller(at=150, handle=10)], [(0.0, 2), (100.0, 1)])
    first, second, third = calls["c000001"], calls["c000002"], calls["c000003"]
    assert first.finished == 210 and second.finished == 320  # neither call was cut
    stays = "a001"  # the last in leaves first
    kept = first if first.agent == stays else second
    gone = second if kept is first else first
    assert third.agent == stays and third.connected == kept.finished
    assert sim.presence["a002"] == [[0.0, gone.finished]]
    assert sim.presence["a001"] == [[0.0, math.inf]]


def test_an_idle_agent_leaves_at_once_and_a_new_one_takes_the_waiting_caller() -> None:
    calls, sim = _day([Caller(at=10, handle=500), Caller(at=50, handle=20),
                       Caller(at=110, handle=20)], [(0.0, 2), (30.0, 1), (100.0, 2)])
    assert sim.presence["a002"] == [[0.0, 30.0], [100.0, math.inf]]
    assert calls["c000002"].connected == 100.0  # waited for the agent coming in at 100
    assert calls["c000003"].connected == 120.0  # both busy until the second call ends


def test_an_agent_asked_to_stay_before_their_call_ends_stays() -> None:
    calls, sim = _day([Caller(at=10, handle=400), Caller(at=20, handle=400),
                       Caller(at=200, handle=20)], [(0.0, 2), (100.0, 1), (150.0, 2)])
    assert sim.presence == {"a001": [[0.0, math.inf]], "a002": [[0.0, math.inf]]}
    assert calls["c000003"].connected == 410.0  # the first agent free takes it


def test_nobody_logged_in_at_the_start_and_callers_wait_for_the_shift() -> None:
    calls, sim = _day([Caller(at=5, handle=10, patience=math.inf)], [(0.0, 0), (60.0, 1)],
                      agents=1)
    assert calls["c000001"].connected == 60.0
    assert sim.presence == {"a001": [[60.0, math.inf]]}


@pytest.mark.parametrize("rota, message", [
    ([(0.0, 3)], "not between 0 and the floor's 2"),
    ([(10.0, 1), (5.0, 2)], "times must run forward"),
    ([(math.nan, 1)], "times must run forward"),
])
def test_a_rota_the_floor_cannot_follow_is_refused(rota: list[tuple[float, int]],
                                                   message: str) -> None:
    floor = Floor(agents=2)
    with pytest.raises(ValueError, match=message):
        Simulator(real_acd(floor), floor, [], rota)


def test_arrivals_follow_each_slot_s_rate() -> None:
    traffic = DayTraffic(calls=(0.0, 1000.0, 0.0, 200.0), aht=60, patience=30, seed=3)
    callers = list(traffic.callers())
    per_slot = [sum(1 for c in callers if i * 1800 <= c.at < (i + 1) * 1800) for i in range(4)]
    assert per_slot[0] == per_slot[2] == 0
    assert abs(per_slot[1] - 1000) < 4 * math.sqrt(1000)
    assert abs(per_slot[3] - 200) < 4 * math.sqrt(200)
    assert [c.at for c in callers] == sorted(c.at for c in callers)
    assert callers == list(DayTraffic(calls=traffic.calls, aht=60, patience=30,
                                      seed=3).callers())


def test_a_day_without_slots_or_with_a_negative_forecast_is_refused() -> None:
    for calls in ((), (1.0, -1.0), (math.inf,)):
        with pytest.raises(ValueError, match="calls"):
            DayTraffic(calls=calls, aht=60, patience=None)
