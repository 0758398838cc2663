"""What the engine asks a telephony driver to do to a call."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerCall:
    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayMedia:
    """Play media URIs in order as one playback (``sound:x``, ``digits:12``).

    ``listen_speech``: listen for speech during and just after it too, expecting
    ``speech_hints``, and report what was said (``SpeechReceived``) before the end;
    drivers without a recognizer (Asterisk, sim) ignore both and take keys only."""

    call_id: str
    playback_id: str
    media: tuple[str, ...]
    language: str | None = None
    listen_speech: bool = False
    speech_hints: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class StopMedia:
    call_id: str
    playback_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StartHold:
    """Music on hold until told otherwise."""

    call_id: str
    music_class: str = "default"


@dataclass(frozen=True, slots=True, kw_only=True)
class StopHold:
    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordMessage:
    """Record the caller (voicemail): ``#`` ends it, silence or the limit too."""

    call_id: str
    name: str
    max_seconds: int = 120
    max_silence_seconds: int = 5
    beep: bool = True
    terminate_on: str = "#"


@dataclass(frozen=True, slots=True, kw_only=True)
class HangupCall:
    call_id: str
    reason: str = "normal"


@dataclass(frozen=True, slots=True, kw_only=True)
class RingAgent:
    """Call an agent's phone for a waiting caller, as a new leg of its own.

    ``leg_id`` names the new channel, so that its events can be told apart from
    the first ring; ``call_id`` is the waiting caller it is for. The leg reports
    ``AgentAnswered`` once the phone answers, or ``CallEnded`` if it never does.
    """

    call_id: str
    leg_id: str
    endpoint: str
    caller_id: str = ""
    timeout: int = 30
    #: what the leg is for, as its Stasis argument says: ``agent`` (answers a call),
    #: ``monitor`` (a supervisor's phone; ``call_id`` is then the monitoring session) or
    #: ``party`` (a phone consulted or transferred to by an agent on ``call_id``)
    purpose: str = "agent"
    #: a leg this one goes with (a supervisor's phone: the agent's leg it listens to): on a
    #: platform with several engines, the new leg is placed on the engine carrying that one
    near: str = ""
    #: the company's number the leg is on behalf of (a campaign's caller id, for its agents'
    #: open lines): on several engines, a leg for no known call goes out on its engine
    via: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SnoopChannel:
    """A snoop on a channel (ARI ``/channels/{id}/snoop``): a new channel ``snoop_id`` that
    hears the channel (``spy``: in, out, both) and can speak into it (``whisper``: none,
    out: the snooped party hears it). For a supervisor listening or coaching."""

    call_id: str  #: the monitoring session it is for
    snoop_id: str
    target: str  #: the channel snooped on (an agent's leg)
    spy: str = "both"
    whisper: str = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class DialCustomer:
    """Call a customer out through the platform's outbound peer, as a leg of its own.

    For a callback (or click-to-talk) whose agent has answered: ``call_id`` is that
    call, ``leg_id`` names the new channel. The leg reports ``CustomerAnswered`` once
    the customer answers, or ``CallEnded`` (busy, no answer...) if they never do.
    """

    call_id: str
    leg_id: str
    number: str
    caller_id: str = ""
    timeout: int = 30
    #: the company's number the call is on behalf of (``RingAgent.via``)
    via: str = ""


#: a campaign dial's channel id starts so (``PlaceDial.leg_id``): drivers know its news by it
DIAL_LEG_PREFIX = "dial-"


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceDial:
    """Call a campaign's callee through the outbound peer, with answering-machine detection.

    ``call_id`` is the dial's id, ``leg_id`` names the callee's channel. The dial reports
    ``DialUnanswered`` (busy, no answer, failed) or, once answered and classified,
    ``DialAnswered``; after that the leg's ``CallEnded`` like any other's.
    ``detect_machine`` False: every answer is taken for a human, at once.
    """

    call_id: str
    leg_id: str
    number: str
    caller_id: str = ""
    timeout: int = 20
    detect_machine: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class CreateBridge:
    """A mixing bridge, empty; the calls join it with ``AddToBridge``."""

    call_id: str  #: the caller the bridge is for (its id names nothing in the driver)
    bridge_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AddToBridge:
    call_id: str
    bridge_id: str
    channels: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class RemoveFromBridge:
    """Take ``channel`` out of a bridge; it stays under the platform's control, alone."""

    call_id: str
    bridge_id: str
    channel: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MuteChannel:
    """What ``call_id``'s channel says reaches nobody (``on``), or does again."""

    call_id: str
    on: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class DestroyBridge:
    call_id: str
    bridge_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordBridge:
    """Record what a bridge carries (both sides of a call with an agent) to ``name``.wav."""

    call_id: str
    bridge_id: str
    name: str


DriverCommand = (AnswerCall | PlayMedia | StopMedia | StartHold | StopHold | RecordMessage
                 | PlaceDial | HangupCall | RingAgent | DialCustomer | SnoopChannel | CreateBridge
                 | AddToBridge | RemoveFromBridge | MuteChannel | DestroyBridge | RecordBridge)
