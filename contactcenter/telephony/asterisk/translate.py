"""Pure translation between Asterisk wire messages and driver events/commands.

No I/O here: ARI events arrive as decoded JSON objects (see the ARI event
reference, https://docs.asterisk.org/Asterisk_22_Documentation/API_Documentation/
Asterisk_REST_Interface/Asterisk_REST_Data_Models/), AMI events as mappings of
header to value. Commands become ``AriRequest`` values that the I/O part sends.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e
from contactcenter.telephony.asterisk.dialing import (
    DIALER_ARG,
    dial_answered,
    dial_hung_up,
    gone_before_verdict,
)

INBOUND_ARG = "inbound"
#: the Stasis argument of an agent's leg: ``agent,<the caller's channel id>``
AGENT_ARG = "agent"
#: the Stasis argument of an agent's open line in a campaign: ``seat,<its leg id>``
SEAT_ARG = "seat"
#: the Stasis argument of a customer's leg dialed out: ``customer,<the call's id>``
CUSTOMER_ARG = "customer"
#: the Stasis arguments of a supervisor's phone and of a snoop: ``monitor|snoop,<id>``
MONITOR_ARG, SNOOP_ARG = "monitor", "snoop"
#: the Stasis argument of a phone an agent consults or transfers to: ``party,<call id>``
PARTY_ARG = "party"
#: the PJSIP endpoint customers are dialed through (asterisk/parts/pjsip-outbound.conf)
OUTBOUND_ENDPOINT = "customers"


@dataclass(frozen=True, slots=True)
class AriRequest:
    """One ARI REST call: method, path under /ari, query parameters."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = field(default=())
    #: statuses that mean "already done" and are not errors (e.g. 404 on a hangup of a gone channel)
    tolerated: tuple[int, ...] = field(default=())
    #: a JSON body, for the few ARI calls that take one
    body: Mapping[str, Any] | None = None


#: the ARI events ``ari_event`` reads; Asterisk sends the app nothing else
#: (PUT /applications/{app}/eventFilter), which spares decoding the chatty
#: ChannelVarset, ChannelStateChange and PlaybackStarted of every call.
USED_EVENTS = (
    "StasisStart", "StasisEnd", "ChannelDestroyed", "ChannelDtmfReceived",
    "PlaybackFinished", "RecordingFinished", "RecordingFailed",
)


def event_filter(app: str) -> AriRequest:
    allowed = [{"type": kind} for kind in USED_EVENTS]
    return AriRequest("PUT", f"/applications/{app}/eventFilter", body={"allowed": allowed})


def _channel_id(message: Mapping[str, Any]) -> str:
    return str(message.get("channel", {}).get("id", ""))


def _target_channel(target_uri: str) -> str:
    # playbacks and recordings name their target as "channel:<id>"
    kind, _, ident = target_uri.partition(":")
    return ident if kind == "channel" else ""


def ari_event(message: Mapping[str, Any]) -> e.DriverEvent | None:
    """One ARI event -> a driver event, or None when it is not ours to care about."""
    kind = message.get("type")
    if kind == "StasisStart":
        return _stasis_start(message)
    if kind == "ChannelDtmfReceived":
        return e.DigitReceived(call_id=_channel_id(message), digit=str(message["digit"]))
    if kind == "PlaybackFinished":
        playback = message["playback"]
        return e.PlaybackEnded(
            call_id=_target_channel(str(playback.get("target_uri", ""))),
            playback_id=str(playback["id"]),
        )
    if kind in ("RecordingFinished", "RecordingFailed"):
        recording = message["recording"]
        duration = recording.get("duration")
        return e.RecordingEnded(
            call_id=_target_channel(str(recording.get("target_uri", ""))),
            name=str(recording["name"]),
            duration=float(duration) if duration is not None else None,
            cause="done" if kind == "RecordingFinished" else "failed",
        )
    if kind == "StasisEnd":
        return e.CallEnded(call_id=_channel_id(message), cause="left")
    if kind == "ChannelDestroyed":
        return e.CallEnded(call_id=_channel_id(message), cause=str(message.get("cause_txt", "")))
    return None


