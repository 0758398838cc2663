"""Business hours: is a contact center open at a given instant?

Schedules are wall-clock times in a named IANA time zone, so that "08:00-18:00"
means eight in the morning all year round, on both sides of a daylight-saving
change. The instant comes in as Unix epoch seconds (the core never reads the
clock); ``zoneinfo`` turns it into the local date and time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: weekday keys in ``date.weekday()`` order (Monday is 0)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_DAY_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class TimeRange:
    """Opening hours within one local day: ``start <= t < end``, in seconds after midnight."""

    start: int
    end: int

    def __contains__(self, second: int) -> bool:
        return self.start <= second < self.end

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


@dataclass(frozen=True, slots=True)
class Holiday:
    """A closed day: one date (``year`` set) or the same month and day every year."""

    month: int
    day: int
    year: int | None = None

    def matches(self, date: dt.date) -> bool:
        return (
            date.day == self.day
            and date.month == self.month
            and (self.year is None or date.year == self.year)
        )

    def __str__(self) -> str:
        text = f"{self.month:02d}-{self.day:02d}"
        return text if self.year is None else f"{self.year:04d}-{text}"


@dataclass(frozen=True, slots=True)
class Schedule:
    """A weekly schedule with holidays, in one time zone."""

    zone: ZoneInfo
    #: the opening ranges of each weekday, Monday first; an empty tuple is a closed day
    weekly: tuple[tuple[TimeRange, ...], ...]
    holidays: tuple[Holiday, ...] = ()

    def is_open(self, now: float) -> bool:
        """True when ``now`` (Unix epoch seconds) falls in an opening range, off holidays."""
        local = dt.datetime.fromtimestamp(now, tz=self.zone)
        date = local.date()
        if any(holiday.matches(date) for holiday in self.holidays):
            return False
        second = local.hour * 3600 + local.minute * 60 + local.second
        return any(second in rng for rng in self.weekly[local.weekday()])


def zone(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError (not KeyError) so that config errors read well."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {name!r} (use an IANA name like Europe/Paris)"
        ) from exc


def parse_range(text: str) -> TimeRange:
    """``"08:00-18:00"`` -> TimeRange; ``24:00`` closes at midnight.

    Overnight ranges are refused: write them as two ranges on two days, so that
    each day's line says exactly when that day is open.
    """
    start_text, sep, end_text = text.strip().partition("-")
    if not sep:
        raise ValueError(f"expected a range like 08:00-18:00, got {text!r}")
    start, end = _seconds(start_text), _seconds(end_text)
    if start >= end:
        raise ValueError(f"range {text!r} ends before it starts; split overnight ranges by day")
    return TimeRange(start, end)


def parse_holiday(value: str | dt.date) -> Holiday:
    """``"2026-12-24"`` (that day) or ``"12-25"`` (every year) -> Holiday."""
    if isinstance(value, dt.date):  # YAML reads an unquoted 2026-12-24 as a date
        return Holiday(value.month, value.day, value.year)
    parts = value.strip().split("-")
    try:
        numbers = [int(part) for part in parts]
        if len(numbers) == 3:
            date = dt.date(numbers[0], numbers[1], numbers[2])
            return Holiday(date.month, date.day, date.year)
        if len(numbers) == 2:
            dt.date(2000, numbers[0], numbers[1])  # a leap year, so that 02-29 is allowed
            return Holiday(numbers[0], numbers[1])
    except ValueError:
        pass
    raise ValueError(f"expected a date like 2026-12-24 or a yearly day like 12-25, got {value!r}")


def build_schedule(
    zone_name: str,
    weekly: Mapping[str, Iterable[TimeRange]],
    holidays: Iterable[Holiday] = (),
) -> Schedule:
    """A Schedule from day keys (``mon`` ... ``sun``); a day left out is closed."""
    unknown = set(weekly) - set(WEEKDAYS)
    if unknown:
        raise ValueError(f"unknown weekday {min(unknown)!r}; use {', '.join(WEEKDAYS)}")
    days = tuple(tuple(sorted(weekly.get(day, ()), key=lambda r: r.start)) for day in WEEKDAYS)
    return Schedule(zone(zone_name), days, tuple(holidays))


def _seconds(text: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"expected a time like 08:30, got {text.strip()!r}")
    value = int(hours) * 3600 + int(minutes) * 60
    if int(minutes) > 59 or value > _DAY_SECONDS:
        raise ValueError(f"no such time of day: {text.strip()!r}")
    return value


def _hhmm(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"
