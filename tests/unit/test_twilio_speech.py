"""Speech on Twilio: a menu that listens for speech plays in a ``<Gather input="dtmf
speech">`` with its phrases as hints; the gather's ``SpeechResult`` reaches the IVR as
``SpeechReceived`` before the playback's end; and, through the engine, a caller who says
"support" is taken to the support queue. Webhooks are in Twilio's documented form
(twilio_requests/, each naming its page), signed by the test; REST goes to the local
stand-in of Twilio's API."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.ivr import parse_flow
from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e
from contactcenter.telephony.twilio.credentials import Secret, TwilioCredentials
from contactcenter.telephony.twilio.driver import TwilioDriver
from contactcenter.telephony.twilio.hooks import Setup
from contactcenter.telephony.twilio.rest import Limits
from contactcenter.telephony.twilio.routes import twilio_routes
from contactcenter.telephony.twilio.translate import Known, translate_webhook, twilio_action
from contactcenter.telephony.twilio.twiml import speech_language
from tests.support import until
from tests.unit.twilio_fake_api import ACCOUNT, PUBLIC, TOKEN, fake_twilio, post_signed

REQUESTS = Path(__file__).parent / "twilio_requests"
SETUP = Setup(account_sid=ACCOUNT, public_url=PUBLIC, from_number="+15550005000",
              sounds_url="https://cc.example.com/sounds")
CREDENTIALS = TwilioCredentials(account_sid=Secret(ACCOUNT), auth_token=Secret(TOKEN))


def _recorded(name: str) -> dict[str, Any]:
    request = json.loads((REQUESTS / f"{name}.json").read_text())
    assert request["source"].startswith("https://www.twilio.com/docs/")
    return dict(request)


VOICE = _recorded("voice_incoming")
CALLER = VOICE["form"]["CallSid"]


def _gather_of(xml: str) -> ET.Element:
    gathers = [element for element in ET.fromstring(xml).iter() if element.tag == "Gather"]
    assert len(gathers) == 1, xml
    return gathers[0]


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


# the translation

def _playback(**speech: Any) -> ET.Element:
    command = c.PlayMedia(call_id=CALLER, playback_id=f"{CALLER}:1", media=("sound:menu",),
                          **speech)
    action = twilio_action(command, SETUP, Known(), "5")
    return _gather_of(action.twiml[0].xml)


def test_a_playback_that_listens_gathers_speech_with_its_phrases_as_hints() -> None:
    gather = _playback(listen_speech=True, speech_hints=("sales", "customer support"),
                       language="en")
    assert gather.get("input") == "dtmf speech"
    assert gather.get("speechTimeout") == "auto"
    assert gather.get("hints") == "sales, customer support"
    assert gather.get("language") == "en-US"  # the setup's region for a bare "en"
    assert gather.get("actionOnEmptyResult") == "true"  # silence still ends the playback
    assert int(gather.get("timeout", "0")) > 1  # time to start speaking after the prompt
    assert _query(gather.get("action", "")) == {"call": CALLER, "playback": f"{CALLER}:1"}


def test_a_playback_that_does_not_listen_is_keys_only_as_before() -> None:
    gather = _playback(speech_hints=("sales",))
    assert gather.get("input") == "dtmf"
    assert gather.get("hints") is None and gather.get("speechTimeout") is None
    assert gather.get("timeout") == "1"


@pytest.mark.parametrize(("language", "tag"), [
    (None, "en-US"), ("en", "en-US"), ("pt_BR", "pt-BR"), ("fr", "fr"), ("en-GB", "en-GB")])
def test_the_recognizer_s_language_is_a_bcp_47_tag(language: str | None, tag: str) -> None:
    assert speech_language(SETUP, language) == tag


def test_speech_with_digits_in_one_gather_reports_both_in_order() -> None:
    request = _recorded("gather_speech_during_playback")
    webhook = translate_webhook(request["path"], request["query"],
                                {**request["form"], "Digits": "2"})
    assert [type(event) for event in webhook.events] == [
        e.DigitReceived, e.SpeechReceived, e.PlaybackEnded]


@pytest.mark.parametrize(("confidence", "expected"), [
    ("0.5", 0.5), ("", None), ("high", None), ("7", None)])
def test_an_unreadable_confidence_is_none_and_the_words_are_kept(
        confidence: str, expected: float | None) -> None:
    request = _recorded("gather_speech_during_playback")
    form = {**request["form"], "Confidence": confidence}
    (speech, _ended) = translate_webhook(request["path"], request["query"], form).events
    assert speech == e.SpeechReceived(call_id=CALLER, text="Support, please.",
                                      confidence=expected)


def test_an_empty_speech_result_is_the_playback_s_end_only() -> None:
    request = _recorded("gather_speech_during_playback")
    form = {**request["form"], "SpeechResult": "  "}
    webhook = translate_webhook(request["path"], request["query"], form)
    assert webhook.events == (e.PlaybackEnded(call_id=CALLER, playback_id=f"{CALLER}:3"),)


# through the engine

FLOW = parse_flow({
    "start": "menu",
    "nodes": {
        "menu": {"type": "menu", "prompt": ["main-menu"], "options": {"1": "sales",
                                                                      "2": "support"},
                 "speech": True, "say": {"1": ["sales", "buy"], "2": ["support", "help"]},
                 "invalid_prompt": ["pbx-invalid"], "fallback": "support"},
        "sales": {"type": "queue", "queue": "sales"},
        "support": {"type": "queue", "queue": "support"},
    },
}, name="speech")


class NoData:
    async def lookup(self, kind: str, key: str) -> Mapping[str, str] | None:
        return None


@dataclass
class Platform:
    engine: Engine
    journal: CallJournal
    client: TestClient[Any, Any]

    def events(self, kind: str) -> list[dict[str, Any]]:
        record = self.journal.records.get(CALLER)
        return [] if record is None else [
            event for event in record.all_events() if event["type"] == kind]


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    async with fake_twilio() as (_twilio, base):
        journal = CallJournal(tmp_path / "calls.jsonl")
        journal.open()
        engine = Engine(flows={"speech": FLOW}, numbers={VOICE["form"]["To"]: "speech"},
                        directory=NoData(), bus=EventBus(), journal=journal)
        driver = TwilioDriver(setup=SETUP, credentials=CREDENTIALS,
                              on_event=engine.on_driver_event, api_base=base,
                              answer_within=1.0, settle=0.05,
                              limits=Limits(calls_per_second=100, burst=10))
        engine.send = driver.execute
        await driver.start()
        app = web.Application()
        app.add_routes(twilio_routes(driver))
        client = TestClient(TestServer(app))
        await client.start_server()
        try:
            yield Platform(engine, journal, client)
        finally:
            await client.close()
            await driver.stop()
            await engine.close()
            journal.close()


async def _menu(platform: Platform) -> ET.Element:
    """The call arrives; its answer is the menu's playback, listening for speech."""
    answer = await post_signed(platform.client, "/twilio/voice", VOICE["form"])
    assert answer.status == 200
    gather = _gather_of(await answer.text())
    assert gather.get("input") == "dtmf speech"
    assert {"support", "sales"} <= {hint.strip() for hint in gather.get("hints", "").split(",")}
    return gather