def _stasis_start(message: Mapping[str, Any]) -> e.DriverEvent | None:
    """A channel entered the app: a caller, or a leg the platform started (its arguments
    say which: an agent's, a customer's, a consulted party's, a supervisor's)."""
    args = tuple(str(a) for a in message.get("args", ()))
    if len(args) == 2 and args[0] in (AGENT_ARG, SEAT_ARG):
        return _agent_answered(message["channel"], args[1])
    if len(args) == 2 and args[0] == CUSTOMER_ARG:
        return e.CustomerAnswered(call_id=args[1], leg_id=str(message["channel"]["id"]))
    if len(args) == 2 and args[0] == PARTY_ARG:
        return _party_answered(message["channel"], args[1])
    if len(args) >= 2 and args[0] == DIALER_ARG:
        return dial_answered(message["channel"], args[1:])
    if len(args) == 2 and args[0] == MONITOR_ARG:
        return e.MonitorAnswered(monitor_id=args[1], leg_id=str(message["channel"]["id"]))
    if not args or args[0] != INBOUND_ARG:
        return None
    channel = message["channel"]
    caller = channel.get("caller", {})
    return e.CallArrived(
        call_id=channel["id"],
        caller=str(caller.get("number", "")),
        caller_name=str(caller.get("name", "")),
        dialed=str(channel.get("dialplan", {}).get("exten", "")),
        args=args[1:],
    )


def resynced_channel(channel: Mapping[str, Any]) -> e.CallArrived | e.AnsweredLeg | None:
    """A channel listed in the app at a (re)connect -> a caller, an agent's answered leg,
    a consulted party's or a customer's answered leg (a call transferred on to a phone or
    an outside number may still be up), or None (a leg still ringing: originated, not in
    Stasis yet; a supervisor's phone or snoop).

    ARI's channel object names the Stasis arguments only in ``dialplan.app_data``
    ("<app>,agent,<caller's channel id>"); a channel ARI could not describe (an error
    other than 404) comes as ``{"id": ...}`` and is taken for a caller: keeping a live
    call beats dropping it."""
    dialplan = channel.get("dialplan", {})
    if dialplan.get("app_name", "Stasis") != "Stasis":
        return None
    args = str(dialplan.get("app_data", "")).split(",")[1:]
    if len(args) == 2 and args[0] == AGENT_ARG:
        return _agent_answered(channel, args[1])
    if len(args) == 2 and args[0] == PARTY_ARG:
        return _party_answered(channel, args[1])
    if len(args) == 2 and args[0] == CUSTOMER_ARG:
        return e.CustomerAnswered(call_id=args[1], leg_id=str(channel["id"]))
    if len(args) == 2 and args[0] in (MONITOR_ARG, SNOOP_ARG):
        return None  # not a caller; a supervisor's session is not picked up after a restart
    if args and args[0] in (SEAT_ARG, DIALER_ARG):
        return None  # a campaign's line or callee: its runner knows them from its book
    event = ari_event({"type": "StasisStart", "args": [INBOUND_ARG], "channel": channel})
    return event if isinstance(event, e.CallArrived) else None


def _agent_answered(channel: Mapping[str, Any], call_id: str) -> e.AgentAnswered:
    return e.AgentAnswered(call_id=call_id, leg_id=str(channel["id"]),
                           endpoint=_endpoint(channel))


def _party_answered(channel: Mapping[str, Any], call_id: str) -> e.PartyAnswered:
    return e.PartyAnswered(call_id=call_id, leg_id=str(channel["id"]),
                           endpoint=_endpoint(channel))


def _endpoint(channel: Mapping[str, Any]) -> str:
    """The phone a channel is to: ``PJSIP/agent101-00000002`` -> ``agent101``."""
    name = str(channel.get("name", ""))
    return name.split("/", 1)[-1].rsplit("-", 1)[0] if "/" in name else ""


def _ring(command: c.RingAgent, app: str) -> AriRequest:
    params: tuple[tuple[str, str], ...] = (
        ("endpoint", f"PJSIP/{command.endpoint}"), ("app", app),
              ("appArgs", f"{command.purpose},{command.call_id}"),
              ("timeout", str(command.timeout)))
    if command.caller_id:
        params += (("callerId", command.caller_id),)
    return AriRequest("POST", f"/channels/{command.leg_id}", params)


def _dial(command: c.DialCustomer, app: str) -> AriRequest:
    params: tuple[tuple[str, str], ...] = (
        ("endpoint", f"PJSIP/{command.number}@{OUTBOUND_ENDPOINT}"), ("app", app),
        ("appArgs", f"{CUSTOMER_ARG},{command.call_id}"), ("timeout", str(command.timeout)))
    if command.caller_id:
        params += (("callerId", command.caller_id),)
    return AriRequest("POST", f"/channels/{command.leg_id}", params)


