"""Booked callbacks under review, on the CRM of each engine: a number holds one open
booking per queue (a second one, from the API, the help page or the IVR, is refused at
once: neither a customer double-booked nor a queue's slots filled with one number), and a
number put on the do-not-call list after it booked is not dialed at its time."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.calls import Refused
from contactcenter.web.scope import Scopes
from crm_core.db import sessions
from crm_core.models import Contact
from tests.crm import test_callback_booking as booking
from tests.crm.api_client import Api, start_api
from tests.crm.test_callback_gate import KNOWN, Floor, new_york
from tests.support import until

#: the fixtures and helpers of the feature's own tests
floor, api, iso = booking.floor, booking.api, booking.iso
OTHER = "+12125550177"  # a New York number the CRM does not know


async def test_a_number_holds_one_open_booking_per_queue(api: Api, floor: Floor) -> None:
    first = {"queue": "support", "number": KNOWN, "start": iso(new_york(11))}
    status, made = await api.call("POST", "/api/v1/callbacks/bookings", None, json=first)
    assert status == 201, made
    for start in (new_york(11), new_york(14)):  # the same slot again, or another one
        status, body = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
            **first, "start": iso(start)})
        assert (status, body["rule"], body["field"]) == (409, "already_booked", "number")
        assert "11:00" not in body["error"]  # not said: the asker may not be the owner
    status, body = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
        **first, "number": OTHER})
    assert status == 201, body  # another number books the same slot
    # the IVR is told the same, and nobody waits in line for it
    asked = floor.distributor.request_callback(
        "c9", queue="support", number=KNOWN, priority=0, skill=None,
        variables={"callback_slot": "next"})
    assert asked is not None
    answer = await asked
    assert isinstance(answer, Refused) and answer.rule == "already_booked"
    # once it is cancelled, the number may book again
    status, _ = await api.call("DELETE", f"/api/v1/callbacks/bookings/{made['id']}", "admin")
    assert status == 200
    status, body = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
        **first, "start": iso(new_york(14))})
    assert status == 201, body


async def test_the_help_page_says_a_call_is_booked_already(api: Api, floor: Floor) -> None:
    page = await (await api.client.get("/help")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    form = {"csrf": token.group(1), "name": "Ann", "phone": KNOWN, "topic": "invoice",
            "slot": str(int(new_york(14)))}
    booked = await api.client.post("/help/callback", data=form, allow_redirects=False)
    assert booked.status == 303, await booked.text()
    again = await api.client.post("/help/callback", data={**form, "slot": str(int(
        new_york(15)))}, allow_redirects=False)
    text = await again.text()
    assert again.status == 409, text
    assert "already booked" in text and "14:00" not in text


async def test_a_number_put_on_the_do_not_call_list_after_booking_is_not_dialed(
        api: Api, floor: Floor, engine: AsyncEngine) -> None:
    status, made = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
        "queue": "support", "number": KNOWN, "start": iso(new_york(11))})
    assert status == 201, made
    async with sessions(engine)() as session, session.begin():
        await session.execute(update(Contact).where(Contact.first_name == "Ann")
                              .values(do_not_call=True))
    bookings = floor.distributor.bookings
    assert bookings is not None
    floor.agent_ready()
    floor.clock.now = new_york(11)
    bookings.tick()
    await until(lambda: bool(floor.of("callback.refused")), what="no refusal at its time")
    assert floor.of("callback.refused")[0]["rule"] == "do_not_call"
    await until(lambda: bookings.get(made["id"]).state == "refused",  # type: ignore[union-attr]
                what="the booking never said refused")
    await floor.settled()
    assert floor.rings() == []  # no agent rung, nobody dialed
    assert [e for e in floor.published if e["type"] == "call.dialed"] == []


async def test_two_customers_racing_for_the_last_place_get_one_booking(api: Api) -> None:
    """Both requests wait on the CRM's lookup at once; one gets the slot's last place."""
    slot = iso(new_york(11))
    status, _ = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
        "queue": "support", "number": "+12125550170", "start": slot})
    assert status == 201
    answers = await asyncio.gather(*(api.call(
        "POST", "/api/v1/callbacks/bookings", None,
        json={"queue": "support", "number": number, "start": slot})
        for number in ("+12125550171", "+12125550172")))
    assert sorted(status for status, _ in answers) == [201, 409]
    assert [body["rule"] for status, body in answers if status == 409] == ["full"]


async def test_a_supervisor_of_other_queues_sees_none_of_the_bookings(
        floor: Floor, engine: AsyncEngine, tmp_path: Path) -> None:
    served = await start_api(engine, tmp_path, distributor=floor.distributor, gate=floor.gate,
                             supervised=Scopes({"sue": frozenset({"sales"})}, {}))
    try:
        status, made = await served.call("POST", "/api/v1/callbacks/bookings", None, json={
            "queue": "support", "number": KNOWN, "start": iso(new_york(11))})
        assert status == 201, made
        status, listed = await served.call("GET", "/api/v1/callbacks/bookings", "supervisor")
        assert (status, listed["bookings"]) == (200, [])
        status, listed = await served.call("GET", "/api/v1/callbacks/bookings", "manager")
        assert [b["id"] for b in listed["bookings"]] == [made["id"]]
        status, _ = await served.call("DELETE", f"/api/v1/callbacks/bookings/{made['id']}",
                                      "supervisor")
        assert status == 403  # cancelling is the admins'
    finally:
        await served.client.close()


async def test_premium_rate_and_shared_cost_numbers_are_not_booked(api: Api) -> None:
    """The form and the API are public: a booking to a premium-rate number (US 900,
    UK 09, France 089) or a personal number would have the platform pay whoever runs it."""
    for number in ("+19002345678", "+449012345678", "+33892123456", "+447012345678"):
        status, body = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
            "queue": "support", "number": number, "start": iso(new_york(11))})
        assert (status, body.get("rule"), body.get("field")) == (
            409, "costly_number", "number"), number
        status, body = await api.call("GET", f"/api/v1/callbacks/slots?queue=support"
                                             f"&number={number.replace('+', '%2B')}", None)
        assert (status, body.get("rule")) == (409, "costly_number")


async def test_the_help_page_calls_no_premium_rate_number_back(api: Api, floor: Floor) -> None:
    page = await (await api.client.get("/help")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    for slot in ("now", str(int(new_york(14)))):
        refused = await api.client.post("/help/callback", allow_redirects=False, data={
            "csrf": token.group(1), "name": "Mal", "phone": "+19002345678", "topic": "x",
            "slot": slot})
        assert refused.status == 409 and "premium-rate" in await refused.text()
    assert floor.of("callback.booked") == [] and floor.of("call.queued") == []
