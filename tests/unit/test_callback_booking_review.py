"""Booked callbacks under review: slots fall on the queue's own clock (an hour from 09:00
in a zone half an hour off UTC, the same two-hour slots in winter and in summer); a slot
longer than the staffing plan's half hour gets the spare agents of its busiest half hour;
the bookings hear what became of them after a burst of events; a bookings file with
lines that hold no booking still starts."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from contactcenter.acd import parse_acd
from contactcenter.acd.model import SlotRules
from contactcenter.calls.callback.slots import offered
from contactcenter.config.settings import Settings
from contactcenter.engine.booking_store import BookingStore
from contactcenter.engine.bookings import Bookings
from contactcenter.events.bus import EventBus
from contactcenter.ivr.hours import Schedule, build_schedule, parse_range
from contactcenter.web.booking_routes import BOOKING_LIMIT, _limited
from contactcenter.web.http import BadInput
from contactcenter.web.pages.selfservice import RateLimit
from contactcenter.web.proxies import client_of, networks, trust_proxies
from tests.support import until

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


def _office(zone: str) -> Schedule:
    return build_schedule(zone, {day: [parse_range("09:00-17:00")] for day in WEEKDAYS})


def _local_starts(zone: str, rules: SlotRules, now: dt.datetime) -> list[str]:
    slots = offered(now=now.timestamp(), rules=rules, hours=_office(zone),
                    spare=lambda start: 1, booked={}, limit=100)
    day = [slot for slot in slots
           if dt.datetime.fromtimestamp(slot.start, ZoneInfo(zone)).date() == now.date()]
    return [f"{dt.datetime.fromtimestamp(slot.start, ZoneInfo(zone)):%H:%M}" for slot in day]


def test_hourly_slots_start_on_the_hour_where_the_queue_is() -> None:
    """India is UTC+05:30: hours counted from the epoch started at :30 there and left the
    first and the last half hour of the day unbooked."""
    zone = "Asia/Kolkata"
    monday = dt.datetime(2026, 12, 7, 6, 0, tzinfo=ZoneInfo(zone))
    starts = _local_starts(zone, SlotRules(slot_seconds=3600, lead_seconds=0), monday)
    assert starts == [f"{hour:02d}:00" for hour in range(9, 17)]
    nepal = "Asia/Kathmandu"  # UTC+05:45
    monday = dt.datetime(2026, 12, 7, 6, 0, tzinfo=ZoneInfo(nepal))
    starts = _local_starts(nepal, SlotRules(lead_seconds=0), monday)
    assert starts[0] == "09:00" and starts[-1] == "16:30" and len(starts) == 16


def test_two_hour_slots_keep_their_local_times_across_daylight_saving() -> None:
    """New York is UTC-5 in winter and UTC-4 in summer: two-hour slots from the epoch fell
    on 09:00, 11:00 ... in winter and on 10:00, 12:00 ... in summer. From local midnight
    they fall on even hours all year round (08:00 to 10:00 is not open all through)."""
    zone, rules = "America/New_York", SlotRules(slot_seconds=7200, lead_seconds=0)
    for month in (1, 7):
        monday = dt.datetime(2026, month, 5 if month == 1 else 6, 6, 0, tzinfo=ZoneInfo(zone))
        assert _local_starts(zone, rules, monday) == ["10:00", "12:00", "14:00"]


def test_a_day_of_daylight_saving_change_is_cut_on_its_own_clock() -> None:
    """The night New York's clocks go back has 25 hours: half-hour slots around the clock
    go on at :00 and :30, one after the other, with no gap and no overlap."""
    zone = ZoneInfo("America/New_York")
    now = dt.datetime(2026, 10, 31, 23, 0, tzinfo=zone).timestamp()
    slots = offered(now=now, rules=SlotRules(lead_seconds=0, days_ahead=2), hours=None,
                    spare=lambda start: 1, booked={}, limit=200)
    assert all(later.start == earlier.end for earlier, later in itertools.pairwise(slots))
    assert {dt.datetime.fromtimestamp(s.start, dt.UTC).minute for s in slots} == {0, 30}


@settings(max_examples=60, deadline=None)
@given(now=st.floats(1.7e9, 1.9e9), seconds=st.sampled_from([600, 1800, 2700, 3600, 7200]),
       zone=st.sampled_from(["America/New_York", "Asia/Kolkata", "Asia/Kathmandu",
                             "Australia/Lord_Howe", "UTC"]))
def test_slots_never_overlap_and_start_on_the_local_grid(now: float, seconds: int,
                                                         zone: str) -> None:
    tz = ZoneInfo(zone)
    hours = build_schedule(zone, {day: [parse_range("00:00-24:00")] for day in
                                  ("mon", "tue", "wed", "thu", "fri", "sat", "sun")})
    slots = offered(now=now, rules=SlotRules(slot_seconds=seconds, lead_seconds=0,
                                             days_ahead=2), hours=hours,
                    spare=lambda start: 1, booked={}, limit=200)
    for earlier, later in itertools.pairwise(slots):
        assert earlier.end <= later.start
    for slot in slots:
        local = dt.datetime.fromtimestamp(slot.start, tz)
        midnight = dt.datetime.combine(local.date(), dt.time(0), tz).timestamp()
        assert (slot.start - midnight) % seconds == 0 or slot.start == midnight
        assert 0 < slot.end - slot.start <= seconds


def test_an_hour_long_slot_has_the_spare_agents_of_its_busiest_half_hour(
        tmp_path: Path) -> None:
    """Two agents on the roster; the forecast needs none from 11:00 UTC and both from
    11:30: the slot 11:00 to 12:00 has no agent to spare for its second half."""
    acd = parse_acd({"queues": {"support": {"callback_slots": {
        "slot_seconds": 3600, "lead_seconds": 0, "handle_seconds": 360}}}},
        {"agents": {"a1": {"queues": {"support": 1}}, "a2": {"queues": {"support": 1}}}})
    eleven = dt.datetime(2026, 12, 7, 11, 0, tzinfo=dt.UTC).timestamp()
    bookings = Bookings(acd, line=None, gate=None,  # type: ignore[arg-type]
                        store=BookingStore(tmp_path / "bookings.jsonl"),
                        clock=lambda: eleven - 3600, publish=lambda event: None)
    bookings.inbound_need["support"] = {eleven: 0, eleven + 1800: 2, eleven + 3600: 0}
    assert bookings.spare_agents("support", eleven) == 0
    assert bookings.spare_agents("support", eleven + 3600) == 2
    assert eleven not in [slot.start for slot in bookings.slots("support")]


class _Line:
    """The ACD's side: takes the callback, says nothing back."""

    def request_callback(self, call_id: str, **_: object) -> None:
        return None