def ari_request(command: c.DriverCommand, app: str = "cc") -> AriRequest:
    """A driver command -> the ARI REST call that carries it out (``app``: the Stasis app
    a new channel enters)."""
    channel = f"/channels/{command.call_id}"
    match command:
        case c.AnswerCall():
            return AriRequest("POST", f"{channel}/answer", tolerated=(404, 409))
        case c.PlayMedia(playback_id=playback_id, media=media, language=language):
            params = tuple(("media", item) for item in media)
            if language:
                params += (("lang", language),)
            return AriRequest("POST", f"{channel}/play/{playback_id}", params, (404, 409))
        case c.StopMedia(playback_id=playback_id):
            return AriRequest("DELETE", f"/playbacks/{playback_id}", tolerated=(404,))
        case c.StartHold(music_class=music_class):
            return AriRequest("POST", f"{channel}/moh", (("mohClass", music_class),), (404, 409))
        case c.StopHold():
            return AriRequest("DELETE", f"{channel}/moh", tolerated=(404, 409))
        case c.RecordMessage():
            return AriRequest("POST", f"{channel}/record", _recording(command), (404, 409))
        case c.HangupCall(reason=reason):
            return AriRequest("DELETE", channel, (("reason", reason),), (404,))
        case c.RingAgent():
            return _ring(command, app)
        case c.DialCustomer():
            return _dial(command, app)
        case c.SnoopChannel():
            return AriRequest("POST", f"/channels/{command.target}/snoop", (
                ("spy", command.spy), ("whisper", command.whisper), ("app", app),
                ("appArgs", f"{SNOOP_ARG},{command.call_id}"), ("snoopId", command.snoop_id)))
        case c.MuteChannel(on=on):
            return AriRequest("POST" if on else "DELETE", f"{channel}/mute",
                              (("direction", "in"),), (404, 409))
        case c.CreateBridge() | c.AddToBridge() | c.RemoveFromBridge() | c.RecordBridge() \
                | c.DestroyBridge():
            return _bridge_request(command)
    raise TypeError(f"no ARI request for {command!r}")


def _recording(command: c.RecordMessage) -> tuple[tuple[str, str], ...]:
    return (("name", command.name), ("format", "wav"),
            ("maxDurationSeconds", str(command.max_seconds)),
            ("maxSilenceSeconds", str(command.max_silence_seconds)),
            ("beep", "true" if command.beep else "false"),
            ("terminateOn", command.terminate_on), ("ifExists", "overwrite"))


BridgeCommand = (c.CreateBridge | c.AddToBridge | c.RemoveFromBridge | c.RecordBridge
                 | c.DestroyBridge)


def _bridge_request(command: BridgeCommand) -> AriRequest:
    bridge = f"/bridges/{command.bridge_id}"
    match command:
        case c.CreateBridge():
            return AriRequest("POST", bridge, (("type", "mixing"),))
        case c.AddToBridge(channels=channels):
            return AriRequest("POST", f"{bridge}/addChannel", (("channel", ",".join(channels)),),
                              (404, 409, 422))
        case c.RemoveFromBridge(channel=channel):
            return AriRequest("POST", f"{bridge}/removeChannel", (("channel", channel),),
                              (400, 404, 409, 422))  # 400: the channel just hung up
        case c.RecordBridge(name=name):
            return AriRequest("POST", f"{bridge}/record", (
                ("name", name), ("format", "wav"), ("ifExists", "overwrite")), (404, 409, 422))
        case c.DestroyBridge():
            return AriRequest("DELETE", bridge, tolerated=(404,))


_DEVICE_PREFIX = "PJSIP/"
#: ContactStatus -> registered? ("NonQualified": registered, qualify is off; "Unknown": no news)
_CONTACT_REGISTERED = {
    "Created": True, "Reachable": True, "NonQualified": True,
    "Removed": False, "Unreachable": False,
}


def ami_event(message: Mapping[str, str]) -> e.DriverEvent | None:
    """One AMI event -> a driver event, or None (see the AMI event reference)."""
    kind = message.get("Event", "")
    if kind == "DeviceStateChange":
        device = message.get("Device", "")
        if not device.startswith(_DEVICE_PREFIX):
            return None
        return e.EndpointStateChanged(
            endpoint=device[len(_DEVICE_PREFIX) :], state=message.get("State", "").lower()
        )
    if kind == "ContactStatus":
        registered = _CONTACT_REGISTERED.get(message.get("ContactStatus", ""))
        if registered is None:
            return None
        return e.EndpointRegistration(
            endpoint=message.get("AOR", ""), registered=registered,
            contact=message.get("URI", ""),
        )
    if kind == "UserEvent":
        return gone_before_verdict(message)
    if kind == "Hangup":
        return dial_hung_up(message)
    return None
