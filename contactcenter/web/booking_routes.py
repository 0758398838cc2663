"""Callbacks booked for a time slot, over the API.

``GET /api/v1/callbacks/slots?queue=...`` (and ``number=...`` for that number's
calling hours) lists the slots a queue offers; ``POST /api/v1/callbacks/bookings``
books one. Both are public, as the help page's callback form is: a customer
books without an account. Like that form they are rate limited per client
address (the slots more loosely than the bookings, which make the platform
dial), and a number the calling rules refuse is told so at once (409, with the
rule). ``GET /api/v1/callbacks/bookings`` lists the bookings for those who read
the live calls (supervisors, managers, admins); ``DELETE`` on one cancels it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from contactcenter.calls.callback.slots import Slot
from contactcenter.engine.booking_staffing import refresh_needs
from contactcenter.engine.booking_store import Booking
from contactcenter.engine.bookings import BookingRefused, Bookings
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import BUS, DATABASE, PRINCIPAL
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.pages.selfservice import RateLimit
from contactcenter.web.routing import add_route
from contactcenter.web.scope import scopes
from crm_core.phones import try_e164

BOOKINGS: web.AppKey[Bookings] = web.AppKey("bookings", Bookings)
#: slots are read far more often than booked: looser than the bookings' limit
SLOTS_LIMIT: web.AppKey[RateLimit] = web.AppKey("slots_rate_limit", RateLimit)
BOOKING_LIMIT: web.AppKey[RateLimit] = web.AppKey("booking_rate_limit", RateLimit)
MAX_TEXT = {"name": 120, "topic": 200, "number": 40, "queue": 64}


def _limited(request: web.Request, key: web.AppKey[RateLimit]) -> None:
    if not request.app[key].allow(request.remote or "?", time.monotonic()):
        raise BadInput(429, "too many requests from this address; try again later")


def slot_json(slot: Slot) -> dict[str, Any]:
    return {"start": _iso(slot.start), "end": _iso(slot.end), "left": slot.left}


def booking_json(booking: Booking) -> dict[str, Any]:
    return {"id": booking.id, "queue": booking.queue, "number": booking.number,
            "start": _iso(booking.start), "end": _iso(booking.end),
            "booked_at": _iso(booking.booked_at), "source": booking.source,
            "name": booking.name, "topic": booking.topic, "state": booking.state}


def _iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat()


def _number(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_TEXT["number"]:
        raise BadInput(422, "number: the phone number to call back", "number")
    number = try_e164(raw)
    if number is None:
        raise BadInput(422, f"number: {raw!r} is not a phone number we can call", "number")
    return number


def refused(exc: BookingRefused) -> web.Response:
    status = 422 if exc.field == "queue" else 409
    return web.json_response({"error": exc.reason, "rule": exc.rule, "field": exc.field},
                             status=status)


async def slots(request: web.Request) -> web.Response:
    _limited(request, SLOTS_LIMIT)
    bookings = request.app[BOOKINGS]
    queue = request.query.get("queue", "")
    raw = request.query.get("number")
    number = _number(raw) if raw is not None else None
    try:
        config = bookings.config(queue)
        callee = await bookings.callee(number) if number is not None else None
    except BookingRefused as exc:
        return refused(exc)
    zone = config.hours.zone.key if config.hours is not None else "UTC"
    return web.json_response({"queue": queue, "zone": zone, "number": number,
                              "slots": [slot_json(s) for s in bookings.slots(queue, callee)]})


def _start(raw: object) -> float:
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


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > MAX_TEXT[name]:
        raise BadInput(422, f"{name}: text of at most {MAX_TEXT[name]} characters", name)
    return value.strip()


async def book(request: web.Request) -> web.Response:
    _limited(request, BOOKING_LIMIT)
    body = await json_object(request)
    queue = body.get("queue")
    if not isinstance(queue, str) or not queue or len(queue) > MAX_TEXT["queue"]:
        raise BadInput(422, "queue: the queue to be called back from", "queue")
    number, start = _number(body.get("number")), _start(body.get("start"))
    name, topic = _text(body, "name"), _text(body, "topic")
    try:
        booking = await request.app[BOOKINGS].book(queue, number, start, source="api",
                                                   name=name, topic=topic)
    except BookingRefused as exc:
        return refused(exc)
    return web.json_response(booking_json(booking), status=201)


async def listing(request: web.Request) -> web.Response:
    """A supervisor sees their own queues' bookings, as on the board."""
    scope, principal = scopes(request), request[PRINCIPAL]
    return web.json_response({"bookings": [
        booking_json(b) for b in request.app[BOOKINGS].listing()
        if scope.sees_queue(principal, b.queue)]})


