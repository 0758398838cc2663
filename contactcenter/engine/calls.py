"""The asyncio side of a call: one task per call feeding its course.

A ``CallTask`` owns one call from arrival to hang-up. The rules of the call's
course (the IVR, a queue, voicemail, a callback, the hang-up and its guards,
the outcome) are the sans-I/O core's, ``contactcenter.calls.course``; this
task only waits for the next event or the core's next deadline, hands it to
the core, and carries out the commands it returns: on the driver, on the bus
(and so in the journal), on the ACD (``Queueing``), and the IVR's lookups.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol

from contactcenter.calls import Refused, Source
from contactcenter.calls.course import (
    HANGUP_GUARD,
    OUTCOME_ON_HANGUP,
    REFUSED_CALLBACK,
    VOICEMAIL_GUARD,
    CallCourse,
    CallState,
    CourseFailure,
    priority_of,
)
from contactcenter.calls.course import commands as cc
from contactcenter.calls.course import events as ce
from contactcenter.ivr import commands as ic
from contactcenter.ivr import events as ie
from contactcenter.ivr.session import IvrSession
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

__all__ = ["HANGUP_GUARD", "OUTCOME_ON_HANGUP", "REFUSED_CALLBACK", "VOICEMAIL_GUARD",
           "CallState", "CallTask", "Lookup", "Publish", "Queueing", "Send", "priority_of"]

log = logging.getLogger(__name__)

Send = Callable[[dc.DriverCommand], Awaitable[None]]
Publish = Callable[[dict[str, Any]], None]
Lookup = Callable[[str, str], Awaitable[Mapping[str, str] | None]]

#: what a call's inbox takes: the driver's news of the call, a lookup's answer, the
#: ACD's notices and the call gate's word (the course's own events)
Inbound = de.DriverEvent | ie.LookupAnswered | ce.CourseEvent


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


class CallTask:
    """One call's life; events go in through ``feed``."""

    def __init__(self, arrival: de.CallArrived, session: IvrSession, *, send: Send,
                 publish: Publish, lookup: Lookup, clock: Callable[[], float],
                 started_at: float, queueing: Queueing | None = None) -> None:
        self.arrival = arrival
        self.started_at = started_at
        self.call_id = arrival.call_id
        self.session = session
        self._course = CallCourse(session, call_id=arrival.call_id, caller=arrival.caller,
                                  dialed=arrival.dialed, started_at=started_at,
                                  acd=queueing is not None, hangup_guard=HANGUP_GUARD,
                                  voicemail_guard=VOICEMAIL_GUARD)
        self._send = send
        self._publish = publish
        self._lookup = lookup
        self._clock = clock
        self._inbox: asyncio.Queue[Inbound] = asyncio.Queue()
        self._queueing = queueing
        self._lookups: set[asyncio.Task[None]] = set()
        self._resumed_agent: str | None = None
        #: set while the task waits on an empty inbox, its course awaiting no answer
        self._idle = asyncio.Event()

    @property
    def state(self) -> CallState:
        return self._course.state

    @property
    def agent(self) -> str | None:
        """The agent the caller talks (or talked) with; set by the engine on a restart."""
        return self._course.agent if self._course.agent is not None else self._resumed_agent

    @agent.setter
    def agent(self, agent: str | None) -> None:
        self._resumed_agent = agent

    def feed(self, event: Inbound) -> None:
        self._idle.clear()
        self._inbox.put_nowait(event)

    async def settled(self) -> None:
        """Return once every event fed so far is handled and its commands carried out,
        the course awaiting no answer that would bring more (a lookup, the call gate,
        until their timeouts): the Twilio driver answers a webhook then, not after a
        fixed wait. At once for a call that has ended."""
        if self.state is not CallState.ENDED:
            await self._idle.wait()

    # what the ACD says, from outside this call's task: queued for the task to act on
    def connected(self, agent: str, leg_id: str, bridge_id: str) -> None:
        self.feed(ce.AgentConnected(agent=agent))

    def overflow(self, kind: str, target: str | None) -> None:
        self.feed(ce.Overflowed(kind=kind, target=target))

    def hang_up(self, reason: str) -> None:
        self.feed(ce.HangUpAsked(reason=reason))

    def requeued(self, queue: str) -> dict[str, str]:
        """Transferred back into a queue by its agent: waiting again; its variables."""
        self.feed(ce.Requeued(queue=queue))
        exit_ = self._course.exit
        return dict(exit_.variables) if exit_ is not None else {}

    def emit(self, event_type: str, /, **data: Any) -> None:
        self._publish({**data, "type": event_type, "call_id": self.call_id,
                       "time": self._clock()})

    async def run(self, resume_state: CallState | None = None,
                  resume_exit: ic.Exit | None = None, queued_at: float | None = None) -> None:
        """Drive the call until it ends; never raises (a bad call must not kill the engine).

        A call picked up again after a restart in a queue (``resume_exit`` says
        which) goes back to the ACD with the place it had (``queued_at``), then on hold.
        """
        start: ce.CourseEvent = ce.CallStarted() if resume_state is None else ce.CallResumed(
            state=resume_state, exit=resume_exit, since=queued_at, agent=self._resumed_agent)
        try:
            await self._step(start)
            await self._loop()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("call %s: failed in state %s", self.call_id, self.state.value)
            await self._failed()
        finally:
            self._idle.set()  # nothing more will come of this call

    async def _failed(self) -> None:
        """After a failure the course reports it and hangs up, then waits for the end; if
        even that fails, the caller is hung up here and the record ended as it stands."""
        try:
            await self._carry_out(self._course.handle(ce.Failed(), self._clock()))
            await self._loop()
        except Exception:
            log.exception("call %s: could not end it in order; hanging up", self.call_id)
            self.emit("call.error", state=self.state.value)
            await self._send(dc.HangupCall(call_id=self.call_id, reason="failure"))
            self.emit("call.ended", cause="failure", outcome="failed",
                      duration=round(self._clock() - self.started_at, 3))

    async def _loop(self) -> None:
        while self.state is not CallState.ENDED:
            deadline = self._course.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - self._clock())
            if self._inbox.empty() and not self._course.awaiting_answer:
                self._idle.set()
            try:
                inbound = await asyncio.wait_for(self._inbox.get(), timeout)
            except TimeoutError:
                self._idle.clear()  # the course acts on its time
                await self._step(None)
                continue
            event = self._course_event(inbound)
            if event is not None:
                await self._step(event)

    def _course_event(self, inbound: Inbound) -> ce.CourseEvent | None:
        """The driver's news as the course takes it; the ACD hears of a caller gone first."""
        if isinstance(inbound, de.CallEnded):
            talking = (self._queueing is not None and self._course.in_acd
                       and self._queueing.caller_gone(self.call_id))
            return ce.CallEnded(cause=inbound.cause, talking=talking)
        if isinstance(inbound, de.DriverEvent) and not isinstance(
                inbound, de.DigitReceived | de.SpeechReceived | de.PlaybackEnded
                | de.RecordingEnded):
            return None  # no news of this call's course
        return inbound

    async def _step(self, event: ce.CourseEvent | None) -> None:
        """The course acts on ``event`` (None: on the time); its commands are carried out,
        those it had decided before a failure too."""
        now = self._clock()
        try:
            commands = (self._course.handle_timer(now) if event is None
                        else self._course.handle(event, now))
        except CourseFailure as failure:
            await self._carry_out(failure.commands)
            raise
        await self._carry_out(commands)

    async def _carry_out(self, commands: list[cc.CourseCommand]) -> None:
        for command in commands:
            match command:
                case cc.Publish(type=event_type, data=data):
                    self.emit(event_type, **dict(data))
                case ic.Lookup(request_id=request_id, kind=kind, key=key):
                    lookup = asyncio.ensure_future(self._answer_lookup(request_id, kind, key))
                    self._lookups.add(lookup)  # keep a reference until it is done
                    lookup.add_done_callback(self._lookups.discard)
                case cc.JoinQueue() | cc.RequestCallback() | cc.QueuePlaybackEnded():
                    self._tell_acd(command)
                case _:
                    await self._send(command)

    def _tell_acd(self, command: cc.JoinQueue | cc.RequestCallback | cc.QueuePlaybackEnded,
                  ) -> None:
        queueing = self._queueing
        if queueing is None:  # the course asks only with an ACD
            return
        match command:
            case cc.JoinQueue():
                queueing.join(self.call_id, self, queue=command.queue,
                              priority=command.priority, skill=command.skill,
                              caller=command.caller, variables=dict(command.variables),
                              since=command.since)
            case cc.RequestCallback():
                checked = queueing.request_callback(
                    self.call_id, queue=command.queue, number=command.number,
                    priority=command.priority, skill=None,  # the queue's own skill: the
                    variables=dict(command.variables))      # menu's is for no queue
                self._await_gate(checked)
            case cc.QueuePlaybackEnded(playback_id=playback_id):
                queueing.playback_ended(self.call_id, playback_id)

    def _await_gate(self, checked: Any) -> None:
        """The call gate's word on the callback (``request_callback``'s answer, if any)
        comes through the inbox; the course does not wait past its guard."""
        if not isinstance(checked, asyncio.Future):
            self.feed(ce.CallbackDecided(refused=False))
            return

        def decided(future: asyncio.Future[Any]) -> None:
            refused = (not future.cancelled() and future.exception() is None
                       and isinstance(future.result(), Refused))
            self.feed(ce.CallbackDecided(refused=refused))

        checked.add_done_callback(decided)

    async def _answer_lookup(self, request_id: str, kind: str, key: str) -> None:
        try:
            data = await self._lookup(kind, key)
        except Exception:
            log.exception("call %s: lookup %s %s failed", self.call_id, kind, key)
            data = None
        self.feed(ie.LookupAnswered(request_id=request_id, data=data))
