"""The help page's callback form, booked for a time slot.

The form offers "as soon as an agent is free" and the slots the support queue
offers (``contactcenter.calls.callback.slots``: inside its hours, with room,
at least the lead time ahead), shown in the queue's time zone. A slot chosen
is booked through ``contactcenter.engine.bookings``: a number the calling
rules refuse (the do-not-call list, an unknown local time, a slot outside the
hours the number may be called in) is told so at once, on the page, with what
to do instead. A booking made leads to its own page (``my_booking``), at the
customer's private link, where they may move or cancel it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from contactcenter.calls.callback.slots import Slot
from contactcenter.engine.bookings import BookingRefused, Bookings
from contactcenter.web.acd_routes import DISTRIBUTOR
from contactcenter.web.booking_links import BookingLinks
from contactcenter.web.pages.render import Markup, join, tag

#: the most digits of a slot's start in a form (Unix seconds): until the year 5138
SLOT_DIGITS = 11
#: the customers' private links to their bookings
LINKS: web.AppKey[BookingLinks] = web.AppKey("booking_links", BookingLinks)

#: what a visitor is told when a booking is refused, by rule; {reason}: the rules' own words
REFUSED = {
    "do_not_call": "This number is on our do-not-call list, so we cannot call it back. "
                   "Please call us, or write to us below.",
    "unknown_time_zone": "We cannot tell the local time where this number rings, so we "
                         "cannot book a call to it. Please call us, or write to us below.",
    "calling_hours": "We may not call this number at that time ({reason}). Please choose "
                     "another time.",
    "full": "That time is no longer free. Please choose another one.",
    "no_slot": "No time is free for a call to this number in the coming days. Please ask "
               "to be called as soon as an agent is free, or write to us below.",
    "lookup_failed": "Callbacks cannot be booked right now. Please call us.",
    "costly_number": "We do not call back premium-rate or shared-cost numbers. Please "
                     "give us another number.",
    "already_booked": "A call to this number is already booked. We will call at the "
                      "time chosen; to change it, open the link you were given when you "
                      "booked, or call us.",
}


def bookings_of(request: web.Request, queue: str) -> Bookings | None:
    """The bookings, when ``queue`` takes them."""
    distributor = request.app.get(DISTRIBUTOR)
    bookings = distributor.bookings if distributor is not None else None
    return bookings if bookings is not None and queue in bookings.queues() else None


def slot_choices(request: web.Request, queue: str) -> Markup:
    """The form's choice of time: now, or one of the slots offered."""
    bookings = bookings_of(request, queue)
    if bookings is None:
        return Markup("")
    zone = zone_of(bookings, queue)
    options = [tag("option", "As soon as an agent is free", value="now")]
    options += slot_options(bookings.slots(queue), zone)
    label = f"When should we call? (times in {zone_name(zone)} time)"
    return tag("label", label + " " + tag("select", join(options), name_="slot", id="slot"))


def slot_options(slots: Iterable[Slot], zone: ZoneInfo) -> list[Markup]:
    return [tag("option", when(slot.start, slot.end, zone), value=str(int(slot.start)))
            for slot in slots]


def booked_notice(request: web.Request, queue: str) -> Markup | None:
    """The thanks for a booking just made (``?booked=START``)."""
    start, bookings = slot_of(request.query.get("booked", "")), bookings_of(request, queue)
    if start is None or bookings is None:
        return None
    config = bookings.config(queue)
    assert config.callback_slots is not None
    zone = zone_of(bookings, queue)
    said = when(start, start + config.callback_slots.slot_seconds, zone)
    return tag("p", f"Thank you. We will call you back on {said} ({zone_name(zone)} time).",
               id="notice", class_="notice", role="status")


async def book(request: web.Request, queue: str, raw_slot: str, *, number: str, name: str,
               topic: str) -> tuple[int, str]:
    """Book the slot chosen; (status, what to tell the visitor) when refused, else the
    redirect to the thanks."""
    bookings, start = bookings_of(request, queue), slot_of(raw_slot)
    if bookings is None or start is None:
        return 422, "Please choose one of the times the form offers."
    try:
        booking = await bookings.book(queue, number, start, source="web",
                                      name=name, topic=topic)
    except BookingRefused as refused:
        text = REFUSED.get(refused.rule, REFUSED["lookup_failed"])
        return 409, text.format(reason=refused.reason)
    # the booking's own page: the thanks, and the private link to move or cancel it
    page = request.app[LINKS].page(booking.id, booking.start)
    raise web.HTTPSeeOther(page + "?" + urlencode({"booked": 1}))


def slot_of(raw: str) -> float | None:
    """A slot's start as the forms give it (Unix seconds: 0-9 only, at most 11 of them, a
    date any calendar holds); None for anything else."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > SLOT_DIGITS:
        return None
    return float(raw)


def zone_of(bookings: Bookings, queue: str) -> ZoneInfo:
    """The queue's clock (UTC for a queue without hours, or one no longer configured)."""
    config = bookings.acd.queues.get(queue)
    hours = config.hours if config is not None else None
    return hours.zone if hours is not None else ZoneInfo("UTC")


def zone_name(zone: ZoneInfo) -> str:
    return zone.key.replace("_", " ")


def when(start: float, end: float, zone: ZoneInfo) -> str:
    begins = dt.datetime.fromtimestamp(start, zone)
    ends = dt.datetime.fromtimestamp(end, zone)
    return f"{begins:%a %d %b}, {begins:%H:%M}–{ends:%H:%M}"
