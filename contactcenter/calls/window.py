"""When a callee may next be called: the first moment the calling window holds in
every zone the callee may be in. Pure: the time comes in, a time goes out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from contactcenter.dialer.compliance import CallingWindow

#: days ahead to look for an opening; beyond, the zones share no hour of the window (a
#: week and a day: a clock change may open a shared hour some days ahead)
HORIZON_DAYS = 8


def utc(now: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(now, dt.UTC)


def inside(zones: Sequence[ZoneInfo], moment: dt.datetime, window: CallingWindow) -> bool:
    return all(window.holds(moment.astimezone(zone)) for zone in zones)


def next_opening(zones: Sequence[ZoneInfo], now: float,
                 window: CallingWindow) -> float | None:
    """The first moment from ``now`` inside the window in every zone; None when they share
    no hour of it (a country spanning more hours than the window leaves)."""
    moment = utc(now)
    if zones and inside(zones, moment, window):
        return now
    candidates = sorted(_starts(zones, moment, window))
    for candidate in candidates:
        if inside(zones, candidate, window):
            return candidate.timestamp()
    return None


def _starts(zones: Sequence[ZoneInfo], moment: dt.datetime,
            window: CallingWindow) -> list[dt.datetime]:
    """Each zone's openings of the window after ``moment``: the only moments at which
    "inside in every zone" can begin."""
    starts = []
    for zone in zones:
        today = moment.astimezone(zone).date()
        for days in range(HORIZON_DAYS + 1):
            local = dt.datetime.combine(today + dt.timedelta(days=days), window.start,
                                        tzinfo=zone)
            if local > moment:
                starts.append(local.astimezone(dt.UTC))
    return starts
