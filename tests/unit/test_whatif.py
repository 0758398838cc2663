"""The what-if run of a forecast day: against Erlang A on a steady day, and a lunch peak
left short of agents."""

from __future__ import annotations

import pytest

from contactcenter.telephony.sim.whatif import Day, WhatIfTooLarge, run_whatif
from crm_core.metrics.call_staffing import Target, plan


def test_a_steady_day_matches_erlang_a_within_the_replications_spread() -> None:
    day = Day(calls=(100.0,) * 48, agents=(12,) * 48, aht=180, patience=120)
    result = run_whatif(day, replications=5, seed=1)
    simulated, model = result.day.simulated, result.day.erlang_a
    assert model is not None and model.service_level is not None
    level = simulated["service_level"]
    assert level.mean is not None and level.sd is not None
    assert abs(level.mean - model.service_level) <= 2 * level.sd
    busy = simulated["occupancy"]
    assert busy.mean is not None and busy.sd is not None and model.occupancy is not None
    assert abs(busy.mean - model.occupancy) <= 2 * busy.sd + 0.01
    assert result.replications == 5 and 20_000 < result.simulated_calls < 28_000
    assert len(result.slots) == 48 and result.slots[10].erlang_c is not None


def _lunch() -> tuple[Day, Day]:
    """60 calls a half hour, 150 from 12:00 to 14:00, staffed by Erlang A for 80/20; and
    the same day with three agents fewer over lunch."""
    calls = tuple(150.0 if 24 <= i < 28 else 60.0 for i in range(48))
    target = Target(level=0.8, within=20, aht=180, patience=90)
    agents = tuple(slot.erlang_a_agents or 0 for slot in plan(list(calls), target))
    short = tuple(n - 3 if 24 <= i < 28 else n for i, n in enumerate(agents))
    planned = Day(calls=calls, agents=agents, aht=180, patience=90)
    return planned, Day(calls=calls, agents=short, aht=180, patience=90)


def test_a_lunch_peak_left_short_loses_its_service_level_and_only_there() -> None:
    planned, short = _lunch()
    base = run_whatif(planned, replications=4, seed=7)
    cut = run_whatif(short, replications=4, seed=7)

    def level(result: object, slot: int) -> float:
        value = result.slots[slot].simulated["service_level"].mean  # type: ignore[attr-defined]
        assert value is not None
        return float(value)

    for slot in range(24):  # the same callers and agents until noon: the same figures
        assert level(cut, slot) == level(base, slot)
    for slot in range(24, 28):
        assert level(base, slot) > 0.7
        assert level(cut, slot) < level(base, slot) - 0.15, slot
        assert cut.slots[slot].erlang_a.service_level < 0.7  # type: ignore[union-attr]
    for slot in range(30, 48):  # the backlog is gone by 15:00
        assert abs(level(cut, slot) - level(base, slot)) < 0.08, slot
    assert cut.day.simulated["abandoned"].mean > base.day.simulated["abandoned"].mean  # type: ignore[operator]


def test_a_what_if_over_the_cap_is_refused_before_it_runs() -> None:
    day = Day(calls=(1000.0,) * 48, agents=(100,) * 48, aht=180, patience=60)
    with pytest.raises(WhatIfTooLarge, match="replications: 10 runs of 48,000 calls exceed"):
        run_whatif(day, replications=10, max_calls=100_000)


@pytest.mark.parametrize("fields, message", [
    ({"agents": (1, 2)}, "agents: one number per slot"),
    ({"agents": (1, 2, -1)}, "agents: 0 or more"),
    ({"sl_seconds": -1.0}, "sl_seconds"),
])
def test_a_day_that_does_not_add_up_is_refused(fields: dict[str, object], message: str) -> None:
    values: dict[str, object] = {"calls": (1.0, 2.0, 3.0), "agents": (1, 1, 1), "aht": 60.0,
                                 "patience": None, **fields}
    with pytest.raises(ValueError, match=message):
        Day(**values)  # type: ignore[arg-type]


def test_a_day_without_patience_has_no_erlang_a_but_erlang_c() -> None:
    day = Day(calls=(0.0, 50.0), agents=(0, 8), aht=120, patience=None)
    result = run_whatif(day, replications=2, seed=0)
    assert result.slots[0].erlang_c is None and result.slots[0].simulated["offered"].mean == 0
    assert result.slots[1].erlang_a is None and result.slots[1].erlang_c is not None
    assert result.slots[1].simulated["abandoned"].mean == 0
