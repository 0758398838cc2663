"""A history's buckets on the contact center's local clock: days of 23 and 25 hours when
the clocks change, hours at local whole hours (the repeated hour of a fall-back night
twice), weeks from local Monday midnight, and the agents' time cut at those edges."""

from __future__ import annotations

import datetime as dt

import pytest

from crm_core.metrics.agent_time import add_up
from crm_core.metrics.local_buckets import UTC, Grid, zone_named
from crm_core.metrics.period import Period

NEW_YORK = zone_named("America/New_York")
BERLIN = zone_named("Europe/Berlin")
HOUR, DAY, WEEK = 3600, 86_400, 604_800


def local(zone: dt.tzinfo, *parts: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=zone, fold=fold)  # type: ignore[misc]


def days(zone: dt.tzinfo, first: dt.date, last: dt.date) -> Grid:
    return Grid(Period(local(zone, first.year, first.month, first.day),
                       local(zone, last.year, last.month, last.day)), DAY, zone)


def lengths(grid: Grid) -> list[float]:
    return [(b - a) / 3600 for a, b in zip(grid.edges, grid.edges[1:], strict=False)]


@pytest.mark.parametrize("zone, spring, fall", [
    (NEW_YORK, dt.date(2026, 3, 8), dt.date(2026, 11, 1)),
    (BERLIN, dt.date(2026, 3, 29), dt.date(2026, 10, 25)),
])
def test_the_days_the_clocks_change_are_23_and_25_hours(zone: dt.tzinfo, spring: dt.date,
                                                        fall: dt.date) -> None:
    one = dt.timedelta(days=1)
    assert lengths(days(zone, spring - one, spring + 2 * one)) == [24, 23, 24]
    assert lengths(days(zone, fall - one, fall + 2 * one)) == [24, 25, 24]
    grid = days(zone, spring, spring + one)
    assert [grid.moment(edge).time() for edge in grid.edges] == [dt.time(0), dt.time(0)]


@pytest.mark.parametrize("zone, hour, minute", [(NEW_YORK, 23, 30), (BERLIN, 0, 30)])
def test_a_call_is_on_its_local_day_not_the_utc_day(zone: dt.tzinfo, hour: int,
                                                    minute: int) -> None:
    grid = days(zone, dt.date(2026, 10, 24), dt.date(2026, 11, 3))
    call = local(zone, 2026, 10, 31, hour, minute)  # New York's 23:30 is 03:30 UTC next day
    start = grid.moment(grid.bucket(call.timestamp()))
    assert start.isoformat() == dt.datetime.combine(call.date(), dt.time(0), zone).isoformat()
    assert call.astimezone(UTC).date() != call.date()


def test_the_fall_back_night_has_its_one_o_clock_hour_twice() -> None:
    grid = Grid(Period(local(NEW_YORK, 2026, 11, 1), local(NEW_YORK, 2026, 11, 1, 4)),
                HOUR, NEW_YORK)
    assert [grid.moment(edge).isoformat() for edge in grid.edges] == [
        "2026-11-01T00:00:00-04:00", "2026-11-01T01:00:00-04:00",
        "2026-11-01T01:00:00-05:00", "2026-11-01T02:00:00-05:00",
        "2026-11-01T03:00:00-05:00", "2026-11-01T04:00:00-05:00"]


def test_the_spring_forward_night_has_no_two_o_clock() -> None:
    grid = Grid(Period(local(BERLIN, 2026, 3, 29), local(BERLIN, 2026, 3, 29, 4)),
                1800, BERLIN)
    times = [grid.moment(edge).strftime("%H:%M") for edge in grid.edges]
    assert times == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00"]
    assert lengths(grid) == [0.5] * 6


def test_a_change_off_the_hour_cuts_the_hour_at_the_change() -> None:
    lord_howe = zone_named("Australia/Lord_Howe")  # half an hour back at 02:00
    grid = Grid(Period(local(lord_howe, 2026, 4, 5, 1), local(lord_howe, 2026, 4, 5, 3)),
                HOUR, lord_howe)
    assert [grid.moment(edge).isoformat() for edge in grid.edges] == [
        "2026-04-05T01:00:00+11:00", "2026-04-05T01:30:00+10:30",
        "2026-04-05T02:00:00+10:30", "2026-04-05T03:00:00+10:30"]


def test_weeks_start_on_local_monday_midnight() -> None:
    grid = Grid(Period(local(BERLIN, 2026, 3, 25), local(BERLIN, 2026, 4, 2)), WEEK, BERLIN)
    starts = [grid.moment(edge) for edge in grid.edges]
    assert [start.isoformat() for start in starts] == [
        "2026-03-23T00:00:00+01:00", "2026-03-30T00:00:00+02:00",
        "2026-04-06T00:00:00+02:00"]
    assert lengths(grid) == [7 * 24 - 1, 7 * 24]


def test_utc_is_what_it_was() -> None:
    grid = Grid(Period(dt.datetime(2026, 11, 2, 10, 17, tzinfo=dt.UTC),
                       dt.datetime(2026, 11, 2, 12, tzinfo=dt.UTC)), 1800)
    assert [grid.moment(edge).strftime("%H:%M%z") for edge in grid.edges] == [
        "10:00+0000", "10:30+0000", "11:00+0000", "11:30+0000", "12:00+0000"]


def test_an_agent_logged_in_through_a_25_hour_day_is_staffed_25_hours() -> None:
    day = Period(local(BERLIN, 2026, 10, 25), local(BERLIN, 2026, 10, 26))
    span = ("agent101", "available", "", '["sales"]', day.start.timestamp() - 3600,
            day.end.timestamp() + 3600)
    figures = add_up([span], day, DAY, "queue", None, day.end, Grid(day, DAY, BERLIN))
    [(start, key)] = figures
    assert (start.isoformat(), key) == ("2026-10-25T00:00:00+02:00", "sales")
    assert figures[(start, key)].available == 25 * 3600


def test_an_agent_s_time_is_cut_at_the_local_hours_of_the_repeated_hour() -> None:
    night = Period(local(NEW_YORK, 2026, 11, 1, 1), local(NEW_YORK, 2026, 11, 1, 2))
    assert night.end - night.start == dt.timedelta(hours=2)  # 01:00 EDT to 02:00 EST
    span = ("agent101", "on_call", "", '["sales"]', night.start.timestamp() + 1800,
            night.start.timestamp() + 5400)  # 01:30 EDT to 01:30 EST
    figures = add_up([span], night, HOUR, "agent", None, night.end,
                     Grid(night, HOUR, NEW_YORK))
    assert {start.isoformat(): time.busy for (start, _), time in figures.items()} == {
        "2026-11-01T01:00:00-04:00": 1800.0, "2026-11-01T01:00:00-05:00": 1800.0}


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "America", "", "../etc", "a" * 300,
                                  "Europe/Berlin\x00"])
def test_an_unknown_zone_is_refused_with_its_name(name: str) -> None:
    with pytest.raises(ValueError, match="not an IANA time zone"):
        zone_named(name)
