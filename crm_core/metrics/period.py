"""The time window every metric is measured over.

A period is half-open, ``[start, end)``, so that consecutive periods (days,
months) never count the same row twice. Both ends are held in UTC: the CRM
stores its timestamps in UTC, and SQLite keeps only the wall-clock part of a
timestamp, so comparing against UTC bounds is what makes both engines agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

_SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)``, timezone-aware; given in any zone, held in UTC."""

    start: dt.datetime
    end: dt.datetime

    def __post_init__(self) -> None:
        for name in ("start", "end"):
            value: dt.datetime = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() is None:
                raise ValueError(f"period {name} must be timezone-aware, got {value!r}")
            object.__setattr__(self, name, value.astimezone(dt.UTC))
        if self.end <= self.start:
            raise ValueError(f"period end {self.end} is not after its start {self.start}")

    @classmethod
    def parse(cls, start: str, end: str, zone: dt.tzinfo = dt.UTC) -> Period:
        """From query-string values (``?from=&to=``): ISO dates or datetimes.

        A date is midnight in ``zone`` (UTC by default) at its start, so
        ``from=2026-11-01&to=2026-12-01`` is November there; a datetime without an
        offset is ``zone``'s wall clock.
        """
        return cls(_parse_moment(start, zone), _parse_moment(end, zone))

    @property
    def days(self) -> float:
        """The length in days (fractional for a period that is not whole days)."""
        return (self.end - self.start).total_seconds() / _SECONDS_PER_DAY

    @property
    def last_day(self) -> dt.date:
        """The last calendar day (UTC) the period touches; end is excluded."""
        return (self.end - dt.timedelta(microseconds=1)).date()

    def previous(self) -> Period:
        """The period just before this one, of the same length.

        Whole calendar months step back by months (March's previous is
        February, not the 31 days before March); anything else by its length.
        """
        months = _whole_months(self.start, self.end)
        if months:
            return Period(_add_months(self.start, -months), self.start)
        return Period(self.start - (self.end - self.start), self.start)


def _parse_moment(text: str, zone: dt.tzinfo = dt.UTC) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def _is_month_start(moment: dt.datetime) -> bool:
    return moment.day == 1 and moment.time() == dt.time(0)


def _whole_months(start: dt.datetime, end: dt.datetime) -> int:
    """How many calendar months ``[start, end)`` is, or 0 when it is not whole months."""
    if not (_is_month_start(start) and _is_month_start(end)):
        return 0
    return (end.year - start.year) * 12 + end.month - start.month


def _add_months(moment: dt.datetime, months: int) -> dt.datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1)
