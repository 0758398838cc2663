"""Click-to-talk: the agent's phone rings first, then the customer's, and they are
bridged; a number on the do-not-call list or outside the callee's calling hours is
refused with the reason, before any phone rings."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.acd import Acd, AgentId, AgentLoggedIn, AgentPaused, parse_acd
from contactcenter.calls import CallGate
from contactcenter.dialer.compliance import CallingWindow
from contactcenter.engine.callees import callee_lookup
from contactcenter.engine.click_to_talk import ClickToTalk, OutboundRefused
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from crm_core.customers import CustomerService
from crm_core.db import sessions
from crm_core.models import Contact, ContactPhone
from tests.crm.api_client import Api, start_api

CONFIG = parse_acd({"queues": {"support": {"strategy": "longest_idle"}}},
                   {"agents": {"agent101": {"queues": {"support": 1}},
                               "agent102": {"queues": {"support": 1}}}})
ALWAYS = CallingWindow(start=dt.time(0, 0), end=dt.time(23, 59, 59, 999999))


class Desk:
    """The API with an ACD and click-to-talk over a recording wire."""

    def __init__(self, api: Api, outbound: ClickToTalk, distributor: Distributor,
                 sent: list[dc.DriverCommand], published: list[dict[str, Any]]) -> None:
        self.api, self.outbound, self.distributor = api, outbound, distributor
        self.sent, self.published = sent, published

    async def settled(self) -> None:
        for _ in range(5):
            await asyncio.sleep(0)

    def of(self, kind: type) -> list[Any]:
        return [command for command in self.sent if isinstance(command, kind)]


async def _desk(engine: AsyncEngine, tmp_path: Path, window: CallingWindow) -> Desk:
    sent: list[dc.DriverCommand] = []
    published: list[dict[str, Any]] = []

    async def send(command: dc.DriverCommand) -> None:
        sent.append(command)

    clock = asyncio.get_running_loop().time
    distributor = Distributor(Acd(CONFIG, now=clock()), send=send, publish=published.append,
                              clock=clock)
    outbound = ClickToTalk(distributor, send=send, publish=published.append, clock=clock)
    outbound.gate = Gatekeeper(CallGate(window), publish=published.append,
                               lookup=callee_lookup(CustomerService(sessions(engine))))
    api = await start_api(engine, tmp_path, distributor=distributor, outbound=outbound,
                          gate=outbound.gate)
    distributor.registration("agent101", True)
    distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))
    return Desk(api, outbound, distributor, sent, published)


@pytest.fixture
async def desk(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Desk]:
    built = await _desk(engine, tmp_path, ALWAYS)
    runner = asyncio.ensure_future(built.outbound.run())
    yield built
    runner.cancel()
    await built.api.client.close()


async def _contact(engine: AsyncEngine, phone: str, **fields: Any) -> None:
    async with sessions(engine)() as session, session.begin():
        session.add(Contact(first_name="Dee", last_name="Encee",
                            phones=[ContactPhone(e164=phone)], **fields))


async def test_the_agent_rings_first_then_the_customer_and_they_are_bridged(desk: Desk) -> None:
    status, body = await desk.api.call("POST", "/api/v1/click-to-talk", "agent",
                                       json={"number": "(555) 000-1234"})
    assert status == 202, body
    call_id = body["call_id"]
    await desk.settled()
    ring = desk.of(dc.RingAgent)[0]
    assert (ring.endpoint, ring.caller_id) == ("agent101", body["number"])
    assert not desk.of(dc.DialCustomer)  # not before the agent is on the line
    view = desk.distributor.acd.agent_state("agent101")
    assert (view.state.value, view.reason) == ("paused", "outbound")  # no ACD call meanwhile
    desk.outbound.answered(de.AgentAnswered(call_id=call_id, leg_id=ring.leg_id))
    await desk.settled()
    dial = desk.of(dc.DialCustomer)[0]
    assert dial.number == body["number"]
    desk.outbound.answered(de.CustomerAnswered(call_id=call_id, leg_id=dial.leg_id))
    await desk.settled()
    assert desk.of(dc.AddToBridge)[-1].channels == (ring.leg_id, dial.leg_id)
    assert desk.outbound.leg_ended(dial.leg_id, "Normal Clearing")  # the customer hangs up
    await desk.settled()
    assert dc.HangupCall(call_id=ring.leg_id) in desk.sent
    ended = [e for e in desk.published if e["type"] == "call.ended"]
    assert [(e["call_id"], e["outcome"]) for e in ended] == [(call_id, "answered")]
    assert desk.distributor.acd.agent_state("agent101").state.value == "available"


async def test_an_agent_who_does_not_pick_up_calls_nobody(desk: Desk) -> None:
    status, _ = await desk.api.call("POST", "/api/v1/click-to-talk", "agent",
                                    json={"number": "+15550001234"})
    assert status == 202
    await desk.settled()
    ring = desk.of(dc.RingAgent)[0]
    desk.outbound.leg_ended(ring.leg_id, "No answer")
    await desk.settled()
    assert not desk.of(dc.DialCustomer)
    ended = [e for e in desk.published if e["type"] == "call.ended"]
    assert ended[0]["outcome"] == "agent_missed"


async def test_a_do_not_call_number_is_refused_with_the_reason(
        desk: Desk, engine: AsyncEngine) -> None:
    await _contact(engine, "+15550009999", do_not_call=True, time_zone="America/New_York")
    status, body = await desk.api.call("POST", "/api/v1/click-to-talk", "agent",
                                       json={"number": "+1 555 000 9999"})
    assert status == 409 and body["rule"] == "do_not_call"
    assert "do-not-call" in body["error"]
    await desk.settled()
    assert desk.sent == []  # no phone rang
    # on the record: an outbound call that was refused, who asked, and why
    refused = [e for e in desk.published if e["type"] in ("call.refused", "call.ended")]
    assert [(e["type"], e.get("rule"), e.get("outcome")) for e in refused] == [
        ("call.refused", "do_not_call", None), ("call.ended", None, "refused_do_not_call")]
    assert (refused[0]["number"], refused[0]["asked_by"]) == ("+15550009999", "agent101")


async def test_a_call_the_gate_did_not_clear_is_not_placed(desk: Desk) -> None:
    with pytest.raises(OutboundRefused, match="not cleared"):
        desk.outbound.start("agent101", "+15550001234")
    assert desk.sent == []


async def test_outside_the_callees_hours_is_refused_in_their_time(
        engine: AsyncEngine, tmp_path: Path) -> None:
    # an hour's window away from the present hour in Tokyo: the callee's time, not ours
    tokyo_hour = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=9))).hour
    start = dt.time(0, 0) if tokyo_hour >= 12 else dt.time(13, 0)
    end = dt.time(start.hour + 1, 0)
    built = await _desk(engine, tmp_path, CallingWindow(start=start, end=end))
    try:
        await _contact(engine, "+15550008888", time_zone="Asia/Tokyo")
        status, body = await built.api.call("POST", "/api/v1/click-to-talk", "agent",
                                            json={"number": "+15550008888"})
        assert status == 409 and body["rule"] == "calling_hours", body
        assert "Asia/Tokyo" in body["error"]
    finally:
        await built.api.client.close()


@pytest.mark.parametrize(("body", "status"), [
    ({}, 422), ({"number": 5}, 422), ({"number": "not a number"}, 422),
])
async def test_bad_requests_get_a_reason(desk: Desk, body: dict[str, Any], status: int) -> None:
    got, answer = await desk.api.call("POST", "/api/v1/click-to-talk", "agent", json=body)
    assert got == status and answer["field"] == "number"


async def test_a_busy_agent_or_one_without_a_phone_is_refused(desk: Desk) -> None:
    first, _ = await desk.api.call("POST", "/api/v1/click-to-talk", "agent",
                                   json={"number": "+15550001234"})
    again, body = await desk.api.call("POST", "/api/v1/click-to-talk", "agent",
                                      json={"number": "+15550001235"})
    assert (first, again) == (202, 409) and "already" in body["error"]
    status, body = await desk.api.call("POST", "/api/v1/click-to-talk", "supervisor",
                                       json={"number": "+15550001234", "agent": "agent102"})
    assert status == 409 and "not registered" in body["error"]
    status, _ = await desk.api.call("POST", "/api/v1/click-to-talk", "sales",
                                    json={"number": "+15550001234"})
    assert status == 403


async def test_an_agent_on_a_call_they_placed_cannot_go_available_meanwhile(desk: Desk) -> None:
    status, _ = await desk.api.call("POST", "/api/v1/click-to-talk", "agent",
                                    json={"number": "+15550001234"})
    assert status == 202
    status, body = await desk.api.call("PUT", "/api/v1/agents/agent101/state", "agent",
                                       json={"state": "available"})
    assert status == 409 and "call they placed" in body["error"]
    status, _ = await desk.api.call("PUT", "/api/v1/agents/agent101/state", "agent",
                                    json={"state": "paused", "reason": "lunch"})
    assert status == 200  # a pause for after the call is still theirs to choose


@pytest.mark.parametrize(("role", "reason", "when"), [
    ("agent", "outbound", "on a call they placed"),
    ("supervisor", "consult", "a colleague consults"),
    ("admin", "outbound", "on a call they placed")])
async def test_nobody_pauses_an_agent_for_a_call_of_their_own_by_hand(
        desk: Desk, role: str, reason: str, when: str) -> None:
    """Those pauses count the agent busy: by hand they would count an idle agent so."""
    status, body = await desk.api.call("PUT", "/api/v1/agents/agent101/state", role,
                                       json={"state": "paused", "reason": reason})
    assert status == 422 and body["field"] == "reason"
    assert f"{reason!r} is set by the platform" in body["error"] and when in body["error"]
    _, agents = await desk.api.call("GET", "/api/v1/agents", "agent")
    assert (agents["agents"]["agent101"]["state"], agents["agents"]["agent101"]["reason"]) \
        == ("available", "")
    status, body = await desk.api.call("PUT", "/api/v1/agents/agent101/state", role,
                                       json={"state": "paused", "reason": "lunch"})
    assert (status, body["state"], body["reason"]) == (200, "paused", "lunch")


@pytest.mark.parametrize("reason", ["consult", "outbound"])
async def test_an_agent_on_a_call_of_their_own_goes_available_only_after_it(
        desk: Desk, reason: str) -> None:
    """Consulted by a colleague, or on a campaign's line: made available by hand they
    would be offered callers while on the phone. A break, or logging out, stays theirs."""
    desk.distributor.agent_event(AgentPaused(agent=AgentId("agent101"), reason=reason))
    status, body = await desk.api.call("PUT", "/api/v1/agents/agent101/state", "supervisor",
                                       json={"state": "available"})
    assert (status, body["field"]) == (409, "state") and "after it" in body["error"]
    _, agents = await desk.api.call("GET", "/api/v1/agents", "agent")
    assert (agents["agents"]["agent101"]["state"], agents["agents"]["agent101"]["reason"]) \
        == ("paused", reason)
    status, _ = await desk.api.call("PUT", "/api/v1/agents/agent101/state", "agent",
                                    json={"state": "logged_out"})
    assert status == 200
