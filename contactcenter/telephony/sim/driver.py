"""The simulated telephony: callers, phones and agents in virtual time around an ACD core.

Theory of operation. A heap holds what the simulated world will do next (a caller arrives,
runs out of patience, an agent answers, a call ends); the core holds its own deadline
(ring timeouts, wrap-up, announcements). The loop takes whichever comes first, a due core
deadline before a world event at the same instant, since the core set it earlier. World
events become core events (``CallJoined``, ``CallLeft``, ``OfferAnswered``,
``CallFinished``); the core's commands schedule more of the world (an ``OfferCall`` is
answered after the answer delay, a ``ConnectCall`` ends after the caller's handle time).
Nothing reads a clock and the callers come from ``Traffic.callers()`` (one seeded
``random.Random``) or from a script, so a seed replays a run exactly.

A run may follow a rota (``staffing``: from which second how many agents are logged in):
at each change it logs agents in or out through the core's own events, as a desktop does;
an agent asked to leave during a call finishes it first (the core defers the logout), and
their time on the floor (``presence``) ends with that call.

The driver also checks the core: an agent connected to two calls, or a call connected
twice, stops the run with ``SimError`` rather than producing figures from a broken queue.
"""

from __future__ import annotations

import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from enum import Enum
from typing import Literal, Protocol

from contactcenter.acd.commands import (
    AcdCommand,
    Announce,
    CancelOffer,
    ConnectCall,
    OfferCall,
    OverflowCall,
    PlayComfort,
    Report,
)
from contactcenter.acd.events import (
    AcdEvent,
    CallFinished,
    CallJoined,
    CallLeft,
    OfferAnswered,
)
from contactcenter.acd.model import AgentId, CallId
from contactcenter.telephony.sim.metrics import CallRecord, SimResult, summarise
from contactcenter.telephony.sim.rota import Rota
from contactcenter.telephony.sim.scenario import Caller, Floor

_NO_CALL, _NO_AGENT = CallId(""), AgentId("")
_STUCK_LIMIT = 1000  # timer firings in a row that leave the deadline due: a stuck core


class SimError(Exception):
    """The core broke an invariant the figures depend on, or its timer never moves on."""


class AcdCore(Protocol):
    """The ACD core's public interface: all the simulator uses."""

    def handle(self, event: AcdEvent, now: float, /) -> Sequence[AcdCommand]: ...

    def handle_timer(self, now: float, /) -> Sequence[AcdCommand]: ...

    def next_deadline(self) -> float | None: ...


_Outcome = Literal["finished", "abandoned", "overflowed"]  # a CallRecord's final times


class _Happening(Enum):
    ARRIVAL = "arrival"  #: the next caller dials in
    PATIENCE = "patience"  #: a waiting caller gives up
    ANSWER = "answer"  #: an agent picks up a ringing offer
    HANGUP = "hangup"  #: a connected call ends
    STAFF = "staff"  #: the rota changes how many agents are logged in


