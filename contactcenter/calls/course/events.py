"""What the engine tells a call's course: its start, the driver's news, the ACD's notices,
the call gate's word on a callback.

Events are past-tense facts, frozen and keyword-only. One course serves one
call, so the course's own events carry no call id (the engine's ``CallTask``
routes them); the driver's news is taken as the driver reports it
(``contactcenter.telephony.events``), and the answer to an IVR lookup as the
IVR core names it. Any of them may come late or twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from contactcenter.calls.course.states import CallState
from contactcenter.ivr.commands import Exit
from contactcenter.ivr.events import LookupAnswered
from contactcenter.telephony.events import (
    DigitReceived,
    PlaybackEnded,
    RecordingEnded,
    SpeechReceived,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStarted:
    """The call reached the platform (ARI StasisStart): the menu begins."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallResumed:
    """The call was met again after a restart, in ``state`` as its record says.

    A queued caller rejoins ``exit``'s queue with the place they had (``since``);
    a connected one keeps ``agent``; any other state starts the menu again."""

    state: CallState | None
    exit: Exit | None = None
    since: float | None = None
    agent: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded:
    """The call left the platform's control: hung up, or gone (the driver's CallEnded).

    ``talking``: the ACD, told the caller is gone (asked only while ``in_acd``),
    says they were talking to an agent, even if that news had not reached the call."""

    cause: str = ""
    talking: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentConnected:
    """The ACD bridged the waiting caller with ``agent``."""

    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Overflowed:
    """The ACD sends the waiting caller out of its queue: ``kind`` is an IVR exit's
    (voicemail, queue, callback), ``target`` its mailbox, queue or number."""

    kind: str
    target: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class HangUpAsked:
    """The ACD (or the engine: an agent gone after a restart) ends the call."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Requeued:
    """The agent transferred the caller back into ``queue``: they wait again."""

    queue: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackDecided:
    """The call gate's word on the callback the caller asked for (``RequestCallback``)."""

    refused: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Failed:
    """Handling an event or carrying out a command failed (the engine's bug): the call
    reports ``call.error`` and is hung up, so that no caller is left on a dead line."""


AcdNotice = AgentConnected | Overflowed | HangUpAsked | Requeued
CourseEvent = (CallStarted | CallResumed | DigitReceived | SpeechReceived | PlaybackEnded
               | RecordingEnded | LookupAnswered | CallEnded | AcdNotice | CallbackDecided | Failed)

__all__ = ["AcdNotice", "AgentConnected", "CallEnded", "CallResumed", "CallStarted",
           "CallbackDecided", "CourseEvent", "DigitReceived", "Failed", "HangUpAsked",
           "LookupAnswered", "Overflowed", "PlaybackEnded", "RecordingEnded", "Requeued",
           "SpeechReceived"]
