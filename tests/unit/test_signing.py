"""The shared signer (``contactcenter.signing``) makes the play links exactly as they were
made before it, so that links handed out before an upgrade still play; and a token of one
purpose passes for no other."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from contactcenter.recordings.tokens import Grant, PlayLinks
from contactcenter.web.booking_links import BookingLinks, LinkCheck

SECRET = b"s" * 32


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _as_before(data: dict[str, object]) -> str:
    """A play link the way the recordings made it before the shared signer."""
    key = hmac.new(SECRET, b"recording play links", hashlib.sha256).digest()
    payload = _b64(json.dumps(data, separators=(",", ":")).encode())
    return f"{payload}.{_b64(hmac.new(key, payload.encode(), hashlib.sha256).digest())}"


def test_a_play_link_is_made_as_before_and_one_made_before_plays() -> None:
    links = PlayLinks(SECRET)
    grant = Grant("sue", 7, "call-c7", 2_000_000_000.0, "voicemail")
    old = _as_before({"u": "sue", "i": 7, "r": "call-c7", "e": 2_000_000_000.0,
                      "k": "voicemail"})
    assert links.token(grant) == old
    assert links.check(old, username="sue", now=1_900_000_000.0, kind="voicemail") == grant


def test_a_play_link_opens_no_booking_nor_a_booking_link_a_recording() -> None:
    play = PlayLinks(SECRET).token(Grant("sue", 7, "booking-1", 2e9))
    bookings = BookingLinks(SECRET)
    assert bookings.check(play, "booking-1", 0.0) is LinkCheck.FORGED
    link = bookings.token("booking-1", 2e9)
    assert PlayLinks(SECRET).check(link, username="sue", now=0.0) is None
