"""Callback slots: the times a customer may book a callback for, sans-I/O.

The rule
--------
A queue that takes bookings (``callback_slots`` in ``config/queues.yaml``)
cuts each day of its own clock (the zone of its ``hours``; UTC without) into
slots of ``slot_seconds`` from local midnight: hours start on the hour there,
whatever the zone's offset from UTC (India's +05:30, Nepal's +05:45), and
two-hour slots keep their local times across daylight saving. A length that
does not divide the day ends its last slot at the next midnight. A slot
``[start, end)`` is offered only when all of these hold:

1. it starts at least ``lead_seconds`` from now and at most ``days_ahead``
   days ahead: never in the past, and time for the queue to plan for it;
2. the queue is open for the whole of it (its ``hours``; a queue without
   hours is open around the clock);
3. when the number is known, the whole of it is inside the calling window in
   every zone the number may ring in: the call gate's own rule
   (``contactcenter.dialer.compliance``), so that a booking is never made
   for an hour the gate would refuse to dial;
4. it has room left: fewer bookings than its capacity,

   ``capacity = floor(share x spare_agents x slot_seconds / handle_seconds)``

   where ``spare_agents`` is the agents expected in the slot less those its
   forecast inbound calls need (the staffing plan's Erlang C figure), never
   below 0; ``share`` is the part of that spare time given to booked
   callbacks, and ``handle_seconds`` what one takes of an agent (talk and
   wrap-up). The rest of the spare time absorbs the forecast's error.

Pure: the time, the queue's hours, its staffing and its bookings come in;
slots go out. Nothing here reads the clock or the CRM.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from contactcenter.acd.model import DAY, SlotRules
from contactcenter.calls.window import inside, utc
from contactcenter.dialer.compliance import Callee, CallingWindow, callee_zones, costly
from contactcenter.ivr.hours import Schedule

#: the grain of every opening range and calling window: their edges fall on whole minutes
MINUTE = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class Slot:
    """A slot offered, with its room."""

    start: float
    end: float
    capacity: int
    booked: int

    @property
    def left(self) -> int:
        return self.capacity - self.booked


#: the agents spare in the slot that starts at the given time
SpareAgents = Callable[[float], float]


def capacity(spare_agents: float, rules: SlotRules, seconds: float | None = None) -> int:
    """How many callbacks a slot takes, from the agents spare in it (the rule's 4);
    ``seconds``: its length when shorter than ``slot_seconds`` (a day's last)."""
    if not spare_agents > 0:  # (NaN too)
        return 0
    length = rules.slot_seconds if seconds is None else seconds
    return math.floor(rules.share * spare_agents * length / rules.handle_seconds)


def offered(*, now: float, rules: SlotRules, hours: Schedule | None, spare: SpareAgents,
            booked: Mapping[float, int], zones: Sequence[ZoneInfo] | None = None,
            window: CallingWindow | None = None, limit: int = 48) -> list[Slot]:
    """The first ``limit`` slots from ``now`` that the rule offers; ``zones`` and
    ``window``: the number's zones and the gate's calling window, when the number is
    known (no zone then: nothing can be offered)."""
    if window is not None and not zones:
        return []
    found: list[Slot] = []
    for start, end in _grid(now, rules, hours.zone if hours is not None else _UTC):
        if not _along(start, end, lambda moment: _open(hours, moment)):
            continue
        if window is not None and zones and not _along(
                start, end, lambda moment: inside(zones, utc(moment), window)):
            continue
        room = capacity(spare(start), rules, end - start)
        taken = booked.get(start, 0)
        if taken < room:
            found.append(Slot(start=start, end=end, capacity=room, booked=taken))
            if len(found) >= limit:
                break
    return found


def refusal(callee: Callee, slot: tuple[float, float] | None,
            window: CallingWindow) -> tuple[str, str] | None:
    """(rule, reason) when the call gate's rules refuse calling ``callee`` back in
    ``slot`` (None: at no particular time); None when they allow it. The rules are the
    gate's for a callback (``CallGate._found``): the do-not-call list and an unknown
    local time refuse at once; the calling hours are those of the slot. Before them, a
    number that costs the platform more than a call (premium-rate, shared-cost, personal
    numbers): anybody may book, and a booking is the platform's money spent on a
    number of the booker's choosing (the fraud of callbacks to premium lines)."""
    if costly(callee.number):
        return "costly_number", (f"{callee.number} is a premium-rate, shared-cost or "
                                 "personal number: we do not call those back")
    if callee.do_not_call:
        return "do_not_call", f"{callee.number} is on the do-not-call list"
    zones = callee_zones(callee)
    if not zones:
        return "unknown_time_zone", f"the local time of {callee.number} is unknown"
    if slot is None:
        return None
    start, end = slot
    if not _along(start, end, lambda moment: inside(zones, utc(moment), window)):
        local = utc(start).astimezone(zones[0])
        return "calling_hours", (f"outside calling hours: it would be {local:%H:%M} in "
                                 f"{zones[0].key} (calls {window} local time)")
    return None


_UTC = ZoneInfo("UTC")
def _grid(now: float, rules: SlotRules, zone: ZoneInfo) -> Iterator[tuple[float, float]]:
    """Slots ``(start, end)`` from ``now + lead`` (rounded up to the grid) to
    ``days_ahead``: each local day of ``zone`` cut from its midnight (a day of a
    daylight-saving change has 23 or 25 hours, its slots follow on all the same)."""
    size, first = rules.slot_seconds, now + rules.lead_seconds
    last = now + rules.days_ahead * DAY
    day = dt.datetime.fromtimestamp(first, zone).date()
    while True:
        begins, ends = _midnight(day, zone), _midnight(day + dt.timedelta(days=1), zone)
        start = begins + max(0, math.ceil((first - begins) / size)) * size
        while start < ends:
            if start > last:
                return
            yield start, min(start + size, ends)
            start += size
        day += dt.timedelta(days=1)


def _midnight(day: dt.date, zone: ZoneInfo) -> float:
    """When ``day`` begins in ``zone`` (where midnight is skipped, when the clocks jump)."""
    return dt.datetime.combine(day, dt.time(0), zone).timestamp()


def _open(hours: Schedule | None, moment: float) -> bool:
    return hours is None or hours.is_open(moment)


def _along(start: float, end: float, holds: Callable[[float], bool]) -> bool:
    """Whether ``holds`` is true all through ``[start, end)``: at its start and at each
    whole minute inside it, since hours and windows change only on whole minutes."""
    if not holds(start):
        return False
    moment = (math.floor(start / MINUTE) + 1) * MINUTE
    while moment < end:
        if not holds(moment):
            return False
        moment += MINUTE
    return True
