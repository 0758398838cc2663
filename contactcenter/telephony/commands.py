"""What the engine asks a telephony driver to do to a call."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class AnswerCall:
    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayMedia:
    """Play media URIs in order as one playback (``sound:x``, ``digits:12``)."""

    call_id: str
    playback_id: str
    media: tuple[str, ...]
    language: str | None = None


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


DriverCommand = AnswerCall | PlayMedia | StopMedia | StartHold | StopHold | RecordMessage | HangupCall
