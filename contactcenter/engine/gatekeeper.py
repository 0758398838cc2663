"""The asyncio side of the call gate: the CRM's answer, the gate's timers, its decisions.

``CallGate`` (``contactcenter.calls``) decides; this module asks the CRM what
it knows of a callee when the gate says so, runs the gate's timers, publishes
its reports (journalled with the call they are about), and hands each
decision to whoever waits for it: a web request awaiting ``ask``, the
distributor asking at a callback's turn (``turn``, synchronous: the callee's
facts are already known by then), or the distributor's hooks for what comes
later (``on_resume``: a deferred callback may go back in line; ``on_refused``:
one accepted and then refused).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from contactcenter.calls import (
    CalleeFound,
    CallGate,
    Cleared,
    Decision,
    Deferred,
    GateCommand,
    GateEvent,
    LookUpCallee,
    LookupFailed,
    PlacementAsked,
    PlacementFinished,
    Refused,
    Report,
    Resume,
    Source,
    TurnCame,
)
from contactcenter.dialer.compliance import Callee, CallingWindow
from contactcenter.engine.deadlines import run_deadlines

log = logging.getLogger(__name__)

CalleeLookup = Callable[[str], Awaitable[Callee]]
Publish = Callable[[dict[str, Any]], None]


class Gatekeeper:
    """Every call the platform places asks here first."""

    def __init__(self, gate: CallGate, *, lookup: CalleeLookup, publish: Publish,
                 clock: Callable[[], float] = time.time) -> None:
        """``clock``: the wall clock (the gate reads local times from it), whatever clock
        the rest of the engine keeps."""
        self.gate = gate
        self._lookup = lookup
        self._publish = publish
        self._clock = clock
        self._answers: dict[str, asyncio.Future[Cleared | Refused]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        #: a deferred callback may wait in line again (the distributor puts it back)
        self.on_resume: Callable[[str], None] = lambda placement_id: None
        #: a callback refused after it was accepted or deferred (its lookup came late)
        self.on_refused: Callable[[str], None] = lambda placement_id: None

    def ask(self, placement_id: str, source: Source, number: str,
            asked_by: str | None = None, *, consent_required: bool = False,
            window: CallingWindow | None = None, last_abandoned_at: float | None = None,
            agent_reserved: bool = False) -> asyncio.Future[Cleared | Refused]:
        """Check a placement; the future gets the first decision (``Cleared``: for a
        callback, accepted, with the earliest time it may be dialed; or ``Refused``).
        A campaign's dial says its calling hours, the number's last abandon and whether
        an agent is held for it (``PlacementAsked``)."""
        answer: asyncio.Future[Cleared | Refused] = asyncio.get_running_loop().create_future()
        self._answers[placement_id] = answer
        self._handle(PlacementAsked(placement_id=placement_id, source=source, number=number,
                                    asked_by=asked_by, consent_required=consent_required,
                                    window=window, last_abandoned_at=last_abandoned_at,
                                    agent_reserved=agent_reserved))
        return answer

    def turn(self, placement_id: str) -> Decision:
        """A callback's turn came: may its customer be dialed now?"""
        commands = self.gate.handle(TurnCame(placement_id=placement_id), self._clock())
        decision = next(c for c in commands if isinstance(c, Cleared | Refused | Deferred)
                        and c.placement_id == placement_id)
        # the rest (timers that fell due, other placements' news) once the distributor's
        # current batch is done: it asks from the middle of one
        rest = [c for c in commands if c is not decision]
        if rest:
            asyncio.get_running_loop().call_soon(self._carry_out, rest)
        self._wake.set()
        return decision

    async def callee(self, number: str) -> Callee:
        """What the CRM knows of ``number``, as the gate looks it up (for a booking's
        check, before any placement): within the gate's lookup timeout, else
        TimeoutError."""
        return await asyncio.wait_for(self._lookup(number), self.gate.lookup_timeout)

    @property
    def window(self) -> CallingWindow:
        """The calling hours the gate holds every placement to."""
        return self.gate.window

    def finished(self, placement_id: str, *, dialed: bool) -> None:
        """The distributor is done with a callback: dialed, or given up."""
        self._handle(PlacementFinished(placement_id=placement_id, dialed=dialed))

    async def run(self) -> None:
        """The gate's timers (a CRM that does not answer, a deferral's end); until
        cancelled."""
        try:
            await run_deadlines(self.gate.next_deadline, self.tick, self._wake, self._clock,
                                name="call gate")
        finally:  # the lookups under way go with it
            lookups = list(self._tasks)
            for task in lookups:
                task.cancel()
            await asyncio.gather(*lookups, return_exceptions=True)

    def tick(self) -> None:
        """Act on the gate's timers due by now (``run`` does it when they fall due)."""
        self._carry_out(self.gate.handle_timer(self._clock()))

    # -- the gate ---------------------------------------------------------------------------

    def _handle(self, event: GateEvent) -> None:
        self._carry_out(self.gate.handle(event, self._clock()))
        self._wake.set()

    def _carry_out(self, commands: list[GateCommand]) -> None:
        for command in commands:
            match command:
                case LookUpCallee(placement_id=placement_id, number=number):
                    task = asyncio.ensure_future(self._look_up(placement_id, number))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
                case Cleared() | Refused() | Deferred():
                    self._decided(command)
                case Resume(placement_id=placement_id):
                    self.on_resume(placement_id)
                case Report(type=kind, data=data):
                    self._report(kind, dict(data))

    def _report(self, kind: str, data: dict[str, Any]) -> None:
        """On the record; a call a person asked for and the rules refused is a record of
        its own, an outbound call that ended before anything rang."""
        now = self._clock()
        self._publish({**data, "type": kind, "time": now})
        if kind == "call.refused":
            self._publish({"type": "call.ended", "call_id": data["call_id"], "time": now,
                           "cause": "refused", "outcome": f"refused_{data['rule']}",
                           "duration": 0.0})

    def _decided(self, decision: Decision) -> None:
        answer = self._answers.pop(decision.placement_id, None)
        if answer is not None and not answer.done() and not isinstance(decision, Deferred):
            answer.set_result(decision)
        elif isinstance(decision, Refused):
            self.on_refused(decision.placement_id)

    async def _look_up(self, placement_id: str, number: str) -> None:
        try:
            callee = await self._lookup(number)
        except Exception as exc:  # the gate refuses: a list not read is no list checked
            log.exception("call %s: looking up %s failed", placement_id, number)
            self._handle(LookupFailed(placement_id=placement_id, reason=type(exc).__name__))
        else:
            self._handle(CalleeFound(placement_id=placement_id, callee=callee))
