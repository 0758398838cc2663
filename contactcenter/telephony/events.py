"""What a telephony driver reports, whatever the platform (Asterisk, Twilio, sim).

The engine turns these into core events (IVR, ACD) and domain events.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class CallArrived:
    """An inbound call entered the platform's control."""

    call_id: str
    caller: str
    caller_name: str = ""
    dialed: str
    args: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True, kw_only=True)
class DigitReceived:
    """A DTMF digit from the caller."""

    call_id: str
    digit: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechReceived:
    """What the caller said, as the platform's recognizer wrote it down (Twilio's
    ``<Gather input="speech">``: ``SpeechResult``, ``Confidence``)."""

    call_id: str
    text: str
    confidence: float | None = None  #: 0 to 1; None when the recognizer gave none


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaybackEnded:
    """A playback started by PlayMedia finished or was stopped."""

    call_id: str
    playback_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingEnded:
    """A recording started by RecordMessage finished."""

    call_id: str
    name: str
    duration: float | None
    cause: str  #: "done", "failed" or "canceled"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded:
    """The call left the platform's control: hung up, or gone."""

    call_id: str
    cause: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentAnswered:
    """An agent's phone rung by ``RingAgent`` answered: its leg is under the platform's control."""

    call_id: str  #: the waiting caller it was rung for
    leg_id: str
    endpoint: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerAnswered:
    """A customer dialed by ``DialCustomer`` answered: their leg is under the platform's
    control."""

    call_id: str  #: the callback (or click-to-talk) it was dialed for
    leg_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PartyAnswered:
    """A phone rung for an agent's transfer or consultation (``RingAgent`` with purpose
    ``party``) answered."""

    call_id: str  #: the call it was rung for
    leg_id: str
    #: the phone that answered (a consulted agent's: whose call it is after a handover)
    endpoint: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorAnswered:
    """A supervisor's phone rung to monitor a call answered."""

    monitor_id: str
    leg_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DialAnswered:
    """A campaign's dial (``PlaceDial``) answered and classified: its leg is under the
    platform's control."""

    call_id: str  #: the dial
    leg_id: str
    human: bool  #: False: an answering machine
    #: the detector's verdict as it gave it (app_amd: ``HUMAN-800-800``, ``MACHINE-MAXWORDS-3-2``)
    detection: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DialUnanswered:
    """A campaign's dial ended before anyone answered."""

    call_id: str  #: the dial
    reason: str  #: ``busy``, ``no_answer`` or ``failed``
    cause: str = ""  #: the network's own words


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointStateChanged:
    """A SIP endpoint's device state (from AMI DeviceStateChange)."""

    endpoint: str
    state: str  #: Asterisk device state, lower case: not_inuse, inuse, ringing, unavailable...


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointRegistration:
    """A phone registered or unregistered (from AMI ContactStatus)."""

    endpoint: str
    registered: bool
    contact: str = ""


DriverEvent = (
    CallArrived
    | DigitReceived
    | SpeechReceived
    | PlaybackEnded
    | RecordingEnded
    | CallEnded
    | AgentAnswered
    | CustomerAnswered
    | PartyAnswered
    | MonitorAnswered
    | DialAnswered
    | DialUnanswered
    | EndpointStateChanged
    | EndpointRegistration
)

#: a leg the platform rang that answered: what a reconnect finds of the calls under way
AnsweredLeg = AgentAnswered | PartyAnswered | CustomerAnswered
