"""What the journal says was promised: the callbacks a restart must not forget."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: the events after which a promise no longer stands: withdrawn (no outbound peer),
#: refused by the rules, or the call abandoned before the promise was made good
_UNDONE = frozenset({"callback.withdrawn", "callback.refused", "call.abandoned"})


def promised(events: Iterable[Mapping[str, object]]) -> tuple[str, str, float] | None:
    """(queue, number, when) of the callback a call's events promised, unless undone."""
    promise = None
    for event in events:
        kind = event["type"]
        if kind == "callback.requested" and _booked(event):
            promise = None  # a slot was booked: the bookings keep it (engine/bookings.py)
        elif kind == "callback.requested" and event.get("queue") and event.get("number"):
            promise = (str(event["queue"]), str(event["number"]), _time(event))
        elif kind == "call.overflowed" and event.get("kind") == "callback" \
                and event.get("target"):
            promise = (str(event["queue"]), str(event["target"]), _time(event))
        elif kind in _UNDONE and promise is not None:
            promise = None
    return promise


def _booked(event: Mapping[str, object]) -> bool:
    """A callback node that booked a slot (its ``callback_slot`` variable)."""
    variables = event.get("variables")
    return isinstance(variables, Mapping) and bool(variables.get("callback_slot"))


def _time(event: Mapping[str, object]) -> float:
    return float(str(event["time"]))  # (a float's text reads back as the same float)
