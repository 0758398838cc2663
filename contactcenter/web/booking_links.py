"""A customer's private link to their booked callback.

The link is ``/help/bookings/<booking id>/<token>``: the token names the booking and
when it ends (the booking's slot's start), signed (``contactcenter.signing``) under a
key of its own. It is the customer's only credential: whoever holds it may see the
booking, cancel it or move it, until the slot starts; the booking's id in the path
must be the one the token names, so a link cannot be turned on another booking.
Pure: the time comes in.
"""

from __future__ import annotations

import math
from enum import Enum
from urllib.parse import quote

from contactcenter.signing import Signer

PAGE_PREFIX = "/help/bookings/"
#: the path parameters as the API document states them: plain strings, as the recordings'
#: links (a booking's id is ``booking-<uuid>``; a token base64url, a dot, base64url; a
#: pattern would have fuzzers send URLs longer than the server reads)
ID_SCHEMA = {"type": "string"}
TOKEN_SCHEMA = {"type": "string"}


class LinkCheck(Enum):
    """What a link's check found."""

    #: made by us for this booking, and its time has not come
    VALID = "valid"
    #: not ours, or changed: a token nobody signed
    FORGED = "the link is not valid"
    #: ours, for another booking
    OTHER_BOOKING = "the link is for another booking"
    #: ours, for this booking, but its slot has started (or it was moved past it)
    EXPIRED = "the link has expired: the booking's time has passed"


class BookingLinks:
    def __init__(self, secret: bytes) -> None:
        self._signer = Signer(secret, "booked callback links")

    def token(self, booking_id: str, expires: float) -> str:
        return self._signer.sign({"b": booking_id, "e": expires})

    def page(self, booking_id: str, expires: float) -> str:
        """The page's path: the booking's own, for the customer."""
        return f"{PAGE_PREFIX}{quote(booking_id, safe='')}/{self.token(booking_id, expires)}"

    def check(self, token: str, booking_id: str, now: float) -> LinkCheck:
        data = self._signer.open(token)
        if data is None:
            return LinkCheck.FORGED
        named, ends = data.get("b"), data.get("e")
        if not isinstance(named, str) or isinstance(ends, bool) \
                or not isinstance(ends, int | float) or not math.isfinite(ends):
            return LinkCheck.FORGED
        if named != booking_id:
            return LinkCheck.OTHER_BOOKING
        return LinkCheck.VALID if now < ends else LinkCheck.EXPIRED
