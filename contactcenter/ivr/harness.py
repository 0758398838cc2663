"""A fake driver for one IVR session on a fake clock: for tests, benches and what-ifs.

It plays the part of the telephony driver and the engine: it feeds events,
fires timers when the fake clock reaches them, remembers which playback and
lookup are outstanding, and records every command. It checks nothing about
the flow itself; tests assert on what it recorded.
"""

from __future__ import annotations

from collections.abc import Mapping

from contactcenter.ivr.commands import IvrCommand, Lookup, Play, Report, StopPlay
from contactcenter.ivr.events import (
    CallerHungUp,
    CallStarted,
    DigitPressed,
    IvrEvent,
    LookupAnswered,
    PromptEnded,
    SpeechHeard,
)
from contactcenter.ivr.model import Flow
from contactcenter.ivr.session import IvrSession

#: timers one ``advance`` may fire before it decides the session is spinning
_MAX_TIMERS = 10_000


class CallHarness:
    """One call through one flow, with the clock in the caller's hands."""

    def __init__(self, flow: Flow, *, call_id: str = "call-1", now: float = 0.0) -> None:
        self.session = IvrSession(flow, call_id=call_id)
        self.now = now
        self.commands: list[IvrCommand] = []
        self.playing: str | None = None  # the playback still going, as a driver sees it
        self.lookup: Lookup | None = None  # the lookup not answered yet

    def send(self, event: IvrEvent) -> list[IvrCommand]:
        """Hand one event to the session at the current time."""
        return self._record(self.session.handle(event, self.now))

    def start(self, caller: str = "5551234", dialed: str = "5000") -> list[IvrCommand]:
        return self.send(CallStarted(caller=caller, dialed=dialed))

    def press(self, keys: str) -> list[IvrCommand]:
        """Press keys one after the other, at the same instant."""
        out: list[IvrCommand] = []
        for key in keys:
            out += self.send(DigitPressed(digit=key))
        return out

    def say(self, text: str, confidence: float | None = 0.9) -> list[IvrCommand]:
        """The caller says ``text``; the recognizer is ``confidence`` sure of it."""
        return self.send(SpeechHeard(text=text, confidence=confidence))

    def end_prompt(self) -> list[IvrCommand]:
        """The playing prompt plays to its end."""
        if self.playing is None:
            raise AssertionError("no prompt is playing")
        playback, self.playing = self.playing, None
        return self.send(PromptEnded(playback_id=playback))

    def answer(self, data: Mapping[str, str] | None) -> list[IvrCommand]:
        """The CRM answers the outstanding lookup (None: nothing found)."""
        if self.lookup is None:
            raise AssertionError("no lookup is outstanding")
        request, self.lookup = self.lookup.request_id, None
        return self.send(LookupAnswered(request_id=request, data=data))

    def hang_up(self) -> list[IvrCommand]:
        return self.send(CallerHungUp())

    def advance(self, seconds: float) -> list[IvrCommand]:
        """Move the clock on, firing each timer at the moment it falls due."""
        until = self.now + seconds
        out: list[IvrCommand] = []
        for _ in range(_MAX_TIMERS):
            deadline = self.session.next_deadline()
            if deadline is None or deadline > until:
                break
            self.now = max(self.now, deadline)
            out += self._record(self.session.handle_timer(self.now))
        else:
            raise AssertionError("timers keep firing without the clock moving")
        self.now = until
        return out

    def reports(self, kind: str | None = None) -> list[Report]:
        return [c for c in self.commands if isinstance(c, Report) and kind in (None, c.kind)]

    def plays(self) -> list[Play]:
        return [c for c in self.commands if isinstance(c, Play)]

    def _record(self, commands: list[IvrCommand]) -> list[IvrCommand]:
        for command in commands:
            if isinstance(command, Play):
                self.playing = command.playback_id
            elif isinstance(command, StopPlay) and command.playback_id == self.playing:
                self.playing = None
            elif isinstance(command, Lookup):
                self.lookup = command
        if self.session.finished:
            self.playing = None
            self.lookup = None
        self.commands += commands
        return commands
