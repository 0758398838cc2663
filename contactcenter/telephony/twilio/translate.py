"""Pure translation between Twilio and the platform's driver events and commands.

Webhooks -> events: ``webhooks.translate_webhook`` (re-exported here). Commands -> what
Twilio is asked: ``twilio_action`` gives a ``TwilioAction``: TwiML documents for calls
(``CallTwiml``: the I/O part answers the call's pending webhook with it, or sends it as a
call update, ``call_update``) and REST requests (``RestRequest``, plain values, sent by the
I/O part under https://api.twilio.com). Twilio has no bridges and no snoops: a bridge is
a conference named by the bridge id, and a snoop is the supervisor's leg joining the
agent's conference muted (listen) or coaching the agent (whisper). What the translation
must know of the calls under way (CallSids, conferences, snoops) the I/O part keeps in
``Known``, from the REST answers and the webhooks.

REST: https://www.twilio.com/docs/voice/api/call-resource (create, update: ``Twiml``,
``Status=completed``), https://www.twilio.com/docs/voice/api/conference-participant-resource
(``Muted``, ``Hold``, ``HoldUrl``), https://www.twilio.com/docs/voice/api/conference-resource
(``Status=completed``), https://www.twilio.com/docs/voice/api/recording (start a call's
recording), https://www.twilio.com/docs/voice/answering-machine-detection.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from contactcenter.calls.monitor.states import WEB_PHONE_SUFFIX
from contactcenter.telephony import commands as c
from contactcenter.telephony import events as e
from contactcenter.telephony.twilio import hooks as h
from contactcenter.telephony.twilio import twiml
from contactcenter.telephony.twilio.hooks import Setup
from contactcenter.telephony.twilio.webhooks import Webhook, WebhookError, translate_webhook

__all__ = ["CallTwiml", "Known", "RestRequest", "TwilioAction", "UnknownCall", "Webhook",
           "WebhookError", "call_update", "translate_webhook", "twilio_action"]

#: the call progress a started call reports (``StatusCallbackEvent``, repeated)
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")
_CALL_SID = re.compile(r"^CA[0-9a-fA-F]{32}$")
#: a call gone: no such call (404), or "Invalid call state": Twilio neither redirects nor
#: records a completed call (400, https://www.twilio.com/docs/errors/21220)
GONE = (404, 21220)
_NUMBER = re.compile(r"\+?[0-9]{3,15}")
#: ``CallTwiml.doc`` prefixes of music on hold, a conference and a recording
HOLD_DOC, BRIDGE_DOC, RECORD_DOC = "hold-", "bridge-", "record-"


class UnknownCall(LookupError):
    """A command for a leg whose CallSid Twilio has not given yet: the I/O part holds the
    command until the REST answer (or the first webhook) names it."""


@dataclass(frozen=True, slots=True)
class RestRequest:
    """One REST call: method, path under https://api.twilio.com, form parameters (a name
    may repeat), and the HTTP statuses or Twilio error codes that mean "already done" (a
    hang-up of a gone call)."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = field(default=())
    tolerated: tuple[int, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class CallTwiml:
    """A document for a call to run from now on, named ``doc``. ``replaces``: only if the
    document the call runs has that name, or for ``HOLD_DOC`` any music on hold (a
    playback stopped must not cut off what came after it); "": whatever it runs."""

    call_id: str
    xml: str
    doc: str
    replaces: str = ""


@dataclass(frozen=True, slots=True)
class TwilioAction:
    """What one command asks of Twilio; ``reports``: the events the I/O part reports once
    it is done, as Twilio sends no webhook for them (a playback stopped, a snoop gone)."""

    twiml: tuple[CallTwiml, ...] = field(default=())
    requests: tuple[RestRequest, ...] = field(default=())
    reports: tuple[e.DriverEvent, ...] = field(default=())


@dataclass(frozen=True, slots=True, kw_only=True)
class Known:
    """The I/O part's book of the calls under way."""

    #: platform id -> CallSid, for the legs the platform started (an inbound call's id is
    #: its CallSid)
    call_sids: Mapping[str, str] = field(default_factory=dict)
    #: call id -> the bridge (conference) it is in
    bridged: Mapping[str, str] = field(default_factory=dict)
    #: bridge id -> ConferenceSid, once a conference callback named it
    conferences: Mapping[str, str] = field(default_factory=dict)
    #: snoop id -> the command that made it (a snoop exists only in the book)
    snoops: Mapping[str, c.SnoopChannel] = field(default_factory=dict)
    #: calls muted (``MuteChannel``): they join a conference muted
    muted: frozenset[str] = frozenset()

    def sid(self, call_id: str) -> str:
        """The CallSid of a platform id; ``UnknownCall`` before Twilio named it."""
        if call_id in self.call_sids:
            return self.call_sids[call_id]
        if _CALL_SID.match(call_id):
            return call_id
        raise UnknownCall(call_id)


def call_update(setup: Setup, known: Known, document: CallTwiml) -> RestRequest:
    """A document sent to a call that has no webhook pending: the call runs it at once."""
    path = setup.api_path(f"Calls/{known.sid(document.call_id)}.json")
    return RestRequest("POST", path, (("Twiml", document.xml),), GONE)


def _caller_number(caller_id: str, fallback: str) -> str:
    """``Ada <+15550001>`` -> ``+15550001``; no number in it (``campaign spring``): the
    platform's own, as Twilio places calls only from numbers it knows."""
    inside = caller_id.partition("<")[2].partition(">")[0] or caller_id
    found = _NUMBER.fullmatch(inside.strip())
    return found.group(0) if found else fallback


def _create_call(setup: Setup, *, to: str, caller_id: str, timeout: int,
                 query: dict[str, str]) -> list[tuple[str, str]]:
    params = [("To", to), ("From", _caller_number(caller_id, setup.from_number)),
              ("Url", setup.url(h.ANSWERED, **query)), ("Method", "POST"),
              ("StatusCallback", setup.url(h.STATUS, **query)),
              ("StatusCallbackMethod", "POST"), ("Timeout", str(timeout))]
    return params + [("StatusCallbackEvent", event) for event in CALL_EVENTS]


def _ring(setup: Setup, command: c.RingAgent) -> RestRequest:
    query = {"purpose": command.purpose, "call": command.call_id, "leg": command.leg_id,
             "endpoint": command.endpoint}
    # the agent's browser phone on Twilio signs in as the agent (``/twilio-token``), whichever
    # of their phones the ACD last saw registered (``agent101-web`` on Asterisk); a SIP URI
    # names the very phone
    endpoint = command.endpoint
    if setup.agent_uri.startswith("client:"):
        endpoint = endpoint.removesuffix(WEB_PHONE_SUFFIX)
    to = setup.agent_uri.format(endpoint=endpoint)
    params = _create_call(setup, to=to, caller_id=command.caller_id, timeout=command.timeout,
                          query=query)
    return RestRequest("POST", setup.api_path("Calls.json"), tuple(params))


def _dial_customer(setup: Setup, command: c.DialCustomer) -> RestRequest:
    query = {"purpose": "customer", "call": command.call_id, "leg": command.leg_id}
    params = _create_call(setup, to=command.number, caller_id=command.caller_id,
                          timeout=command.timeout, query=query)
    return RestRequest("POST", setup.api_path("Calls.json"), tuple(params))


def _place_dial(setup: Setup, command: c.PlaceDial) -> RestRequest:
    """A campaign's dial; detection runs beside the call (``AsyncAmd``) to the end of a
    machine's greeting (``DetectMessageEnd``), its verdict posted to ``AMD``."""
    amd = "1" if command.detect_machine else ""
    query = {"purpose": "dialer", "call": command.call_id, "leg": command.leg_id, "amd": amd}
    params = _create_call(setup, to=command.number, caller_id=command.caller_id,
                          timeout=command.timeout, query=query)
    if command.detect_machine:
        params += [("MachineDetection", "DetectMessageEnd"), ("AsyncAmd", "true"),
                   ("AsyncAmdStatusCallback", setup.url(h.AMD, call=command.call_id,
                                                        leg=command.leg_id)),
                   ("AsyncAmdStatusCallbackMethod", "POST")]
    return RestRequest("POST", setup.api_path("Calls.json"), tuple(params))


def _participant(setup: Setup, known: Known, call_id: str,
                 params: tuple[tuple[str, str], ...]) -> TwilioAction:
    """An update of a call in a conference; none for a call in none (``Known.muted``
    mutes it as it joins one). A conference whose sid no callback has named yet is
    ``UnknownCall``: the I/O part holds the command (a hold must not be dropped)."""
    bridge = known.bridged.get(call_id)
    if bridge is None:
        return TwilioAction()
    conference = known.conferences.get(bridge)
    if conference is None:
        raise UnknownCall(f"the conference of bridge {bridge}")
    path = setup.api_path(f"Conferences/{conference}/Participants/{known.sid(call_id)}.json")
    return TwilioAction(requests=(RestRequest("POST", path, params, (404,)),))


def _hold(setup: Setup, known: Known, command: c.StartHold | c.StopHold,
          doc: str) -> TwilioAction:
    """Music on hold: held in its conference, or alone (``twiml.hold``)."""
    if command.call_id in known.bridged:
        params = (("Hold", "true"), ("HoldUrl", setup.music(command.music_class)),
                  ("HoldMethod", "GET")) if isinstance(command, c.StartHold) \
            else (("Hold", "false"),)
        return _participant(setup, known, command.call_id, params)
    if isinstance(command, c.StartHold):
        xml = twiml.hold(setup, command.call_id, command.music_class, f"{HOLD_DOC}{doc}")
        return TwilioAction(twiml=(CallTwiml(command.call_id, xml, f"{HOLD_DOC}{doc}"),))
    parked = twiml.park(setup, command.call_id, doc)
    return TwilioAction(twiml=(CallTwiml(command.call_id, parked, doc, replaces=HOLD_DOC),))


def _join(setup: Setup, known: Known, command: c.AddToBridge, doc: str) -> TwilioAction:
    """Each call joins the bridge's conference; a snoop in the channels means its
    supervisor (the other channel) joins the snooped agent's conference instead."""
    snoops = [known.snoops[channel] for channel in command.channels if channel in known.snoops]
    documents = []
    for channel in command.channels:
        if channel in known.snoops:
            continue
        bridge, muted, coach = command.bridge_id, channel in known.muted, ""
        if snoops:
            snoop = snoops[0]
            bridge = known.bridged.get(snoop.target, command.bridge_id)
            muted = snoop.whisper == "none"
            coach = "" if muted else known.sid(snoop.target)
        xml = twiml.conference(setup, channel, bridge, doc, muted=muted, coach=coach)
        documents.append(CallTwiml(channel, xml, f"{BRIDGE_DOC}{bridge}"))
    return TwilioAction(twiml=tuple(documents))


def _leave(setup: Setup, command: c.RemoveFromBridge, doc: str) -> TwilioAction:
    parked = twiml.park(setup, command.channel, doc)
    return TwilioAction(twiml=(CallTwiml(command.channel, parked, doc,
                                         replaces=f"{BRIDGE_DOC}{command.bridge_id}"),))


def _end_conference(setup: Setup, known: Known, command: c.DestroyBridge) -> TwilioAction:
    """A conference ends by itself with its last participant; one still going is ended."""
    conference = known.conferences.get(command.bridge_id)
    if conference is None:
        return TwilioAction()
    path = setup.api_path(f"Conferences/{conference}.json")
    return TwilioAction(requests=(RestRequest("POST", path, (("Status", "completed"),),
                                              (404,)),))


def _record_bridge(setup: Setup, known: Known, command: c.RecordBridge) -> TwilioAction:
    """The caller's leg records what it hears and says: the whole conversation, one
    party a channel (``dual``)."""
    path = setup.api_path(f"Calls/{known.sid(command.call_id)}/Recordings.json")
    callback = setup.url(h.RECORDING, call=command.call_id, name=command.name)
    params = (("RecordingStatusCallback", callback), ("RecordingStatusCallbackMethod", "POST"),
              ("RecordingStatusCallbackEvent", "completed"),
              ("RecordingStatusCallbackEvent", "absent"), ("RecordingChannels", "dual"))
    return TwilioAction(requests=(RestRequest("POST", path, params, GONE),))


def _hang_up(setup: Setup, known: Known, command: c.HangupCall) -> TwilioAction:
    """``Status=completed`` hangs a call up, ringing or answered; a snoop, which Twilio
    never had, is gone at once."""
    if command.call_id in known.snoops:
        return TwilioAction(reports=(e.CallEnded(call_id=command.call_id, cause="snoop"),))
    path = setup.api_path(f"Calls/{known.sid(command.call_id)}.json")
    return TwilioAction(requests=(RestRequest("POST", path, (("Status", "completed"),),
                                              GONE),))


def _call_document(setup: Setup, command: c.DriverCommand, doc: str) -> TwilioAction | None:
    """The commands that are a document for the call they name."""
    match command:
        case c.AnswerCall(call_id=call):  # Twilio answers when the voice webhook is answered
            return TwilioAction(twiml=(CallTwiml(call, twiml.park(setup, call, doc), doc),))
        case c.PlayMedia(call_id=call, playback_id=playback):
            return TwilioAction(twiml=(CallTwiml(call, twiml.playback(setup, command),
                                                 playback),))
        case c.StopMedia(call_id=call, playback_id=playback):
            parked = CallTwiml(call, twiml.park(setup, call, doc), doc, replaces=playback)
            return TwilioAction(twiml=(parked,), reports=(
                e.PlaybackEnded(call_id=call, playback_id=playback),))
        case c.RecordMessage(call_id=call, name=name):
            return TwilioAction(twiml=(CallTwiml(call, twiml.record(setup, command),
                                                 f"{RECORD_DOC}{name}"),))
    return None


def twilio_action(command: c.DriverCommand, setup: Setup, known: Known,
                  doc: str) -> TwilioAction:
    """A driver command -> what Twilio is asked. ``doc``: a token unique among the call's
    documents (the I/O part counts them), so that each document's callbacks are told apart
    from a replay of another's; ``UnknownCall`` for a leg whose CallSid is not known yet."""
    document = _call_document(setup, command, doc)
    if document is not None:
        return document
    match command:
        case c.StartHold() | c.StopHold():
            return _hold(setup, known, command, doc)
        case c.HangupCall():
            return _hang_up(setup, known, command)
        case c.RingAgent():
            return TwilioAction(requests=(_ring(setup, command),))
        case c.DialCustomer():
            return TwilioAction(requests=(_dial_customer(setup, command),))
        case c.PlaceDial():
            return TwilioAction(requests=(_place_dial(setup, command),))
        case c.SnoopChannel() | c.CreateBridge():
            return TwilioAction()  # in the book only; the conference comes with its calls
        case c.AddToBridge():
            return _join(setup, known, command, doc)
        case c.RemoveFromBridge():
            return _leave(setup, command, doc)
        case c.MuteChannel(call_id=call, on=on):
            return _participant(setup, known, call, (("Muted", "true" if on else "false"),))
        case c.DestroyBridge():
            return _end_conference(setup, known, command)
        case c.RecordBridge():
            return _record_bridge(setup, known, command)
    raise TypeError(f"no Twilio action for {command!r}")
