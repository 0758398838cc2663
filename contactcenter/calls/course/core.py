"""A call's course, from arrival to hang-up, sans-I/O.

See ``states.py`` for the theory of operation; ``_ON_EVENT`` at the end of
this module is its transition table: which events each call state acts on.
Where an exit takes the call, and the hang-up's ways, are in ``exits.py``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from contactcenter.calls.course import commands as cc
from contactcenter.calls.course import events as ce
from contactcenter.calls.course.exits import ExitRules
from contactcenter.calls.course.states import (
    GOODBYE,
    OUTCOME_ON_HANGUP,
    REFUSED_CALLBACK,
    WITH_ACD,
    CallState,
)
from contactcenter.ivr import commands as ic
from contactcenter.ivr import events as ie
from contactcenter.ivr.states import State as IvrState

log = logging.getLogger(__name__)

_STARTS = (ce.CallStarted, ce.CallResumed)


class CourseUsageError(Exception):
    """An event the course does not know, or a second start: the engine's bug, not the
    caller's news (which, out of place, is ignored)."""


class CourseFailure(Exception):
    """Handling an event failed; ``commands``: what the course had decided before, to
    carry out still (a call's end among them), before ``Failed`` is handled."""

    def __init__(self, commands: list[cc.CourseCommand]) -> None:
        super().__init__(f"handling failed after {len(commands)} command(s)")
        self.commands = commands


