"""What may become of a booked callback once it is made, sans-I/O.

Theory of operation
-------------------
A customer holds a private link to their booking (``contactcenter.web.booking_links``)
and may cancel it, or move it to another slot the queue offers. The slot rule itself
(``contactcenter.calls.callback.slots``) says which slots are offered; this module
says when a booking may change at all, and what becomes of bookings whose queue left
the config. The engine (``contactcenter.engine.bookings``) asks; nothing here reads
the clock, a file or the config.

- A booking changes only while it is ``booked`` and its slot has not started: once
  ``due`` it is a callback in the queue's line (the ACD's), once ``dialed`` the call
  was made, and a cancelled, refused, withdrawn or orphaned booking is over.
- A move lands only on a slot offered *for this booking*: its own place is left out
  of the slot's count (so that its own slot is still on offer to it), the number's
  calling hours hold, and the number holds no other open booking on the queue.
- At start, an open booking whose queue is no longer configured is ``orphaned``:
  never dialed (no queue has agents for it), kept on the list with why. Should the
  queue come back before the slot starts, the booking is ``booked`` again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from contactcenter.calls.callback.slots import Slot

#: why a customer's change is refused, said to them
CHANGE_REFUSED = {
    "due": "its time has come: the call is on its way",
    "dialed": "the call was made already",
    "cancelled": "it was cancelled already",
    "refused": "the calling rules refused the call at its time",
    "withdrawn": "it is over: nobody could be called",
    "orphaned": "the team it was booked with no longer takes calls",
}
#: a booking whose slot has started, whatever its state (the link's end)
PAST = "its time has passed"

Reconciled = Literal["orphaned", "booked"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """A change the rules refuse: ``rule`` for programs, ``reason`` for people."""

    rule: str
    reason: str


def change_refused(state: str, start: float, now: float) -> Refusal | None:
    """Why the booking in ``state`` for the slot from ``start`` cannot be cancelled or
    moved by its customer at ``now``; None when it can."""
    if state != "booked":
        return Refusal(state, CHANGE_REFUSED.get(state, f"it is {state}"))
    if start <= now:
        return Refusal("past", PAST)
    return None


def others(starts: Iterable[float], own: float) -> Counter[float]:
    """The count per slot's start of the bookings ``starts``, less the moving booking's
    own place at ``own``: a booking does not take room from itself."""
    counted = Counter(starts)
    if counted[own] > 0:
        counted[own] -= 1
    return counted


def target(slots: Sequence[Slot], start: float) -> Slot | None:
    """The offered slot that starts at ``start``, if any."""
    return next((slot for slot in slots if slot.start == start), None)


def reconciled(state: str, queue: str, start: float, configured: Collection[str],
               now: float) -> Reconciled | None:
    """The state a booking read back at start takes from the config: ``orphaned`` when
    it is open and its queue is gone, ``booked`` again when its queue is back before its
    slot; None: it stays as it is."""
    if state in ("booked", "due") and queue not in configured:
        return "orphaned"
    if state == "orphaned" and queue in configured and start > now:
        return "booked"
    return None


def orphan_reason(queue: str) -> str:
    return f"queue {queue} is no longer configured"
