"""What happens to a call in the IVR: facts the driver reports to the core.

Events are past-tense, frozen and keyword-only. One IVR session serves one
call, so events carry no call id: the engine routes them to the right session.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStarted:
    """The call reached the IVR (ARI StasisStart)."""

    caller: str
    dialed: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DigitPressed:
    """The caller pressed a key (RFC 4733 telephone-event, ARI ChannelDtmfReceived)."""

    digit: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SpeechHeard:
    """The caller said something a recognizer wrote down (Twilio's ``SpeechResult``);
    ``confidence`` from 0 to 1, None when the recognizer gave none."""

    text: str
    confidence: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PromptEnded:
    """A Play command finished, played through or stopped (ARI PlaybackFinished)."""

    playback_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LookupAnswered:
    """The answer to a Lookup command; ``data`` is None when nothing was found."""

    request_id: str
    data: Mapping[str, str] | None = field(default=None)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallerHungUp:
    """The caller went away (ARI StasisEnd or ChannelHangupRequest)."""


IvrEvent = (CallStarted | DigitPressed | SpeechHeard | PromptEnded | LookupAnswered
            | CallerHungUp)
