"""The call history in the contact center's time zone, on SQLite and PostgreSQL: days from
local midnight (23 and 25 hours when the clocks change), hours and quarter hours at the
local clock's (the fall-back night's 01:00 twice), weeks from local Monday, and the
agents' time cut at the same edges."""

from __future__ import annotations

import collections
import datetime as dt
import random
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.agent_states import StateChange, record_states
from crm_core.db import sessions
from crm_core.metrics.calls_history import CallFigures, HistoryOptions
from crm_core.metrics.local_buckets import Grid
from crm_core.metrics.period import Period
from tests.crm.call_history_support import call, history, plant

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def at(zone: ZoneInfo, *parts: int, fold: int = 0) -> dt.datetime:
    """A local time, stored as the CRM stores it (UTC)."""
    return dt.datetime(*parts, tzinfo=zone, fold=fold).astimezone(dt.UTC)  # type: ignore[misc]


def period(zone: ZoneInfo, first: tuple[int, ...], last: tuple[int, ...]) -> Period:
    return Period(dt.datetime(*first, tzinfo=zone), dt.datetime(*last, tzinfo=zone))  # type: ignore[misc]


def table(rows: list[CallFigures]) -> list[tuple[str, str, int]]:
    return [(row.start.isoformat(), row.end.isoformat(), row.offered) for row in rows]


async def test_new_york_days_around_spring_forward(engine: AsyncEngine) -> None:
    await plant(engine, [
        call(at(NEW_YORK, 2026, 3, 7, 23, 30), talk=100.0, wrap=0.0),  # 04:30 UTC on the 8th
        call(at(NEW_YORK, 2026, 3, 8, 0, 10), talk=200.0, wrap=30.0),
        call(at(NEW_YORK, 2026, 3, 8, 23, 50), talk=50.0, wrap=0.0),  # 03:50 UTC on the 9th
        call(at(NEW_YORK, 2026, 3, 9, 0, 5))])
    rows = await history(engine, period(NEW_YORK, (2026, 3, 7), (2026, 3, 10)),
                         interval="day", time_zone="America/New_York")
    assert table(rows) == [
        ("2026-03-07T00:00:00-05:00", "2026-03-08T00:00:00-05:00", 1),
        ("2026-03-08T00:00:00-05:00", "2026-03-09T00:00:00-04:00", 2),  # 23 hours
        ("2026-03-09T00:00:00-04:00", "2026-03-10T00:00:00-04:00", 1)]
    assert rows[1].handle_share == pytest.approx(280.0 / (23 * 3600))


async def test_the_same_calls_in_utc_are_cut_at_utc_midnight(engine: AsyncEngine) -> None:
    await plant(engine, [call(at(NEW_YORK, 2026, 3, 7, 23, 30)),
                         call(at(NEW_YORK, 2026, 3, 8, 0, 10))])
    rows = await history(engine, period(dt.UTC, (2026, 3, 7), (2026, 3, 10)),  # type: ignore[arg-type]
                         interval="day")
    assert table(rows) == [("2026-03-08T00:00:00+00:00", "2026-03-09T00:00:00+00:00", 2)]


async def test_berlin_s_fall_back_night_has_two_two_o_clock_hours(engine: AsyncEngine) -> None:
    await plant(engine, [call(at(BERLIN, 2026, 10, 25, 2, 30)),  # summer time, 00:30 UTC
                         call(at(BERLIN, 2026, 10, 25, 2, 30, fold=1)),  # winter, 01:30 UTC
                         call(at(BERLIN, 2026, 10, 25, 2, 45, fold=1)),
                         call(at(BERLIN, 2026, 10, 25, 3, 0))])
    night = period(BERLIN, (2026, 10, 25, 1), (2026, 10, 25, 4))
    rows = await history(engine, night, interval="hour", time_zone="Europe/Berlin")
    assert table(rows) == [
        ("2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", 1),
        ("2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00", 2),
        ("2026-10-25T03:00:00+01:00", "2026-10-25T04:00:00+01:00", 1)]
    [day] = await history(engine, period(BERLIN, (2026, 10, 25), (2026, 10, 26)),
                          interval="day", time_zone="Europe/Berlin")
    assert (day.offered, (day.end - day.start).total_seconds()) == (4, 25 * 3600)


