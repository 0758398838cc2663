"""Callbacks booked for a time slot, over the API and the help page, on the CRM of each
engine: the slots a queue offers (its hours, its staffing, the number's calling hours),
a number the rules refuse told so when it books, bookings kept through a restart, and
each one released at its slot's start as a callback that rings an agent of its queue."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.acd import Acd, parse_acd
from contactcenter.calls import CallGate, Cleared, Refused
from contactcenter.dialer.compliance import CallingWindow
from contactcenter.engine.booking_staffing import inbound_need
from contactcenter.engine.booking_store import BookingStore
from contactcenter.engine.bookings import Bookings
from contactcenter.engine.callees import callee_lookup
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.telephony import commands as dc
from crm_core.customers import CustomerService
from crm_core.db import sessions
from tests.crm.api_client import Api, start_api
from tests.crm.call_history_support import call, plant
from tests.crm.test_callback_gate import DNC, KNOWN, Floor, WallClock, _contacts, new_york
from tests.support import until

CONFIG = parse_acd(
    {"queues": {"support": {
        "strategy": "longest_idle",
        "hours": {"timezone": "America/New_York",
                  "weekly": {day: "09:00-17:00" for day in ("mon", "tue", "wed", "thu",
                                                            "fri")}},
        "callback_slots": {"slot_seconds": 1800, "lead_seconds": 900, "share": 0.5,
                           "handle_seconds": 360}},
        "sales": {"strategy": "longest_idle"}}},
    {"agents": {"agent101": {"queues": {"support": 1}}}})
#: one agent on the roster: 0.5 x 1 x 1800 / 360 = 2 callbacks a slot
CAPACITY = 2


def iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat()


@pytest.fixture
async def floor(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Floor]:
    await _contacts(engine)
    sent: list[dc.DriverCommand] = []
    published: list[dict[str, Any]] = []

    async def send(command: dc.DriverCommand) -> None:
        sent.append(command)

    clock = WallClock(new_york(10))  # Wednesday 7 January 2026, 10:00 in New York
    distributor = Distributor(Acd(CONFIG, now=clock()), send=send, publish=published.append,
                              clock=clock)
    distributor.dial_out = True
    gate = Gatekeeper(CallGate(CallingWindow()), publish=published.append, clock=clock,
                      lookup=callee_lookup(CustomerService(sessions(engine))))
    distributor.gate = gate
    gate.on_resume, gate.on_refused = distributor.resume_callback, distributor.drop_callback
    runner = asyncio.ensure_future(distributor.run())
    yield Floor(distributor, gate, clock, sent, published)
    runner.cancel()


@pytest.fixture
async def api(floor: Floor, engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Api]:
    served = await start_api(engine, tmp_path, distributor=floor.distributor, gate=floor.gate)
    try:
        yield served
    finally:
        await served.client.close()


async def test_slots_are_inside_the_hours_and_the_numbers_calling_hours(api: Api) -> None:
    status, body = await api.call("GET", "/api/v1/callbacks/slots?queue=support", None)
    assert status == 200, body
    assert body["zone"] == "America/New_York"
    starts = [dt.datetime.fromisoformat(slot["start"]).timestamp() for slot in body["slots"]]
    assert starts[0] == new_york(10, 30)  # 15 minutes ahead at least, on the half hour
    assert starts[len(starts) // 2] > new_york(17)  # later days too, but only 9 to 5:
    ny = [dt.datetime.fromisoformat(s["start"]).astimezone(
        dt.timezone(dt.timedelta(hours=-5))) for s in body["slots"]]
    assert all(9 <= moment.hour < 17 and moment.weekday() < 5 for moment in ny)
    assert {slot["left"] for slot in body["slots"]} == {CAPACITY}
    status, known = await api.call("GET", f"/api/v1/callbacks/slots?queue=support"
                                          f"&number={KNOWN}", None)
    assert status == 200 and known["number"] == KNOWN


async def test_bad_input_and_refused_numbers_are_named(api: Api) -> None:
    status, body = await api.call("GET", "/api/v1/callbacks/slots?queue=nowhere", None)
    assert (status, body["field"]) == (422, "queue")
    status, body = await api.call("GET", "/api/v1/callbacks/slots?queue=sales", None)
    assert (status, body["field"]) == (422, "queue")  # a queue that takes no bookings
    status, body = await api.call("GET", f"/api/v1/callbacks/slots?queue=support"
                                         f"&number={DNC}", None)
    assert (status, body["rule"], body["field"]) == (409, "do_not_call", "number")
    status, body = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
        "queue": "support", "number": "not a number", "start": iso(new_york(11))})
    assert (status, body["field"]) == (422, "number")
    status, body = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
        "queue": "support", "number": KNOWN, "start": "tomorrow"})
    assert (status, body["field"]) == (422, "start")


async def test_a_booking_is_refused_when_it_is_made_not_later(api: Api) -> None:
    status, body = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
        "queue": "support", "number": DNC, "start": iso(new_york(11))})
    assert (status, body["rule"]) == (409, "do_not_call")
    # the queue is closed at 18:00, and the slot was never offered
    status, body = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
        "queue": "support", "number": KNOWN, "start": iso(new_york(18))})
    assert (status, body["rule"], body["field"]) == (409, "full", "start")


async def test_a_slot_takes_its_capacity_and_no_more(api: Api, floor: Floor) -> None:
    body = {"queue": "support", "number": KNOWN, "start": iso(new_york(11))}
    for index in range(CAPACITY):  # (a number holds one open booking: one number each)
        status, made = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
            **body, "number": f"+1212555016{index}"})
        assert status == 201, made
    status, full = await api.call("POST", "/api/v1/callbacks/bookings", None, json=body)
    assert (status, full["rule"]) == (409, "full")
    status, listed = await api.call("GET", "/api/v1/callbacks/bookings", "supervisor")
    assert status == 200
    assert [(b["start"], b["state"]) for b in listed["bookings"]] == [
        (iso(new_york(11)), "booked")] * CAPACITY
    assert (await api.call("GET", "/api/v1/callbacks/bookings", "agent"))[0] == 403
    assert (await api.call("GET", "/api/v1/callbacks/bookings", None))[0] == 401
    _status, slots = await api.call("GET", "/api/v1/callbacks/slots?queue=support", None)
    assert iso(new_york(11)) not in [slot["start"] for slot in slots["slots"]]
    booked = [e for e in floor.published if e["type"] == "callback.booked"]
    assert len(booked) == CAPACITY and booked[0]["start"] == new_york(11)


async def test_a_booking_is_released_at_its_slot_and_rings_an_agent(
        api: Api, floor: Floor, tmp_path: Path) -> None:
    status, made = await api.call("POST", "/api/v1/callbacks/bookings", None, json={
        "queue": "support", "number": KNOWN, "start": iso(new_york(11)), "name": "Ann"})
    assert status == 201, made
    bookings = floor.distributor.bookings
    assert bookings is not None and bookings.next_deadline() == new_york(11)
    # a restart before the slot: the booking is read back from its file
    again = Bookings(CONFIG, line=floor.distributor, gate=floor.gate,
                     store=BookingStore(tmp_path / "bookings.jsonl"), clock=floor.clock,
                     publish=floor.published.append)
    assert [b.id for b in again.listing()] == [made["id"]]
    floor.agent_ready()
    floor.clock.now = new_york(10, 59)
    bookings.tick()
    await floor.settled()
    assert floor.rings() == []  # not before its time
    floor.clock.now = new_york(11)
    bookings.tick()  # its time: a callback through the gate, then an agent of the queue
    await until(lambda: bool(floor.rings()), what="the agent's phone never rang")
    assert [(r.call_id, r.caller_id) for r in floor.rings()] == [(made["id"], KNOWN)]
    assert bookings.get(made["id"]).state == "due"  # type: ignore[union-attr]


async def test_the_ivr_books_the_first_slot_or_hears_why_not(
        floor: Floor, tmp_path: Path) -> None:
    line = floor.distributor
    line.attach_bookings(tmp_path / "bookings.jsonl")
    booked = line.request_callback("c1", queue="support", number=KNOWN, priority=0,
                                   skill=None, variables={"callback_slot": "next"})
    assert isinstance(booked, asyncio.Future)
    answer = await booked
    assert answer == Cleared(placement_id="c1", earliest=new_york(10, 30))
    refused = await line.request_callback("c2", queue="support", number=DNC, priority=0,
                                          skill=None, variables={"callback_slot": "next"})
    assert isinstance(refused, Refused) and refused.rule == "do_not_call"
    told = [e for e in floor.published if e["type"] == "callback.refused"]
    assert (told[0]["call_id"], told[0]["source"]) == ("c2", "callback_ivr")
    assert line.acd.call_state("c1") is None  # nobody waits in line before the slot


async def test_the_help_page_books_a_slot_and_says_when(api: Api, floor: Floor) -> None:
    page = await (await api.client.get("/help")).text()
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    assert token is not None
    assert 'value="now"' in page and f'value="{int(new_york(10, 30))}"' in page
    assert "America/New York time" in page
    form = {"csrf": token.group(1), "name": "Ann", "phone": KNOWN, "topic": "invoice",
            "slot": str(int(new_york(14)))}
    booked = await api.client.post("/help/callback", data=form, allow_redirects=False)
    assert booked.status == 303, await booked.text()
    thanks = await (await api.client.get(booked.headers["Location"])).text()
    assert "We will call you back on Wed 07 Jan, 14:00–14:30" in thanks
    refused = await api.client.post("/help/callback", data={**form, "phone": DNC},
                                    allow_redirects=False)
    assert refused.status == 409 and "do-not-call list" in await refused.text()


async def test_the_forecast_inbound_calls_take_agents_off_the_roster(
        engine: AsyncEngine, floor: Floor, tmp_path: Path) -> None:
    """Three Wednesdays with 15 long calls from 16:00 to 16:30 UTC (11:00 in New York):
    the staffing plan needs more agents then than the roster has, so no booking then;
    an hour later the forecast has no call and the slot is offered."""
    busy = dt.datetime(2026, 1, 7, 16, 0, tzinfo=dt.UTC)
    await plant(engine, [call(busy - dt.timedelta(weeks=week, minutes=-minute),
                              queue="support", talk=600.0, wrap=60.0, agent="agent101")
                         for week in (1, 2, 3) for minute in range(0, 30, 2)])
    need = await inbound_need(sessions(engine), CONFIG.queues["support"], busy.date(), 2)
    at = busy.timestamp()
    assert need[at] >= 2 and need[at + 3600] == 0
    bookings = floor.distributor.attach_bookings(tmp_path / "bookings.jsonl")
    bookings.inbound_need["support"] = need
    assert bookings.spare_agents("support", at) == 0  # one agent on the roster
    offered = [slot.start for slot in bookings.slots("support")]
    assert at not in offered
    assert at + 3600 in offered
