"""Twilio's webhooks -> driver events; driver commands -> TwiML and REST requests.

The requests in twilio_requests/ are written in the format Twilio documents for each
webhook (each file names its page in ``source``), not recorded from a live account.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e
from contactcenter.telephony.twilio.hooks import Setup
from contactcenter.telephony.twilio.translate import (
    CallTwiml,
    Known,
    RestRequest,
    UnknownCall,
    Webhook,
    WebhookError,
    call_update,
    translate_webhook,
    twilio_action,
)

REQUESTS = Path(__file__).parent / "twilio_requests"
AC = "AC0123456789abcdef0123456789abcdef"
IN = "CA1f2e3d4c5b6a79880123456789abcdef"
AG = "CA2b3c4d5e6f708192a3b4c5d6e7f80912"
SETUP = Setup(account_sid=AC, public_url="https://cc.example.com", from_number="+15550009000",
              sounds_url="https://cc.example.com/sounds")
KNOWN = Known(call_sids={f"{IN}-a1": AG})


def _request(name: str) -> dict[str, Any]:
    return json.loads((REQUESTS / f"{name}.json").read_text())


def _translate(name: str) -> Webhook:
    request = _request(name)
    assert request["source"].startswith("https://www.twilio.com/docs/")
    return translate_webhook(request["path"], request["query"], request["form"])


def _xml(document: str) -> ET.Element:
    return ET.fromstring(document)


def _query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


# webhooks -> events

@pytest.mark.parametrize(("name", "expected"), [
    ("voice_incoming", (e.CallArrived(call_id=IN, caller="+15550001002",
                                      caller_name="ADA LOVELACE", dialed="+15550005000"),)),
    ("status_inbound_completed", (e.CallEnded(call_id=IN, cause="completed"),)),
    ("answered_agent", (e.AgentAnswered(call_id=IN, leg_id=f"{IN}-a1", endpoint="agent101"),)),
    ("status_agent_no_answer", (e.CallEnded(call_id=f"{IN}-a1", cause="no-answer (SIP 487)"),)),
    ("status_dial_ringing", ()),
    ("status_dial_busy", (e.DialUnanswered(call_id="spring-3", reason="busy",
                                           cause="busy (SIP 486)"),)),
    ("status_dial_completed", (e.CallEnded(call_id="dial-ab12-spring-3",
                                           cause="completed (SIP 200)"),)),
    ("amd_human", (e.DialAnswered(call_id="spring-3", leg_id="dial-ab12-spring-3", human=True,
                                  detection="human-2400"),)),
    ("amd_machine_end_beep", (e.DialAnswered(call_id="spring-5", leg_id="dial-ab12-spring-5",
                                             human=False, detection="machine_end_beep-8150"),)),
    ("gather_digit", (e.DigitReceived(call_id=IN, digit="3"),
                      e.PlaybackEnded(call_id=IN, playback_id=f"{IN}:1"))),
    ("gather_empty", (e.PlaybackEnded(call_id=IN, playback_id=f"{IN}:2"),)),
    ("gather_speech", (e.SpeechReceived(call_id=IN, text="account balance",
                                        confidence=0.9246),)),
    ("gather_speech_during_playback", (
        e.SpeechReceived(call_id=IN, text="Support, please.", confidence=0.8712),
        e.PlaybackEnded(call_id=IN, playback_id=f"{IN}:3"))),
    ("record_action", (e.RecordingEnded(call_id=IN, name="vm-1", duration=14.0,
                                        cause="done"),)),
    ("recording_status_completed", (e.RecordingEnded(call_id=IN, name="call-1", duration=95.0,
                                                     cause="done"),)),
    ("recording_status_absent", (e.RecordingEnded(call_id=IN, name="call-2", duration=0.0,
                                                  cause="failed"),)),
    ("conference_participant_join", ()),
    ("conference_participant_leave", ()),
    ("dial_action_completed", ()),
])
def test_each_documented_webhook_becomes_the_asterisk_driver_s_events(
        name: str, expected: tuple[e.DriverEvent, ...]) -> None:
    assert _translate(name).events == expected


def test_a_leg_the_platform_started_is_known_by_its_leg_id_and_its_call_sid() -> None:
    answered = _translate("answered_agent")
    assert (answered.call_id, answered.call_sid) == (f"{IN}-a1", AG)


@pytest.mark.parametrize("verdict", ["human", "unknown"])
def test_a_person_or_an_unsure_verdict_is_a_person(verdict: str) -> None:
    request = _request("amd_human")
    webhook = translate_webhook(request["path"], request["query"],
                                {**request["form"], "AnsweredBy": verdict})
    assert isinstance(webhook.events[0], e.DialAnswered) and webhook.events[0].human


@pytest.mark.parametrize("verdict", ["machine_start", "machine_end_beep", "machine_end_silence",
                                     "machine_end_other", "fax"])
def test_machines_and_faxes_are_no_person(verdict: str) -> None:
    request = _request("amd_machine_end_beep")
    webhook = translate_webhook(request["path"], request["query"],
                                {**request["form"], "AnsweredBy": verdict})
    assert isinstance(webhook.events[0], e.DialAnswered) and not webhook.events[0].human


@pytest.mark.parametrize(("status", "reason"), [
    ("busy", "busy"), ("no-answer", "no_answer"), ("failed", "failed"), ("canceled", "failed")])
def test_a_dial_unanswered_says_why(status: str, reason: str) -> None:
    request = _request("status_dial_busy")
    webhook = translate_webhook(request["path"], request["query"],
                                {**request["form"], "CallStatus": status})
    assert [(event.call_id, event.reason) for event in webhook.events
            if isinstance(event, e.DialUnanswered)] == [("spring-3", reason)]


@pytest.mark.parametrize("status", ["queued", "initiated", "ringing", "in-progress"])
def test_call_progress_before_the_end_is_no_event(status: str) -> None:
    request = _request("status_inbound_completed")
    form = {**request["form"], "CallStatus": status}
    assert translate_webhook(request["path"], request["query"], form).events == ()


def test_speech_is_kept_with_its_confidence() -> None:
    speech = _translate("gather_speech").speech
    assert speech is not None and (speech.text, speech.confidence) == ("account balance", 0.9246)


def test_conference_news_names_the_bridge_the_conference_and_the_call() -> None:
    news = _translate("conference_participant_join").conference
    assert news is not None
    assert (news.bridge_id, news.event, news.call_sid) == (f"b-{IN}", "participant-join", AG)
    assert news.conference_sid.startswith("CF")


def test_a_replayed_webhook_has_the_same_key_and_distinct_news_distinct_keys() -> None:
    names = [path.stem for path in sorted(REQUESTS.glob("*.json"))]
    keys = {name: _translate(name).dedupe_key for name in names}
    assert all(_translate(name).dedupe_key == keys[name] for name in names)  # a replay
    assert len(set(keys.values())) == len(names)


def test_the_same_digit_at_two_waits_is_two_presses() -> None:
    request = _request("gather_speech")
    first = translate_webhook(request["path"], {"call": IN, "doc": "7"}, {"CallSid": IN,
                                                                          "Digits": "1"})
    second = translate_webhook(request["path"], {"call": IN, "doc": "8"}, {"CallSid": IN,
                                                                           "Digits": "1"})
    assert first.dedupe_key != second.dedupe_key


@pytest.mark.parametrize(("path", "form"), [
    ("/twilio/unknown", {"CallSid": IN}), ("/twilio/voice", {}),
    ("/twilio/amd", {"CallSid": IN})])
def test_a_webhook_the_platform_cannot_read_is_refused(path: str, form: dict[str, str]) -> None:
    with pytest.raises(WebhookError):
        translate_webhook(path, {}, form)


# commands -> TwiML

def _document(command: c.DriverCommand, known: Known = KNOWN, doc: str = "5") -> CallTwiml:
    action = twilio_action(command, SETUP, known, doc)
    assert len(action.twiml) == 1 and not action.requests
    return action.twiml[0]


def test_answering_a_call_parks_it_listening_for_a_digit() -> None:
    root = _xml(_document(c.AnswerCall(call_id=IN)).xml)
    gather, redirect = list(root)
    assert (gather.tag, gather.get("numDigits"), gather.get("input")) == ("Gather", "1", "dtmf")
    assert _query(gather.get("action", "")) == {"call": IN, "doc": "5"}
    assert redirect.tag == "Redirect" and urlsplit(redirect.text or "").path == "/twilio/park"


def test_a_playback_plays_and_says_inside_a_gather_that_reports_its_end() -> None:
    command = c.PlayMedia(call_id=IN, playback_id=f"{IN}:1",
                          media=("sound:welcome", "digits:123", "number:42"), language="fr-FR")
    document = _document(command)
    assert document.doc == f"{IN}:1"
    (gather,) = list(_xml(document.xml))
    assert gather.get("actionOnEmptyResult") == "true"
    assert _query(gather.get("action", "")) == {"call": IN, "playback": f"{IN}:1"}
    play, digits, number = list(gather)
    assert (play.tag, play.text) == ("Play", "https://cc.example.com/sounds/fr/welcome.wav")
    assert (digits.tag, digits.text, digits.get("language")) == ("Say", "1 2 3", "fr-FR")
    assert (number.tag, number.text) == ("Say", "42")


@pytest.mark.parametrize("command", [
    c.AnswerCall(call_id=IN), c.StartHold(call_id=IN),
    c.PlayMedia(call_id=IN, playback_id="p", media=("sound:menu",)),
])
def test_every_gather_takes_pound_for_a_digit_not_for_its_end(command: c.DriverCommand) -> None:
    """``<Gather>``'s finishOnKey is ``#`` unless told: ``#`` would end it with no digits,
    and never be reported (ARI reports it like any digit)."""
    gather = _xml(_document(command).xml).find("Gather")
    assert gather is not None and gather.get("finishOnKey") == ""


def test_stopping_a_playback_replaces_only_that_playback_and_reports_its_end() -> None:
    action = twilio_action(c.StopMedia(call_id=IN, playback_id=f"{IN}:1"), SETUP, KNOWN, "6")
    assert action.twiml[0].replaces == f"{IN}:1"
    assert action.reports == (e.PlaybackEnded(call_id=IN, playback_id=f"{IN}:1"),)


def test_voicemail_records_until_pound_silence_or_the_limit() -> None:
    record, redirect = list(_xml(_document(c.RecordMessage(call_id=IN, name="vm-1")).xml))
    assert record.tag == "Record"
    assert (record.get("finishOnKey"), record.get("timeout"), record.get("maxLength"),
            record.get("playBeep")) == ("#", "5", "120", "true")
    assert _query(record.get("action", "")) == {"call": IN, "name": "vm-1"}
    assert _query(redirect.text or "")["empty"] == "1"


@pytest.mark.parametrize("terminate_on, keys", [
    ("#", "#"), ("*", "*"), ("none", ""), ("any", "0123456789*#"),
])
def test_a_recording_ends_on_the_keys_ari_s_terminate_on_names(terminate_on: str,
                                                              keys: str) -> None:
    command = c.RecordMessage(call_id=IN, name="vm-1", terminate_on=terminate_on)
    record = _xml(_document(command).xml).find("Record")
    assert record is not None and record.get("finishOnKey") == keys


def test_music_on_hold_for_a_call_alone_loops_the_class_s_music() -> None:
    document = _document(c.StartHold(call_id=IN))
    (gather,) = list(_xml(document.xml))
    (play,) = list(gather)
    assert (play.get("loop"), play.text) == ("0", "https://cc.example.com/sounds/moh/default.mp3")
    assert document.doc.startswith("hold-")
    assert _document(c.StopHold(call_id=IN)).replaces == "hold-"


def test_bridging_joins_each_call_to_the_bridge_s_conference() -> None:
    action = twilio_action(c.AddToBridge(call_id=IN, bridge_id=f"b-{IN}",
                                         channels=(IN, f"{IN}-a1")), SETUP, KNOWN, "9")
    assert [document.call_id for document in action.twiml] == [IN, f"{IN}-a1"]
    (dial,) = list(_xml(action.twiml[0].xml))
    (conference,) = list(dial)
    assert (conference.tag, conference.text) == ("Conference", f"b-{IN}")
    assert (conference.get("beep"), conference.get("endConferenceOnExit"),
            conference.get("waitUrl")) == ("false", "false", "")
    assert conference.get("statusCallbackEvent") == "start end join leave mute hold"
    assert _query(dial.get("action", "")) == {"call": IN, "bridge": f"b-{IN}", "doc": "9"}
    assert twilio_action(c.CreateBridge(call_id=IN, bridge_id="b"), SETUP, KNOWN, "1") \
        == twilio_action(c.SnoopChannel(call_id="m", snoop_id="s", target=IN), SETUP, KNOWN, "2")


def test_removing_a_call_from_a_bridge_parks_it_if_it_is_still_there() -> None:
    document = _document(c.RemoveFromBridge(call_id=IN, bridge_id=f"b-{IN}", channel=IN))
    assert document.replaces == f"bridge-b-{IN}" and _xml(document.xml)[0].tag == "Gather"


@pytest.mark.parametrize(("whisper", "muted", "coach"), [("none", "true", None),
                                                         ("out", None, AG)])
def test_a_supervisor_snooping_joins_the_agent_s_conference_muted_or_coaching(
        whisper: str, muted: str | None, coach: str | None) -> None:
    snoop = c.SnoopChannel(call_id="m1", snoop_id="m1-snoop", target=f"{IN}-a1", spy="both",
                           whisper=whisper)
    known = Known(call_sids={f"{IN}-a1": AG}, bridged={f"{IN}-a1": f"b-{IN}"},
                  snoops={"m1-snoop": snoop})
    action = twilio_action(c.AddToBridge(call_id="m1", bridge_id="mb-1",
                                         channels=("m1-sup", "m1-snoop")), SETUP, known, "2")
    (document,) = action.twiml
    conference = _xml(document.xml)[0][0]
    assert document.call_id == "m1-sup" and conference.text == f"b-{IN}"
    assert (conference.get("muted"), conference.get("coach")) == (muted, coach)
    gone = twilio_action(c.HangupCall(call_id="m1-snoop"), SETUP, known, "3")
    assert gone.reports == (e.CallEnded(call_id="m1-snoop", cause="snoop"),) and not gone.requests


# commands -> REST

def _only_request(command: c.DriverCommand, known: Known = KNOWN) -> RestRequest:
    action = twilio_action(command, SETUP, known, "4")
    assert len(action.requests) == 1 and not action.twiml
    return action.requests[0]


def test_a_campaign_dial_is_a_call_with_asynchronous_machine_detection() -> None:
    request = _only_request(c.PlaceDial(call_id="spring-3", leg_id="dial-ab12-spring-3",
                                        number="+15550102001", caller_id="+15550009000",
                                        timeout=15))
    assert (request.method, request.path) == ("POST", f"/2010-04-01/Accounts/{AC}/Calls.json")
    params = dict(request.params)
    assert (params["To"], params["From"], params["Timeout"]) == ("+15550102001", "+15550009000",
                                                                  "15")
    assert (params["MachineDetection"], params["AsyncAmd"]) == ("DetectMessageEnd", "true")
    assert _query(params["AsyncAmdStatusCallback"]) == {"call": "spring-3",
                                                        "leg": "dial-ab12-spring-3"}
    assert _query(params["StatusCallback"])["purpose"] == "dialer"
    assert [v for k, v in request.params if k == "StatusCallbackEvent"] == [
        "initiated", "ringing", "answered", "completed"]
    plain = dict(_only_request(c.PlaceDial(call_id="d", leg_id="dial-d", number="+1555",
                                           detect_machine=False)).params)
    assert "MachineDetection" not in plain and plain["From"] == "+15550009000"


def test_an_agent_is_rung_as_a_call_of_its_own_that_names_what_it_is_for() -> None:
    request = _only_request(c.RingAgent(call_id=IN, leg_id=f"{IN}-a1", endpoint="agent101",
                                        caller_id="Ada <+15550001002>", timeout=20))
    params = dict(request.params)
    assert (params["To"], params["From"], params["Timeout"]) == ("client:agent101",
                                                                  "+15550001002", "20")
    assert _query(params["Url"]) == {"purpose": "agent", "call": IN, "leg": f"{IN}-a1",
                                     "endpoint": "agent101"}
    customer = dict(_only_request(c.DialCustomer(call_id="cb1", leg_id="cb1-customer",
                                                 number="+15557770100")).params)
    assert _query(customer["Url"])["purpose"] == "customer"


@pytest.mark.parametrize(("agent_uri", "to"), [
    ("client:{endpoint}", "client:agent101"),  # the browser client signs in as the agent
    ("sip:{endpoint}@pbx.example.com", "sip:agent101-web@pbx.example.com")])  # that phone
def test_an_agent_s_web_phone_is_rung_where_the_agent_uri_says(agent_uri: str,
                                                               to: str) -> None:
    setup = replace(SETUP, agent_uri=agent_uri)
    action = twilio_action(c.RingAgent(call_id=IN, leg_id=f"{IN}-a1",
                                       endpoint="agent101-web"), setup, KNOWN, "4")
    assert dict(action.requests[0].params)["To"] == to


def test_hanging_up_completes_the_call_by_its_call_sid() -> None:
    request = _only_request(c.HangupCall(call_id=f"{IN}-a1"))
    assert request == RestRequest("POST", f"/2010-04-01/Accounts/{AC}/Calls/{AG}.json",
                                  (("Status", "completed"),), (404, 21220))
    with pytest.raises(UnknownCall):
        twilio_action(c.HangupCall(call_id="not-yet-created"), SETUP, KNOWN, "5")


def test_conference_commands_act_on_the_participant_once_the_conference_is_known() -> None:
    known = Known(call_sids={f"{IN}-a1": AG}, bridged={IN: f"b-{IN}"},
                  conferences={f"b-{IN}": "CF1"})
    mute = _only_request(c.MuteChannel(call_id=IN, on=True), known)
    assert mute.path.endswith(f"/Conferences/CF1/Participants/{IN}.json")
    assert mute.params == (("Muted", "true"),)
    hold = dict(_only_request(c.StartHold(call_id=IN), known).params)
    assert hold["Hold"] == "true" and hold["HoldUrl"].endswith("/moh/default.mp3")
    end = _only_request(c.DestroyBridge(call_id=IN, bridge_id=f"b-{IN}"), known)
    assert end.path.endswith("/Conferences/CF1.json") and end.params == (("Status", "completed"),)
    assert twilio_action(c.DestroyBridge(call_id=IN, bridge_id="b-unknown"), SETUP, known,
                         "6").requests == ()
    alone = twilio_action(c.MuteChannel(call_id=f"{IN}-a1", on=True), SETUP, known, "7")
    assert alone == twilio_action(c.CreateBridge(call_id=IN, bridge_id="b"), SETUP, known, "8")
    with pytest.raises(UnknownCall):  # in a conference no callback has named yet
        twilio_action(c.StartHold(call_id=IN), SETUP, Known(bridged={IN: "b-new"}), "9")


def test_recording_a_bridge_records_the_caller_s_call_in_two_channels() -> None:
    request = _only_request(c.RecordBridge(call_id=IN, bridge_id=f"b-{IN}", name="call-1"))
    params = dict(request.params)
    assert request.path.endswith(f"/Calls/{IN}/Recordings.json")
    assert params["RecordingChannels"] == "dual"
    assert _query(params["RecordingStatusCallback"]) == {"call": IN, "name": "call-1"}


def test_a_document_for_a_call_with_no_webhook_pending_is_a_call_update() -> None:
    document = _document(c.AnswerCall(call_id=f"{IN}-a1"))
    request = call_update(SETUP, KNOWN, document)
    assert (request.method, request.path) == ("POST",
                                              f"/2010-04-01/Accounts/{AC}/Calls/{AG}.json")
    assert request.params == (("Twiml", document.xml),)


def test_every_driver_command_has_a_twilio_action() -> None:
    import typing

    commands = typing.get_args(c.DriverCommand)
    samples: dict[object, c.DriverCommand] = {
        c.AnswerCall: c.AnswerCall(call_id=IN),
        c.PlayMedia: c.PlayMedia(call_id=IN, playback_id="p", media=("sound:a",)),
        c.StopMedia: c.StopMedia(call_id=IN, playback_id="p"),
        c.StartHold: c.StartHold(call_id=IN), c.StopHold: c.StopHold(call_id=IN),
        c.RecordMessage: c.RecordMessage(call_id=IN, name="v"),
        c.PlaceDial: c.PlaceDial(call_id="d", leg_id="dial-d", number="+1555"),
        c.HangupCall: c.HangupCall(call_id=IN),
        c.RingAgent: c.RingAgent(call_id=IN, leg_id="l", endpoint="agent101"),
        c.DialCustomer: c.DialCustomer(call_id=IN, leg_id="l", number="+1555"),
        c.SnoopChannel: c.SnoopChannel(call_id="m", snoop_id="s", target=IN),
        c.CreateBridge: c.CreateBridge(call_id=IN, bridge_id="b"),
        c.AddToBridge: c.AddToBridge(call_id=IN, bridge_id="b", channels=(IN,)),
        c.RemoveFromBridge: c.RemoveFromBridge(call_id=IN, bridge_id="b", channel=IN),
        c.MuteChannel: c.MuteChannel(call_id=IN, on=True),
        c.DestroyBridge: c.DestroyBridge(call_id=IN, bridge_id="b"),
        c.RecordBridge: c.RecordBridge(call_id=IN, bridge_id="b", name="r"),
    }
    assert set(samples) == set(commands)
    for command in samples.values():
        twilio_action(command, SETUP, KNOWN, "1")
