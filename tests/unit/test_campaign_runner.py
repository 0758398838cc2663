"""A campaign on the engine's side (``engine/campaigns.py``) over a recording driver, the
real call gate and the real cores, on a virtual clock: what the people called, the
agents and the law's ledger see when the bridge, the playback, the CRM or the
telephony fail, and across a restart."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from contactcenter.calls import CallGate
from contactcenter.dialer.compliance import Callee, CallingWindow
from contactcenter.dialer.events import Record
from contactcenter.dialer.states import Campaign
from contactcenter.engine.campaign_book import CampaignBook
from contactcenter.engine.campaigns import CampaignRunner
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.engine.outbound_campaigns import Campaigns, SeatRefused
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from tests.support import elapse, until

pytestmark = pytest.mark.virtual_time

ALL_DAY = CallingWindow(start=dt.time(0, 0), end=dt.time(23, 59))
NUMBER = "+12125550100"


@dataclass
class Line:
    """The driver: records what it is asked; refuses the command types in ``refuse``."""

    sent: list[dc.DriverCommand] = field(default_factory=list)
    refuse: set[type] = field(default_factory=set)
    published: list[dict[str, Any]] = field(default_factory=list)
    crm_down: bool = False

    async def send(self, command: dc.DriverCommand) -> None:
        if type(command) in self.refuse:
            raise RuntimeError("refused")
        self.sent.append(command)

    def of(self, kind: type) -> list[Any]:
        return [c for c in self.sent if isinstance(c, kind)]

    def events(self, kind: str) -> list[dict[str, Any]]:
        return [e for e in self.published if e["type"] == kind]

    async def look_up(self, number: str) -> Callee:
        if self.crm_down:
            raise ConnectionError("the CRM is away")
        return Callee(number=number, time_zone="America/New_York")


def _runner(line: Line, book: CampaignBook | None = None) -> CampaignRunner:
    loop = asyncio.get_running_loop()
    gate = Gatekeeper(CallGate(ALL_DAY), lookup=line.look_up, publish=line.published.append,
                      clock=loop.time)
    campaign = Campaign(name="c", caller_id="+15550009000", max_lines=2,
                        abandon_message="sound:sorry")
    return CampaignRunner(campaign, send=line.send, publish=line.published.append,
                          gate=gate, clock=loop.time, book=book, wrap_up=5.0)


@pytest.fixture
async def line() -> Line:
    return Line()


@pytest.fixture
async def campaigns() -> AsyncIterator[Campaigns]:
    running = Campaigns()
    try:
        yield running
    finally:
        await running.close()


async def _seated(runner: CampaignRunner, line: Line, agent: str = "a1") -> str:
    runner.join(agent, agent)
    await until(lambda: bool(line.of(dc.RingAgent)), what="the agent's phone never rang")
    leg = line.of(dc.RingAgent)[-1].leg_id
    runner.seat_answered(leg)
    return leg


async def _dialing(runner: CampaignRunner, line: Line) -> dc.PlaceDial:
    runner.load((Record(record_id="r1", number=NUMBER),))
    runner.start()
    await until(lambda: bool(line.of(dc.PlaceDial)), what="nothing was dialed")
    return line.of(dc.PlaceDial)[0]


async def test_a_person_is_connected_only_once_the_bridge_took_them(
        line: Line, campaigns: Campaigns) -> None:
    runner = campaigns.add(_runner(line))
    await _seated(runner, line)
    dial = await _dialing(runner, line)
    runner.dial_answered(de.DialAnswered(call_id=dial.call_id, leg_id=dial.leg_id, human=True))
    await until(lambda: bool(line.events("call.answered")), what="never connected")
    assert line.of(dc.AddToBridge)[-1].channels == (dial.leg_id,)
    pace = line.events("dialer.pace")[0]  # each decision, in words for the manager
    assert pace["because"] == "dialed 1: 1 agents free, 0 dials under way"
    assert runner.ledger.share(asyncio.get_running_loop().time()).answers == 1


async def test_a_bridge_that_fails_leaves_the_person_the_abandon_message(
        line: Line, campaigns: Campaigns) -> None:
    line.refuse.add(dc.AddToBridge)
    runner = campaigns.add(_runner(line))
    await _seated(runner, line)
    dial = await _dialing(runner, line)
    answered = asyncio.get_running_loop().time()
    runner.dial_answered(de.DialAnswered(call_id=dial.call_id, leg_id=dial.leg_id, human=True))
    await until(lambda: bool(line.of(dc.PlayMedia)), what="no abandon message")
    assert asyncio.get_running_loop().time() - answered <= 2.0  # the 2-second rule
    assert line.of(dc.PlayMedia)[0].call_id == dial.leg_id
    assert not line.events("call.answered")
    assert runner.ledger.share(asyncio.get_running_loop().time()).abandons == 1


async def test_a_message_that_cannot_play_still_ends_the_call(
        line: Line, campaigns: Campaigns) -> None:
    line.refuse |= {dc.AddToBridge, dc.PlayMedia}  # abandoned, and no message plays
    runner = campaigns.add(_runner(line))
    await _seated(runner, line)
    dial = await _dialing(runner, line)
    runner.dial_answered(de.DialAnswered(call_id=dial.call_id, leg_id=dial.leg_id, human=True))
    await until(lambda: any(c.call_id == dial.leg_id for c in line.of(dc.HangupCall)),
                what="the person was left on the line")


async def test_no_dial_and_no_attempt_while_the_telephony_or_the_crm_is_away(
        line: Line, campaigns: Campaigns) -> None:
    runner = campaigns.add(_runner(line))
    await _seated(runner, line)
    campaigns.can_dial = lambda _caller_id: False
    runner.load((Record(record_id="r1", number=NUMBER),))
    runner.start()
    await elapse(5)
    assert not line.of(dc.PlaceDial) and not line.events("call.dialed")
    record = runner.core.record("r1")
    assert record is not None and record.attempts == 0 and record.due > 5
    campaigns.can_dial = lambda _caller_id: True
    line.crm_down = True
    await elapse(60)
    assert not line.of(dc.PlaceDial) and not line.events("call.refused")
    line.crm_down = False
    await until(lambda: bool(line.of(dc.PlaceDial)), seconds=120,
                what="the record was not dialed once the CRM was back")
    assert line.of(dc.PlaceDial)[0].number == NUMBER


async def test_a_call_from_before_a_restart_talks_on_and_is_settled_by_its_end(
        line: Line, campaigns: Campaigns, tmp_path: Path) -> None:
    book = CampaignBook(tmp_path / "campaigns.jsonl")
    book.open()
    book.write("c", "state", state="running")
    book.write("c", "seat", agent="a1", endpoint="a1", leg="seat-old", at=0.0)
    book.write("c", "dialed", dial="c-1", record="r1", number=NUMBER, leg="dial-old",
               attempt=1, at=0.0)
    book.write("c", "connected", dial="c-1", agent="a1", at=10.0)
    runner = _runner(line, book)
    runner.restore(book.log("c"))
    campaigns.add(runner)
    runner.load((Record(record_id="r1", number=NUMBER),))
    await elapse(120)  # the reconnect is slow: the talk must not be given up meanwhile
    assert not line.events("call.ended")
    runner.resynced({"seat-old", "dial-old"})
    runner.resume_after_restart()
    await elapse(60)
    assert not line.events("call.ended") and not line.of(dc.PlaceDial)  # not dialed again
    runner.leg_ended("dial-old", "normal")
    ended = line.events("call.ended")
    assert [(e["call_id"], e["outcome"]) for e in ended] == [("c-1", "human")]
    assert "r1" in runner.board.reached
    assert runner.seats.seat("a1") is not None  # wrap-up on their open line


async def test_a_stopped_campaign_stays_idle_after_a_restart(
        line: Line, campaigns: Campaigns, tmp_path: Path) -> None:
    book = CampaignBook(tmp_path / "campaigns.jsonl")
    book.open()
    book.write("c", "state", state="stopped")
    runner = _runner(line, book)
    runner.restore(book.log("c"))
    campaigns.add(runner)
    await _seated(runner, line)
    runner.load((Record(record_id="r1", number=NUMBER),))
    runner.resume_after_restart()
    await elapse(30)
    assert runner.core.state.value == "idle" and not line.of(dc.PlaceDial)


async def test_a_person_who_answers_a_dial_nobody_knows_hears_the_abandon_message(
        line: Line, campaigns: Campaigns) -> None:
    runner = campaigns.add(_runner(line))
    stray = de.DialAnswered(call_id="c-41", leg_id="dial-x-c-41", human=True)
    assert campaigns.on_driver_event(stray)
    await until(lambda: bool(line.of(dc.PlayMedia)), what="no message for the person")
    assert line.of(dc.PlayMedia)[0].call_id == "dial-x-c-41"
    assert runner.ledger.share(asyncio.get_running_loop().time()).abandons == 1
    campaigns.on_driver_event(de.PlaybackEnded(call_id="dial-x-c-41", playback_id="m"))
    await until(lambda: bool(line.of(dc.HangupCall)), what="the line was never hung up")


async def test_an_agent_works_one_campaign_at_a_time(line: Line, campaigns: Campaigns) -> None:
    campaigns.add(_runner(line))
    other = Campaign(name="d", caller_id="+15550009001")
    campaigns.add(CampaignRunner(other, send=line.send, publish=line.published.append,
                                 gate=None, clock=asyncio.get_running_loop().time))
    campaigns.join("c", "a1", "a1")
    with pytest.raises(SeatRefused, match="leave it first"):
        campaigns.join("d", "a1", "a1")
