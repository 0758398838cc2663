"""A history's buckets on the local clock of the contact center's time zone.

A contact center in New York reads its day from local midnight to local midnight,
23 hours on the day clocks spring forward and 25 on the day they fall back, and its
hours at local whole hours. ``Grid`` holds every bucket edge of a period, as epoch
seconds, and the zone's UTC offsets over it (``segments``), from which
``buckets.bucket_of`` writes the same cut in SQL:

* 15 min, 30 min and hour buckets start where the local clock shows a multiple of
  the width, so the repeated hour of a fall-back night is two buckets (01:00 in
  summer time, then 01:00 in standard time), and a bucket never spans a change of
  offset (where a change is not on a bucket edge, as Lord Howe's half hour, the
  bucket is cut at the change);
* day and week buckets start at local midnight (weeks on Monday), whatever the
  offset then; a midnight that the clock skips starts the day at the change.

``zoneinfo`` has no list of a zone's transitions, so they are found by reading the
offset every 6 hours and halving to the second where it changed: no zone changes
its offset twice within 6 hours.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_core.metrics.buckets import INTERVALS, origin_of
from crm_core.metrics.period import Period

UTC = ZoneInfo("UTC")
#: how a zone's name is written (``Europe/Berlin``, ``America/Argentina/Buenos_Aires``)
_NAME = re.compile(r"[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*")
#: how often the offset is read when looking for its changes
_STEP = 6 * 3600
#: the range of instants a datetime can hold, in epoch seconds (years 1 to 9999 less a day)
_FIRST, _LAST = -62_135_510_400, 253_402_214_400
_DAY = 86_400


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; ValueError naming it when there is none."""
    try:
        if not _NAME.fullmatch(name):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{name!r} is not an IANA time zone (such as Europe/Berlin or "
                         "America/New_York)") from None


def _offset(zone: ZoneInfo, epoch: int) -> int:
    offset = dt.datetime.fromtimestamp(epoch, zone).utcoffset()
    return 0 if offset is None else int(offset.total_seconds())


def _change(zone: ZoneInfo, before: int, after: int) -> int:
    """The first second in ``(before, after]`` with ``after``'s offset."""
    wanted = _offset(zone, after)
    while after - before > 1:
        middle = (before + after) // 2
        if _offset(zone, middle) == wanted:
            after = middle
        else:
            before = middle
    return after


def segments(zone: ZoneInfo, low: int, high: int) -> tuple[tuple[int, int], ...]:
    """``(from, offset)`` for each stretch of one UTC offset over ``[low, high]``, the
    first from ``low``."""
    low, high = max(low, _FIRST), min(high, _LAST)
    found = [(low, _offset(zone, low))]
    if zone.key == "UTC":
        return tuple(found)
    moment = low
    while moment < high:
        following = min(moment + _STEP, high)
        if _offset(zone, following) != found[-1][1]:
            change = _change(zone, moment, following)
            found.append((change, _offset(zone, change)))
        moment = following
    return tuple(found)


class Grid:
    """The buckets of ``width`` seconds over ``period`` in ``zone``: edges as epoch seconds,
    from the start of the bucket ``period.start`` is in to the first edge at or after
    its end."""

    def __init__(self, period: Period, width: int, zone: ZoneInfo = UTC) -> None:
        if width not in INTERVALS.values():
            raise ValueError(f"a bucket is one of {sorted(INTERVALS.values())} seconds")
        self.width, self.zone = width, zone
        #: day and week buckets follow the local calendar; shorter ones the local clock
        self.calendar = width >= _DAY
        low, high = period.start.timestamp(), period.end.timestamp()
        self.segments = segments(zone, int(low // 1) - 2 * _DAY - width,
                                 int(high // 1) + 2 * _DAY + width)
        self.edges = self._days(low, high) if self.calendar else self._clock(low, high)
        self._next = dict(zip(self.edges, self.edges[1:], strict=False))

    def _clock(self, low: float, high: float) -> list[int]:
        width, found = self.width, set()
        starts = [start for start, _ in self.segments]
        stops = [*starts[1:], max(starts[-1], int(high)) + 2 * width]
        for index, ((start, offset), stop) in enumerate(zip(self.segments, stops, strict=True)):
            if index:  # a change of offset is an edge even off the clock's multiples
                found.add(start)
            first = -(-(start + offset) // width) * width - offset
            found.update(range(first, stop, width))
        edges = sorted(found)
        return edges[bisect.bisect_right(edges, low) - 1:bisect.bisect_left(edges, high) + 1]

    def _days(self, low: float, high: float) -> list[int]:
        day = dt.datetime.fromtimestamp(low, self.zone).date()
        step = dt.timedelta(seconds=self.width)
        if self.width == INTERVALS["week"]:
            day -= dt.timedelta(days=day.weekday())
        edges = [self.midnight(day)]
        while edges[-1] < high:
            day += step
            edges.append(self.midnight(day))
        return edges

    def midnight(self, day: dt.date) -> int:
        """Where ``day`` starts: local midnight, or the change when the clock skips it."""
        return int(dt.datetime.combine(day, dt.time(0), self.zone).timestamp())

    def start_of(self, value: int) -> int:
        """A bucket's start, epoch seconds, from ``bucket_of``'s value: the local
        calendar day's date as wall-clock seconds for days and weeks, else the start."""
        if self.calendar:
            return self.midnight(dt.date(1970, 1, 1) + dt.timedelta(days=int(value) // _DAY))
        return int(value)

    def bucket(self, epoch: float) -> int:
        """The start of the bucket ``epoch`` is in (within the grid)."""
        return self.edges[max(bisect.bisect_right(self.edges, epoch) - 1, 0)]

    def end_of(self, start: int) -> int:
        """The end of the bucket that starts at ``start``: the next edge."""
        following = self._next.get(start)
        return start + self.width if following is None else following

    def moment(self, epoch: int) -> dt.datetime:
        """An edge as a datetime at the zone's offset then (its ISO text carries it).

        A fixed offset, not the zone: Python compares two datetimes of one zone by their
        wall clocks, so the two 01:00 of a fall-back night would be one dict key and
        01:00 in standard time would sort before 01:15 in summer time."""
        offset = dt.datetime.fromtimestamp(epoch, self.zone).utcoffset() or dt.timedelta(0)
        return dt.datetime.fromtimestamp(epoch, dt.timezone(offset))

    @property
    def origin(self) -> int:
        return origin_of(self.width)
