"""Twilio's webhooks -> driver events, each with a key that tells a replay.

A webhook arrives as its path, the query string the platform put in the URL it gave
Twilio (``hooks.py``), and the form parameters Twilio posts. The parameters are the
documented ones:

- the voice webhook and status callbacks:
  https://www.twilio.com/docs/usage/webhooks/voice-webhooks (``CallSid``, ``From``, ``To``,
  ``CallerName``, ``CallStatus``: queued, initiated, ringing, in-progress, completed, busy,
  no-answer, canceled, failed; ``CallDuration``, ``SipResponseCode``, ``SequenceNumber``);
- ``<Gather>``'s action: https://www.twilio.com/docs/voice/twiml/gather (``Digits``,
  ``SpeechResult``, ``Confidence``);
- the asynchronous AMD callback: https://www.twilio.com/docs/voice/answering-machine-detection
  (``AnsweredBy``: human, machine_start, machine_end_beep, machine_end_silence,
  machine_end_other, fax, unknown; ``MachineDetectionDuration`` in ms);
- ``<Record>``'s action and the recording status callback:
  https://www.twilio.com/docs/voice/twiml/record, https://www.twilio.com/docs/voice/api/recording
  (``RecordingSid``, ``RecordingStatus``, ``RecordingDuration``);
- ``<Conference statusCallback>``: https://www.twilio.com/docs/voice/twiml/conference
  (``StatusCallbackEvent``: conference-start, conference-end, participant-join,
  participant-leave, participant-mute, participant-hold...; ``ConferenceSid``,
  ``FriendlyName``, ``SequenceNumber``);
- ``<Dial>``'s action: https://www.twilio.com/docs/voice/twiml/dial (``DialCallStatus``).

Twilio retries a webhook it got no answer to: the same call and the same news come
twice. ``Webhook.dedupe_key`` is equal for both, and differs for any two distinct facts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from contactcenter.telephony import events as e
from contactcenter.telephony.twilio import hooks as h

#: call statuses after which the call is gone
FINAL_STATUSES = ("completed", "busy", "no-answer", "canceled", "failed")
#: a dial's status before anyone answered -> ``DialUnanswered.reason``
_UNANSWERED = {"busy": "busy", "no-answer": "no_answer", "canceled": "failed",
               "failed": "failed"}
#: ``AnsweredBy`` taken for a person: ``unknown`` too, as a person taken for a machine
#: and hung up on is an abandoned call (the Asterisk driver treats NOTSURE alike)
HUMAN_VERDICTS = ("human", "unknown")
#: ``RecordingStatus`` that end a recording, and the ``RecordingEnded.cause`` they give
_RECORDING_ENDS = {"completed": "done", "failed": "failed", "absent": "failed"}
#: the purposes of a call the platform started (``RingAgent.purpose`` and its own)
AGENT, SEAT, PARTY, MONITOR, CUSTOMER, DIALER = (
    "agent", "seat", "party", "monitor", "customer", "dialer")


class WebhookError(ValueError):
    """A webhook the platform cannot read: an unknown path, a parameter missing.
    Twilio's bad input, not the platform's misuse: answer it with ``polite_twiml``."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConferenceNews:
    """What a conference callback (or a ``<Dial>`` ending) says, for the I/O part's book of
    which call is in which conference; the engine hears nothing of it (the Asterisk
    driver reports no bridge joins either)."""

    bridge_id: str
    conference_sid: str
    event: str  #: ``participant-join``..., or ``dial-<DialCallStatus>``
    call_sid: str = ""
    muted: bool = False
    hold: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Speech:
    """What ``<Gather input="speech">`` heard (also reported as ``SpeechReceived``)."""

    text: str
    confidence: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Webhook:
    """One webhook, translated."""

    path: str
    call_sid: str  #: Twilio's id of the call ("" for a conference's own news)
    #: the platform's id of the call: the CallSid of an inbound call, the leg id of a leg
    #: the platform started (so the I/O part learns which CallSid a leg has)
    call_id: str
    dedupe_key: str
    events: tuple[e.DriverEvent, ...] = field(default=())
    conference: ConferenceNews | None = None
    speech: Speech | None = None


