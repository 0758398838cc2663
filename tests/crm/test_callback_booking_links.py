"""A customer's own booked callback, through the private link its booking's answer gives
(the API's and the help page's), on the CRM of each engine: they see it, move it to
another slot the queue offers (by the rules of a booking: offered, with room) and cancel
it; a link for another booking, changed, or past its booking's time is refused with why;
a cancelled booking moves no more; each change is news for the supervisors' board."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.web.pages.help_booking import LINKS
from tests.crm import test_callback_booking as booking
from tests.crm.api_client import Api, start_api
from tests.crm.test_callback_gate import KNOWN, Floor, new_york

#: the fixtures and helpers of the feature's own tests
floor, api, iso = booking.floor, booking.api, booking.iso
OTHER = "+12125550177"  # a New York number the CRM does not know


async def _book(api: Api, number: str, hour: int) -> dict[str, str]:
    status, made = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
        "queue": "support", "number": number, "start": iso(new_york(hour))})
    assert status == 201, made
    return made


def _mine(made: dict[str, str]) -> str:
    return f"/api/v1/callbacks/bookings/{made['id']}/link/{made['token']}"


async def test_a_customer_sees_moves_and_cancels_their_booking_through_its_link(
        api: Api, floor: Floor) -> None:
    made = await _book(api, KNOWN, 11)
    assert made["link"] == f"/help/bookings/{made['id']}/{made['token']}"
    status, seen = await api.call("GET", _mine(made), None)
    assert (status, seen["start"], seen["state"], seen["fixed"]) == (
        200, iso(new_york(11)), "booked", None)
    status, moved = await api.call("PATCH", _mine(made), None,
                                   json={"start": iso(new_york(14))})
    assert (status, moved["start"], moved["state"]) == (200, iso(new_york(14)), "booked"), moved
    # its old slot is free again, the supervisors' list says the new one
    _status, slots = await api.call("GET", "/api/v1/callbacks/slots?queue=support", None)
    left = {slot["start"]: slot["left"] for slot in slots["slots"]}
    assert (left[iso(new_york(11))], left[iso(new_york(14))]) == (2, 1)
    _status, listed = await api.call("GET", "/api/v1/callbacks/bookings", "supervisor")
    assert [b["start"] for b in listed["bookings"]] == [iso(new_york(14))]
    status, cancelled = await api.call("DELETE", _mine(moved), None)
    assert (status, cancelled["state"]) == (200, "cancelled")
    status, refused = await api.call("PATCH", _mine(moved), None,
                                     json={"start": iso(new_york(15))})
    assert status == 409 and "cancelled" in refused["error"]
    news = [(e["change"], e["by"], e["state"]) for e in floor.of("callback.changed")]
    assert news == [("moved", "customer", "booked"), ("cancelled", "customer", "cancelled")]


async def test_a_move_keeps_the_rules_of_a_booking(api: Api, floor: Floor) -> None:
    made = await _book(api, KNOWN, 11)
    for number in ("+12125550160", "+12125550161"):  # the 14:00 slot fills up
        await _book(api, number, 14)
    status, full = await api.call("PATCH", _mine(made), None, json={"start": iso(new_york(14))})
    assert (status, full["rule"], full["field"]) == (409, "full", "start")
    status, closed = await api.call("PATCH", _mine(made), None,
                                    json={"start": iso(new_york(18))})
    assert (status, closed["rule"]) == (409, "full")  # the queue is closed at 18:00
    status, same = await api.call("PATCH", _mine(made), None, json={"start": iso(new_york(11))})
    assert (status, same["start"]) == (200, iso(new_york(11)))  # its own place: no change
    assert floor.of("callback.changed") == []


async def test_a_link_for_another_booking_changed_or_past_its_time_is_refused(
        api: Api, floor: Floor) -> None:
    mine, theirs = await _book(api, KNOWN, 11), await _book(api, OTHER, 11)
    crossed = f"/api/v1/callbacks/bookings/{theirs['id']}/link/{mine['token']}"
    status, body = await api.call("DELETE", crossed, None)
    assert (status, body["error"]) == (403, "the link is for another booking")
    token = mine["token"]
    changed = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    status, body = await api.call("DELETE", f"/api/v1/callbacks/bookings/{mine['id']}"
                                            f"/link/{changed}", None)
    assert (status, body["error"]) == (403, "the link is not valid")
    gone = api.app[LINKS].token("booking-gone", new_york(12))
    status, body = await api.call("GET", f"/api/v1/callbacks/bookings/booking-gone/link/"
                                         f"{gone}", None)
    assert status == 404
    floor.clock.now = new_york(11)  # the call's time: the link ends
    status, body = await api.call("GET", _mine(mine), None)
    assert status == 403 and "expired" in body["error"]
    _status, listed = await api.call("GET", "/api/v1/callbacks/bookings", "supervisor")
    assert {b["state"] for b in listed["bookings"]} == {"booked"}  # nothing was changed


async def test_the_help_page_leads_to_the_bookings_own_page_to_move_or_cancel_it(
        api: Api, floor: Floor) -> None:
    page = await (await api.client.get("/help")).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    booked = await api.client.post("/help/callback", data={
        "csrf": csrf.group(1), "name": "Ann", "phone": KNOWN, "topic": "invoice",
        "slot": str(int(new_york(14)))}, allow_redirects=False)
    assert booked.status == 303, await booked.text()
    link = urlsplit(booked.headers["Location"])
    assert link.path.startswith("/help/bookings/booking-") and link.query == "booked=1"
    own = await api.client.get(booked.headers["Location"])
    text = await own.text()
    assert "We will call you back on Wed 07 Jan, 14:00–14:30" in text
    assert own.headers["Referrer-Policy"] == "same-origin"  # the link stays on our site
    assert f'value="{int(new_york(15))}"' in text and "Cancel my call" in text
    moved = await api.client.post(f"{link.path}/move", data={"slot": str(int(new_york(15)))},
                                  allow_redirects=False)
    assert moved.status == 303, await moved.text()
    after = await (await api.client.get(moved.headers["Location"])).text()
    assert "Your call is moved: we will call you back on Wed 07 Jan, 15:00–15:30" in after
    new_path = urlsplit(moved.headers["Location"]).path
    cancelled = await api.client.post(f"{new_path}/cancel", data={}, allow_redirects=False)
    assert cancelled.status == 303
    done = await (await api.client.get(cancelled.headers["Location"])).text()
    assert "Your call on Wed 07 Jan, 15:00–15:30 is cancelled" in done
    assert "Cancel my call" not in done and "It can no longer be changed" in done
    forged = await api.client.get(link.path[:-3] + "xyz")
    assert forged.status == 403 and "does not open a booking" in await forged.text()
    elsewhere = await api.client.post(f"{new_path}/cancel", data={},
                                      headers={"Origin": "https://evil.example"})
    assert elsewhere.status == 403


async def test_an_admins_cancel_is_news_for_the_board_too(api: Api, floor: Floor) -> None:
    made = await _book(api, KNOWN, 11)
    status, _ = await api.call("DELETE", f"/api/v1/callbacks/bookings/{made['id']}", "admin")
    assert status == 200
    assert [(e["change"], e["by"]) for e in floor.of("callback.changed")] == [
        ("cancelled", "admin")]
    status, seen = await api.call("GET", _mine(made), None)
    assert (status, seen["state"]) == (200, "cancelled")
    assert seen["fixed"] == "it was cancelled already"


async def test_the_supervisors_list_shows_a_booking_orphaned_by_its_queue_gone(
        engine: AsyncEngine, floor: Floor, tmp_path: Path) -> None:
    """A booking kept for a queue the config no longer has, read back at start."""
    start = new_york(11)
    (tmp_path / "bookings.jsonl").write_text(json.dumps({
        "id": "booking-old", "queue": "billing", "number": KNOWN, "start": start,
        "end": start + 1800, "booked_at": start - 86_400, "source": "web",
        "state": "booked", "changed_at": start - 86_400}) + "\n")
    served = await start_api(engine, tmp_path, distributor=floor.distributor,
                             gate=floor.gate)
    try:
        status, listed = await served.call("GET", "/api/v1/callbacks/bookings", "admin")
        assert status == 200
        assert [(b["id"], b["state"], b["reason"]) for b in listed["bookings"]] == [
            ("booking-old", "orphaned", "queue billing is no longer configured")]
        floor.agent_ready()
        floor.clock.now = start
        bookings = floor.distributor.bookings
        assert bookings is not None
        bookings.tick()
        await floor.settled()
        assert floor.rings() == [] and floor.distributor.acd.call_state("booking-old") is None
    finally:
        await served.client.close()
    assert "booking-old" in (tmp_path / "bookings.jsonl").read_text()
