"""The dialer's rules as the campaign runner carries them out, over a recording driver,
the real call gate and the real cores on a virtual clock: a callback agreed in a
disposition goes back to its agent (also after a restart), the gate holds each dial to
its campaign's own calling hours, the board counts the dials ringing, and the
detector's verdict is on the book so that a machine is never counted abandoned after
a restart."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from contactcenter.calls import CallGate
from contactcenter.dialer.compliance import CallingWindow
from contactcenter.dialer.events import Record
from contactcenter.dialer.states import Campaign
from contactcenter.engine.campaign_book import CampaignBook
from contactcenter.engine.campaign_restore import callbacks_owed
from contactcenter.engine.campaigns import CampaignRunner
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.engine.outbound_campaigns import Campaigns
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from tests.support import elapse, until
from tests.unit.test_campaign_runner import NUMBER, Line, _dialing, _seated

pytestmark = pytest.mark.virtual_time

ALL_DAY = CallingWindow(start=dt.time(0, 0), end=dt.time(23, 59))
CAMPAIGN = Campaign(name="c", caller_id="+15550009000", max_lines=2,
                    abandon_message="sound:sorry", strategy="progressive")


def _runner(line: Line, book: CampaignBook | None = None, **settings: object,
            ) -> CampaignRunner:
    loop = asyncio.get_running_loop()
    gate = Gatekeeper(CallGate(ALL_DAY), lookup=line.look_up, publish=line.published.append,
                      clock=loop.time)
    return CampaignRunner(replace(CAMPAIGN, **settings), send=line.send,  # type: ignore[arg-type]
                          publish=line.published.append, gate=gate, clock=loop.time,
                          book=book, wrap_up=5.0)


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


def _now() -> float:
    return asyncio.get_running_loop().time()


async def _seat(runner: CampaignRunner, line: Line, agent: str) -> None:
    """The agent joins and answers their phone (one more ring than before)."""
    rung = len(line.of(dc.RingAgent))
    runner.join(agent, agent)
    await until(lambda: len(line.of(dc.RingAgent)) > rung, what="the phone never rang")
    runner.seat_answered(line.of(dc.RingAgent)[-1].leg_id)


async def test_a_callback_agreed_goes_to_its_agent_at_its_time_and_rings_at_the_deadline(
        line: Line, campaigns: Campaigns) -> None:
    runner = campaigns.add(_runner(line, preview_seconds=20.0))
    await _seated(runner, line, "a1")
    dial = await _dialing(runner, line)
    runner.dial_answered(de.DialAnswered(call_id=dial.call_id, leg_id=dial.leg_id, human=True))
    await until(lambda: bool(line.events("call.answered")), what="never connected")
    runner.leg_ended(dial.leg_id, "normal")
    await _seat(runner, line, "a2")  # free from now on, a1 in wrap-up
    at = _now() + 120
    assert runner.disposed(dial.call_id, agent="a1", callback_at=at)
    await elapse(121)
    [preview] = line.events("dialer.preview")
    assert (preview["agent"], preview["record_id"], preview["reserved"]) == (
        "a1", "r1", "callback")
    assert preview["deadline"] == pytest.approx(preview["time"] + 20.0)
    assert len(line.of(dc.PlaceDial)) == 1
    await elapse(21)  # nobody dialed or skipped: the core dials it for a1
    assert len(line.of(dc.PlaceDial)) == 2 and line.of(dc.PlaceDial)[1].number == NUMBER


async def test_a_callback_agreed_before_a_restart_is_its_agents_again(
        line: Line, campaigns: Campaigns, tmp_path: Path) -> None:
    book = CampaignBook(tmp_path / "campaigns.jsonl")
    book.open()
    book.write("c", "state", state="running")
    book.write("c", "settled", record="r1", attempts=1, next_due=_now() + 60,
               outcome="callback", callback_agent="a1", at=_now())
    runner = _runner(line, book)
    runner.restore(book.log("c"))
    campaigns.add(runner)
    await _seat(runner, line, "a2")
    await _seat(runner, line, "a1")
    runner.load((Record(record_id="r1", number=NUMBER),))
    runner.resume_after_restart()
    await until(lambda: bool(line.events("dialer.preview")), seconds=120,
                what="the callback was not offered")
    assert line.events("dialer.preview")[0]["agent"] == "a1"


async def test_a_dial_is_held_to_its_campaigns_own_calling_hours(
        line: Line, campaigns: Campaigns) -> None:
    hour = dt.datetime.fromtimestamp(_now(), ZoneInfo("America/New_York")).hour
    # two hours that are not now, later today in the morning, earlier in the afternoon
    first = hour + 2 if hour < 12 else hour - 6
    start, end = dt.time(first), dt.time(first + 2)
    runner = campaigns.add(_runner(line, calling_hours=(start, end)))
    assert runner.window == CallingWindow(start=start, end=end)
    await _seated(runner, line)
    runner.load((Record(record_id="r1", number=NUMBER),))
    runner.start()
    await elapse(30)
    assert not line.of(dc.PlaceDial)  # the platform's window (all day) would have let it
    record = runner.core.record("r1")
    assert record is not None and record.attempts == 0 and record.due > _now() + 3600


async def test_the_board_counts_the_dials_ringing_now(line: Line, campaigns: Campaigns) -> None:
    runner = campaigns.add(_runner(line))
    await _seated(runner, line)
    assert runner.snapshot()["ringing"] == 0
    dial = await _dialing(runner, line)
    assert runner.snapshot()["ringing"] == 1
    runner.dial_answered(de.DialAnswered(call_id=dial.call_id, leg_id=dial.leg_id, human=True))
    assert runner.snapshot()["ringing"] == 0


async def test_the_detectors_verdict_is_on_the_book_when_it_is_known(
        line: Line, campaigns: Campaigns, tmp_path: Path) -> None:
    book = CampaignBook(tmp_path / "campaigns.jsonl")
    book.open()
    runner = campaigns.add(_runner(line, book))
    await _seated(runner, line)
    dial = await _dialing(runner, line)
    runner.dial_answered(de.DialAnswered(call_id=dial.call_id, leg_id=dial.leg_id,
                                         human=False))
    book.close()
    again = CampaignBook(tmp_path / "campaigns.jsonl")
    again.open()
    assert again.log("c").in_doubt[dial.call_id].human is False


@pytest.mark.parametrize("still_up", [True, False])
async def test_a_machine_from_before_a_restart_is_never_counted_abandoned(
        line: Line, campaigns: Campaigns, tmp_path: Path, still_up: bool) -> None:
    book = CampaignBook(tmp_path / "campaigns.jsonl")
    book.open()
    book.write("c", "state", state="running")
    book.write("c", "dialed", dial="c-1", record="r1", number=NUMBER, leg="dial-old",
               attempt=1, at=_now())
    book.write("c", "detected", dial="c-1", human=False)
    runner = _runner(line, book)
    runner.restore(book.log("c"))
    campaigns.add(runner)
    runner.resynced({"dial-old"} if still_up else set())
    if still_up:
        await until(lambda: any(c.call_id == "dial-old" for c in line.of(dc.HangupCall)),
                    what="the machine was not hung up on")
        assert not line.of(dc.PlayMedia)
        runner.leg_ended("dial-old", "normal")
    [ended] = line.events("call.ended")
    assert ended["outcome"] == "machine"
    assert runner.ledger.share(_now()).abandons == 0


async def test_a_person_gone_with_no_agent_while_the_app_was_away_was_abandoned(
        line: Line, campaigns: Campaigns, tmp_path: Path) -> None:
    book = CampaignBook(tmp_path / "campaigns.jsonl")
    book.open()
    book.write("c", "dialed", dial="c-1", record="r1", number=NUMBER, leg="dial-old",
               attempt=1, at=_now())
    book.write("c", "detected", dial="c-1", human=True)
    runner = _runner(line, book)
    runner.restore(book.log("c"))
    campaigns.add(runner)
    runner.resynced(set())
    assert [e["outcome"] for e in line.events("call.ended")] == ["abandoned"]
    assert runner.ledger.share(_now()).abandons == 1


@pytest.mark.parametrize("outcome", ["refused", "cancelled"])
async def test_a_callback_put_off_before_it_rang_is_still_its_agents_after_a_restart(
        tmp_path: Path, outcome: str) -> None:
    """Refused until the calling window opens, or cancelled (its agent paused): the core
    keeps the reservation, and so does the book; skipped, it is an ordinary record."""
    book = CampaignBook(tmp_path / "campaigns.jsonl")
    book.open()
    book.write("c", "dialed", dial="c-1", record="r1", number=NUMBER, leg="l1", attempt=2,
               at=0.0)
    book.write("c", "settled", dial="c-1", record="r1", attempts=2, next_due=None,
               outcome="human", at=1.0)
    book.write("c", "settled", record="r1", attempts=1, next_due=500.0, outcome="callback",
               callback_agent="a1", at=2.0)
    book.write("c", "settled", dial="c-2", record="r1", attempts=1, next_due=900.0,
               outcome=outcome, at=500.0)
    listed = (Record(record_id="r1", number=NUMBER),)
    owed = callbacks_owed(listed, book.log("c"))
    assert [(callback.agent, callback.at) for callback in owed] == [("a1", 900.0)]
    book.write("c", "settled", dial="c-3", record="r1", attempts=1, next_due=4000.0,
               outcome="skipped", at=901.0)
    assert callbacks_owed(listed, book.log("c")) == []
    book.close()


async def test_a_callback_agreed_before_the_call_ended_is_on_the_book_after_it(
        tmp_path: Path) -> None:
    book = CampaignBook(tmp_path / "campaigns.jsonl")
    book.open()
    book.write("c", "dialed", dial="c-1", record="r1", number=NUMBER, leg="l1", attempt=1,
               at=0.0)
    book.write("c", "settled", record="r1", attempts=1, next_due=600.0, outcome="callback",
               callback_agent="a1", at=30.0)
    book.write("c", "settled", dial="c-1", record="r1", attempts=1, next_due=None,
               outcome="human", at=60.0)
    owed = callbacks_owed((Record(record_id="r1", number=NUMBER),), book.log("c"))
    assert [(callback.agent, callback.at) for callback in owed] == [("a1", 600.0)]
    book.close()


async def test_a_list_loaded_while_a_callback_is_shown_does_not_owe_it_twice(
        line: Line, campaigns: Campaigns, tmp_path: Path) -> None:
    """The book still says the callback is owed while its dial is under way: a list
    loaded again then (an upload) must not agree it a second time."""
    book = CampaignBook(tmp_path / "campaigns.jsonl")
    book.open()
    runner = campaigns.add(_runner(line, book, preview_seconds=20.0))
    await _seated(runner, line, "a1")
    dial = await _dialing(runner, line)
    runner.dial_answered(de.DialAnswered(call_id=dial.call_id, leg_id=dial.leg_id, human=True))
    await until(lambda: bool(line.events("call.answered")), what="never connected")
    runner.leg_ended(dial.leg_id, "normal")
    assert runner.disposed(dial.call_id, agent="a1", callback_at=_now() + 60)
    await elapse(61)
    [preview] = line.events("dialer.preview")
    runner.load((Record(record_id="r1", number=NUMBER),), whole=True)
    shown = runner.core.dial(preview["dial_id"])
    assert shown is not None and shown.agreed is None
    book.close()
