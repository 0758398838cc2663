"""ARI and AMI messages recorded from Asterisk 22 -> driver events; commands -> ARI calls.

The recordings in tests/data were taken from a real call: a caller dialled 5000,
pressed 3, typed 12345#, heard the balance and hung up; and an agent phone
registered and unregistered (AMI).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e
from contactcenter.telephony.asterisk.translate import (
    AriRequest,
    ami_event,
    ari_event,
    ari_request,
    resynced_channel,
)

DATA = Path(__file__).resolve().parents[1] / "data"


def _recorded(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text().splitlines() if line]


def test_recorded_ari_call_becomes_arrival_digits_playbacks_and_end() -> None:
    events = [ari_event(message) for message in _recorded("ari_call_account_balance.jsonl")]
    events = [event for event in events if event is not None]
    arrival = events[0]
    assert isinstance(arrival, e.CallArrived)
    assert (arrival.caller, arrival.dialed) == ("+15550001002", "5000")
    call_id = arrival.call_id
    digits = "".join(event.digit for event in events if isinstance(event, e.DigitReceived))
    assert digits == "312345#"
    playbacks = [event for event in events if isinstance(event, e.PlaybackEnded)]
    assert len(playbacks) == 3
    assert all(event.call_id == call_id and event.playback_id.startswith(call_id)
               for event in playbacks)
    assert isinstance(events[-1], e.CallEnded) and events[-1].call_id == call_id


def test_channels_that_are_not_inbound_calls_are_not_arrivals() -> None:
    message = _recorded("ari_call_account_balance.jsonl")[0]
    assert message["type"] == "StasisStart"
    assert ari_event({**message, "args": ["agent-leg"]}) is None
    assert ari_event({**message, "args": []}) is None


def test_unknown_ari_events_are_ignored() -> None:
    assert ari_event({"type": "ChannelVarset", "variable": "X", "value": "1"}) is None


def test_recorded_ami_registration_and_unregistration() -> None:
    events = [ami_event(message) for message in _recorded("ami_agent_register.jsonl")]
    registrations = [event for event in events if isinstance(event, e.EndpointRegistration)]
    assert [(r.endpoint, r.registered) for r in registrations] == [
        ("agent101", True), ("agent101", False)]


def test_ami_device_state_of_a_pjsip_endpoint() -> None:
    event = ami_event({"Event": "DeviceStateChange", "Device": "PJSIP/agent101",
                       "State": "INUSE"})
    assert event == e.EndpointStateChanged(endpoint="agent101", state="inuse")
    assert ami_event({"Event": "DeviceStateChange", "Device": "Queue:x_avail",
                      "State": "INUSE"}) is None


@pytest.mark.parametrize("command, expected", [
    (c.AnswerCall(call_id="1.2"), AriRequest("POST", "/channels/1.2/answer", (), (404, 409))),
    (c.PlayMedia(call_id="1.2", playback_id="1.2:1", media=("sound:a", "digits:12"),
                 language="fr"),
     AriRequest("POST", "/channels/1.2/play/1.2:1",
                (("media", "sound:a"), ("media", "digits:12"), ("lang", "fr")), (404, 409))),
    (c.StopMedia(call_id="1.2", playback_id="1.2:1"),
     AriRequest("DELETE", "/playbacks/1.2:1", (), (404,))),
    (c.StartHold(call_id="1.2"), AriRequest("POST", "/channels/1.2/moh",
                                             (("mohClass", "default"),), (404, 409))),
    (c.HangupCall(call_id="1.2"), AriRequest("DELETE", "/channels/1.2",
                                              (("reason", "normal"),), (404,))),
    (c.RingAgent(call_id="1.2", leg_id="1.2-a1", endpoint="agent101", caller_id="Ada <+1555>",
                 timeout=20),
     AriRequest("POST", "/channels/1.2-a1", (
         ("endpoint", "PJSIP/agent101"), ("app", "cc"), ("appArgs", "agent,1.2"),
         ("timeout", "20"), ("callerId", "Ada <+1555>")))),
    (c.CreateBridge(call_id="1.2", bridge_id="b-1.2"),
     AriRequest("POST", "/bridges/b-1.2", (("type", "mixing"),))),
    (c.AddToBridge(call_id="1.2", bridge_id="b-1.2", channels=("1.2", "1.2-a1")),
     AriRequest("POST", "/bridges/b-1.2/addChannel", (("channel", "1.2,1.2-a1"),),
                (404, 409, 422))),
    (c.RecordBridge(call_id="1.2", bridge_id="b-1.2", name="call-1.2"),
     AriRequest("POST", "/bridges/b-1.2/record", (
         ("name", "call-1.2"), ("format", "wav"), ("ifExists", "overwrite")), (404, 409, 422))),
    (c.DestroyBridge(call_id="1.2", bridge_id="b-1.2"),
     AriRequest("DELETE", "/bridges/b-1.2", (), (404,))),
])
def test_commands_become_ari_requests(command: c.DriverCommand, expected: AriRequest) -> None:
    assert ari_request(command) == expected


def test_an_answered_agent_leg_names_the_caller_it_was_rung_for() -> None:
    event = ari_event({"type": "StasisStart", "args": ["agent", "1700000000.12"],
                       "channel": {"id": "1700000000.12-a1", "name": "PJSIP/agent101-0000002a"}})
    assert event == e.AgentAnswered(call_id="1700000000.12", leg_id="1700000000.12-a1",
                                    endpoint="agent101")


def test_voicemail_recording_request_ends_on_pound_and_silence() -> None:
    request = ari_request(c.RecordMessage(call_id="1.2", name="vm-1"))
    params = dict(request.params)
    assert (request.method, request.path) == ("POST", "/channels/1.2/record")
    assert params["terminateOn"] == "#" and params["beep"] == "true"
    assert params["maxSilenceSeconds"] == "5" and params["format"] == "wav"


def test_the_event_filter_allows_every_event_the_translation_reads() -> None:
    from contactcenter.telephony.asterisk.translate import USED_EVENTS, event_filter

    request = event_filter("cc")
    assert (request.method, request.path) == ("PUT", "/applications/cc/eventFilter")
    allowed = {item["type"] for item in request.body["allowed"]}
    recorded = {message["type"] for message in _recorded("ari_call_account_balance.jsonl")}
    translated = {kind for kind in recorded
                  if ari_event(next(m for m in _recorded("ari_call_account_balance.jsonl")
                                    if m["type"] == kind)) is not None}
    assert translated <= allowed == set(USED_EVENTS)


def test_recorded_device_state_list_gives_every_agent_endpoint() -> None:
    events = [ami_event(message) for message in _recorded("ami_register_and_device_list.jsonl")]
    states = {event.endpoint: event.state for event in events
              if isinstance(event, e.EndpointStateChanged)}
    assert states["agent101"] == "not_inuse"  # the one phone registered
    assert {states[f"agent{n}"] for n in range(102, 111)} == {"unavailable"}


def test_a_customer_is_dialed_through_the_outbound_peer_into_the_app() -> None:
    request = ari_request(c.DialCustomer(call_id="cb1", leg_id="cb1-customer",
                                         number="+15557770100", timeout=30), "cc")
    assert request == AriRequest("POST", "/channels/cb1-customer", (
        ("endpoint", "PJSIP/+15557770100@customers"), ("app", "cc"),
        ("appArgs", "customer,cb1"), ("timeout", "30")))
    answered = ari_event({"type": "StasisStart", "args": ["customer", "cb1"],
                          "channel": {"id": "cb1-customer", "name": "PJSIP/customers-01"}})
    assert answered == e.CustomerAnswered(call_id="cb1", leg_id="cb1-customer")


@pytest.mark.parametrize(("app_data", "expected"), [
    ("cc,inbound", e.CallArrived),
    ("cc,agent,1700000000.12", e.AgentAnswered),
    ("cc,customer,1700000000.12", e.CustomerAnswered),  # a number dialed out: not a caller
    ("cc,party,1700000000.12", e.PartyAnswered),  # a transfer's party: the call goes on
    ("cc,monitor,1700000000.12", type(None)),  # a supervisor's phone: not picked up
])
def test_channels_listed_at_a_reconnect_are_told_apart(app_data: str, expected: type) -> None:
    channel = {"id": "x", "name": "PJSIP/agent101-00000001", "caller": {"number": "+1555"},
               "dialplan": {"app_name": "Stasis", "app_data": app_data, "exten": "5000"}}
    assert isinstance(resynced_channel(channel), expected)


def test_a_leg_still_ringing_at_a_reconnect_is_nobody_yet() -> None:
    channel = {"id": "x", "dialplan": {"app_name": "AppDial2", "app_data": "(Outgoing Line)"}}
    assert resynced_channel(channel) is None