async def _say(platform: Platform, gather: ET.Element, text: str, confidence: str) -> str:
    request = _recorded("gather_speech_during_playback")
    form = {**request["form"], "SpeechResult": text, "Confidence": confidence}
    # the action URL as the test client sends it (it writes the playback id's ":" as it
    # is), so that the signature is over the URL the platform sees
    action = urlsplit(gather.get("action", ""))
    answer = await post_signed(platform.client, f"{action.path}?{unquote(action.query)}", form)
    assert answer.status == 200
    return str(await answer.text())


async def test_a_caller_who_says_support_waits_in_the_support_queue(
        platform: Platform) -> None:
    gather = await _menu(platform)
    await _say(platform, gather, "Support, please.", "0.8712")
    await until(lambda: bool(platform.events("call.queued")), what="the caller never queued")
    (queued,) = platform.events("call.queued")
    assert queued["queue"] == "support"
    (chosen,) = platform.events("ivr.digits")
    assert (chosen["digits"], chosen["said"]) == ("2", "Support, please.")


async def test_words_of_no_option_are_asked_again_and_then_a_phrase_is_taken(
        platform: Platform) -> None:
    gather = await _menu(platform)
    again = _gather_of(await _say(platform, gather, "What's the weather like?", "0.93"))
    assert platform.events("ivr.invalid")[0]["said"] == "What's the weather like?"
    assert again.get("input") == "dtmf speech"  # the menu again, still listening
    plays = [item.text or "" for item in again if item.tag == "Play"]
    assert plays[0].endswith("/pbx-invalid.wav") and plays[1].endswith("/main-menu.wav")
    await _say(platform, again, "I want to buy something", "0.9")
    await until(lambda: bool(platform.events("call.queued")), what="the caller never queued")
    assert platform.events("call.queued")[0]["queue"] == "sales"
