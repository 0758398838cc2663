"""A simulation run through the whole platform, over the simulated telephone network.

``run_simulation`` (``run.py``) feeds the ACD core alone: fast, and the one to
compare with Erlang A. This one runs each caller through everything a real
call meets: the engine, the call's task and its IVR flow, the ACD's adapter
and core, call control, the journal and the event bus (each event checked
against the catalogue), with ``SimSwitch`` standing where Asterisk stands
and a ``VirtualTimeLoop`` for a clock. The figures come from the event stream,
as the boards' do: a call joined its queue at ``call.queued``, was connected
at ``call.answered`` and ended at ``call.ended`` with its outcome.

On the same callers, floor and ACD, the two runs should tell the same story;
where they differ, the platform around the core changed what callers live
through (a prompt before the queue, an announcement's timing), and that is
what this run is for.
"""

from __future__ import annotations

import asyncio
import math
import random
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contactcenter.acd import Acd
from contactcenter.acd.events import AgentLoggedIn
from contactcenter.acd.model import AgentId
from contactcenter.calls import CallGate
from contactcenter.calls.control import events as ce
from contactcenter.dialer.compliance import CallingWindow
from contactcenter.engine.callees import callee_lookup
from contactcenter.engine.control import Controller, ControlRefused
from contactcenter.engine.directory import Directory
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus, Subscription
from contactcenter.events.journal import CallJournal
from contactcenter.ivr.loader import parse_flow
from contactcenter.ivr.model import Flow
from contactcenter.telephony.sim.metrics import CallRecord, SimResult, summarise
from contactcenter.telephony.sim.run import real_acd
from contactcenter.telephony.sim.scenario import Caller, Floor
from contactcenter.telephony.sim.switch import SimSwitch, Wire
from contactcenter.telephony.sim.virtual import run_virtual

#: the number the simulated callers dial
NUMBER = "5000"

@dataclass(frozen=True, slots=True, kw_only=True)
class Desk:
    """What the agents do with their calls through call control, as the desktop would."""

    hold_share: float = 0.0  #: of the calls answered, the share an agent puts on hold once
    hold_after: float = 10.0  #: seconds into the talk
    hold_seconds: float = 20.0  #: how long the caller stays on hold (then resumed)
    seed: int = 0  #: which calls are held: the same seed, the same calls

    def __post_init__(self) -> None:
        if not 0.0 <= self.hold_share <= 1.0:
            raise ValueError(f"hold_share must be between 0 and 1, not {self.hold_share!r}")


#: what a callback's attempt's record id adds to the id of the call that asked for it
_ATTEMPT = "-callback"

#: outcomes the platform gives a caller who left the queue for somewhere else
_OVERFLOWED = frozenset({"voicemail", "voicemail_failed", "callback_requested"})


def queue_flow(queue: str) -> Flow:
    """The plainest flow: straight into ``queue`` (as the ACD-only run's callers are)."""
    return parse_flow({"start": "queue", "nodes": {"queue": {"type": "queue", "queue": queue}}},
                      name="sim")


def simulate_platform(callers: Iterable[Caller], floor: Floor, *, flow: Flow | None = None,
                      keys: str = "", wire: Wire | None = None, strategy: str = "longest_idle",
                      wrap_up: float = 0.0, skills: Mapping[str, int] | None = None,
                      desk: Desk | None = None,
                      queue_settings: Mapping[str, Any] | None = None) -> SimResult:
    """Run ``callers`` through the platform on a virtual clock; the figures of the run.

    ``keys``: what each caller presses, one key a prompt, while in the menu; ``skills``:
    every agent's (a flow's queue exit may ask for one); ``desk``: the agents' holds;
    ``queue_settings``: more of the queue's (``max_wait`` and an ``overflow`` to a
    callback, say: the customers are called back through the call gate, as live).
    """
    wire = wire or Wire(answer_delay=floor.answer_delay)
    acd = real_acd(floor, strategy=strategy, wrap_up=wrap_up, skills=skills,
                   **dict(queue_settings or {}))
    run = _PlatformRun(floor, flow or queue_flow(floor.queue), keys, wire, acd)
    run.desk = desk or Desk()
    return run_virtual(run.run(iter(callers)))