async def test_a_booking_follows_its_call_after_the_bus_cut_the_bookings_off(
        tmp_path: Path) -> None:
    """A burst of events the bookings had no turn to read cuts their subscription off;
    they subscribe again, so a booking dialed afterwards says dialed (else it stayed due,
    and a restart would have called the customer a second time)."""
    acd = parse_acd({"queues": {"support": {"callback_slots": {
        "slot_seconds": 600, "lead_seconds": 0, "handle_seconds": 60}}}},
        {"agents": {"a1": {"queues": {"support": 1}}}})
    clock = [1_800_000_000.0]
    bus = EventBus(checked=False)
    bookings = Bookings(acd, line=_Line(), gate=None,
                        store=BookingStore(tmp_path / "bookings.jsonl"),
                        clock=lambda: clock[0], publish=lambda event: None)
    made = await bookings.book("support", "+15550001002", clock[0] + 600, source="api")
    runner = asyncio.ensure_future(bookings.run(bus))
    try:
        await until(lambda: len(bus._subscribers) == 1, what="the bookings never subscribed")
        first = next(iter(bus._subscribers))
        clock[0] += 600
        bookings.tick()
        assert made.state == "due"
        for index in range(10_001):  # more than a subscription holds, in one go
            bus.publish({"type": "queue.stats", "queue": "support", "n": index})
        assert first.overflowed
        await until(lambda: len(bus._subscribers) == 1, what="never subscribed again")
        bus.publish({"type": "call.dialed", "call_id": "leg-1", "origin": made.id})
        await until(lambda: made.state == "dialed", what="the booking stayed due")
    finally:
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