async def test_quarter_hours_skip_new_york_s_missing_hour(engine: AsyncEngine) -> None:
    await plant(engine, [call(at(NEW_YORK, 2026, 3, 8, 1, 50)),
                         call(at(NEW_YORK, 2026, 3, 8, 3, 5))])
    rows = await history(engine, period(NEW_YORK, (2026, 3, 8, 1), (2026, 3, 8, 4)),
                         interval="15min", time_zone="America/New_York")
    assert table(rows) == [
        ("2026-03-08T01:45:00-05:00", "2026-03-08T03:00:00-04:00", 1),
        ("2026-03-08T03:00:00-04:00", "2026-03-08T03:15:00-04:00", 1)]


async def test_weeks_start_on_berlin_s_monday_midnight(engine: AsyncEngine) -> None:
    await plant(engine, [call(at(BERLIN, 2026, 3, 29, 23, 30)),  # Sunday, 21:30 UTC
                         call(at(BERLIN, 2026, 3, 30, 0, 30))])  # Monday, Sunday 22:30 UTC
    rows = await history(engine, period(BERLIN, (2026, 3, 23), (2026, 4, 6)),
                         interval="week", time_zone="Europe/Berlin")
    assert table(rows) == [
        ("2026-03-23T00:00:00+01:00", "2026-03-30T00:00:00+02:00", 1),
        ("2026-03-30T00:00:00+02:00", "2026-04-06T00:00:00+02:00", 1)]


async def test_agents_time_through_the_25_hour_day(engine: AsyncEngine) -> None:
    """An agent available from Saturday 22:00 to Monday 01:00 (Berlin): all 25 hours of
    Sunday are staffed; an hour of the repeated 02:00 holds one hour, not two."""
    changes = [StateChange(agent="agent101", state=state, since=since, queues=("sales",))
               for state, since in (("available", at(BERLIN, 2026, 10, 24, 22)),
                                    ("logged_out", at(BERLIN, 2026, 10, 26, 1)))]
    assert await record_states(sessions(engine), changes) == 2
    await plant(engine, [call(at(BERLIN, 2026, 10, 25, 12))])
    options = {"interval": "day", "time_zone": "Europe/Berlin"}
    rows = await history(engine, period(BERLIN, (2026, 10, 24), (2026, 10, 27)),
                         now=at(BERLIN, 2026, 10, 27), **options)
    assert [(row.start.date().isoformat(), row.staffed_seconds) for row in rows] == [
        ("2026-10-24", 2 * 3600), ("2026-10-25", 25 * 3600), ("2026-10-26", 3600)]
    hours = await history(engine, period(BERLIN, (2026, 10, 25, 2), (2026, 10, 25, 3)),
                          now=at(BERLIN, 2026, 10, 27), interval="hour",
                          time_zone="Europe/Berlin")
    assert [(row.start.isoformat(), row.staffed_seconds) for row in hours] == [
        ("2026-10-25T02:00:00+02:00", 3600), ("2026-10-25T02:00:00+01:00", 3600)]


def test_an_unknown_zone_is_refused_by_the_options() -> None:
    with pytest.raises(ValueError, match="time_zone: 'Mars/Olympus' is not an IANA"):
        HistoryOptions(time_zone="Mars/Olympus")


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe",
                                  "America/Santiago", "Asia/Kolkata"])
async def test_the_database_cuts_where_python_cuts(engine: AsyncEngine, zone: str) -> None:
    """Calls around each of the year's clock changes (and at random through it): every
    bucket the database groups a call in is the one ``Grid`` puts it in, by the hour, the
    quarter hour, the day and the week."""
    local = ZoneInfo(zone)
    year = period(local, (2026, 1, 1), (2027, 1, 1))
    changes = [start for start, _ in Grid(year, 3600, local).segments[1:]]
    randomly = random.Random(zone)
    moments = [change + randomly.uniform(-7200, 7200) for change in changes for _ in range(12)]
    low, high = year.start.timestamp(), year.end.timestamp()
    moments = [moment for moment in moments if low <= moment < high]
    moments += [randomly.uniform(low, high) for _ in range(60)]
    await plant(engine, [call(dt.datetime.fromtimestamp(moment, dt.UTC)) for moment in moments])
    for interval, width in (("15min", 900), ("hour", 3600), ("day", 86_400),
                            ("week", 604_800)):
        grid = Grid(year, width, local)
        expected = collections.Counter(grid.bucket(moment) for moment in moments)
        rows = await history(engine, year, interval=interval, time_zone=zone)
        found = {int(row.start.timestamp()): row.offered for row in rows}
        assert found == dict(expected), interval
        assert all(int(row.end.timestamp()) == grid.end_of(int(row.start.timestamp()))
                   for row in rows)
