"""The outbound campaign simulator as its users meet it: the same records for every mode
on a seed, progressive pacing that never abandons with true machine detection, power
pacing that abandons more but stays within the law's 3 % because the ledger's budget
throttles it, the oracle above every mode, and VICIdial's ADAPT_AVERAGE never above its
3.0 cap. Short shifts and small teams, so that the whole file runs in seconds."""

from __future__ import annotations

from typing import Any

import pytest

from contactcenter.dialer import commands as dc
from contactcenter.dialer.pacing import PACERS
from contactcenter.dialer.simulator import (
    BASELINES,
    Cell,
    World,
    modes,
    simulate,
)

SHORT = Cell(human=0.3, agents=6, hours=1.0)


def first_attempts(cell: Cell, seed: int, strategy: str, **settings: Any) -> list[str]:
    """The records a mode dials for the first time, in order."""
    dialed: list[str] = []

    def watch(now: float, command: dc.DialerCommand) -> None:
        if isinstance(command, dc.Dial) and command.attempt == 1:
            dialed.append(command.record_id)
    simulate(cell, seed, strategy, watch=watch, **settings)
    return dialed


def test_a_seed_draws_the_same_records_and_another_seed_others() -> None:
    one, again, other = World(SHORT, 7), World(SHORT, 7), World(SHORT, 8)
    assert [one.record(i) for i in range(50)] == [again.record(i) for i in range(50)]
    assert [one.record(i) for i in range(50)] != [other.record(i) for i in range(50)]
    # a record far down the list is the same person whether or not the ones before were met
    assert World(SHORT, 7).record(9000) == one.record(9000)


def test_every_mode_meets_the_same_records_in_the_same_order() -> None:
    runs = [first_attempts(SHORT, 3, "progressive"),
            first_attempts(SHORT, 3, "power", power_ratio=3.0),
            first_attempts(SHORT, 3, "adapt_average")]
    shortest = min(len(run) for run in runs)
    assert shortest > 100
    assert runs[0][:shortest] == runs[1][:shortest] == runs[2][:shortest]
    assert runs[0][:3] == ["r0", "r1", "r2"]


@pytest.mark.parametrize("human", [0.1, 0.4])
def test_progressive_never_abandons_with_true_machine_detection(human: float) -> None:
    for seed in range(3):
        result = simulate(Cell(human=human, agents=5, hours=1.0), seed, "progressive")
        assert result.humans > 20
        assert result.abandoned == 0 and result.abandoned_rate == 0.0


def test_power_three_to_one_abandons_more_than_progressive() -> None:
    cell = Cell(human=0.3, agents=8, hours=2.0)
    progressive = simulate(cell, 1, "progressive")
    power = simulate(cell, 1, "power", power_ratio=3.0)
    assert power.abandoned > progressive.abandoned == 0
    assert power.abandoned_rate > progressive.abandoned_rate


@pytest.mark.parametrize("human", [0.2, 0.4])
def test_the_ledger_keeps_power_three_to_one_within_three_percent_every_day(
        human: float) -> None:
    for seed in range(2):
        result = simulate(Cell(human=human, agents=8, hours=1.5), seed, "power",
                          power_ratio=3.0)
        assert result.abandoned > 0  # it did overdial: the budget is what held it
        assert result.worst_24h <= 0.03
        assert result.abandoned_rate <= 0.03


def test_a_human_hung_up_on_as_a_machine_counts_abandoned() -> None:
    cell = Cell(human=0.3, agents=5, hours=1.0, amd_false_machine=0.2)
    result = simulate(cell, 2, "progressive")
    assert result.abandoned > 0  # progressive abandons nobody itself: these are the AMD's
    assert result.connects + result.abandoned == result.humans


def test_the_oracle_bounds_every_mode_on_the_same_seed() -> None:
    cell = Cell(human=0.2, agents=5, hours=0.5)
    bound = simulate(cell, 3, "oracle").talk_minutes_per_agent_hour
    assert bound < 60.0
    for name, (strategy, settings) in modes().items():  # predictive too, once registered
        result = simulate(cell, 3, strategy, mode=name, **settings)
        assert 0 < result.talk_minutes_per_agent_hour <= bound, name


def test_adapt_average_moves_its_level_up_to_three_and_never_over() -> None:
    for human in (0.1, 0.4):
        result = simulate(Cell(human=human, agents=8, hours=1.0), 1, "adapt_average")
        assert 1.0 < result.pace_max["level"] <= 3.0


def test_modes_by_name() -> None:
    assert "adapt_average" in BASELINES and "adapt_average" not in PACERS
    found = modes()
    assert {"progressive", "power 2:1", "power 3:1", "adapt_average", "oracle"} <= set(found)
    assert ("predictive" in found) == ("predictive" in PACERS)
    with pytest.raises(ValueError, match="no pacer"):
        simulate(SHORT, 1, "fastest")
    with pytest.raises(TypeError, match="not campaign settings"):
        simulate(SHORT, 1, "power", ratio=3.0)
    with pytest.raises(ValueError, match="ledger"):
        simulate(SHORT, 1, "progressive", ledger="weekly")


def test_the_ledger_fed_at_each_dials_end_as_the_engine_does_still_throttles() -> None:
    cell = Cell(human=0.3, agents=8, hours=1.0)
    result = simulate(cell, 1, "power", power_ratio=3.0, ledger="outcome")
    assert 0 < result.abandoned and result.abandoned_rate < 0.05
