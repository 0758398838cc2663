"""A customer's own booked callback, at the private link the help page gave them.

``/help/bookings/{id}/{token}`` shows the booking (when we call, or what became of
it) and, while it may change, a form to move it to another slot the queue offers
and a button to cancel it. The link is the credential (``booking_links``): a token
nobody signed, signed for another booking, or past the booking's time is refused
with a page saying so. The forms carry no CSRF token: the link itself is the
secret another site would need, and whoever has it may change the booking anyway;
they are still refused from another site's page (``Origin``: not the request's
host nor a public origin the ``allowed_origins`` setting lists), sent other than as
the page's form, or too often from one address. Posts redirect back to the page
(post/redirect/get); a move leads to the booking's new link.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from aiohttp import web

from contactcenter.calls.callback.slots import Slot
from contactcenter.engine.booking_store import Booking
from contactcenter.engine.bookings import BookingRefused, Bookings
from contactcenter.web.booking_http import BOOKINGS, CHANGE_LIMIT, SLOTS_LIMIT, limited
from contactcenter.web.booking_link_routes import opened, why_fixed
from contactcenter.web.booking_links import ID_SCHEMA, TOKEN_SCHEMA
from contactcenter.web.http import BadInput, form_object
from contactcenter.web.origins import allowed_origin
from contactcenter.web.pages.help_booking import (
    LINKS,
    REFUSED,
    SLOT_DIGITS,
    slot_of,
    slot_options,
    when,
    zone_name,
    zone_of,
)
from contactcenter.web.pages.render import Markup, fill, join, page, tag
from contactcenter.web.pages.selfservice import FORM, RateLimit
from contactcenter.web.routing import add_route

PAGE = "/help/bookings/{id}/{token}"
#: what the customer is told of a link refused, by the API's reason
LINK_REFUSED = {
    403: "This link does not open a booking: it is not valid, or its call's time has "
         "passed. Please use the link you were given when you booked, or call us.",
    404: "This booking is no longer kept. Please book again, or call us.",
}
#: what the booking's state says to its customer
SAID = {
    "booked": "We will call you back on {when} ({zone} time).",
    "due": "Your call's time has come: we are calling you ({when}).",
    "dialed": "We called you on {when}.",
    "refused": "We could not call you on {when}: the calling rules did not allow it.",
    "withdrawn": "We could not call you on {when}.",
    "cancelled": "Your call on {when} is cancelled.",
    "orphaned": "We can no longer make the call booked for {when}. Please book again, or "
                "call us.",
}
NOTICES = {"booked": "Thank you. We will call you back on {when} ({zone} time).",
           "moved": "Your call is moved: we will call you back on {when} ({zone} time).",
           "cancelled": "Your call is cancelled. You may book another one on the help "
                        "page."}


def _refused_page(status: int, message: str) -> web.Response:
    return page(title="Your callback", body_class="help", status=status,
                main=fill("help_error.html", message=message))


def _opened(request: web.Request, limit: web.AppKey[RateLimit]) -> Booking | web.Response:
    """The booking the link opens, within the address's ``limit``; else a page saying
    why not."""
    try:
        limited(request, limit)
    except BadInput:
        return _refused_page(429, "Too many requests from your address. Please try again "
                                  "later.")
    try:
        return opened(request)
    except BadInput as refused:
        return _refused_page(refused.status, LINK_REFUSED.get(refused.status,
                                                              refused.reason))


async def _other_slots(bookings: Bookings, booking: Booking) -> list[Slot]:
    """The slots the booking may move to: inside its number's calling hours, looked up
    as a booking's are; none when the rules now refuse the number or the queue takes
    bookings no more (a move would be refused: the page offers none)."""
    try:
        callee = await bookings.callee(booking.number)
        slots = bookings.slots(booking.queue, callee, moving=booking)
    except BookingRefused:
        return []
    return [slot for slot in slots if slot.start != booking.start]


async def _change_forms(request: web.Request, bookings: Bookings,
                        booking: Booking) -> Markup:
    """Move and cancel, while the booking may change; else why not."""
    fixed = why_fixed(booking, bookings.now())
    if fixed is not None:
        return tag("p", f"It can no longer be changed: {fixed}.", id="booking-fixed")
    zone, here = zone_of(bookings, booking.queue), request.path
    slots = await _other_slots(bookings, booking)
    move = Markup("")
    if slots:
        choice = tag("select", join(slot_options(slots, zone)), name_="slot", id="move-slot")
        move = tag("form", tag("label", f"Move it to (times in {zone_name(zone)} time) "
                               + choice) + tag("button", "Move my call", type="submit"),
                   method="post", action=f"{here}/move", id="move-form")
    cancel = tag("form", tag("button", "Cancel my call", type="submit"), method="post",
                 action=f"{here}/cancel", id="cancel-form")
    return join([move, cancel])


async def booking_page(request: web.Request) -> web.Response:
    booking = _opened(request, SLOTS_LIMIT)
    if isinstance(booking, web.Response):
        return booking
    bookings = request.app[BOOKINGS]
    zone = zone_of(bookings, booking.queue)
    words = {"when": when(booking.start, booking.end, zone), "zone": zone_name(zone)}
    notice = next((tag("p", NOTICES[key].format(**words), id="notice", class_="notice",
                       role="status") for key in NOTICES if request.query.get(key) == "1"),
                  Markup(""))
    main = fill("help_my_booking.html", notice=notice, said=SAID.get(
        booking.state, "{when}").format(**words),
                change=await _change_forms(request, bookings, booking))
    # the pages' Referrer-Policy (same-origin) keeps the link from other sites; not
    # no-referrer, under which a browser sends the forms' Origin as "null"
    return page(title="Your callback", body_class="help", main=main)


async def _checked(request: web.Request) -> Booking | web.Response:
    """The booking a form of its page changes, or the page saying why not: another
    site's page, too many tries, a link refused, not the page's form."""
    origin = request.headers.get("Origin")
    # the request's own host, or the public origin of a proxy in front (as the sign-in)
    if origin is not None and urlsplit(origin).netloc != request.host \
            and not allowed_origin(request):
        return _refused_page(403, "This form must be sent from your booking's own page.")
    booking = _opened(request, CHANGE_LIMIT)
    if not isinstance(booking, web.Response) and request.content_type != FORM:
        return _refused_page(415, "This form must be sent from your booking's own page.")
    return booking


async def cancel_form(request: web.Request) -> web.Response:
    booking = await _checked(request)
    if isinstance(booking, web.Response):
        return booking
    try:
        request.app[BOOKINGS].cancel(booking.id, by="customer")
    except ValueError:
        return _refused_page(409, f"This call can no longer be cancelled: "
                                  f"{why_fixed(booking, request.app[BOOKINGS].now())}.")
    raise web.HTTPSeeOther(request.path.removesuffix("/cancel") + "?cancelled=1")


async def move_form(request: web.Request) -> web.Response:
    booking = await _checked(request)
    if isinstance(booking, web.Response):
        return booking
    try:
        raw = (await form_object(request)).get("slot")
    except BadInput:
        raw = None
    start = slot_of(raw) if isinstance(raw, str) else None
    if start is None:
        return _refused_page(422, "Please choose one of the times the page offers.")
    bookings = request.app[BOOKINGS]
    try:
        moved = await bookings.move(booking.id, start)
    except ValueError:
        return _refused_page(409, "This call can no longer be moved: "
                                  f"{why_fixed(booking, bookings.now())}.")
    except BookingRefused as refused:
        text = REFUSED.get(refused.rule, REFUSED["full"])
        return _refused_page(409, text.format(reason=refused.reason))
    link = request.app[LINKS].page(moved.id, moved.start)
    raise web.HTTPSeeOther(link + "?" + urlencode({"moved": 1}))


def add_booking_pages(app: web.Application) -> None:
    """The customer's page and its two forms: open routes (the link is the credential),
    in the API document among the pages."""
    for method, path, handler, summary in (
            ("GET", PAGE, booking_page, ("A customer's booked callback at their private "
                                        "link: when, and forms to move or cancel it (HTML)")),
            ("POST", PAGE + "/move", move_form, ("Move the booking to another slot offered "
                                                "(form: slot, Unix seconds; redirects to "
                                                "the new link)")),
            ("POST", PAGE + "/cancel", cancel_form, "Cancel the booking (redirects back)")):
        operation = _operation(summary)
        if method == "POST":
            operation["requestBody"] = _form(path)
        add_route(app, method, path, handler, resource=None, operation=operation)


def _form(path: str) -> dict[str, object]:
    """The page's form: a move's slot (Unix seconds, as the page offers them); none to
    cancel."""
    fields = {"slot": {"type": "string", "pattern": f"^[0-9]{{1,{SLOT_DIGITS}}}$"}} \
        if path.endswith("/move") else {}
    return {"required": path.endswith("/move"), "content": {FORM: {"schema": {
        "type": "object", "required": list(fields), "properties": fields}}}}


def _operation(summary: str) -> dict[str, object]:
    html: dict[str, object] = {"content": {"text/html": {}}}
    return {"summary": summary, "tags": ["pages"], "parameters": [
        {"name": "id", "in": "path", "required": True, "schema": ID_SCHEMA},
        {"name": "token", "in": "path", "required": True, "schema": TOKEN_SCHEMA}],
        "responses": {"200": {"description": "the page", **html},
                      "303": {"description": "done: to the booking's page"},
                      **{str(code): {"description": "refused, with a page saying why",
                                     **html} for code in (403, 404, 409, 415, 422, 429)}}}
