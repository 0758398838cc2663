"""The Twilio driver at start (Twilio's lists read, every page, and handed to
``on_resync``) and the deadline of commands held for a call Twilio never names."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.twilio.driver import TwilioDriver
from contactcenter.telephony.twilio.hooks import Setup
from contactcenter.telephony.twilio.rest import Limits
from tests.support import until
from tests.unit.test_twilio_driver import CREDENTIALS, Engine
from tests.unit.twilio_fake_api import (
    ACCOUNT,
    PUBLIC,
    Answer,
    FakeTwilio,
    fake_twilio,
    listed_call,
)

NUMBER = "+15550005000"
SETUP = Setup(account_sid=ACCOUNT, public_url=PUBLIC, from_number=NUMBER, numbers=(NUMBER,))
HOLD_WITHIN = 0.2


@dataclass
class Resyncs:
    calls: list[tuple[dict[str, de.CallArrived], dict[str, de.AnsweredLeg], set[str]]] = \
        field(default_factory=list)

    def __call__(self, live: Mapping[str, de.CallArrived],
                 legs: Mapping[str, de.AnsweredLeg], present: AbstractSet[str]) -> None:
        self.calls.append((dict(live), dict(legs), set(present)))


@dataclass
class Started:
    driver: TwilioDriver
    engine: Engine
    twilio: FakeTwilio
    resyncs: Resyncs


def _driver(base: str, engine: Engine, resyncs: Resyncs, state: Path | None = None,
            cps: float = 100) -> TwilioDriver:
    driver = TwilioDriver(setup=SETUP, credentials=CREDENTIALS, on_event=engine.on_event,
                          on_resync=resyncs, api_base=base, answer_within=0.5, settle=0.01,
                          hold_within=HOLD_WITHIN, state_file=state,
                          limits=Limits(calls_per_second=cps, burst=1))
    engine.driver = driver
    return driver


@pytest.fixture
async def started(tmp_path: Path) -> AsyncIterator[Started]:
    async with fake_twilio() as (twilio, base):
        engine, resyncs = Engine(), Resyncs()
        driver = _driver(base, engine, resyncs, tmp_path / "twilio.jsonl")
        await driver.start()
        try:
            yield Started(driver, engine, twilio, resyncs)
        finally:
            await driver.stop()


async def test_every_page_of_the_calls_in_progress_reaches_on_resync() -> None:
    async with fake_twilio() as (twilio, base):
        sids = [f"CA{n:032x}" for n in range(5)]
        twilio.calls = [listed_call(sid, to=NUMBER) for sid in sids]
        twilio.calls.append(listed_call("CA" + "f" * 32, to="+15550009999"))  # not ours
        resyncs = Resyncs()
        driver = _driver(base, Engine(), resyncs)
        await driver.start()
        await driver.stop()
    [(live, legs, present)] = resyncs.calls
    assert set(live) == set(sids) == present and legs == {}
    pages = [query for path, query in twilio.listed if path.endswith("/Calls.json")]
    assert pages[0] == "Status=in-progress&PageSize=1000"
    assert "Page=2" in pages[2] and "PageToken=" in pages[2]  # followed to the last page


async def test_a_start_whose_lists_fail_still_serves_and_tells_the_engine_nothing() -> None:
    async with fake_twilio() as (twilio, base):
        twilio.script.append(Answer(500, {"code": 20500, "status": 500,
                                          "message": "Internal Server Error"}))
        resyncs = Resyncs()
        driver = _driver(base, Engine(), resyncs)
        await driver.start()  # does not raise: the webhooks must be served
        assert driver.status() == {"rest": True} and resyncs.calls == []
        await driver.stop()


async def test_commands_for_a_leg_never_named_end_it_at_the_deadline_once(
        started: Started) -> None:
    await started.driver.execute(dc.PlayMedia(call_id="leg-9", playback_id="p",
                                              media=("sound:x",)))
    await started.driver.execute(dc.HangupCall(call_id="leg-9"))
    await until(lambda: bool(started.engine.events))
    [ended] = started.engine.events
    assert isinstance(ended, de.CallEnded) and ended.call_id == "leg-9"
    assert "no SID from Twilio within 0.2 s" in ended.cause and "2 commands" in ended.cause
    assert "leg-9" not in started.driver._held and started.twilio.sent == []


async def test_a_dial_whose_conference_is_never_named_is_unanswered_and_hung_up(
        started: Started) -> None:
    await started.driver.execute(dc.PlaceDial(call_id="dial-1", leg_id="dl-1",
                                              number="+15550007000"))
    sid = started.twilio.created()[0]
    await started.driver.execute(dc.AddToBridge(call_id="dl-1", bridge_id="b-1",
                                                channels=("dl-1",)))
    await started.driver.execute(dc.StartHold(call_id="dl-1"))  # waits for the conference
    await until(lambda: any(sent.values("Status") for sent in started.twilio.sent))
    [unanswered] = started.engine.events
    assert isinstance(unanswered, de.DialUnanswered)
    assert (unanswered.call_id, unanswered.reason) == ("dial-1", "failed")
    hangup = started.twilio.sent[-1]
    assert hangup.path.endswith(f"/Calls/{sid}.json") and hangup.values("Status") == [
        "completed"]
    await until(lambda: started.driver.book.call_sids == {})


async def test_a_leg_whose_create_waits_for_the_calls_per_second_is_not_late() -> None:
    async with fake_twilio() as (twilio, base):
        engine = Engine()
        driver = _driver(base, engine, Resyncs(), cps=1.0)  # one create a second
        await driver.start()
        try:
            await driver.execute(dc.RingAgent(call_id="c-1", leg_id="leg-a",
                                              endpoint="agent101"))
            ring = dc.RingAgent(call_id="c-2", leg_id="leg-b", endpoint="agent102")
            engine.tasks.append(asyncio.ensure_future(driver.execute(ring)))
            await until(lambda: "leg-b" in driver._held.creating)
            await driver.execute(dc.HangupCall(call_id="leg-b"))  # held: no SID yet
            await until(lambda: any(sent.values("Status") for sent in twilio.sent)
                        or bool(engine.events))
            assert engine.events == []  # nothing reported failed
            assert twilio.sent[-1].path.endswith(f"/Calls/{twilio.created()[1]}.json")
        finally:
            await driver.stop()
            for task in engine.tasks:
                task.cancel()
