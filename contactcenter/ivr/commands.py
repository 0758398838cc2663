"""What the IVR core asks the driver and the engine to do: imperatives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """Answer the channel."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Play:
    """Play media in order, one playback; reply with PromptEnded(playback_id).

    ``media`` holds Asterisk media URIs: ``sound:NAME``, ``digits:1234``,
    ``number:42``, ``recording:NAME``, ``tone:ring``. ``listen_speech``: the node takes
    speech (``SpeechHeard``) as well as keys, and ``speech_hints`` are the phrases it
    expects; a driver that cannot listen ignores both.
    """

    playback_id: str
    media: tuple[str, ...]
    language: str | None = None
    listen_speech: bool = False
    speech_hints: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class StopPlay:
    """Stop a playback early (the caller pressed a key during the prompt)."""

    playback_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Lookup:
    """Ask a data source (``kind``: ``caller`` by number, ``account`` by number).

    Reply with LookupAnswered(request_id).
    """

    request_id: str
    kind: str
    key: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """Publish a domain event (``ivr.step``, ``ivr.digits``, ``ivr.exit``, ...)."""

    kind: str
    data: Mapping[str, object] = field(default_factory=dict)


class ExitKind(str, Enum):
    QUEUE = "queue"  #: hand the call to an ACD queue (``target`` names it)
    VOICEMAIL = "voicemail"  #: record a message for a mailbox (``target`` names it)
    CALLBACK = "callback"  #: the caller asked to be called back on ``target`` (a number)
    HANGUP = "hangup"  #: end the call
    #: the caller hung up in the IVR; only in ``IvrSession.exit`` and the ``ivr.exit``
    #: report, never in an Exit command (there is no call left to act on)
    ABANDONED = "abandoned"


@dataclass(frozen=True, slots=True, kw_only=True)
class Exit:
    """The IVR is done with this call; the engine takes it from here."""

    kind: ExitKind
    target: str | None
    variables: Mapping[str, str] = field(default_factory=dict)
    reason: str = ""


IvrCommand = Answer | Play | StopPlay | Lookup | Report | Exit