class CallCourse(ExitRules):
    """One call's events in, commands out; see ``states.py``."""

    def handle(self, event: ce.CourseEvent, now: float) -> list[cc.CourseCommand]:
        """Act on one event at ``now``; a timer already due fires first, since it came first."""
        if type(event) not in _KNOWN:
            raise CourseUsageError(f"not an event of a call's course: {event!r}")
        if isinstance(event, _STARTS) and self._started:
            raise CourseUsageError(f"call {self.call_id} started twice: {event!r}")
        self._out = []
        before = self.state
        try:
            if not isinstance(event, ce.Failed):  # (a failing timer must not fail it again)
                self._fire_due(now)
            self._dispatch(event, now)
        except Exception as exc:
            raise CourseFailure(self._take()) from exc
        self._log_transition(before, type(event).__name__)
        return self._take()

    def handle_timer(self, now: float) -> list[cc.CourseCommand]:
        """Act on the deadline if ``now`` has reached it; an early or stale call does nothing."""
        self._out = []
        before = self.state
        try:
            self._fire_due(now)
        except Exception as exc:
            raise CourseFailure(self._take()) from exc
        self._log_transition(before, "timer")
        return self._take()

    def next_deadline(self) -> float | None:
        """When to call ``handle_timer``; None when only an event can move the call on."""
        if self.state is CallState.ENDED:
            return None
        if self._gate_deadline is not None:
            return self._gate_deadline
        if self.state is CallState.IVR:
            return self.session.next_deadline()
        return self._guard

    @property
    def awaiting_answer(self) -> bool:
        """Whether the call waits for an answer it asked for (the IVR's lookup, the call
        gate's word on a callback): until it comes or its timeout, more will follow."""
        return self._gate_deadline is not None or (
            self.state is CallState.IVR and self.session.state is IvrState.LOOKUP)

    @property
    def in_acd(self) -> bool:
        """Whether the ACD has this call (or its callback): when the caller is gone, the ACD
        must hear it, and says whether they were talking (``CallEnded.talking``)."""
        return self.acd and (self._gate_deadline is not None or self.state in WITH_ACD)

    @property
    def ignored(self) -> int:
        """How many events were ignored as duplicates, late or out of place."""
        return self._ignored

    def _take(self) -> list[cc.CourseCommand]:
        out, self._out = self._out, []
        return out

    def _dispatch(self, event: ce.CourseEvent, now: float) -> None:
        if isinstance(event, ce.Failed):
            self._on_failed(now)
        elif isinstance(event, _STARTS):
            self._on_start(event, now)
        elif self._gate_deadline is not None:  # the call waits for the gate's word
            if isinstance(event, ce.CallbackDecided):
                self._callback_decided(event, now)
            else:
                self._deferred.append(event)
        else:
            handler = _ON_EVENT[self.state].get(type(event))
            if handler is None:
                self._ignored += 1
            else:
                handler(self, event, now)

    def _fire_due(self, now: float) -> None:
        deadline = self.next_deadline()
        if deadline is None or now < deadline:
            return
        if self._gate_deadline is not None:  # no word from the gate: it refuses on its own
            self._callback_decided(ce.CallbackDecided(refused=False), now)
        elif self.state is CallState.IVR:
            self._run_ivr(self.session.handle_timer(now), now)
        else:
            log.warning("call %s: no hang-up in %s; hanging up", self.call_id, self.state.value)
            self._hangup("normal", now)

    # -- the start, and the IVR ----------------------------------------------------------

    def _on_start(self, event: ce.CallStarted | ce.CallResumed, now: float) -> None:
        self._started = True
        resumed = event.state if isinstance(event, ce.CallResumed) else None
        if isinstance(event, ce.CallResumed) and resumed is CallState.QUEUED:
            self.state = CallState.QUEUED
            self._exit = event.exit
            if event.exit is not None:  # first: callers resumed together rejoin in order
                self._join(event.exit, since=event.since)
            self._out.append(cc.StartHold(call_id=self.call_id))
        elif isinstance(event, ce.CallResumed) and resumed is CallState.CONNECTED:
            self.state = CallState.CONNECTED  # still bridged in Asterisk: wait for the end
            self.agent = event.agent
            self._answered = True
        else:
            started = ie.CallStarted(caller=self.caller, dialed=self.dialed)
            self._run_ivr(self.session.handle(started, now), now)

    def _on_digit(self, event: ce.DigitReceived, now: float) -> None:
        self._run_ivr(self.session.handle(ie.DigitPressed(digit=event.digit), now), now)

    def _on_speech(self, event: ce.SpeechReceived, now: float) -> None:
        heard = ie.SpeechHeard(text=event.text, confidence=event.confidence)
        self._run_ivr(self.session.handle(heard, now), now)

    def _on_prompt_ended(self, event: ce.PlaybackEnded, now: float) -> None:
        prompt = ie.PromptEnded(playback_id=event.playback_id)
        self._run_ivr(self.session.handle(prompt, now), now)

    def _on_lookup(self, event: ce.LookupAnswered, now: float) -> None:
        self._run_ivr(self.session.handle(event, now), now)

    def _run_ivr(self, commands: list[ic.IvrCommand], now: float) -> None:
        """The IVR's commands, on the caller's channel and the bus; its exit, taken."""
        for command in commands:
            match command:
                case ic.Answer():
                    self._out.append(cc.AnswerCall(call_id=self.call_id))
                case ic.Play():  # a menu that listens for speech says so to the driver
                    self._out.append(cc.PlayMedia(
                        call_id=self.call_id, playback_id=command.playback_id,
                        media=command.media, language=command.language,
                        listen_speech=command.listen_speech,
                        speech_hints=command.speech_hints))
                case ic.StopPlay(playback_id=playback_id):
                    self._out.append(cc.StopMedia(call_id=self.call_id, playback_id=playback_id))
                case ic.Lookup():
                    self._out.append(command)
                case ic.Report(kind=kind, data=data):
                    self._publish(kind, **dict(data))
                case ic.Exit():
                    self._take_exit(command, now)

    # -- the call gate's word on a callback ----------------------------------------------

    def _callback_decided(self, event: ce.CallbackDecided, now: float) -> None:
        """The gate's word (or none in time: not refused here); then what came meanwhile."""
        self._gate_deadline = None
        if event.refused:
            self._outcome = "callback_refused"
            self._goodbye(REFUSED_CALLBACK, now)  # the caller hears it is not possible
        else:
            self._hangup("normal", now)
        self._replay(now)

    def _replay(self, now: float) -> None:
        """What waited for the gate's word, in the order it came."""
        deferred, self._deferred = self._deferred, []
        for event in deferred:
            self._dispatch(event, now)

    # -- the ACD's notices ----------------------------------------------------------------

    def _on_connected(self, event: ce.AgentConnected, now: float) -> None:
        self.state = CallState.CONNECTED
        self.agent = event.agent
        self._answered = True

    def _on_requeued(self, event: ce.Requeued, now: float) -> None:
        self.state = CallState.QUEUED
        variables = self._exit.variables if self._exit is not None else {}
        self._exit = ic.Exit(kind=ic.ExitKind.QUEUE, target=event.queue, variables=variables)

    def _on_overflowed(self, event: ce.Overflowed, now: float) -> None:
        self._out.append(cc.StopHold(call_id=self.call_id))
        variables = self._exit.variables if self._exit is not None else {}
        self._take_exit(ic.Exit(kind=ic.ExitKind(event.kind), target=event.target,
                                variables=variables), now)

    def _on_queue_playback(self, event: ce.PlaybackEnded, now: float) -> None:
        if self.acd:  # an announcement of the ACD's
            self._out.append(cc.QueuePlaybackEnded(playback_id=event.playback_id))

    def _on_hang_up_asked(self, event: ce.HangUpAsked, now: float) -> None:
        self._outcome = self._outcome or OUTCOME_ON_HANGUP.get(self.state)
        self._hangup(event.reason, now)

    # -- voicemail, the end ---------------------------------------------------------------

    def _on_recorded(self, event: ce.RecordingEnded, now: float) -> None:
        self._outcome = "voicemail" if event.cause == "done" else "voicemail_failed"
        mailbox = self._exit.target if self._exit is not None else None
        duration = event.duration
        if duration is None and self._recording_since is not None and event.cause == "done":
            duration = round(now - self._recording_since, 3)  # hung up: Asterisk says none
        self._publish("voicemail.recorded", mailbox=mailbox, recording=event.name,
                      duration=duration, status=event.cause)
        self._goodbye(GOODBYE, now)

    def _on_final_playback(self, event: ce.PlaybackEnded, now: float) -> None:
        if event.playback_id == self._final_playback:
            self._out.append(cc.HangupCall(call_id=self.call_id))
        else:
            self._ignored += 1

    def _on_call_ended(self, event: ce.CallEnded, now: float) -> None:
        outcome = self._outcome or OUTCOME_ON_HANGUP.get(self.state, "completed")
        if self._answered and self.state is CallState.QUEUED:
            outcome = "answered"  # transferred back to a queue, then gone: it was answered
        if event.talking and self.state in WITH_ACD and self._outcome is None:
            outcome = "answered"  # connected before the news reached this call
        try:
            if self.state is CallState.IVR:
                self._run_ivr(self.session.handle(ie.CallerHungUp(), now), now)
        finally:  # whatever failed above, the call's record gets its end
            self.state = CallState.ENDED
            self._publish("call.ended", cause=event.cause, outcome=outcome,
                          duration=round(now - self.started_at, 3))

    def _on_failed(self, now: float) -> None:
        self._publish("call.error", state=self.state.value)
        waiting = self._gate_deadline is not None
        self._gate_deadline = None
        if self.state is not CallState.ENDED:
            self._hangup("failure", now)
        if waiting:
            self._replay(now)

    def _log_transition(self, before: CallState, cause: str) -> None:
        """A ``state -[event]-> state`` line per transition, as wazo-calld logs them."""
        if self.state is not before and log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s -[%s]-> %s", self.call_id, before.value, cause, self.state.value)