class _PlatformRun:
    """One run: the platform wired to a simulated switch, callers fed in, figures read."""

    def __init__(self, floor: Floor, flow: Flow, keys: str, wire: Wire, acd: Acd) -> None:
        self._floor, self._flow, self._keys, self._wire, self._acd = floor, flow, keys, wire, acd
        self._records: dict[str, CallRecord] = {}
        self._events: Counter[str] = Counter()
        self._arrivals_done = False
        self._settled = 0
        self._start = 0.0
        self.desk = Desk()
        self._control: Controller | None = None
        self._draws = random.Random(0)
        #: nothing left under way: no channel up, no callback still promised
        self._quiet: Callable[[], bool] = lambda: True
        #: callers promised a callback whose attempt has not ended yet
        self._callbacks: set[str] = set()

    async def run(self, callers: Iterator[Caller]) -> SimResult:
        loop = asyncio.get_running_loop()
        self._start = loop.time()
        with tempfile.TemporaryDirectory(prefix="cc-sim-") as state:
            journal = CallJournal(Path(state) / "calls.jsonl")
            journal.open()
            bus = EventBus()
            engine = self._engine(journal, bus, loop.time)
            switch = SimSwitch(engine.on_driver_event, self._wire)
            engine.send = switch.execute
            self._quiet = lambda: switch.live == 0 and not self._callbacks
            try:
                await self._drive(engine, switch, bus.subscribe(maxsize=1_000_000), callers)
            finally:
                await engine.close()
                journal.close()
        end = loop.time() - self._start
        return summarise(self._floor, self._records.values(), end,
                         {**switch.commands, **{f"event:{k}": n for k, n in self._events.items()}})

    def _engine(self, journal: CallJournal, bus: EventBus, clock: Any) -> Engine:
        engine = Engine(flows={self._flow.name: self._flow}, numbers={NUMBER: self._flow.name},
                        directory=Directory([]), bus=bus, journal=journal, clock=clock)
        distributor = engine.attach_acd(self._acd)
        distributor.dial_out = True  # an outbound peer: callbacks dial the customers
        self._control = engine.attach_control()
        engine.attach_gate(CallGate(CallingWindow()), callee_lookup(None),
                           wall_clock=clock)  # the calling hours on the virtual date
        self._draws = random.Random(self.desk.seed)
        return engine

    async def _drive(self, engine: Engine, switch: SimSwitch, events: Subscription,
                     callers: Iterator[Caller]) -> None:
        """Agents in, callers in at their times, until every call has ended."""
        distributor, control, gate = engine.distributor, engine.control, engine.gate
        assert distributor is not None and control is not None and gate is not None
        loop = asyncio.get_running_loop()
        parts = [asyncio.ensure_future(part.run()) for part in (distributor, control, gate)]
        for agent in self._floor.agent_ids():
            switch.register(agent)  # delivered in order: each phone before its login
            loop.call_soon(distributor.agent_event, AgentLoggedIn(agent=AgentId(agent)))
        self._next_caller(switch, callers)
        try:
            async for event in events:
                if self._note(event, loop.time() - self._start):
                    break
        finally:
            for part in parts:
                part.cancel()
            await asyncio.gather(*parts, return_exceptions=True)
            events.close()

    def _next_caller(self, switch: SimSwitch, callers: Iterator[Caller]) -> None:
        """Put the next caller's arrival on the clock; each arrival puts the one after."""
        caller = next(callers, None)
        if caller is None:
            self._arrivals_done = True
            return
        loop = asyncio.get_running_loop()

        def arrive() -> None:
            call_id = switch.dial_in(caller, dialed=NUMBER, keys=self._keys)
            number = len(self._records) + 1
            self._records[call_id] = CallRecord(
                call_id=call_id, joined=math.nan, handle=caller.handle,
                patience=caller.patience, measured=number > self._floor.warmup)
            self._next_caller(switch, callers)

        loop.call_at(self._start + caller.at, arrive)

    def _note(self, event: dict[str, Any], now: float) -> bool:
        """One event of the stream into the call's times; True once every call ended."""
        kind = str(event.get("type"))
        self._events[kind] += 1
        self._follow_callbacks(kind, event)
        record = self._records.get(str(event.get("call_id")))
        if record is None:
            pass  # another record's (a callback's own attempt)
        elif kind == "call.queued" and math.isnan(record.joined):
            record.joined = now
        elif kind == "call.answered" and record.waiting:  # (not its callback, later)
            record.connected, record.agent = now, str(event.get("agent"))
            self._maybe_hold(record.call_id)
        elif kind == "call.ended":
            self._end(record, str(event.get("outcome")), now)
        return (self._arrivals_done and self._settled == len(self._records)
                and self._quiet())

    def _follow_callbacks(self, kind: str, event: dict[str, Any]) -> None:
        """Which callbacks are still owed: the run ends only when none is."""
        call_id = str(event.get("call_id"))
        promised = (kind == "call.overflowed" and event.get("kind") == "callback") or (
            kind == "callback.requested" and bool(event.get("queue")))
        if promised:
            self._callbacks.add(call_id)
        elif kind in ("callback.withdrawn", "callback.refused", "call.abandoned"):
            self._callbacks.discard(call_id)
        elif kind == "call.ended" and call_id.endswith(_ATTEMPT):
            self._callbacks.discard(call_id.removesuffix(_ATTEMPT))

    def _maybe_hold(self, call_id: str) -> None:
        """The agent puts the caller on hold a while into the talk, then resumes, by draw."""
        if self._draws.random() >= self.desk.hold_share:
            return
        loop = asyncio.get_running_loop()
        after, seconds = self.desk.hold_after, self.desk.hold_seconds
        loop.call_later(after, self._ask, ce.HoldAsked(call_id=call_id))
        loop.call_later(after + seconds, self._ask, ce.ResumeAsked(call_id=call_id))

    def _ask(self, request: ce.Request) -> None:
        """As the desktop asks: refused when the call moved on (the caller hung up)."""
        assert self._control is not None
        try:
            self._control.ask(request)
        except ControlRefused:
            self._events["refused"] += 1

    def _end(self, record: CallRecord, outcome: str, now: float) -> None:
        if math.isnan(record.joined):
            record.joined = now  # never reached a queue (left in the menu): waited nothing
        if record.connected is not None:
            record.finished = now
        elif outcome in _OVERFLOWED:
            record.overflowed = now
        else:
            record.abandoned = now
        self._settled += 1