Form = Mapping[str, str]
Parser = Callable[[Form, Form], Webhook]


def translate_webhook(path: str, query: Form, form: Form) -> Webhook:
    """One webhook -> what it says; ``WebhookError`` when the platform cannot read it."""
    parser = _PARSERS.get(path)
    if parser is None:
        raise WebhookError(f"no webhook at {path!r}")
    return parser(query, form)


def _need(form: Form, name: str) -> str:
    value = form.get(name, "")
    if not value:
        raise WebhookError(f"the webhook has no {name}")
    return value


def _voice(query: Form, form: Form) -> Webhook:
    sid = _need(form, "CallSid")
    arrived = e.CallArrived(call_id=sid, caller=form.get("From", ""),
                            caller_name=form.get("CallerName", ""), dialed=form.get("To", ""))
    return Webhook(path=h.VOICE, call_sid=sid, call_id=sid, dedupe_key=f"voice:{sid}",
                   events=(arrived,))


def _answered_event(query: Form) -> e.DriverEvent | None:
    purpose, call, leg = query.get("purpose", ""), query.get("call", ""), query.get("leg", "")
    endpoint = query.get("endpoint", "")
    match purpose:
        case "agent" | "seat":
            return e.AgentAnswered(call_id=call, leg_id=leg, endpoint=endpoint)
        case "party":
            return e.PartyAnswered(call_id=call, leg_id=leg, endpoint=endpoint)
        case "monitor":
            return e.MonitorAnswered(monitor_id=call, leg_id=leg)
        case "customer":
            return e.CustomerAnswered(call_id=call, leg_id=leg)
        case "dialer" if query.get("amd") != "1":  # no detection: a person, at once
            return e.DialAnswered(call_id=call, leg_id=leg, human=True)
        case "dialer":
            return None  # the detector's verdict comes to AMD
    raise WebhookError(f"a call answered for an unknown purpose {purpose!r}")


def _answered(query: Form, form: Form) -> Webhook:
    sid, leg = _need(form, "CallSid"), _need(query, "leg")
    event = _answered_event(query)
    return Webhook(path=h.ANSWERED, call_sid=sid, call_id=leg, dedupe_key=f"answered:{sid}",
                   events=() if event is None else (event,))


def _status_cause(form: Form) -> str:
    status, sip = form.get("CallStatus", ""), form.get("SipResponseCode", "")
    return f"{status} (SIP {sip})" if sip else status


def _status(query: Form, form: Form) -> Webhook:
    """Call progress: the end of a call, or why a leg the platform rang never answered."""
    sid, status = _need(form, "CallSid"), _need(form, "CallStatus")
    leg = query.get("leg", "") or sid
    events: tuple[e.DriverEvent, ...] = ()
    if query.get("purpose") == DIALER and status in _UNANSWERED:  # never answered
        events = (e.DialUnanswered(call_id=query.get("call", ""), reason=_UNANSWERED[status],
                                   cause=_status_cause(form)),)
    elif status in FINAL_STATUSES:
        events = (e.CallEnded(call_id=leg, cause=_status_cause(form)),)
    return Webhook(path=h.STATUS, call_sid=sid, call_id=leg,
                   dedupe_key=f"status:{sid}:{status}", events=events)


def _amd(query: Form, form: Form) -> Webhook:
    sid, verdict = _need(form, "CallSid"), _need(form, "AnsweredBy")
    took = form.get("MachineDetectionDuration", "")
    answered = e.DialAnswered(call_id=_need(query, "call"), leg_id=_need(query, "leg"),
                              human=verdict in HUMAN_VERDICTS,
                              detection=f"{verdict}-{took}" if took else verdict)
    return Webhook(path=h.AMD, call_sid=sid, call_id=answered.leg_id,
                   dedupe_key=f"amd:{sid}", events=(answered,))


