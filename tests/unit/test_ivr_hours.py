"""Business hours: weekly ranges, holidays, time zones and daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from contactcenter.ivr.hours import (
    Holiday,
    TimeRange,
    build_schedule,
    parse_holiday,
    parse_range,
    zone,
)

NY = ZoneInfo("America/New_York")
OFFICE = {day: [parse_range("08:00-18:00")] for day in ("mon", "tue", "wed", "thu", "fri")}


def at(year: int, month: int, day: int, hour: int, minute: int = 0, *, tz: str = "UTC") -> float:
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)).timestamp()


def test_parse_range() -> None:
    assert parse_range("08:00-18:30") == TimeRange(8 * 3600, 18 * 3600 + 30 * 60)
    assert parse_range(" 00:00 - 24:00 ") == TimeRange(0, 86400)
    assert str(parse_range("9:05-17:00")) == "09:05-17:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("08:00", "expected a range"),
        ("8-18", "expected a time"),
        ("08:00-25:00", "no such time"),
        ("08:60-09:00", "no such time"),
        ("18:00-08:00", "split overnight ranges"),
        ("08:00-08:00", "ends before it starts"),
    ],
)
def test_parse_range_refuses(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_range(text)


def test_parse_holiday() -> None:
    assert parse_holiday("12-25") == Holiday(12, 25)
    assert parse_holiday("2026-07-03") == Holiday(7, 3, 2026)
    assert parse_holiday(dt.date(2026, 11, 26)) == Holiday(11, 26, 2026)
    assert parse_holiday("02-29") == Holiday(2, 29)
    for bad in ("13-01", "2026-02-30", "christmas", "12/25"):
        with pytest.raises(ValueError, match="expected a date"):
            parse_holiday(bad)


def test_unknown_zone_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone"):
        zone("Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="unknown time zone"):
        zone("../etc/passwd")


def test_weekly_ranges_are_local_time() -> None:
    schedule = build_schedule("America/New_York", OFFICE)
    # Wednesday 2026-01-14: New York is UTC-5 in winter
    assert not schedule.is_open(at(2026, 1, 14, 12, 59))  # 07:59 local
    assert schedule.is_open(at(2026, 1, 14, 13, 0))  # 08:00 local
    assert schedule.is_open(at(2026, 1, 14, 22, 59))  # 17:59 local
    assert not schedule.is_open(at(2026, 1, 14, 23, 0))  # 18:00 local: the end is excluded
    assert not schedule.is_open(at(2026, 1, 17, 15, 0))  # Saturday: not listed, closed


def test_several_ranges_a_day() -> None:
    lunch_break = {"mon": [parse_range("13:00-17:00"), parse_range("09:00-12:00")]}
    schedule = build_schedule("Europe/Paris", lunch_break)
    assert schedule.is_open(at(2026, 1, 12, 11, 30, tz="Europe/Paris"))
    assert not schedule.is_open(at(2026, 1, 12, 12, 30, tz="Europe/Paris"))
    assert schedule.is_open(at(2026, 1, 12, 13, 0, tz="Europe/Paris"))


def test_the_same_instant_in_two_zones() -> None:
    instant = at(2026, 1, 14, 14, 0)  # 09:00 in New York, 23:00 in Tokyo
    assert build_schedule("America/New_York", OFFICE).is_open(instant)
    assert not build_schedule("Asia/Tokyo", OFFICE).is_open(instant)


def test_the_local_day_decides_the_weekday() -> None:
    # Friday 2026-01-16 23:30 in New York is already Saturday in UTC
    friday_night = {"fri": [parse_range("20:00-24:00")]}
    schedule = build_schedule("America/New_York", friday_night)
    assert schedule.is_open(at(2026, 1, 17, 4, 30))
    assert not build_schedule("UTC", friday_night).is_open(at(2026, 1, 17, 4, 30))


def test_spring_forward_keeps_opening_at_eight_local() -> None:
    # 2026-03-08: clocks go from 02:00 EST to 03:00 EDT
    daily = {day: [parse_range("08:00-18:00")] for day in ("sat", "sun", "mon")}
    schedule = build_schedule("America/New_York", daily)
    assert not schedule.is_open(at(2026, 3, 7, 12, 59))  # Saturday 07:59 EST (UTC-5)
    assert schedule.is_open(at(2026, 3, 7, 13, 0))  # 08:00 EST
    assert not schedule.is_open(at(2026, 3, 8, 11, 59))  # Sunday 07:59 EDT (UTC-4)
    assert schedule.is_open(at(2026, 3, 8, 12, 0))  # 08:00 EDT: an hour earlier in UTC
    assert schedule.is_open(at(2026, 3, 8, 21, 59))  # 17:59 EDT
    assert not schedule.is_open(at(2026, 3, 8, 22, 0))  # 18:00 EDT


def test_the_skipped_hour_never_happens() -> None:
    night = {"sun": [parse_range("02:00-03:00")]}
    schedule = build_schedule("America/New_York", night)
    # on 2026-03-08 local time jumps from 01:59:59 to 03:00: no instant is open
    start = at(2026, 3, 8, 5, 0)  # 00:00 EST
    assert not any(schedule.is_open(start + minute * 60) for minute in range(24 * 60))


def test_fall_back_repeats_an_hour() -> None:
    # 2026-11-01: 01:00-02:00 happens twice, in EDT then in EST
    night = {"sun": [parse_range("01:00-02:00")]}
    schedule = build_schedule("America/New_York", night)
    assert schedule.is_open(at(2026, 11, 1, 5, 30))  # 01:30 EDT
    assert schedule.is_open(at(2026, 11, 1, 6, 30))  # 01:30 EST, an hour later
    assert not schedule.is_open(at(2026, 11, 1, 7, 0))  # 02:00 EST


def test_holidays_close_the_whole_local_day() -> None:
    holidays = [parse_holiday("12-25"), parse_holiday("2026-01-14")]
    schedule = build_schedule("America/New_York", OFFICE, holidays)
    assert not schedule.is_open(at(2026, 1, 14, 15, 0))  # that date
    assert schedule.is_open(at(2027, 1, 14, 15, 0))  # not the next year: a Thursday, open
    assert not schedule.is_open(at(2026, 12, 25, 15, 0))  # every year
    assert not schedule.is_open(at(2030, 12, 25, 15, 0))
    assert schedule.is_open(at(2026, 12, 24, 15, 0))
    # 2026-12-25 02:00 UTC is still the 24th in New York
    evening = {"thu": [parse_range("00:00-24:00")]}
    assert build_schedule("America/New_York", evening, holidays).is_open(at(2026, 12, 25, 2, 0))


def test_unknown_weekday() -> None:
    with pytest.raises(ValueError, match="unknown weekday 'monday'"):
        build_schedule("UTC", {"monday": [parse_range("08:00-18:00")]})
