"""Every callback passes the calling rules before any phone rings, whatever asked for it:
the IVR, a queue's overflow, the help page, a promise restored after a restart; and a
callback whose turn comes at night waits for the callee's morning."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.acd import Acd, AgentId, AgentLoggedIn, parse_acd
from contactcenter.calls import CallGate, Cleared, PlacementAsked, Refused
from contactcenter.dialer.compliance import CallingWindow
from contactcenter.engine.callees import callee_lookup
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.telephony import commands as dc
from crm_core.customers import CustomerService
from crm_core.db import sessions
from crm_core.models import Contact, ContactPhone
from tests.crm.api_client import start_api
from tests.unit.test_distribution import Caller

CONFIG = parse_acd(
    {"queues": {"support": {"strategy": "longest_idle"},
                "full": {"strategy": "longest_idle", "max_waiting": 1,
                         "overflow": {"kind": "callback"}}}},
    {"agents": {"agent101": {"queues": {"support": 1, "full": 1}}}})
NEW_YORK = ZoneInfo("America/New_York")
DNC = "+12125550101"  # a contact on the do-not-call list
KNOWN = "+12125550102"  # a contact in New York


def new_york(hour: int, minute: int = 0, day: int = 7) -> float:
    return dt.datetime(2026, 1, day, hour, minute, tzinfo=NEW_YORK).timestamp()


class WallClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Floor:
    distributor: Distributor
    gate: Gatekeeper
    clock: WallClock
    sent: list[dc.DriverCommand]
    published: list[dict[str, Any]]

    def rings(self) -> list[dc.RingAgent]:
        return [c for c in self.sent if isinstance(c, dc.RingAgent)]

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.published if e["type"] == kind]

    async def settled(self) -> None:
        await asyncio.sleep(0)
        await self.distributor.drained()

    def agent_ready(self) -> None:
        self.distributor.registration("agent101", True)
        self.distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))


async def _contacts(engine: AsyncEngine) -> None:
    async with sessions(engine)() as session, session.begin():
        session.add(Contact(first_name="Dee", last_name="Encee", do_not_call=True,
                            time_zone="America/New_York", phones=[ContactPhone(e164=DNC)]))
        session.add(Contact(first_name="Ann", last_name="York",
                            time_zone="America/New_York", phones=[ContactPhone(e164=KNOWN)]))


@pytest.fixture
async def floor(engine: AsyncEngine) -> AsyncIterator[Floor]:
    await _contacts(engine)
    sent: list[dc.DriverCommand] = []
    published: list[dict[str, Any]] = []

    async def send(command: dc.DriverCommand) -> None:
        sent.append(command)

    loop_clock = asyncio.get_running_loop().time
    distributor = Distributor(Acd(CONFIG, now=loop_clock()), send=send,
                              publish=published.append, clock=loop_clock)
    distributor.dial_out = True
    clock = WallClock(new_york(10))
    gate = Gatekeeper(CallGate(CallingWindow()), publish=published.append, clock=clock,
                      lookup=callee_lookup(CustomerService(sessions(engine))))
    distributor.gate = gate
    gate.on_resume, gate.on_refused = distributor.resume_callback, distributor.drop_callback
    runner = asyncio.ensure_future(distributor.run())
    yield Floor(distributor, gate, clock, sent, published)
    runner.cancel()


@pytest.mark.parametrize("source", ["callback_ivr", "callback_restored"])
async def test_a_do_not_call_number_is_never_called_back(floor: Floor, source: str) -> None:
    floor.agent_ready()
    decision = floor.distributor.request_callback(
        "c1", queue="support", number=DNC, priority=0, skill=None, variables={},
        source=source)  # type: ignore[arg-type]
    assert decision is not None
    refused = await decision
    assert isinstance(refused, Refused) and refused.rule == "do_not_call"
    await floor.settled()
    assert floor.rings() == [] and floor.distributor.acd.call_state("c1") is None
    record = floor.of("callback.refused")[0]
    assert (record["call_id"], record["source"], record["rule"]) == ("c1", source, "do_not_call")


async def test_a_callback_inside_the_hours_rings_the_agent_then_dials(floor: Floor) -> None:
    floor.agent_ready()
    decision = floor.distributor.request_callback(
        "c1", queue="support", number=KNOWN, priority=0, skill=None, variables={})
    assert decision is not None and await decision == Cleared(placement_id="c1")
    await floor.settled()
    assert [(r.call_id, r.caller_id) for r in floor.rings()] == [("c1", KNOWN)]


async def test_an_overflow_to_a_do_not_call_number_leaves_no_callback(floor: Floor) -> None:
    for call, number in (("c1", KNOWN), ("c2", DNC)):  # c2 finds the queue full
        floor.distributor.join(call, Caller(), queue="full", priority=0, skill=None,
                               caller=number, variables={})
    assert floor.of("call.overflowed")[0]["kind"] == "callback"
    await _until(lambda: floor.of("callback.refused"))
    assert floor.of("callback.refused")[0]["source"] == "callback_overflow"
    floor.agent_ready()  # an agent comes: the caller who waited, and nobody to call back
    await floor.settled()
    assert [r.call_id for r in floor.rings()] == ["c1"]
    view = floor.distributor.acd.call_state("c2")
    assert view is not None and view.state.value == "abandoned"


async def test_a_turn_at_night_waits_for_the_callees_morning(floor: Floor) -> None:
    floor.clock.now = new_york(20, 55)
    decision = floor.distributor.request_callback(
        "c1", queue="support", number=KNOWN, priority=0, skill=None, variables={})
    assert decision is not None and isinstance(await decision, Cleared)
    floor.clock.now = new_york(21, 30)  # nobody took it before the window closed
    floor.agent_ready()
    await floor.settled()
    assert floor.rings() == []  # the agent's phone did not ring for it
    deferred = floor.of("callback.deferred")[0]
    assert deferred["until"] == new_york(8, day=8)
    assert floor.distributor.acd.agent_state("agent101").state.value == "available"
    assert floor.gate.gate.next_deadline() == new_york(8, day=8)
    floor.clock.now = new_york(8, 0, day=8)
    floor.gate.tick()  # the morning: back in its place, and the agent is rung
    await floor.settled()
    assert [r.call_id for r in floor.rings()] == ["c1"]


async def test_a_callback_asked_for_at_night_waits_out_of_line(floor: Floor) -> None:
    floor.clock.now = new_york(23)
    floor.agent_ready()
    decision = floor.distributor.request_callback(
        "c1", queue="support", number=KNOWN, priority=0, skill=None, variables={})
    assert decision is not None
    accepted = await decision
    assert isinstance(accepted, Cleared) and accepted.earliest == new_york(8, day=8)
    await floor.settled()
    assert floor.rings() == [] and floor.distributor.acd.call_state("c1") is None
    floor.clock.now = new_york(8, 0, day=8)
    floor.gate.tick()
    await floor.settled()
    assert [r.call_id for r in floor.rings()] == ["c1"]


async def test_the_help_page_tells_the_visitor_why_not(
        floor: Floor, engine: AsyncEngine, tmp_path: Path) -> None:
    api = await start_api(engine, tmp_path, distributor=floor.distributor, gate=floor.gate)
    try:
        page = await api.client.get("/help")
        token = re.search(r'name="csrf" value="([^"]+)"', await page.text())
        assert token is not None
        form = {"csrf": token.group(1), "name": "Dee", "phone": DNC, "topic": ""}
        refused = await api.client.post("/help/callback", data=form, allow_redirects=False)
        assert refused.status == 409
        assert "do-not-call list" in await refused.text()
        floor.clock.now = new_york(23)
        later = await api.client.post("/help/callback", data={**form, "phone": KNOWN},
                                      allow_redirects=False)
        assert (later.status, later.headers["Location"]) == (303, "/help?callback=later")
        notice = await api.client.get("/help?callback=later")
        assert "once it is morning there" in await notice.text()
    finally:
        await api.client.close()


async def _until(condition: Any) -> None:
    from tests.support import until
    await until(lambda: bool(condition()), seconds=5)


async def test_a_turn_answers_for_its_own_callback_when_another_ones_timer_is_due(
        floor: Floor) -> None:
    floor.agent_ready()
    first = floor.distributor.request_callback(
        "c1", queue="support", number=KNOWN, priority=0, skill=None, variables={})
    assert first is not None and isinstance(await first, Cleared)
    await floor.settled()  # c1 rings agent101 (cleared at its turn)
    # another callback whose lookup never answers: its guard falls due unseen
    floor.gate.gate.handle(PlacementAsked(placement_id="c2", source="callback_help",
                                          number=KNOWN), floor.clock.now)
    floor.clock.now += 60
    assert isinstance(floor.gate.turn("c1"), Cleared)  # c1's answer, not c2's refusal
    await _until(lambda: floor.of("callback.refused"))  # c2's, carried out after
    assert floor.of("callback.refused")[0]["call_id"] == "c2"


async def test_a_callback_withdrawn_for_want_of_an_outbound_peer_is_forgotten(
        floor: Floor) -> None:
    floor.distributor.dial_out = False
    floor.agent_ready()
    decision = floor.distributor.request_callback(
        "c1", queue="support", number=KNOWN, priority=0, skill=None, variables={})
    assert decision is not None and isinstance(await decision, Cleared)
    await floor.settled()
    assert floor.of("callback.withdrawn")[0]["reason"] == "no_outbound"
    assert len(floor.gate.gate) == 0  # no placement left behind