#: each handler takes its own event type, hence ``Any``
_Handler = Callable[[CallCourse, Any, float], None]
_ENDS: dict[type, _Handler] = {ce.CallEnded: CallCourse._on_call_ended,
                               ce.HangUpAsked: CallCourse._on_hang_up_asked}
#: call state -> the events it acts on; any other is ignored (late, twice, out of place).
#: The starts, ``Failed`` and, while the gate decides, ``CallbackDecided`` come first
#: (``_dispatch``).
_ON_EVENT: dict[CallState, dict[type, _Handler]] = {
    CallState.IVR: {ce.DigitReceived: CallCourse._on_digit,
                    ce.SpeechReceived: CallCourse._on_speech,
                    ce.PlaybackEnded: CallCourse._on_prompt_ended,
                    ce.LookupAnswered: CallCourse._on_lookup, **_ENDS},
    CallState.QUEUED: {ce.AgentConnected: CallCourse._on_connected,
                       ce.Overflowed: CallCourse._on_overflowed,
                       ce.PlaybackEnded: CallCourse._on_queue_playback, **_ENDS},
    CallState.CONNECTED: {ce.Requeued: CallCourse._on_requeued, **_ENDS},
    CallState.VOICEMAIL: {ce.RecordingEnded: CallCourse._on_recorded, **_ENDS},
    CallState.ENDING: {ce.PlaybackEnded: CallCourse._on_final_playback, **_ENDS},
    CallState.ENDED: {},
}

_KNOWN = frozenset({ce.CallStarted, ce.CallResumed, ce.DigitReceived, ce.SpeechReceived,
                    ce.PlaybackEnded,
                    ce.RecordingEnded, ce.LookupAnswered, ce.CallEnded, ce.AgentConnected,
                    ce.Overflowed, ce.HangUpAsked, ce.Requeued, ce.CallbackDecided, ce.Failed})