async def cancel(request: web.Request) -> web.Response:
    booking_id = request.match_info["id"]
    known = request.app[BOOKINGS].get(booking_id)
    if known is not None and not scopes(request).sees_queue(request[PRINCIPAL], known.queue):
        known = None
    if known is None:
        raise BadInput(404, f"no booking {booking_id!r}", "id")
    try:
        booking = request.app[BOOKINGS].cancel(booking_id)
    except KeyError:
        raise BadInput(404, f"no booking {booking_id!r}", "id") from None
    except ValueError as exc:
        raise BadInput(409, f"{exc}: only a booking not yet due is cancelled", "id") from None
    return web.json_response(booking_json(booking))


_SLOT = {"type": "object", "properties": {
    "start": {"type": "string", "format": "date-time"},
    "end": {"type": "string", "format": "date-time"}, "left": {"type": "integer"}}}
_BOOKING = {"type": "object", "properties": {
    name: {"type": "string"} for name in ("id", "queue", "number", "start", "end",
                                          "booked_at", "source", "name", "topic")} | {
    "state": {"type": "string", "enum": ["booked", "due", "dialed", "refused", "withdrawn",
                                         "cancelled"]}}}
_REFUSAL = "the calling rules refuse this number (`rule`: costly_number, do_not_call, " \
           "unknown_time_zone, " \
           "calling_hours, lookup_failed), the number holds an open booking for the queue " \
           "already (`already_booked`), or the slot is not offered (`full`, `no_slot`)"
_QUERY = [{"name": "queue", "in": "query", "required": True,
           "schema": {"type": "string", "maxLength": 64}},
          {"name": "number", "in": "query", "required": False,
           "schema": {"type": "string", "maxLength": 40},
           "description": "only the slots inside this number's calling hours; refused "
                          "(409) when the rules refuse the number at any time"}]
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/callbacks/slots"): {
        "summary": "The slots a queue offers for a booked callback (public, rate limited)",
        "parameters": _QUERY,
        "responses": {"200": json_content({"type": "object", "properties": {
            "queue": {"type": "string"}, "zone": {"type": "string"},
            "number": {"type": ["string", "null"]},
            "slots": {"type": "array", "items": _SLOT}}}),
            "409": ERROR, "422": ERROR, "429": ERROR}},
    ("POST", "/api/v1/callbacks/bookings"): {
        "summary": "Book a callback for a slot (public, rate limited)",
        "description": f"Refused with 409 when {_REFUSAL}.",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["queue", "number", "start"], "properties": {
                "queue": {"type": "string", "maxLength": 64},
                "number": {"type": "string", "maxLength": 40},
                "start": {"type": "string", "format": "date-time", "maxLength": 40,
                          "description": "a slot's start, as the slots list gives it"},
                "name": {"type": "string", "maxLength": 120},
                "topic": {"type": "string", "maxLength": 200}}}}}},
        "responses": {"201": json_content(_BOOKING, "booked"), "400": ERROR, "409": ERROR,
                      "413": ERROR, "422": ERROR, "429": ERROR}},
    ("GET", "/api/v1/callbacks/bookings"): {
        "summary": "The callbacks booked, by slot (those still to come and the last days')",
        "responses": {"200": json_content({"type": "object", "properties": {
            "bookings": {"type": "array", "items": _BOOKING}}}), "401": ERROR, "403": ERROR}},
    ("DELETE", "/api/v1/callbacks/bookings/{id}"): {
        "summary": "Cancel a booked callback not yet due",
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "string"}}],
        "responses": {"200": json_content(_BOOKING, "cancelled"), "401": ERROR,
                      "403": ERROR, "404": ERROR, "409": ERROR}},
}


def add_booking_routes(app: web.Application, bookings: Bookings) -> None:
    """The routes, and the task that releases bookings at their slot's start."""
    app[BOOKINGS] = bookings
    app[SLOTS_LIMIT] = RateLimit(count=60, window=600)
    app[BOOKING_LIMIT] = RateLimit(count=5, window=600)
    routes = ((slots, None, "read"), (book, None, "create"), (listing, "calls", "read"),
              (cancel, "calls", "delete"))
    for (method, path), (handler, resource, action) in zip(OPERATIONS, routes, strict=True):
        add_route(app, method, path, handler, resource=resource, action=action,
                  operation=OPERATIONS[(method, path)])
    app.cleanup_ctx.append(_releasing)


async def _releasing(app: web.Application) -> AsyncIterator[None]:
    """Bookings released at their time, and the queues' staffing from the CRM's history,
    for as long as the app runs."""
    tasks = [asyncio.ensure_future(app[BOOKINGS].run(app[BUS]))]
    if DATABASE in app:
        tasks.append(asyncio.ensure_future(refresh_needs(app[BOOKINGS], app[DATABASE])))
    yield
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