def _speech(form: Form) -> Speech | None:
    """``SpeechResult`` and its ``Confidence`` (0.0 to 1.0); an unreadable confidence is
    none given, rather than the whole answer lost."""
    text = form.get("SpeechResult", "").strip()
    if not text:
        return None
    try:
        confidence: float | None = float(form.get("Confidence", ""))
    except ValueError:
        confidence = None
    if confidence is not None and not 0.0 <= confidence <= 1.0:
        confidence = None
    return Speech(text=text, confidence=confidence)


def _gather(query: Form, form: Form) -> Webhook:
    """Digits pressed, or words said, during a playback (which they cut short) or a wait;
    a playback's gather that heard nothing is its natural end (``actionOnEmptyResult``)."""
    sid = _need(form, "CallSid")
    call = query.get("call", "") or sid
    playback = query.get("playback", "")
    events: list[e.DriverEvent] = [e.DigitReceived(call_id=call, digit=digit)
                                   for digit in form.get("Digits", "")]
    speech = _speech(form)
    if speech is not None:
        events.append(e.SpeechReceived(call_id=call, text=speech.text,
                                       confidence=speech.confidence))
    if playback:
        events.append(e.PlaybackEnded(call_id=call, playback_id=playback))
    doc = playback or query.get("doc", "")
    return Webhook(path=h.GATHER, call_sid=sid, call_id=call, events=tuple(events),
                   dedupe_key=f"gather:{sid}:{doc}", speech=speech)


def _recording(query: Form, form: Form) -> Webhook:
    """``<Record>``'s action (no ``RecordingStatus``; ``empty=1``: the redirect after a
    ``<Record>`` that heard nothing), or a recording status callback."""
    sid, name = _need(form, "CallSid"), _need(query, "name")
    call = query.get("call", "") or sid
    status = form.get("RecordingStatus", "")
    cause = _RECORDING_ENDS.get(status) if status else "done"
    duration = form.get("RecordingDuration")
    seconds = float(duration) if duration not in (None, "", "-1") else None
    if query.get("empty") == "1":
        seconds = 0.0
    events: tuple[e.DriverEvent, ...] = () if cause is None else (
        e.RecordingEnded(call_id=call, name=name, duration=seconds, cause=cause),)
    return Webhook(path=h.RECORDING, call_sid=sid, call_id=call, events=events,
                   dedupe_key=f"recording:{sid}:{name}:{'ended' if cause else status}")


def _conference(query: Form, form: Form) -> Webhook:
    conference, event = _need(form, "ConferenceSid"), _need(form, "StatusCallbackEvent")
    sid = form.get("CallSid", "")
    news = ConferenceNews(bridge_id=query.get("bridge") or form.get("FriendlyName", ""),
                          conference_sid=conference, event=event, call_sid=sid,
                          muted=form.get("Muted") == "true", hold=form.get("Hold") == "true")
    sequence = form.get("SequenceNumber", "")
    key = f"conference:{conference}:" + (sequence or f"{event}:{sid}")
    return Webhook(path=h.CONFERENCE, call_sid=sid, call_id=query.get("call", "") or sid,
                   dedupe_key=key, conference=news)


def _dial(query: Form, form: Form) -> Webhook:
    sid = _need(form, "CallSid")
    status = form.get("DialCallStatus", "")
    news = ConferenceNews(bridge_id=query.get("bridge", ""), conference_sid="",
                          event=f"dial-{status}", call_sid=sid)
    return Webhook(path=h.DIAL, call_sid=sid, call_id=query.get("call", "") or sid,
                   dedupe_key=f"dial:{sid}:{query.get('doc', '')}", conference=news)


def _park(query: Form, form: Form) -> Webhook:
    sid = _need(form, "CallSid")
    return Webhook(path=h.PARK, call_sid=sid, call_id=query.get("call", "") or sid,
                   dedupe_key=f"park:{sid}:{query.get('doc', '')}")


_PARSERS: dict[str, Parser] = {
    h.VOICE: _voice, h.ANSWERED: _answered, h.STATUS: _status, h.AMD: _amd,
    h.GATHER: _gather, h.RECORDING: _recording, h.CONFERENCE: _conference, h.DIAL: _dial,
    h.PARK: _park,
}
