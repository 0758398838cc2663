"""Edge cases of the call forecast and staffing: a queue younger than the weeks of
history read (on SQLite and PostgreSQL through the staffing route), callers who hang up
at once."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from contactcenter.acd import erlang
from crm_core.metrics.call_forecast import WEEK, profile_forecast, weekly_level
from crm_core.metrics.call_staffing import Target, plan_slot
from tests.crm.api_client import Api
from tests.crm.call_history_support import call, plant


def _weeks(*totals: float) -> np.ndarray:
    """Whole weeks of history, each with its calls on Monday 10:00 (slot 20)."""
    history = np.zeros(len(totals) * WEEK)
    history[np.arange(len(totals)) * WEEK + 20] = totals
    return history


def test_weeks_before_the_first_call_are_no_history_of_a_decline() -> None:
    """A queue opened two weeks ago, read over eight weeks: its six empty weeks are not
    weeks without calls; the level is the two weeks it has (was a line rising from 0)."""
    forecast = profile_forecast(_weeks(0, 0, 0, 0, 0, 0, 100, 100), WEEK)
    assert forecast.sum() == pytest.approx(100.0)
    assert forecast[20] == pytest.approx(100.0)


def test_a_trend_since_the_first_call_is_still_carried_forward() -> None:
    # the line through 100, 110, 120 (the weeks' middles) read at the next week's start
    level = weekly_level(_weeks(0, 0, 100, 110, 120), 1)
    assert level[0] == pytest.approx(125.0, rel=0.001)


def test_a_history_without_any_call_forecasts_none() -> None:
    assert not profile_forecast(np.zeros(3 * WEEK), WEEK).any()


def _mondays(weeks: int) -> list:
    """22 calls each Monday 10:00-10:30 over the ``weeks`` weeks before 23 November 2026."""
    first = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC) - dt.timedelta(weeks=weeks)
    return [call(first + dt.timedelta(weeks=week, minutes=minute), wait=10.0, talk=170.0,
                 wrap=10.0, agent="agent101")
            for week in range(weeks) for minute in range(22)]


async def test_a_queue_younger_than_the_history_read_is_staffed_for_its_calls(
        api: Api) -> None:
    await plant(api.engine, _mondays(3))
    status, body = await api.call(
        "GET", "/api/v1/analytics/staffing?queue=sales&day=2026-11-23&weeks=8", "supervisor")
    assert status == 200, body
    assert body["slots"][20]["calls"] == pytest.approx(22.0)  # the same 22 each Monday


@pytest.mark.parametrize("patience, short_abandon", [(2.0, 5.0), (3.0, 5.0), (60.0, 5.0),
                                                     (1.0, 0.0)])
def test_erlang_a_asks_for_the_fewest_agents_even_when_most_hang_up_at_once(
        patience: float, short_abandon: float) -> None:
    """The search began at target x traffic agents, taking for granted that fewer answer
    too few; but the callers who hang up within ``short_abandon`` are left out of the
    service level, so with impatient callers far fewer reach it: 500 calls of 180 s in
    half an hour at a 2 s patience reach 80 % with 11 agents, where it asked for 40."""
    target = Target(level=0.8, within=20.0, aht=180.0, patience=patience,
                    short_abandon=short_abandon)
    agents = plan_slot(500.0, target).erlang_a_agents
    assert agents is not None

    def level(n: int) -> float:
        return erlang.erlang_a(50.0, n, 180.0, patience).service_level_excluding(
            20.0, short_abandon)

    assert level(agents) >= 0.8
    assert agents == 1 or level(agents - 1) < 0.8


@pytest.mark.parametrize("day", ["20261123", "2026-W48-1"])
async def test_a_staffing_day_not_written_yyyy_mm_dd_is_refused(api: Api, day: str) -> None:
    await plant(api.engine, _mondays(3))
    status, body = await api.call("GET", f"/api/v1/analytics/staffing?queue=sales&day={day}"
                                  "&weeks=3", "supervisor")
    assert (status, body.get("field")) == (400, "day"), body
