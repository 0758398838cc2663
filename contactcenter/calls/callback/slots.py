"""Callback slots: the times a customer may book a callback for, sans-I/O.

The rule
--------
A queue that takes bookings (``callback_slots`` in ``config/queues.yaml``)
cuts time into slots of ``slot_seconds`` on a grid counted from the Unix epoch
(so half hours start at :00 and :30 in every zone whose offset from UTC is a
whole or half hour). A slot ``[start, end)`` is offered only when all of these
hold:

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

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from contactcenter.acd.model import DAY, SlotRules
from contactcenter.calls.window import inside, utc
from contactcenter.dialer.compliance import Callee, CallingWindow, callee_zones
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


def capacity(spare_agents: float, rules: SlotRules) -> int:
    """How many callbacks a slot takes, from the agents spare in it (the rule's 4)."""
    if not spare_agents > 0:  # (NaN too)
        return 0
    return math.floor(rules.share * spare_agents * rules.slot_seconds / rules.handle_seconds)


def offered(*, now: float, rules: SlotRules, hours: Schedule | None, spare: SpareAgents,
            booked: Mapping[float, int], zones: Sequence[ZoneInfo] | None = None,
            window: CallingWindow | None = None, limit: int = 48) -> list[Slot]:
    """The first ``limit`` slots from ``now`` that the rule offers; ``zones`` and
    ``window``: the number's zones and the gate's calling window, when the number is
    known (no zone then: nothing can be offered)."""
    if window is not None and not zones:
        return []
    found: list[Slot] = []
    for start in _grid(now, rules):
        end = start + rules.slot_seconds
        if not _along(start, end, lambda moment: _open(hours, moment)):
            continue
        if window is not None and zones and not _along(
                start, end, lambda moment: inside(zones, utc(moment), window)):
            continue
        room = capacity(spare(start), rules)
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
    local time refuse at once; the calling hours are those of the slot."""
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


def _grid(now: float, rules: SlotRules) -> Iterator[float]:
    """Slot starts from ``now + lead`` (rounded up to the grid) to ``days_ahead``."""
    size = rules.slot_seconds
    first = math.ceil((now + rules.lead_seconds) / size) * size
    last = now + rules.days_ahead * DAY
    start = first
    while start <= last:
        yield float(start)
        start += size


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
