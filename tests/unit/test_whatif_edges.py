"""Edges of the what-if's figures and costs: the models' day read as the simulated day is,
the history's definition of a short abandon, and the work a run may take."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from contactcenter.acd import erlang
from contactcenter.telephony.sim.metrics import CallRecord
from contactcenter.telephony.sim.whatif import Day, WhatIfTooLarge, run_whatif, slot_counts


def test_the_models_day_occupancy_counts_the_agents_of_quiet_half_hours() -> None:
    """Agents on the floor in a half hour with no call forecast are idle there: the
    simulated day divides by their time, so the models' day must too."""
    day = Day(calls=(20.0, 0.0) * 24, agents=(3,) * 48, aht=180, patience=120)
    result = run_whatif(day, replications=3, seed=1)
    model = result.day.erlang_a
    assert model is not None and model.occupancy is not None
    busy = sum(s.agents * s.erlang_a.occupancy for s in result.slots  # type: ignore[union-attr, misc]
               if s.erlang_a is not None)
    assert model.occupancy == pytest.approx(busy / sum(day.agents))
    simulated = result.day.simulated["occupancy"]
    assert simulated.mean is not None and simulated.sd is not None
    assert abs(simulated.mean - model.occupancy) <= 2 * simulated.sd + 0.02


def test_the_erlang_a_day_leaves_out_the_short_abandons_as_the_simulated_day_does() -> None:
    """Service level is answered within over offered less short abandons, slot by slot
    and over the day: a half hour without agents, where many hang up within seconds,
    weighs by the calls it counts, not by all its calls."""
    day = Day(calls=(50.0, 50.0, 0.0, 0.0), agents=(6, 0, 0, 0), aht=180, patience=10,
              short_abandon=5)
    result = run_whatif(day, replications=20, seed=1)
    staffed = erlang.erlang_a(5.0, 6, 180, 10)
    kept = (1 - staffed.abandoned_within(5), math.exp(-5 / 10))  # the unstaffed: all wait
    level = staffed.service_level_excluding(20, 5)
    model = result.day.erlang_a
    assert model is not None
    assert model.service_level == pytest.approx(level * kept[0] / (kept[0] + kept[1]))
    simulated = result.day.simulated["service_level"]
    assert simulated.mean is not None and simulated.sd is not None
    assert abs(simulated.mean - model.service_level) <= 2 * simulated.sd


@pytest.mark.parametrize("waited, short", [(4.999, 1), (5.0, 0), (5.001, 0)])
def test_a_short_abandon_waited_less_than_the_threshold(waited: float, short: int) -> None:
    """docs/call-history.md: abandoned after waiting *less than* short_abandon_seconds;
    a caller who waited exactly that long counts, as the history counts them."""
    day = Day(calls=(1.0,), agents=(0,), aht=60, patience=30, short_abandon=5)
    record = CallRecord(call_id="c1", joined=100.0, handle=60.0, patience=waited,
                        measured=True, abandoned=100.0 + waited)
    counts = slot_counts(day, [record], {}, 200.0)[0]
    assert (counts.abandoned, counts.short_abandons) == (1, short)
    assert counts.figures()["service_level"] == (0.0 if not short else pytest.approx(math.nan,
                                                                                     nan_ok=True))


def test_agents_logging_in_and_out_count_against_the_cap() -> None:
    """A day of few calls whose floor swings between 2,000 agents and none costs as much
    as tens of thousands of calls (every login and logout is core work): refused before
    it runs, like a day of too many calls."""
    day = Day(calls=(1.0,) * 48, agents=(2000, 0) * 24, aht=180, patience=120)
    with pytest.raises(WhatIfTooLarge, match=r"replications: 1 runs .* logging in or out counts as one: 96,000 a run"):
        run_whatif(day, replications=1, max_calls=10_000)


def test_a_steady_large_floor_within_the_cap_still_runs() -> None:
    day = Day(calls=(2.0,) * 4, agents=(300,) * 4, aht=180, patience=120)
    result = run_whatif(day, replications=2, seed=1, max_calls=1_000)
    assert result.day.simulated["offered"].mean is not None


@pytest.mark.parametrize("text", ["12:00-14:00:3", " 00:00-00:30:3 "])
def test_an_override_without_a_sign_is_refused_as_ambiguous(text: str) -> None:
    """The forms are +N, -N and =N; a bare 3 was read as three more, where a manager may
    well mean three agents."""
    from crm_core.metrics.call_whatif import WhatIfInput, parse_override

    with pytest.raises(WhatIfInput, match="is not FROM-TO:"):
        parse_override(text)


def test_the_rota_is_followed_to_the_end_of_the_day_after_the_last_call() -> None:
    """The run stopped when its last caller settled, and the rota's later changes with
    it: agents due to leave stayed on the floor all day, agents due to come never came,
    and the quiet slots' occupancy divided by the wrong agents."""
    from contactcenter.telephony.sim.whatif import simulate_day

    day = Day(calls=(10.0, 0.0, 0.0, 0.0), agents=(2, 0, 0, 5), aht=60, patience=30)
    slots = simulate_day(day, seed=1)
    assert [c.presence for c in slots[2:]] == [0.0, 5 * 1800.0]
    result = run_whatif(day, replications=2, seed=1)
    assert result.slots[2].simulated["occupancy"].mean is None  # nobody on the floor
    assert result.slots[3].simulated["occupancy"].mean == 0.0


def test_a_slot_without_agents_leaves_erlang_a_s_day_asa_to_the_answered() -> None:
    """Erlang A answers nobody in a slot without agents (abandon rate 1): its calls weigh
    nothing in the day's ASA over the answered, so the day still has one."""
    day = Day(calls=(50.0, 50.0), agents=(6, 0), aht=180, patience=60)
    result = run_whatif(day, replications=1, seed=1)
    model, staffed = result.day.erlang_a, result.slots[0].erlang_a
    assert model is not None and staffed is not None and staffed.asa is not None
    assert model.asa == pytest.approx(staffed.asa)
    assert result.day.erlang_c is not None and result.day.erlang_c.asa is None  # waits forever


def test_the_command_s_csv_keeps_every_digit_of_a_large_day() -> None:
    """Six significant digits wrote a day of 1,234,567 calls as 1.23457e+06: the
    command's CSV now writes numbers as the route's CSV does, whole."""
    from contactcenter.telephony.sim.whatif_report import COLUMNS, as_csv

    row = dict.fromkeys(COLUMNS)
    row.update(start="2026-12-07", end="2026-12-08", calls=1_234_567.0, agents=0.5,
               offered=1_234_567.25, service_level=0.8123456789)
    line = as_csv([row]).splitlines()[1].split(",")
    assert line[2:5] == ["1234567.0", "0.5", "1234567.25"]
    assert line[COLUMNS.index("service_level")] == "0.8123456789"


def test_the_command_on_a_database_with_no_crm_says_so(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A database never migrated (a fresh checkout before `make demo`) is named, where the
    command ended in SQLAlchemy's traceback."""
    from contactcenter.cli import main

    monkeypatch.setenv("CC_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    monkeypatch.setenv("CC_STATE_DIR", str(tmp_path / "state"))
    status = main(["analytics", "whatif", "--date", "2026-11-23", "--queue", "sales"])
    assert status == 1
    error = capsys.readouterr().err
    assert "the CRM database cannot be read" in error and "db migrate" in error
    assert "Traceback" not in error
