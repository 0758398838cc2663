"""The platform on the Twilio driver restarts in the middle of calls: the engine is given
them again from Twilio's lists (a waiting caller waits on, an agent talking stays busy
on that call), and a webhook answered before the restart and resent after it gets the
same answer without reaching the engine twice. The engine is the real one, with the demo
menu and an ACD; Twilio is the local stand-in, webhooks are signed as Twilio signs them.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from contactcenter.acd import Acd, AgentId, AgentLoggedIn, parse_acd
from contactcenter.engine.agent_store import AgentStateStore
from contactcenter.engine.directory import Directory
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.ivr.loader import load_flows
from contactcenter.telephony import events as de
from contactcenter.telephony.twilio.credentials import Secret, TwilioCredentials
from contactcenter.telephony.twilio.driver import TwilioDriver
from contactcenter.telephony.twilio.hooks import Setup
from contactcenter.telephony.twilio.rest import Limits
from contactcenter.telephony.twilio.routes import twilio_routes
from contactcenter.telephony.twilio.store import FILE_NAME
from tests.support import until
from tests.unit.test_engine import ROOT
from tests.unit.twilio_fake_api import (
    ACCOUNT,
    PUBLIC,
    TOKEN,
    FakeTwilio,
    fake_twilio,
    listed_call,
    listed_conference,
    listed_participant,
    post_signed,
)

NUMBER = "+15550005000"
CALLER = "CA" + "c0ffee00" * 4
SETUP = Setup(account_sid=ACCOUNT, public_url=PUBLIC, from_number=NUMBER,
              sounds_url="https://cc.example.com/sounds", numbers=(NUMBER,))
CONFIG = parse_acd(
    {"queues": {"support": {"strategy": "longest_idle", "ring_timeout": 20, "wrap_up": 0,
                            "announce_on_join": False}}},
    {"agents": {"agent101": {"skills": {"support": 5}, "queues": {"support": 1}}}})


class Life:
    """One run of the platform: engine, ACD, journal and driver on the state folder."""

    def __init__(self, folder: Path, base: str) -> None:
        self.journal = CallJournal(folder / "calls.jsonl")
        self.journal.open()
        self.store = AgentStateStore(folder / "agents.jsonl")
        self.engine = Engine(flows=load_flows(ROOT / "config/ivr"), numbers={NUMBER: "main"},
                             directory=Directory([]), bus=EventBus(), journal=self.journal)
        self.distributor = self.engine.attach_acd(Acd(CONFIG, now=self.engine.clock()),
                                                  self.store)
        self.distributor.restore_agents()
        self.fed: list[de.DriverEvent] = []
        self.driver = TwilioDriver(
            setup=SETUP, credentials=TwilioCredentials(account_sid=Secret(ACCOUNT),
                                                       auth_token=Secret(TOKEN)),
            on_event=self._feed, on_resync=self.engine.resync, api_base=base,
            answer_within=0.5, settle=0.01, state_file=folder / FILE_NAME,
            limits=Limits(calls_per_second=100, burst=10))
        self.engine.send = self.driver.execute
        self.task = asyncio.ensure_future(self.distributor.run())
        self.client: TestClient[Any, Any] | None = None

    def _feed(self, event: de.DriverEvent) -> None:
        self.fed.append(event)
        self.engine.on_driver_event(event)

    async def start(self) -> TestClient[Any, Any]:
        app = web.Application()
        app.add_routes(twilio_routes(self.driver))
        self.client = TestClient(TestServer(app))
        await self.driver.start()  # as serve does: before the webhooks are served
        await self.client.start_server()
        return self.client

    def agent(self, agent: str) -> str:
        return str(self.distributor.acd.agent_state(agent).state.value)

    async def stop(self) -> None:
        """A crash as Twilio sees it: nothing is said to Twilio."""
        assert self.client is not None
        await self.client.close()
        await self.driver.stop()
        self.task.cancel()
        await self.engine.close()
        self.journal.close()
        self.store.close()


@pytest.fixture
async def twilio() -> AsyncIterator[tuple[FakeTwilio, str]]:
    async with fake_twilio() as (fake, base):
        yield fake, base


def _voice() -> dict[str, str]:
    return {"AccountSid": ACCOUNT, "CallSid": CALLER, "From": "+15550001002", "To": NUMBER,
            "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}


def _gather_of(xml: str) -> str:
    """Where the document's ``<Gather>`` posts the digits (path and query; ``:`` left as
    it is, as the test client sends it)."""
    gather = next(ET.fromstring(xml).iter("Gather"))
    action = urlsplit(gather.attrib["action"])
    return f"{action.path}?{urlencode(parse_qsl(action.query), safe=':')}"


async def _to_support(life: Life, client: TestClient[Any, Any],
                      ) -> tuple[str, dict[str, str], str]:
    """A caller walks the demo menu to support (2): the gather webhook and its answer."""
    menu = await (await post_signed(client, "/twilio/voice", _voice())).text()
    target = _gather_of(menu)
    form = {"AccountSid": ACCOUNT, "CallSid": CALLER, "Digits": "2", "CallStatus": "in-progress"}
    answer = await (await post_signed(client, target, form)).text()
    await until(lambda: life.journal.records[CALLER].state in ("queued", "connected"))
    return target, form, answer


def _digits(life: Life) -> list[de.DriverEvent]:
    return [event for event in life.fed if isinstance(event, de.DigitReceived)]


async def test_a_restart_while_a_caller_waits_in_the_queue(tmp_path: Path,
                                                           twilio: tuple[FakeTwilio, str]) -> None:
    fake, base = twilio
    first = Life(tmp_path, base)
    client = await first.start()
    target, form, answer = await _to_support(first, client)  # no agent: it waits
    await first.stop()

    fake.calls = [listed_call(CALLER, to=NUMBER)]
    second = Life(tmp_path, base)
    client = await second.start()
    assert CALLER in second.engine.calls  # the engine has the caller again
    assert second.journal.records[CALLER].state == "queued"
    again = await (await post_signed(client, target, form)).text()  # Twilio resends
    assert again == answer  # answered as before the restart
    assert _digits(second) == []  # and the digit did not reach the engine a second time
    # the caller's place is kept: the next agent who logs in gets them
    second.distributor.registration("agent101", True)
    second.distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))
    await until(lambda: any(sent.path.endswith("/Calls.json") for sent in fake.sent))
    ring = [sent for sent in fake.sent if sent.path.endswith("/Calls.json")][-1]
    assert ring.values("To") == ["client:agent101"]
    assert f"call={CALLER}" in ring.values("Url")[0]
    await second.stop()


async def test_a_restart_while_an_agent_talks_keeps_the_agent_on_the_call(
        tmp_path: Path, twilio: tuple[FakeTwilio, str]) -> None:
    fake, base = twilio
    first = Life(tmp_path, base)
    first.distributor.registration("agent101", True)
    first.distributor.agent_event(AgentLoggedIn(agent=AgentId("agent101")))
    client = await first.start()
    await _to_support(first, client)
    await until(lambda: any(sent.path.endswith("/Calls.json") for sent in fake.sent))
    ring = next(sent for sent in fake.sent if sent.path.endswith("/Calls.json"))
    agent_sid = fake.created()[0]
    leg = dict(parse_qsl(urlsplit(ring.values("Url")[0]).query))
    answered = {"AccountSid": ACCOUNT, "CallSid": agent_sid, "CallStatus": "in-progress",
                "Direction": "outbound-api", "To": "client:agent101", "From": NUMBER}
    first_answer = await (await post_signed(client, "/twilio/answered", answered, leg)).text()
    await until(lambda: first.journal.records[CALLER].state == "connected")
    assert first.agent("agent101") == "on_call"
    await first.stop()

    conference = "CF" + "ab" * 16
    bridge = first.driver.book.bridged[CALLER]  # the conference the two talk in
    fake.calls = [listed_call(CALLER, to=NUMBER),
                  listed_call(agent_sid, direction="outbound-api", to="client:agent101",
                              caller=NUMBER)]
    fake.conferences = [listed_conference(conference, bridge)]
    fake.participants = {conference: [listed_participant(conference, CALLER),
                                      listed_participant(conference, agent_sid)]}
    sent_before = len(fake.sent)
    second = Life(tmp_path, base)
    client = await second.start()
    await until(lambda: second.agent("agent101") == "on_call")  # busy: not offered calls
    assert CALLER in second.engine.calls
    assert second.journal.records[CALLER].state == "connected"
    # the agent's answer, resent by Twilio after the restart: as before, and not fed again
    again = await (await post_signed(client, "/twilio/answered", answered, leg)).text()
    assert again == first_answer
    assert not any(isinstance(event, de.AgentAnswered) for event in second.fed)
    assert second.driver.book.call_sids[leg["leg"]] == agent_sid  # known by its leg id
    assert second.driver.book.conferences == {bridge: conference}
    hangups = [sent for sent in fake.sent[sent_before:] if sent.values("Status")]
    assert hangups == []  # neither the caller nor the agent's leg was hung up
    await second.stop()


async def test_a_call_that_ended_while_the_platform_was_down_ends_once(
        tmp_path: Path, twilio: tuple[FakeTwilio, str]) -> None:
    _fake, base = twilio
    first = Life(tmp_path, base)
    client = await first.start()
    await _to_support(first, client)
    await first.stop()

    second = Life(tmp_path, base)  # Twilio lists nothing: the caller hung up meanwhile
    await second.start()
    assert CALLER not in second.engine.calls
    await until(lambda: second.journal.records[CALLER].state == "ended")
    await second.stop()
