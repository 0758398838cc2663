"""The Twilio driver's webhook side, over HTTP: signed webhooks reach the engine as the
driver events of ``webhooks.py`` and are answered with the call's TwiML; unsigned ones
are refused and change nothing; a replay is answered alike and handled once; a webhook
the platform cannot handle gets the polite apology, with 200. REST requests go to a local
stand-in of Twilio's API (``twilio_fake_api``)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from twilio.request_validator import RequestValidator

from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.twilio.credentials import Secret, TwilioCredentials
from contactcenter.telephony.twilio.driver import TwilioDriver
from contactcenter.telephony.twilio.hooks import Setup
from contactcenter.telephony.twilio.rest import Limits
from contactcenter.telephony.twilio.routes import twilio_routes
from tests.support import until
from tests.unit.twilio_fake_api import (
    ACCOUNT,
    PUBLIC,
    TOKEN,
    Answer,
    FakeTwilio,
    fake_twilio,
    post_signed,
    too_many,
)

REQUESTS = Path(__file__).parent / "twilio_requests"
SETUP = Setup(account_sid=ACCOUNT, public_url=PUBLIC, from_number="+15550005000",
              sounds_url="https://cc.example.com/sounds")
CREDENTIALS = TwilioCredentials(account_sid=Secret(ACCOUNT), auth_token=Secret(TOKEN))


def _recorded(name: str) -> dict[str, Any]:
    return dict(json.loads((REQUESTS / f"{name}.json").read_text()))


VOICE = _recorded("voice_incoming")
CALLER = VOICE["form"]["CallSid"]


@dataclass
class Engine:
    """Records the events; ``react`` gives the commands an event leads to (run as the
    engine runs them: later, in a task of their own)."""

    driver: TwilioDriver | None = None
    events: list[de.DriverEvent] = field(default_factory=list)
    react: Callable[[de.DriverEvent], list[dc.DriverCommand]] = lambda _event: []
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    strangers: set[str] = field(default_factory=set)

    def on_event(self, event: de.DriverEvent) -> None:
        self.events.append(event)
        commands = self.react(event)
        if commands:
            self.tasks.append(asyncio.ensure_future(self._run(commands)))

    async def _run(self, commands: list[dc.DriverCommand]) -> None:
        assert self.driver is not None
        for command in commands:
            await self.driver.execute(command)

    async def settled(self, call_id: str) -> bool:
        """The engine's word that a call has handled its events: once the commands they
        led to have run (``tasks``); for a call ``strangers`` names, False at once."""
        if call_id in self.strangers:
            return False
        while not all(task.done() for task in self.tasks):
            await asyncio.gather(*self.tasks, return_exceptions=True)
        return True


@dataclass
class Rig:
    engine: Engine
    driver: TwilioDriver
    client: TestClient[Any, Any]
    twilio: FakeTwilio


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    async with driver_rig(answer_within=0.5) as built:
        yield built


@contextlib.asynccontextmanager
async def driver_rig(answer_within: float, *, asks_engine: bool = False,
                     **options: Any) -> AsyncIterator[Rig]:
    """A started driver answering webhooks on a test server; ``options`` to the driver;
    ``asks_engine``: it answers once the engine has settled (``Engine.settled``)."""
    async with fake_twilio() as (twilio, base):
        engine = Engine()
        if asks_engine:
            options["settled"] = engine.settled
        driver = TwilioDriver(setup=SETUP, credentials=CREDENTIALS, on_event=engine.on_event,
                              api_base=base, answer_within=answer_within,
                              limits=Limits(calls_per_second=100, burst=10,
                                            backoff_base=0.01), **{"settle": 0.01, **options})
        engine.driver = driver
        await driver.start()
        app = web.Application()
        app.add_routes(twilio_routes(driver))
        client = TestClient(TestServer(app))
        await client.start_server()
        try:
            yield Rig(engine, driver, client, twilio)
        finally:
            await client.close()
            await driver.stop()


def verbs(xml: str) -> list[str]:
    return [element.tag for element in ET.fromstring(xml).iter()]


def _answer_and_greet(event: de.DriverEvent) -> list[dc.DriverCommand]:
    if isinstance(event, de.CallArrived):
        return [dc.AnswerCall(call_id=event.call_id),
                dc.PlayMedia(call_id=event.call_id, playback_id="greeting",
                             media=("sound:welcome",))]
    return []


async def test_a_signed_voice_webhook_reaches_the_engine_and_is_answered_with_its_twiml(
        rig: Rig) -> None:
    rig.engine.react = _answer_and_greet
    response = await post_signed(rig.client, "/twilio/voice", VOICE["form"])
    assert response.status == 200 and response.content_type == "text/xml"
    xml = await response.text()
    assert verbs(xml) == ["Response", "Gather", "Play"]  # the last document wins
    assert "playback=greeting" in xml and "/en/welcome.wav" in xml
    assert rig.engine.events == [de.CallArrived(call_id=CALLER, caller="+15550001002",
                                                caller_name="ADA LOVELACE",
                                                dialed="+15550005000")]
    assert rig.twilio.sent == []  # all in the webhook's answer: no call update


@pytest.mark.parametrize("how", ["unsigned", "other token", "other url", "tampered"])
async def test_a_webhook_not_signed_by_twilio_is_refused_and_changes_nothing(
        rig: Rig, how: str) -> None:
    form = dict(VOICE["form"])
    kwargs: dict[str, Any] = {
        "unsigned": {"signature": ""}, "other token": {"token": "0" * 32},
        "other url": {"signed_for": "https://elsewhere.example.com"}, "tampered": {},
    }[how]
    if how == "tampered":
        kwargs["signature"] = await _signature_for(form)
        form["From"] = "+15550009999"
    response = await post_signed(rig.client, "/twilio/voice", form, **kwargs)
    assert response.status == 403
    assert rig.engine.events == [] and rig.driver.book.running == {}
    # the webhook it would have been is still new: signed, it is handled
    signed = await post_signed(rig.client, "/twilio/voice", VOICE["form"])
    assert signed.status == 200 and len(rig.engine.events) == 1


async def _signature_for(form: dict[str, str]) -> str:
    return str(RequestValidator(TOKEN).compute_signature(f"{PUBLIC}/twilio/voice", form))


async def test_a_replay_gets_the_same_answer_and_is_handled_once(rig: Rig) -> None:
    rig.engine.react = _answer_and_greet
    first = await (await post_signed(rig.client, "/twilio/voice", VOICE["form"])).text()
    again = await (await post_signed(rig.client, "/twilio/voice", VOICE["form"])).text()
    assert first == again
    assert len(rig.engine.events) == 1 and rig.twilio.sent == []


async def test_a_replay_during_the_original_waits_for_its_answer(rig: Rig) -> None:
    rig.engine.react = _answer_and_greet
    both = await asyncio.gather(
        post_signed(rig.client, "/twilio/voice", VOICE["form"]),
        post_signed(rig.client, "/twilio/voice", VOICE["form"]))
    texts = [await response.text() for response in both]
    assert texts[0] == texts[1] and len(rig.engine.events) == 1


@pytest.mark.parametrize("path, form", [
    ("/twilio/voice", {"From": "+15550001002"}),  # no CallSid
    ("/twilio/status", {"CallSid": "CA" + "1" * 32}),  # no CallStatus
    ("/twilio/answered", {"CallSid": "CA" + "1" * 32}),  # no leg in the query
])
async def test_a_webhook_the_platform_cannot_read_gets_the_apology_with_200(
        rig: Rig, path: str, form: dict[str, str]) -> None:
    response = await post_signed(rig.client, path, form)
    assert response.status == 200
    assert verbs(await response.text()) == ["Response", "Say", "Hangup"]
    assert rig.engine.events == []


async def test_an_engine_failing_on_a_webhook_still_gets_twiml(rig: Rig) -> None:
    def broken(_event: de.DriverEvent) -> list[dc.DriverCommand]:
        raise RuntimeError("the engine broke")

    rig.engine.react = broken
    response = await post_signed(rig.client, "/twilio/voice", VOICE["form"])
    assert response.status == 200
    assert verbs(await response.text()) == ["Response", "Say", "Hangup"]


async def test_a_call_the_engine_says_nothing_for_waits_parked(rig: Rig) -> None:
    response = await post_signed(rig.client, "/twilio/voice", VOICE["form"])
    xml = await response.text()
    assert verbs(xml) == ["Response", "Gather", "Redirect"]
    assert "/twilio/park" in xml


async def test_status_callbacks_become_events_and_get_an_empty_document(rig: Rig) -> None:
    status = _recorded("status_inbound_completed")
    response = await post_signed(rig.client, "/twilio/status", status["form"],
                                 status["query"])
    assert response.status == 200
    assert verbs(await response.text()) == ["Response"]
    assert [type(event) for event in rig.engine.events] == [de.CallEnded]


async def test_a_document_for_a_call_with_no_webhook_open_goes_as_a_call_update(
        rig: Rig) -> None:
    await rig.driver.execute(dc.PlayMedia(call_id=CALLER, playback_id="menu",
                                          media=("digits:12",)))
    [update] = rig.twilio.sent
    assert update.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALLER}.json"
    assert verbs(update.values("Twiml")[0]) == ["Response", "Gather", "Say"]


async def test_a_ring_creates_a_call_and_its_sid_names_the_leg_later(rig: Rig) -> None:
    await rig.driver.execute(dc.RingAgent(call_id=CALLER, leg_id="leg-1",
                                          endpoint="agent101"))
    [create] = rig.twilio.sent
    assert create.method == "POST"
    assert create.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    assert create.values("To") == ["client:agent101"]
    assert create.values("StatusCallbackEvent") == ["initiated", "ringing", "answered",
                                                    "completed"]
    await rig.driver.execute(dc.HangupCall(call_id="leg-1"))
    sid = rig.twilio.created()[0]
    assert rig.twilio.sent[1].path.endswith(f"/Calls/{sid}.json")
    assert rig.twilio.sent[1].values("Status") == ["completed"]


async def test_a_command_for_a_leg_not_named_yet_is_held_until_a_webhook_names_it(
        rig: Rig) -> None:
    await rig.driver.execute(dc.HangupCall(call_id="leg-9"))
    await rig.driver.execute(dc.HangupCall(call_id="leg-9", reason="again"))
    assert rig.twilio.sent == []
    answered = _recorded("answered_agent")
    query = {**answered["query"], "leg": "leg-9"}
    await post_signed(rig.client, "/twilio/answered", answered["form"], query)
    await until(lambda: len(rig.twilio.sent) == 2)
    sid = answered["form"]["CallSid"]
    assert [sent.path.rsplit("/", 1)[-1] for sent in rig.twilio.sent] == [f"{sid}.json"] * 2


async def test_a_hold_in_a_conference_not_named_yet_waits_for_its_callback(rig: Rig) -> None:
    bridge = f"b-{CALLER}"
    await rig.driver.execute(dc.AddToBridge(call_id=CALLER, bridge_id=bridge,
                                            channels=(CALLER,)))
    await rig.driver.execute(dc.StartHold(call_id=CALLER))
    assert len(rig.twilio.sent) == 1  # the conference document only: the hold is held
    join = _recorded("conference_participant_join")
    form = {**join["form"], "CallSid": CALLER}
    response = await post_signed(rig.client, "/twilio/conference", form, join["query"])
    assert verbs(await response.text()) == ["Response"]
    await until(lambda: len(rig.twilio.sent) == 2)
    hold = rig.twilio.sent[1]
    assert hold.path.endswith(f"/Conferences/{form['ConferenceSid']}/Participants/"
                              f"{CALLER}.json")
    assert hold.values("Hold") == ["true"]


async def test_a_digit_pressed_on_hold_keeps_the_music_playing(rig: Rig) -> None:
    await rig.driver.execute(dc.StartHold(call_id=CALLER, music_class="jazz"))
    music = rig.twilio.sent[0].values("Twiml")[0]
    doc = rig.driver.book.running[CALLER][0]
    response = await post_signed(rig.client, "/twilio/gather",
                                 {"CallSid": CALLER, "Digits": "5"},
                                 {"call": CALLER, "doc": doc})
    again = await response.text()
    assert verbs(again) == verbs(music) == ["Response", "Gather", "Play"]
    assert "/moh/jazz.mp3" in again
    assert rig.engine.events == [de.DigitReceived(call_id=CALLER, digit="5")]


async def test_a_playback_stopped_after_it_ended_is_neither_stopped_nor_reported_again(
        rig: Rig) -> None:
    await rig.driver.execute(dc.PlayMedia(call_id=CALLER, playback_id="pb-1",
                                          media=("sound:menu",)))
    response = await post_signed(rig.client, "/twilio/gather", {"CallSid": CALLER},
                                 {"call": CALLER, "playback": "pb-1"})
    assert "/twilio/park" in await response.text()  # the engine said nothing: parked
    await rig.driver.execute(dc.StopMedia(call_id=CALLER, playback_id="pb-1"))
    assert len(rig.twilio.sent) == 1
    assert rig.engine.events == [de.PlaybackEnded(call_id=CALLER, playback_id="pb-1")]


async def test_a_document_given_after_the_webhook_was_answered_goes_as_an_update(
        rig: Rig) -> None:
    late: list[dc.DriverCommand] = []

    def answer_late(event: de.DriverEvent) -> list[dc.DriverCommand]:
        late.extend(_answer_and_greet(event))
        return []

    rig.engine.react = answer_late
    response = await post_signed(rig.client, "/twilio/voice", VOICE["form"])
    assert "/twilio/park" in await response.text()
    for command in late:
        await rig.driver.execute(command)
    assert [verbs(sent.values("Twiml")[0])[1:] for sent in rig.twilio.sent] == [
        ["Gather", "Redirect"], ["Gather", "Play"]]


async def test_a_key_that_leads_to_no_document_is_answered_with_a_gather_at_once() -> None:
    """A digit of an account number gives the call no document: its webhook does not wait
    ``answer_within`` (here far longer than the test's own wait) but answers with a gather
    for the next key, and the document that comes later goes as a call update."""
    async with driver_rig(answer_within=60) as rig:
        later: list[dc.DriverCommand] = []
        rig.engine.react = lambda event: (later.append(dc.PlayMedia(
            call_id=CALLER, playback_id="next", media=("sound:thanks",))) or []
            if isinstance(event, de.DigitReceived) else [])
        await rig.driver.execute(dc.AnswerCall(call_id=CALLER))
        doc = rig.driver.book.running[CALLER][0]
        posted = asyncio.ensure_future(post_signed(rig.client, "/twilio/gather",
                                                   {"CallSid": CALLER, "Digits": "4"},
                                                   {"call": CALLER, "doc": doc}))
        await until(posted.done, what="the key's webhook waited for a document")
        assert verbs(await posted.result().text())[1:] == ["Gather", "Redirect"]
        assert rig.engine.events == [de.DigitReceived(call_id=CALLER, digit="4")]
        await rig.driver.execute(later[0])
        assert [verbs(sent.values("Twiml")[0])[1:] for sent in rig.twilio.sent][-1] == [
            "Gather", "Play"]


async def test_commands_held_for_a_call_that_ended_are_dropped(rig: Rig) -> None:
    await rig.driver.execute(dc.HangupCall(call_id="leg-7"))
    status = _recorded("status_agent_no_answer")
    query = {**status["query"], "leg": "leg-7"}
    await post_signed(rig.client, "/twilio/status", status["form"], query)
    await until(lambda: bool(rig.engine.events))
    assert rig.twilio.sent == [] and rig.driver.book.call_sids == {}
    assert [type(event) for event in rig.engine.events] == [de.CallEnded]


async def test_each_digit_pressed_on_hold_reaches_the_engine(rig: Rig) -> None:
    await rig.driver.execute(dc.StartHold(call_id=CALLER, music_class="jazz"))
    for digit in "55":
        doc = rig.driver.book.running[CALLER][0]
        response = await post_signed(rig.client, "/twilio/gather",
                                     {"CallSid": CALLER, "Digits": digit},
                                     {"call": CALLER, "doc": doc})
        assert "jazz" in await response.text()
    assert rig.engine.events == [de.DigitReceived(call_id=CALLER, digit="5")] * 2


async def test_a_dial_never_answered_is_forgotten_by_the_book(rig: Rig) -> None:
    await rig.driver.execute(dc.PlaceDial(call_id="dial-1", leg_id="dl-1",
                                          number="+15550007000"))
    sid = rig.twilio.created()[0]
    await rig.driver.execute(dc.PlayMedia(call_id="dl-1", playback_id="dl-1-message",
                                          media=("sound:offer",)))
    form = {"CallSid": sid, "CallStatus": "busy"}
    await post_signed(rig.client, "/twilio/status", form,
                      {"purpose": "dialer", "call": "dial-1", "leg": "dl-1"})
    assert [type(event) for event in rig.engine.events] == [de.DialUnanswered]
    assert rig.driver.book.call_sids == {} and rig.driver.book.running == {}


async def test_stopping_a_playback_leaves_a_later_one_whose_id_it_begins(rig: Rig) -> None:
    await rig.driver.execute(dc.PlayMedia(call_id=CALLER, playback_id="c:announce:1",
                                          media=("sound:a",)))
    await rig.driver.execute(dc.PlayMedia(call_id=CALLER, playback_id="c:announce:12",
                                          media=("sound:b",)))
    await rig.driver.execute(dc.StopMedia(call_id=CALLER, playback_id="c:announce:1"))
    assert len(rig.twilio.sent) == 2
    assert rig.driver.book.running[CALLER][0] == "c:announce:12"


@pytest.mark.parametrize("body, charset", [
    (b"CallSid=CA%ff%fe&From=%80", ""), (b"\xff\xfe=\x80", ""), (b"CallSid=CA1", "; charset=nope"),
])
async def test_a_body_that_is_not_utf_8_is_refused_without_a_server_error(
        rig: Rig, body: bytes, charset: str) -> None:
    kind = f"application/x-www-form-urlencoded{charset}"
    response = await rig.client.post(
        "/twilio/voice", data=body, headers={"Content-Type": kind, "X-Twilio-Signature": "x"})
    assert response.status in (400, 403)
    assert rig.engine.events == []


async def test_stop_ends_the_tasks_it_started_before_it_returns(rig: Rig) -> None:
    await rig.driver.execute(dc.HangupCall(call_id="leg-3"))
    rig.twilio.script.append(Answer(429, too_many().body, {"Retry-After": "30"}))
    answered = _recorded("answered_agent")
    await post_signed(rig.client, "/twilio/answered", answered["form"],
                      {**answered["query"], "leg": "leg-3"})
    await until(lambda: len(rig.twilio.sent) == 1)
    tasks = set(rig.driver._tasks)
    assert tasks  # the held hang-up, waiting to be sent again
    await rig.driver.stop()
    assert all(task.done() for task in tasks)


async def test_a_document_webhook_of_a_call_already_gone_leaves_nothing_behind(
        rig: Rig) -> None:
    """``<Dial>``'s action comes when the call in the conference hangs up too (CallStatus
    completed), maybe after its status callback: nothing is kept for a call gone."""
    status = _recorded("status_inbound_completed")
    await post_signed(rig.client, "/twilio/status", status["form"], status["query"])
    dial = _recorded("dial_action_completed")
    form = {**dial["form"], "CallStatus": "completed"}
    response = await post_signed(rig.client, "/twilio/dial", form, dial["query"])
    assert verbs(await response.text()) == ["Response", "Hangup"]
    assert rig.driver.book.running == {} and rig.driver.book.call_sids == {}


async def test_a_dial_twilio_refuses_is_reported_unanswered_as_the_asterisk_driver_does(
        rig: Rig) -> None:
    rig.twilio.script.append(Answer(400, {"code": 21211, "status": 400,
                                          "message": "Invalid 'To' Phone Number"}))
    await rig.driver.execute(dc.PlaceDial(call_id="dial-2", leg_id="dl-2", number="+1"))
    [event] = rig.engine.events
    assert isinstance(event, de.DialUnanswered)
    assert (event.call_id, event.reason) == ("dial-2", "failed") and "21211" in event.cause
    assert rig.driver.book.call_sids == {}


async def test_commands_held_for_a_leg_twilio_refused_to_create_are_dropped(rig: Rig) -> None:
    await rig.driver.execute(dc.HangupCall(call_id="leg-5"))
    rig.twilio.script.append(Answer(400, {"code": 21210, "status": 400, "message": "no"}))
    with pytest.raises(Exception, match="21210"):
        await rig.driver.execute(dc.RingAgent(call_id=CALLER, leg_id="leg-5",
                                              endpoint="agent101"))
    assert "leg-5" not in rig.driver._held


async def test_a_snoop_hung_up_leaves_the_book(rig: Rig) -> None:
    await rig.driver.execute(dc.SnoopChannel(call_id="mon-1", snoop_id="sn-1",
                                             target=CALLER))
    await rig.driver.execute(dc.HangupCall(call_id="sn-1"))
    assert rig.engine.events == [de.CallEnded(call_id="sn-1", cause="snoop")]
    assert rig.driver.book.snoops == {} and rig.twilio.sent == []


@pytest.mark.parametrize("command", [
    dc.PlayMedia(call_id=CALLER, playback_id="late", media=("sound:menu",)),
    dc.RecordBridge(call_id=CALLER, bridge_id="b-1", name="rec-1"),
    dc.HangupCall(call_id=CALLER),
])
async def test_a_command_for_a_call_that_just_completed_counts_as_done(
        rig: Rig, command: dc.DriverCommand) -> None:
    """Twilio refuses to redirect or record a completed call with 400, error 21220
    (https://www.twilio.com/docs/errors/21220): the call is gone, as a 404 says."""
    rig.twilio.script.append(Answer(400, {"code": 21220, "status": 400,
                                          "message": "Call is not in-progress."}))
    await rig.driver.execute(command)
    assert len(rig.twilio.sent) == 1
