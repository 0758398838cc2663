"""What the bookings' routes share: the app's keys, the rate limits, a booking and a slot
as JSON, and the checks of what a request sends. The staff's and the booking's own
routes (``booking_routes``) and the customer's, through their link
(``booking_link_routes``), answer alike."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from aiohttp import web

from contactcenter.calls.callback.slots import Slot
from contactcenter.engine.booking_store import Booking
from contactcenter.engine.bookings import BookingRefused, Bookings
from contactcenter.web.http import BadInput
from contactcenter.web.pages.selfservice import RateLimit

BOOKINGS: web.AppKey[Bookings] = web.AppKey("bookings", Bookings)
#: slots are read far more often than booked: looser than the bookings' limit
SLOTS_LIMIT: web.AppKey[RateLimit] = web.AppKey("slots_rate_limit", RateLimit)
BOOKING_LIMIT: web.AppKey[RateLimit] = web.AppKey("booking_rate_limit", RateLimit)
#: a customer's moves and cancels through their link (and the tries of bad links)
CHANGE_LIMIT: web.AppKey[RateLimit] = web.AppKey("booking_change_rate_limit", RateLimit)
MAX_TEXT = {"name": 120, "topic": 200, "number": 40, "queue": 64}
STATES = ["booked", "due", "dialed", "refused", "withdrawn", "cancelled", "orphaned"]
BOOKING_SCHEMA = {"type": "object", "properties": {
    name: {"type": "string"} for name in ("id", "queue", "number", "start", "end",
                                          "booked_at", "source", "name", "topic",
                                          "reason")} | {
    "state": {"type": "string", "enum": STATES}}}


def limited(request: web.Request, key: web.AppKey[RateLimit]) -> None:
    if not request.app[key].allow(request.remote or "?", time.monotonic()):
        raise BadInput(429, "too many requests from this address; try again later")


def slot_json(slot: Slot) -> dict[str, Any]:
    return {"start": iso(slot.start), "end": iso(slot.end), "left": slot.left}


def booking_json(booking: Booking) -> dict[str, Any]:
    return {"id": booking.id, "queue": booking.queue, "number": booking.number,
            "start": iso(booking.start), "end": iso(booking.end),
            "booked_at": iso(booking.booked_at), "source": booking.source,
            "name": booking.name, "topic": booking.topic, "state": booking.state,
            "reason": booking.reason}


def iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat()


def refused(exc: BookingRefused) -> web.Response:
    status = 422 if exc.field == "queue" else 409
    return web.json_response({"error": exc.reason, "rule": exc.rule, "field": exc.field},
                             status=status)


def slot_start(raw: object) -> float:
    """A slot's start as the slots list gives it (ISO 8601 with its offset)."""
    if not isinstance(raw, str) or len(raw) > 40:
        raise BadInput(422, "start: the slot's start, as the slots list gives it", "start")
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise BadInput(422, f"start: {raw!r} is not a date and time", "start") from None
    if moment.tzinfo is None:
        raise BadInput(422, "start: with its offset from UTC, as the slots list gives it",
                       "start")
    try:
        return moment.timestamp()
    except (OverflowError, OSError, ValueError):
        raise BadInput(422, f"start: {raw!r} is out of range", "start") from None