async def test_lines_of_the_bookings_file_that_are_no_booking_are_left_out(
        tmp_path: Path) -> None:
    """A torn last line, and lines whose fields have the wrong types or an unknown state
    (a file edited by hand, or written by another version), are left out at start: one
    of them sorted among the others stopped every booking from being released."""
    acd = parse_acd({"queues": {"support": {"callback_slots": {
        "slot_seconds": 600, "lead_seconds": 0, "handle_seconds": 60}}}},
        {"agents": {"a1": {"queues": {"support": 1}}}})
    clock, path, asked = [1_800_000_000.0], tmp_path / "bookings.jsonl", []

    class Line:
        def request_callback(self, call_id: str, **_: object) -> None:
            asked.append(call_id)

    def started() -> Bookings:
        return Bookings(acd, line=Line(), gate=None, store=BookingStore(path),
                        clock=lambda: clock[0], publish=lambda event: None)

    made = await started().book("support", "+15550001002", clock[0] + 600, source="api")
    good = json.loads(path.read_text().splitlines()[0])
    with path.open("a") as lines:
        for bad in ({"start": "soon"}, {"state": "lost"}, {"number": 5},
                    {"end": float("nan")}, {"origin": 7}, {"booked_at": True}):
            lines.write(json.dumps({**good, "id": f"bad-{len(bad)}-{next(iter(bad))}",
                                    **bad}) + "\n")
        lines.write('{"id": "booking-torn", "queue": "sup')
    clock[0] += 600
    again = started()
    assert [b.id for b in again.listing()] == [made.id]
    again.tick()
    assert asked == [made.id]
    assert len(path.read_text().splitlines()) == 2  # the file keeps the booking alone


async def _limited_app(trusted: list[str]) -> TestClient:
    """The bookings' rate limit (2 a window here) on a route of its own."""

    async def book(request: web.Request) -> web.Response:
        try:
            _limited(request, BOOKING_LIMIT)
        except BadInput as exc:
            return web.json_response({"error": str(exc)}, status=exc.status)
        return web.json_response({"client": request.remote}, status=201)

    app = web.Application()
    app[BOOKING_LIMIT] = RateLimit(count=2, window=600)
    app.router.add_post("/book", book)
    trust_proxies(app, trusted)
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


async def test_the_rate_limit_counts_each_customer_behind_a_trusted_proxy() -> None:
    """Behind the TLS proxy the operations guide asks for, every customer had the proxy's
    address: the third booking in ten minutes from anyone at all was refused."""
    client = await _limited_app(["127.0.0.1"])
    try:
        for customer in ("198.51.100.1", "198.51.100.2", "198.51.100.3"):
            answer = await client.post("/book", headers={
                "X-Forwarded-For": f"203.0.113.9, {customer}"})  # (the first: written
            assert answer.status == 201  # by the client itself, never believed)
            assert (await answer.json())["client"] == customer
        again = [await client.post("/book", headers={"X-Forwarded-For": "198.51.100.1"})
                 for _ in range(2)]
        assert [answer.status for answer in again] == [201, 429]
    finally:
        await client.close()


async def test_a_client_that_is_no_trusted_proxy_cannot_name_another_address() -> None:
    client = await _limited_app(["10.0.0.0/8"])  # the test's own address is not trusted
    try:
        statuses = [(await client.post("/book", headers={
            "X-Forwarded-For": f"198.51.100.{n}"})).status for n in range(3)]
        assert statuses == [201, 201, 429]
    finally:
        await client.close()


def test_trusted_proxies_are_addresses_or_networks() -> None:
    assert client_of("10.0.0.5", "198.51.100.1, 10.0.0.4",
                     networks(["10.0.0.0/8"])) == "198.51.100.1"
    assert client_of("10.0.0.5", "not-an-address", networks(["10.0.0.5"])) == "10.0.0.5"
    assert client_of("192.0.2.1", "198.51.100.1", networks(["10.0.0.0/8"])) == "192.0.2.1"
    with pytest.raises(ValueError, match="'proxy' is not an address"):
        networks(["proxy"])


def test_the_trusted_proxies_come_from_the_settings_or_the_environment() -> None:
    assert Settings(trusted_proxies="10.0.0.5, 10.1.0.0/16").trusted_proxies == [
        "10.0.0.5", "10.1.0.0/16"]
    with pytest.raises(ValidationError, match="'proxy' is not an address"):
        Settings(trusted_proxies=["proxy"])