class Simulator:
    """One run: these callers, this floor, this core; ``run()`` once, then read the result."""

    def __init__(self, core: AcdCore, floor: Floor, callers: Iterable[Caller],
                 staffing: Sequence[tuple[float, int]] | None = None) -> None:
        """``staffing``: (from second, agents logged in) in time order, each at most
        ``floor.agents``; None: the whole floor logs in at 0 and stays."""
        self._core = core
        self._floor = floor
        self._callers = iter(callers)
        self._next: Caller | None = None  # the caller whose arrival is on the heap
        self._heap: list[tuple[float, int, _Happening, CallId, AgentId]] = []
        self._seq = 0
        self._calls: dict[CallId, CallRecord] = {}
        self._ringing: set[tuple[CallId, AgentId]] = set()  # (call, agent) offers not yet answered
        self._talking: dict[AgentId, CallId] = {}  # agent -> the call it is connected to
        self._counts: Counter[str] = Counter()
        self._unsettled = 0
        self._stalls = 0  # consecutive timer firings that left the deadline due
        self._rota = Rota(floor, staffing)
        self.now = 0.0

    @property
    def records(self) -> list[CallRecord]:
        """Every caller of the run, warm-up included, in arrival order."""
        return list(self._calls.values())

    @property
    def presence(self) -> dict[AgentId, list[list[float]]]:
        """Each agent's times on the floor: [login, logout] (inf: still on at the end)."""
        return self._rota.presence

    def run(self) -> SimResult:
        """Log the agents in, feed the calls through, stop when every call has settled."""
        for when, _agents in self._rota.changes:
            self._at(when, _Happening.STAFF)
        self._queue_next_caller()
        # the rota is followed to its last change even after the last caller: agents due
        # to leave or to come after the calls end still do, so presence is the rota's
        while self._unsettled or self._next is not None or self._rota.pending:
            if not self._step():
                break  # nothing left to happen: the remaining calls never settle
        return summarise(self._floor, self._calls.values(), self.now, self._counts)

    # -- the loop ----------------------------------------------------------------------------

    def _step(self) -> bool:
        upcoming = self._heap[0][0] if self._heap else math.inf
        deadline = self._core.next_deadline()
        if deadline is not None and deadline <= upcoming:
            self.now = max(self.now, deadline)
            self._obey(self._core.handle_timer(self.now))
            again = self._core.next_deadline()
            self._stalls = self._stalls + 1 if again is not None and again <= self.now else 0
            if self._stalls > _STUCK_LIMIT:
                raise SimError(f"the core's deadline stays at {again} at t={self.now}")
            return True
        if not self._heap:
            return False
        when, _, happening, call_id, agent = heapq.heappop(self._heap)
        self.now = max(self.now, when)
        _ON_HAPPENING[happening](self, call_id, agent)
        return True

    def _at(self, when: float, happening: _Happening, call_id: CallId = _NO_CALL,
            agent: AgentId = _NO_AGENT) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (when, self._seq, happening, call_id, agent))

    def _send(self, event: AcdEvent) -> None:
        self._obey(self._core.handle(event, self.now))

    # -- the world ---------------------------------------------------------------------------

    def _queue_next_caller(self) -> None:
        self._next = next(self._callers, None)
        if self._next is not None:
            if self._next.at < self.now:
                raise ValueError(f"callers out of order: one at {self._next.at} after {self.now}")
            self._at(self._next.at, _Happening.ARRIVAL)

    def _arrive(self, _call: CallId, _agent: AgentId) -> None:
        caller = self._next
        assert caller is not None  # an arrival is on the heap only with its caller
        number = len(self._calls) + 1
        call_id = CallId(f"c{number:06d}")
        self._calls[call_id] = CallRecord(
            call_id=call_id, joined=self.now, handle=caller.handle, patience=caller.patience,
            measured=number > self._floor.warmup)
        self._unsettled += 1
        if math.isfinite(caller.patience):
            self._at(self.now + caller.patience, _Happening.PATIENCE, call_id)
        self._queue_next_caller()
        self._send(CallJoined(call_id=call_id, queue=self._floor.queue))

    def _give_up(self, call_id: CallId, _agent: AgentId) -> None:
        record = self._calls[call_id]
        if record.waiting:
            self._settle(record, "abandoned")
            self._send(CallLeft(call_id=call_id, reason="abandoned"))

    def _pick_up(self, call_id: CallId, agent: AgentId) -> None:
        if (call_id, agent) in self._ringing and self._calls[call_id].waiting:
            self._ringing.discard((call_id, agent))
            self._send(OfferAnswered(call_id=call_id, agent=agent))

    def _hang_up(self, call_id: CallId, agent: AgentId) -> None:
        record = self._calls[call_id]
        self._talking.pop(agent, None)
        self._rota.call_ended(agent, self.now)
        self._settle(record, "finished")
        self._send(CallFinished(call_id=call_id))

    def _restaff(self, _call: CallId, _agent: AgentId) -> None:
        """The rota's next change: agents log out (idle ones first) or in."""
        busy = set(self._talking)
        for event in self._rota.next_change(self.now, busy, {a for _, a in self._ringing}):
            self._send(event)

    def _settle(self, record: CallRecord, how: _Outcome) -> None:
        setattr(record, how, self.now)
        self._unsettled -= 1

    # -- the core's commands -----------------------------------------------------------------

    def _obey(self, commands: Sequence[AcdCommand]) -> None:
        for command in commands:
            match command:
                case OfferCall(call_id=call_id, agent=agent):
                    self._counts["offer"] += 1
                    if call_id not in self._calls:
                        raise SimError(f"{call_id} offered to {agent}, but no such call joined")
                    self._ringing.add((call_id, agent))
                    self._at(self.now + self._floor.answer_delay, _Happening.ANSWER,
                             call_id, agent)
                case CancelOffer(call_id=call_id, agent=agent):
                    self._counts["cancel"] += 1
                    self._ringing.discard((call_id, agent))
                case ConnectCall(call_id=call_id, agent=agent):
                    self._counts["connect"] += 1
                    self._connect(call_id, agent)
                case OverflowCall(call_id=call_id, kind=kind):
                    self._counts[f"overflow:{kind}"] += 1
                    self._overflow(call_id, kind)
                case Announce():
                    self._counts["announce"] += 1
                case PlayComfort():
                    self._counts["comfort"] += 1
                case Report(type=kind):
                    self._counts[f"report:{kind}"] += 1

    def _overflow(self, call_id: CallId, kind: str) -> None:
        """Another queue keeps the call in the run; voicemail ends it for the ACD.

        A callback would need an outbound leg to the caller later: not simulated, and
        refused rather than left to skew the figures with offers nobody can answer.
        """
        if kind == "callback":
            raise SimError(f"{call_id} overflowed to a callback: callbacks are not simulated")
        record = self._calls[call_id]
        if kind != "queue" and record.waiting:
            self._settle(record, "overflowed")

    def _connect(self, call_id: CallId, agent: AgentId) -> None:
        record = self._calls.get(call_id)
        if record is None:
            raise SimError(f"{call_id} connected to {agent}, but no such call joined")
        if record.connected is not None:
            raise SimError(f"{call_id} connected twice (to {record.agent} and {agent})")
        if agent in self._talking:
            raise SimError(f"{agent} connected to {call_id} while on {self._talking[agent]}")
        if not record.waiting:
            raise SimError(f"{call_id} connected after it left the queue")
        record.connected, record.agent = self.now, agent
        self._talking[agent] = call_id
        self._at(self.now + record.handle, _Happening.HANGUP, call_id, agent)


_ON_HAPPENING: dict[_Happening, Callable[[Simulator, CallId, AgentId], None]] = {
    _Happening.ARRIVAL: Simulator._arrive,
    _Happening.PATIENCE: Simulator._give_up,
    _Happening.ANSWER: Simulator._pick_up,
    _Happening.HANGUP: Simulator._hang_up,
    _Happening.STAFF: Simulator._restaff,
}
