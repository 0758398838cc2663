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
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from contactcenter.engine.booking_staffing import refresh_needs
from contactcenter.engine.bookings import BookingRefused, Bookings
from contactcenter.web.auth import load_secret
from contactcenter.web.booking_http import (
    BOOKING_LIMIT,
    BOOKING_SCHEMA,
    BOOKINGS,
    CHANGE_LIMIT,
    MAX_TEXT,
    SLOTS_LIMIT,
    booking_json,
    limited,
    refused,
    slot_json,
    slot_start,
)
from contactcenter.web.booking_http import limited as _limited  # noqa: F401 - tests
from contactcenter.web.booking_link_routes import LINKED, add_booking_link_routes, with_link
from contactcenter.web.booking_links import BookingLinks
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import BUS, DATABASE, PRINCIPAL
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.pages.help_booking import LINKS
from contactcenter.web.pages.my_booking import add_booking_pages
from contactcenter.web.pages.selfservice import RateLimit
from contactcenter.web.routing import add_route
from contactcenter.web.scope import scopes
from crm_core.phones import try_e164


def _number(raw: object) -> str:
    if not isinstance(raw, str) or not raw.strip() or len(raw) > MAX_TEXT["number"]:
        raise BadInput(422, "number: the phone number to call back", "number")
    number = try_e164(raw)
    if number is None:
        raise BadInput(422, f"number: {raw!r} is not a phone number we can call", "number")
    return number


async def slots(request: web.Request) -> web.Response:
    limited(request, SLOTS_LIMIT)
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


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > MAX_TEXT[name]:
        raise BadInput(422, f"{name}: text of at most {MAX_TEXT[name]} characters", name)
    return value.strip()


async def book(request: web.Request) -> web.Response:
    limited(request, BOOKING_LIMIT)
    body = await json_object(request)
    queue = body.get("queue")
    if not isinstance(queue, str) or not queue or len(queue) > MAX_TEXT["queue"]:
        raise BadInput(422, "queue: the queue to be called back from", "queue")
    number, start = _number(body.get("number")), slot_start(body.get("start"))
    name, topic = _text(body, "name"), _text(body, "topic")
    try:
        booking = await request.app[BOOKINGS].book(queue, number, start, source="api",
                                                   name=name, topic=topic)
    except BookingRefused as exc:
        return refused(exc)
    return web.json_response(with_link(request, booking), status=201)


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
        raise BadInput(409, f"{exc} (only a booking not yet due is cancelled)", "id") from None
    return web.json_response(booking_json(booking))


_SLOT = {"type": "object", "properties": {
    "start": {"type": "string", "format": "date-time"},
    "end": {"type": "string", "format": "date-time"}, "left": {"type": "integer"}}}
_BOOKING = BOOKING_SCHEMA
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
        "description": f"Refused with 409 when {_REFUSAL}. The answer's `link` is the "
                       "customer's private page for the booking, `token` the same link's "
                       "credential for the API's routes under "
                       "/api/v1/callbacks/bookings/{id}/link/{token}.",
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["queue", "number", "start"], "properties": {
                "queue": {"type": "string", "maxLength": 64},
                "number": {"type": "string", "maxLength": 40},
                "start": {"type": "string", "format": "date-time", "maxLength": 40,
                          "description": "a slot's start, as the slots list gives it"},
                "name": {"type": "string", "maxLength": 120},
                "topic": {"type": "string", "maxLength": 200}}}}}},
        "responses": {"201": json_content(LINKED, "booked"), "400": ERROR, "409": ERROR,
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


def add_booking_routes(app: web.Application, bookings: Bookings,
                       secret: bytes | None = None) -> None:
    """The routes, the customers' own (their links: the API's and the help page's), and
    the task that releases bookings at their slot's start. ``secret``: the platform's
    (the state folder's, where the bookings are kept, by default)."""
    app[BOOKINGS] = bookings
    app[LINKS] = BookingLinks(secret if secret is not None else load_secret(bookings.folder))
    app[SLOTS_LIMIT] = RateLimit(count=60, window=600)
    app[BOOKING_LIMIT] = RateLimit(count=5, window=600)
    app[CHANGE_LIMIT] = RateLimit(count=20, window=600)
    routes = ((slots, None, "read"), (book, None, "create"), (listing, "calls", "read"),
              (cancel, "calls", "delete"))
    for (method, path), (handler, resource, action) in zip(OPERATIONS, routes, strict=True):
        add_route(app, method, path, handler, resource=resource, action=action,
                  operation=OPERATIONS[(method, path)])
    add_booking_link_routes(app)
    add_booking_pages(app)
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
