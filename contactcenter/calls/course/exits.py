"""Where a call goes when it leaves the IVR (or a queue overflows it), and how it ends.

``ExitRules`` holds one call's course and takes its exits: to a queue, to
voicemail, to a callback (waiting for the call gate's word), or out; and ends
the call the platform's way: a goodbye, a hang-up, each guarded. ``core.py``
builds on it with the events, the call gate's word and the table of transitions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from contactcenter.calls.course import commands as cc
from contactcenter.calls.course import events as ce
from contactcenter.calls.course.states import (
    GATE_GUARD,
    HANGUP_GUARD,
    VOICEMAIL_GUARD,
    CallState,
)
from contactcenter.ivr.commands import Exit, ExitKind
from contactcenter.ivr.session import IvrSession

log = logging.getLogger(__name__)


def priority_of(variables: Mapping[str, str]) -> int:
    """The call's ``priority`` variable; 0 when it is not a whole number (a template that
    rendered something else): a caller is never dropped over it."""
    text = variables.get("priority", "0") or "0"
    try:
        return int(text)
    except ValueError:
        log.warning("priority %r is not a whole number: 0", text)
        return 0


class ExitRules:
    """One call's course: its state, where it went, how it will be counted."""

    def __init__(self, session: IvrSession, *, call_id: str, caller: str, dialed: str,
                 started_at: float, acd: bool, hangup_guard: float = HANGUP_GUARD,
                 voicemail_guard: float = VOICEMAIL_GUARD,
                 gate_guard: float = GATE_GUARD) -> None:
        self.session = session
        self.call_id = call_id
        self.caller = caller
        self.dialed = dialed
        self.started_at = started_at
        #: an ACD takes queued callers and callbacks; without one, callers hear music only
        self.acd = acd
        self._hangup_guard = hangup_guard
        self._voicemail_guard = voicemail_guard
        self._gate_guard = gate_guard
        self.state = CallState.IVR
        self._started = False
        #: the agent the ACD connected the caller to (kept after a transfer back)
        self.agent: str | None = None
        self._exit: Exit | None = None
        self._outcome: str | None = None
        #: an agent talked with the caller (a transfer may have put them back in a queue)
        self._answered = False
        self._final_playback: str | None = None
        self._guard: float | None = None  # outside the IVR: when to (re)send a hang-up
        #: when the voicemail message began to be recorded (its length, if the driver's
        #: news has none: Asterisk's, after the caller hung up)
        self._recording_since: float | None = None
        #: while the call gate decides on a callback: until when, and what came meanwhile
        self._gate_deadline: float | None = None
        self._deferred: list[ce.CourseEvent] = []
        self._ignored = 0
        self._out: list[cc.CourseCommand] = []

    @property
    def exit(self) -> Exit | None:
        """The way the call took out of the IVR, or the queue it waits in now."""
        return self._exit

    def _take_exit(self, exit_: Exit, now: float) -> None:
        self._exit = exit_
        _ON_EXIT.get(exit_.kind, ExitRules._completed)(self, exit_, now)

    def _to_queue(self, exit_: Exit, now: float) -> None:
        variables = dict(exit_.variables)
        self.state = CallState.QUEUED
        if not self.acd:  # with an ACD, the ACD reports it (again on overflow)
            self._publish("call.queued", queue=exit_.target, variables=variables,
                          priority=priority_of(variables))
        self._out.append(cc.StartHold(call_id=self.call_id))
        self._join(exit_)

    def _join(self, exit_: Exit, since: float | None = None) -> None:
        """Hand the waiting caller to the ACD (without one, they only hear the music)."""
        if not self.acd or not exit_.target:
            return
        variables = dict(exit_.variables)
        self._out.append(cc.JoinQueue(queue=exit_.target, priority=priority_of(variables),
                                      skill=variables.get("skill") or None,
                                      caller=self.caller, variables=variables, since=since))

    def _to_voicemail(self, exit_: Exit, now: float) -> None:
        self.state = CallState.VOICEMAIL
        self._guard = now + self._voicemail_guard
        name = f"voicemail-{exit_.target}-{self.call_id}"
        self._publish("voicemail.started", mailbox=exit_.target, recording=name)
        self._recording_since = now
        self._out.append(cc.RecordMessage(call_id=self.call_id, name=name))

    def _to_callback(self, exit_: Exit, now: float) -> None:
        self._outcome = "callback_requested"
        variables = dict(exit_.variables)
        number = exit_.target or self.caller
        queue = variables.get("callback_queue") or None
        self._publish("callback.requested", number=number, queue=queue, variables=variables)
        if self.acd and queue:  # a virtual caller waits its turn, once the gate clears it
            self._out.append(cc.RequestCallback(queue=queue, number=number,
                                                priority=priority_of(variables),
                                                variables=variables))
            self._gate_deadline = now + self._gate_guard
            return
        self._hangup("normal", now)

    def _completed(self, exit_: Exit, now: float) -> None:
        self._outcome = "completed_in_ivr"
        self._hangup("normal", now)

    def _goodbye(self, media: tuple[str, ...], now: float) -> None:
        """A last message, then the hang-up (its guard in case the playback never ends)."""
        self.state = CallState.ENDING
        self._guard = now + self._hangup_guard
        self._final_playback = f"{self.call_id}:goodbye"
        self._out.append(cc.PlayMedia(call_id=self.call_id, playback_id=self._final_playback,
                                      media=media))

    def _hangup(self, reason: str, now: float) -> None:
        self.state = CallState.ENDING
        self._guard = now + self._hangup_guard
        self._out.append(cc.HangupCall(call_id=self.call_id, reason=reason))

    def _publish(self, event_type: str, /, **data: object) -> None:
        self._out.append(cc.Publish(type=event_type, data=data))


#: exit kind -> where it takes the call; any other (the menu's hangup) completes it
_ON_EXIT: dict[ExitKind, Callable[[ExitRules, Exit, float], None]] = {
    ExitKind.QUEUE: ExitRules._to_queue,
    ExitKind.VOICEMAIL: ExitRules._to_voicemail,
    ExitKind.CALLBACK: ExitRules._to_callback,
}
