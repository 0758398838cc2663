"""What a call's course asks of the engine: the caller's channel, the bus, the ACD.

The driver's commands are the driver's own (``contactcenter.telephony.commands``:
answer, play, stop, hold music on and off, record, hang up), and an IVR lookup
is the IVR core's ``Lookup`` (answered with ``LookupAnswered``); the rest are
here. One course serves one call: the ACD's commands name no call, the engine
adds its id, as it adds the id and the time to what it publishes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from contactcenter.ivr.commands import Lookup
from contactcenter.telephony.commands import (
    AnswerCall,
    HangupCall,
    PlayMedia,
    RecordMessage,
    StartHold,
    StopHold,
    StopMedia,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Publish:
    """A domain event (``call.ended``, ``voicemail.recorded``, the IVR's reports...) for
    the bus and the call's record."""

    type: str
    data: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class JoinQueue:
    """Hand the waiting caller to the ACD's ``queue``; ``since``: the place a caller met
    again after a restart keeps (None: now)."""

    queue: str
    priority: int
    skill: str | None
    caller: str
    variables: Mapping[str, str]
    since: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestCallback:
    """The ACD keeps a callback to ``number`` in ``queue`` (a virtual caller waiting its
    turn), once the call gate clears it; its word comes back as ``CallbackDecided``."""

    queue: str
    number: str
    priority: int
    variables: Mapping[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuePlaybackEnded:
    """A queue announcement to the waiting caller ended: the ACD's news (it played it)."""

    playback_id: str


DriverCommand = (AnswerCall | PlayMedia | StopMedia | StartHold | StopHold | RecordMessage
                 | HangupCall)
CourseCommand = DriverCommand | Publish | Lookup | JoinQueue | RequestCallback | QueuePlaybackEnded

__all__ = ["AnswerCall", "CourseCommand", "DriverCommand", "HangupCall", "JoinQueue", "Lookup",
           "PlayMedia", "Publish", "QueuePlaybackEnded", "RecordMessage", "RequestCallback",
           "StartHold", "StopHold", "StopMedia"]
