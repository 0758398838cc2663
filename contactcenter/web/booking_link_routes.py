"""A customer's own booking, over the API, through the private link they were given.

``/api/v1/callbacks/bookings/{id}/link/{token}``: ``GET`` shows the booking, ``DELETE``
cancels it, ``PATCH`` with ``{"start"}`` moves it to another slot the queue offers
(by the rules of a new booking). The token (``contactcenter.web.booking_links``) is
the only credential: public routes, rate limited per address like the booking
itself. A token nobody signed or signed for another booking is a 403, one whose
booking's time has passed a 403 too, each with its reason; a booking the platform
no longer keeps a 404; a change the booking's state refuses (due, dialed,
cancelled) a 409.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from contactcenter.calls.callback.changes import change_refused
from contactcenter.engine.booking_store import Booking
from contactcenter.engine.bookings import BookingRefused
from contactcenter.web.booking_http import (
    BOOKING_SCHEMA,
    BOOKINGS,
    CHANGE_LIMIT,
    SLOTS_LIMIT,
    booking_json,
    limited,
    refused,
    slot_start,
)
from contactcenter.web.booking_links import ID_SCHEMA, TOKEN_SCHEMA, LinkCheck
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.pages.help_booking import LINKS
from contactcenter.web.routing import add_route

PATH = "/api/v1/callbacks/bookings/{id}/link/{token}"


def opened(request: web.Request) -> Booking:
    """The booking the request's link opens; BadInput (403, 404) says why not."""
    bookings, booking_id = request.app[BOOKINGS], request.match_info["id"]
    now = bookings.now()
    found = request.app[LINKS].check(request.match_info["token"], booking_id, now)
    if found is not LinkCheck.VALID:
        raise BadInput(403, found.value, "token")
    booking = bookings.get(booking_id)
    if booking is None:
        raise BadInput(404, "this booking is no longer kept", "id")
    if booking.start <= now:  # moved to an earlier slot that has started since
        raise BadInput(403, LinkCheck.EXPIRED.value, "token")
    return booking


def with_link(request: web.Request, booking: Booking) -> dict[str, Any]:
    """The booking with the customer's link to it: the page's path and its token, valid
    until the booking's slot starts."""
    links = request.app[LINKS]
    return booking_json(booking) | {"link": links.page(booking.id, booking.start),
                                    "token": links.token(booking.id, booking.start)}


def why_fixed(booking: Booking, now: float) -> str | None:
    """Why the customer can no longer change the booking; None while they can."""
    said = change_refused(booking.state, booking.start, now)
    return said.reason if said is not None else None


async def show(request: web.Request) -> web.Response:
    limited(request, SLOTS_LIMIT)
    booking = opened(request)
    return web.json_response(booking_json(booking) | {
        "fixed": why_fixed(booking, request.app[BOOKINGS].now())})


async def cancel(request: web.Request) -> web.Response:
    limited(request, CHANGE_LIMIT)
    booking = opened(request)
    try:
        request.app[BOOKINGS].cancel(booking.id, by="customer")
    except ValueError as exc:
        raise BadInput(409, str(exc), "id") from None
    return web.json_response(booking_json(booking))


async def move(request: web.Request) -> web.Response:
    limited(request, CHANGE_LIMIT)
    booking = opened(request)
    start = slot_start((await json_object(request)).get("start"))
    try:
        moved = await request.app[BOOKINGS].move(booking.id, start)
    except ValueError as exc:
        raise BadInput(409, str(exc), "id") from None
    except BookingRefused as exc:
        return refused(exc)
    return web.json_response(with_link(request, moved))


LINKED = {**BOOKING_SCHEMA, "properties": {
    **BOOKING_SCHEMA["properties"],  # type: ignore[dict-item]
    "link": {"type": "string", "description": "the customer's private page for the "
                                              "booking (a path on the platform)"},
    "token": {"type": "string", "description": "the link's credential, for the routes "
                                               "under /api/v1/callbacks/bookings/{id}/link"}}}
SHOWN = {**BOOKING_SCHEMA, "properties": {
    **BOOKING_SCHEMA["properties"],  # type: ignore[dict-item]
    "fixed": {"type": ["string", "null"]}}}
_PARAMETERS = [{"name": "id", "in": "path", "required": True, "schema": ID_SCHEMA},
               {"name": "token", "in": "path", "required": True, "schema": TOKEN_SCHEMA,
                "description": "the token the booking's answer gave"}]
_REFUSED = {"403": ERROR, "404": ERROR, "429": ERROR}
OPERATIONS: dict[str, dict[str, Any]] = {
    "GET": {"summary": "A customer's booking, through their link (public, rate limited)",
            "description": "`fixed`: why it can no longer be changed (null while it can)",
            "parameters": _PARAMETERS,
            "responses": {"200": json_content(SHOWN), **_REFUSED}},
    "DELETE": {"summary": "The customer cancels their booking, through their link",
               "parameters": _PARAMETERS,
               "responses": {"200": json_content(BOOKING_SCHEMA, "cancelled"), **_REFUSED,
                             "409": ERROR}},
    "PATCH": {"summary": "The customer moves their booking to another slot offered, "
                         "through their link: the answer has the new link",
              "parameters": _PARAMETERS,
              "requestBody": {"required": True, "content": {"application/json": {
                  "schema": {"type": "object", "required": ["start"], "properties": {
                      "start": {"type": "string", "format": "date-time",
                                "maxLength": 40}}}}}},
              "responses": {"200": json_content(LINKED, "moved"), **_REFUSED, "400": ERROR,
                            "409": ERROR, "413": ERROR, "422": ERROR}},
}


def add_booking_link_routes(app: web.Application) -> None:
    for method, handler in (("GET", show), ("DELETE", cancel), ("PATCH", move)):
        add_route(app, method, PATH, handler, resource=None,
                  action="delete" if method == "DELETE" else "read",
                  operation=OPERATIONS[method])
