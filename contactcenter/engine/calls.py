"""The asyncio side of a call: one task per call feeding the IVR core.

A ``CallTask`` owns one call from arrival to hang-up. It waits for the next
driver event or the core's next deadline, runs the core, carries out the
commands it returns, and publishes (and journals) the domain events. The IVR
core decides; this module only does what it is told and what an exit means
on the wire: hold music for a queue, a recording for voicemail, a hang-up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from contactcenter.calls import LOOKUP_TIMEOUT, Refused, Source
from contactcenter.ivr import commands as ic
from contactcenter.ivr import events as ie
from contactcenter.ivr.session import IvrSession
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

log = logging.getLogger(__name__)

Send = Callable[[dc.DriverCommand], Awaitable[None]]
Publish = Callable[[dict[str, Any]], None]
Lookup = Callable[[str, str], Awaitable[Mapping[str, str] | None]]


class CallState(str, Enum):
    IVR = "ivr"  #: the IVR core has the call
    QUEUED = "queued"  #: waiting in a queue with hold music
    CONNECTED = "connected"  #: bridged with an agent
    VOICEMAIL = "voicemail"  #: recording a message
    ENDING = "ending"  #: the platform is hanging up
    ENDED = "ended"  #: gone


#: how long the platform waits for a hang-up it asked for before asking again: a lost
#: PlaybackFinished or a failed request must not leave a caller on a line nobody drives
HANGUP_GUARD = 15.0
#: the longest a voicemail recording may take before the platform ends the call itself
VOICEMAIL_GUARD = 180.0

def priority_of(variables: Mapping[str, str]) -> int:
    """The call's ``priority`` variable; 0 when it is not a whole number (a template that
    rendered something else): a caller is never dropped over it."""
    text = variables.get("priority", "0") or "0"
    try:
        return int(text)
    except ValueError:
        log.warning("priority %r is not a whole number: 0", text)
        return 0


#: what a caller hears when the calling rules refuse the callback they asked for
REFUSED_CALLBACK = ("sound:im-sorry", "sound:cannot-complete-as-dialed")


async def _refused(checked: Any) -> bool:
    """Whether the call gate refused a callback (``request_callback``'s answer, if any)."""
    if not isinstance(checked, asyncio.Future):
        return False
    try:
        decision = await asyncio.wait_for(asyncio.shield(checked), LOOKUP_TIMEOUT + 5)
    except TimeoutError:
        return False  # the gate refuses on its own if the CRM never answers: not told here
    return isinstance(decision, Refused)


#: how a call that ends in a state is counted
OUTCOME_ON_HANGUP = {
    CallState.IVR: "abandoned_in_ivr",
    CallState.QUEUED: "abandoned_in_queue",
    CallState.VOICEMAIL: "voicemail",
    CallState.CONNECTED: "answered",
}


class Queueing(Protocol):
    """The ACD's side, as a call sees it (``contactcenter.engine.distribution``)."""

    def join(self, call_id: str, side: Any, *, queue: str, priority: int,
             skill: str | None, caller: str, variables: dict[str, str],
             since: float | None = None) -> None: ...

    def caller_gone(self, call_id: str) -> bool: ...

    def request_callback(self, call_id: str, *, queue: str, number: str, priority: int,
                         skill: str | None, variables: dict[str, str],
                         since: float | None = None,
                         source: Source = "callback_ivr") -> Any: ...

    def playback_ended(self, call_id: str, playback_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class _Connected:
    agent: str


@dataclass(frozen=True, slots=True)
class _Overflow:
    kind: str
    target: str | None


@dataclass(frozen=True, slots=True)
class _HangUp:
    reason: str


@dataclass(frozen=True, slots=True)
class _Requeued:
    queue: str


#: what the ACD tells a call, through its inbox so that the call's own task acts on it
AcdNotice = _Connected | _Overflow | _HangUp | _Requeued


class CallTask:
    """One call's life; events go in through ``feed``."""

    def __init__(self, arrival: de.CallArrived, session: IvrSession, *, send: Send,
                 publish: Publish, lookup: Lookup, clock: Callable[[], float],
                 started_at: float, queueing: Queueing | None = None) -> None:
        self.arrival = arrival
        self.started_at = started_at
        self.call_id = arrival.call_id
        self.session = session
        self.state = CallState.IVR
        self._send = send
        self._publish = publish
        self._lookup = lookup
        self._clock = clock
        self._inbox: asyncio.Queue[de.DriverEvent | ie.LookupAnswered | AcdNotice] = (
            asyncio.Queue())
        self._queueing = queueing
        self.agent: str | None = None
        self._exit: ic.Exit | None = None
        self._final_playback: str | None = None
        self._outcome: str | None = None
        self._lookups: set[asyncio.Task[None]] = set()
        self._guard: float | None = None  # outside the IVR: when to (re)send a hang-up
        #: an agent talked with the caller (a transfer may have put them back in a queue)
        self._answered = False

    def feed(self, event: de.DriverEvent | ie.LookupAnswered | AcdNotice) -> None:
        self._inbox.put_nowait(event)

    # what the ACD says, from outside this call's task: queued for the task to act on
    def connected(self, agent: str, leg_id: str, bridge_id: str) -> None:
        self.feed(_Connected(agent))

    def overflow(self, kind: str, target: str | None) -> None:
        self.feed(_Overflow(kind, target))

    def hang_up(self, reason: str) -> None:
        self.feed(_HangUp(reason))

    def requeued(self, queue: str) -> dict[str, str]:
        """Transferred back into a queue by its agent: waiting again; its variables."""
        self.feed(_Requeued(queue))
        return dict(self._exit.variables) if self._exit is not None else {}

    def emit(self, event_type: str, /, **data: Any) -> None:
        self._publish({**data, "type": event_type, "call_id": self.call_id,
                       "time": self._clock()})

    async def run(self, resume_state: CallState | None = None,
                  resume_exit: ic.Exit | None = None, queued_at: float | None = None) -> None:
        """Drive the call until it ends; never raises (a bad call must not kill the engine).

        A call picked up again after a restart in a queue (``resume_exit`` says
        which) goes back to the ACD with the place it had (``queued_at``), then on hold.
        """
        try:
            if resume_state is CallState.QUEUED:
                self.state = CallState.QUEUED
                self._exit = resume_exit
                if resume_exit is not None:  # before any await: callers rejoin in order
                    self._join(resume_exit, since=queued_at)
                await self._send(dc.StartHold(call_id=self.call_id))
            elif resume_state is CallState.CONNECTED:
                self.state = CallState.CONNECTED  # still bridged in Asterisk: wait for the end
                self._answered = True
            else:
                started = ie.CallStarted(caller=self.arrival.caller, dialed=self.arrival.dialed)
                await self._run_core(self.session.handle(started, self._clock()))
            await self._loop()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("call %s: failed in state %s", self.call_id, self.state.value)
            self.emit("call.error", state=self.state.value)
            if self.state is not CallState.ENDED:
                await self._hangup("failure")
                await self._loop()

    async def _loop(self) -> None:
        while self.state is not CallState.ENDED:
            in_ivr = self.state is CallState.IVR
            deadline = self.session.next_deadline() if in_ivr else self._guard
            timeout = None if deadline is None else max(0.0, deadline - self._clock())
            try:
                event = await asyncio.wait_for(self._inbox.get(), timeout)
            except TimeoutError:
                if in_ivr:
                    await self._run_core(self.session.handle_timer(self._clock()))
                else:
                    log.warning("call %s: no hang-up in %s; hanging up", self.call_id,
                                self.state.value)
                    await self._hangup("normal")
                continue
            await self._on_event(event)

    async def _on_event(self, event: de.DriverEvent | ie.LookupAnswered | AcdNotice) -> None:
        match event:
            case _Connected(agent=agent) if self.state is CallState.QUEUED:
                self.state = CallState.CONNECTED
                self.agent = agent
                self._answered = True
            case _Requeued(queue=queue) if self.state is CallState.CONNECTED:
                self.state = CallState.QUEUED
                variables = self._exit.variables if self._exit is not None else {}
                self._exit = ic.Exit(kind=ic.ExitKind.QUEUE, target=queue, variables=variables)
            case _Overflow(kind=kind, target=target) if self.state is CallState.QUEUED:
                await self._send(dc.StopHold(call_id=self.call_id))
                await self._take_exit(ic.Exit(kind=ic.ExitKind(kind), target=target,
                                              variables=self._exit.variables if self._exit
                                              else {}))
            case _HangUp(reason=reason) if self.state is not CallState.ENDED:
                self._outcome = self._outcome or OUTCOME_ON_HANGUP.get(self.state)
                await self._hangup(reason)
            case de.CallEnded(cause=cause):
                await self._ended(cause)
            case de.DigitReceived(digit=digit) if self.state is CallState.IVR:
                await self._run_core(self.session.handle(ie.DigitPressed(digit=digit), self._clock()))
            case de.PlaybackEnded(playback_id=playback_id):
                await self._playback_ended(playback_id)
            case ie.LookupAnswered() if self.state is CallState.IVR:
                await self._run_core(self.session.handle(event, self._clock()))
            case de.RecordingEnded() if self.state is CallState.VOICEMAIL:
                await self._voicemail_recorded(event)

    async def _playback_ended(self, playback_id: str) -> None:
        if self.state is CallState.QUEUED and self._queueing is not None:
            self._queueing.playback_ended(self.call_id, playback_id)
        elif self.state is CallState.IVR:
            await self._run_core(self.session.handle(ie.PromptEnded(playback_id=playback_id),
                                                     self._clock()))
        elif playback_id == self._final_playback and self.state is CallState.ENDING:
            await self._send(dc.HangupCall(call_id=self.call_id))

    async def _run_core(self, commands: list[ic.IvrCommand]) -> None:
        for command in commands:
            await self._carry_out(command)

    async def _carry_out(self, command: ic.IvrCommand) -> None:
        match command:
            case ic.Answer():
                await self._send(dc.AnswerCall(call_id=self.call_id))
            case ic.Play(playback_id=playback_id, media=media, language=language):
                await self._send(dc.PlayMedia(call_id=self.call_id, playback_id=playback_id,
                                              media=media, language=language))
            case ic.StopPlay(playback_id=playback_id):
                await self._send(dc.StopMedia(call_id=self.call_id, playback_id=playback_id))
            case ic.Lookup(request_id=request_id, kind=kind, key=key):
                lookup = asyncio.ensure_future(self._answer_lookup(request_id, kind, key))
                self._lookups.add(lookup)  # keep a reference until it is done
                lookup.add_done_callback(self._lookups.discard)
            case ic.Report(kind=kind, data=data):
                self.emit(kind, **dict(data))
            case ic.Exit():
                await self._take_exit(command)

    async def _answer_lookup(self, request_id: str, kind: str, key: str) -> None:
        try:
            data = await self._lookup(kind, key)
        except Exception:
            log.exception("call %s: lookup %s %s failed", self.call_id, kind, key)
            data = None
        self.feed(ie.LookupAnswered(request_id=request_id, data=data))

    async def _take_exit(self, exit_: ic.Exit) -> None:
        self._exit = exit_
        variables = dict(exit_.variables)
        if exit_.kind is ic.ExitKind.QUEUE:
            self.state = CallState.QUEUED
            if self._queueing is None:  # with an ACD, the ACD reports it (again on overflow)
                self.emit("call.queued", queue=exit_.target, variables=variables,
                          priority=priority_of(variables))
            await self._send(dc.StartHold(call_id=self.call_id))
            self._join(exit_)
        elif exit_.kind is ic.ExitKind.VOICEMAIL:
            self.state = CallState.VOICEMAIL
            self._guard = self._clock() + VOICEMAIL_GUARD
            name = f"voicemail-{exit_.target}-{self.call_id}"
            self.emit("voicemail.started", mailbox=exit_.target, recording=name)
            await self._send(dc.RecordMessage(call_id=self.call_id, name=name))
        elif exit_.kind is ic.ExitKind.CALLBACK:
            self._outcome = "callback_requested"
            number = exit_.target or self.arrival.caller
            queue = variables.get("callback_queue") or None
            self.emit("callback.requested", number=number, queue=queue, variables=variables)
            if self._queueing is not None and queue:  # a virtual caller waits its turn
                checked = self._queueing.request_callback(
                    self.call_id, queue=queue, number=number,
                    priority=priority_of(variables),
                    skill=None, variables=variables)  # the queue's own skill: the menu's
                if await _refused(checked):           # default one is for no queue
                    self._outcome = "callback_refused"
                    await self._goodbye(REFUSED_CALLBACK)  # the caller hears it is not
                    return                                 # possible before hanging up
            await self._hangup("normal")
        else:
            self._outcome = "completed_in_ivr"
            await self._hangup("normal")

    def _join(self, exit_: ic.Exit, since: float | None = None) -> None:
        """Hand the waiting caller to the ACD (without one, they only hear the music)."""
        if self._queueing is None or not exit_.target:
            return
        variables = dict(exit_.variables)
        self._queueing.join(self.call_id, self, queue=exit_.target,
                            priority=priority_of(variables),
                            skill=variables.get("skill") or None, caller=self.arrival.caller,
                            variables=variables, since=since)

    async def _voicemail_recorded(self, event: de.RecordingEnded) -> None:
        self._outcome = "voicemail" if event.cause == "done" else "voicemail_failed"
        mailbox = self._exit.target if self._exit else None
        self.emit("voicemail.recorded", mailbox=mailbox, recording=event.name,
                  duration=event.duration, status=event.cause)
        await self._goodbye(("sound:vm-goodbye",))

    async def _goodbye(self, media: tuple[str, ...]) -> None:
        """A last message, then the hang-up (its guard in case the playback never ends)."""
        self.state = CallState.ENDING
        self._guard = self._clock() + HANGUP_GUARD
        self._final_playback = f"{self.call_id}:goodbye"
        await self._send(dc.PlayMedia(call_id=self.call_id, playback_id=self._final_playback,
                                      media=media))

    async def _hangup(self, reason: str) -> None:
        self.state = CallState.ENDING
        self._guard = self._clock() + HANGUP_GUARD
        await self._send(dc.HangupCall(call_id=self.call_id, reason=reason))

    async def _ended(self, cause: str) -> None:
        if self.state is CallState.ENDED:
            return
        outcome = self._outcome or OUTCOME_ON_HANGUP.get(self.state, "completed")
        if self._answered and self.state is CallState.QUEUED:
            outcome = "answered"  # transferred back to a queue, then gone: it was answered
        with_acd = self.state in (CallState.QUEUED, CallState.CONNECTED, CallState.ENDING)
        if (self._queueing is not None and with_acd
                and self._queueing.caller_gone(self.call_id) and self._outcome is None):
            outcome = "answered"  # connected before this task heard of it
        try:
            if self.state is CallState.IVR:
                await self._run_core(self.session.handle(ie.CallerHungUp(), self._clock()))
        finally:  # whatever failed above, the call's record gets its end
            self.state = CallState.ENDED
            self._end_record(cause, outcome)

    def _end_record(self, cause: str, outcome: str) -> None:
        self.emit("call.ended", cause=cause, outcome=outcome,
                  duration=round(self._clock() - self.started_at, 3))
