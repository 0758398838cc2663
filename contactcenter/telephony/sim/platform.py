"""A simulation run through the whole platform, over the simulated telephone network.

``run_simulation`` (``run.py``) feeds the ACD core alone: fast, and the one to
compare with Erlang A. This one runs each caller through everything a real
call meets: the engine, the call's task and its IVR flow, the ACD's adapter
and core, call control, the journal and the event bus (each event checked
against the catalogue), with ``SimSwitch`` standing where Asterisk stands
and a ``VirtualTimeLoop`` for a clock. The figures come from the event stream,
as the boards' do (``tally.py``).

On the same callers, floor and ACD, the two runs should tell the same story;
where they differ, the platform around the core changed what callers live
through (a prompt before the queue, an announcement's timing), and that is
what this run is for.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
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
from contactcenter.telephony.owners import Owners
from contactcenter.telephony.router import DriverRouter
from contactcenter.telephony.sim.metrics import SimResult
from contactcenter.telephony.sim.run import real_acd
from contactcenter.telephony.sim.scenario import Caller, Floor
from contactcenter.telephony.sim.switch import SimSwitch, Wire
from contactcenter.telephony.sim.tally import Tally
from contactcenter.telephony.sim.virtual import VirtualTimeLoop, run_virtual

#: the number the simulated callers dial
NUMBER = "5000"
#: how long a run may go on after the last arrival (a day: callbacks deferred overnight)
DRAIN = 24 * 3600.0

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


def queue_flow(queue: str) -> Flow:
    """The plainest flow: straight into ``queue`` (as the ACD-only run's callers are)."""
    return parse_flow({"start": "queue", "nodes": {"queue": {"type": "queue", "queue": queue}}},
                      name="sim")


def simulate_platform(callers: Iterable[Caller], floor: Floor, *, flow: Flow | None = None,
                      keys: str = "", wire: Wire | None = None, strategy: str = "longest_idle",
                      wrap_up: float = 0.0, skills: Mapping[str, int] | None = None,
                      desk: Desk | None = None, queue_settings: Mapping[str, Any] | None = None,
                      drain: float = DRAIN) -> SimResult:
    """Run ``callers`` through the platform on a virtual clock; the figures of the run.

    ``keys``: what each caller presses, one key a prompt, while in the menu; ``skills``:
    every agent's (a flow's queue exit may ask for one); ``desk``: the agents' holds;
    ``queue_settings``: more of the queue's (``max_wait`` and an ``overflow`` to a
    callback, say: the customers are called back through the call gate, as live);
    ``drain``: how long after the last arrival the run may go on before what is still
    under way is counted unfinished.
    """
    wire = wire or Wire(answer_delay=floor.answer_delay)
    acd = real_acd(floor, strategy=strategy, wrap_up=wrap_up, skills=skills,
                   **dict(queue_settings or {}))
    run = _PlatformRun(floor, flow or queue_flow(floor.queue), keys, wire, acd, desk or Desk())
    return run_virtual(run.run(iter(callers), drain))


class _PlatformRun:
    """One run: the platform wired to a simulated switch, callers fed in, figures read.

    It ends when every caller has ended and every callback promised was attempted,
    when nothing more can happen (no agent left to take the calls still waiting: the
    loop stalls), or ``drain`` seconds after the last arrival; what is still under way
    then is counted unfinished."""

    def __init__(self, floor: Floor, flow: Flow, keys: str, wire: Wire, acd: Acd,
                 desk: Desk) -> None:
        self._floor, self._flow, self._keys, self._wire, self._acd = floor, flow, keys, wire, acd
        self._desk = desk
        self._tally = Tally(floor)
        self._start = 0.0
        self._control: Controller | None = None
        self._draws = random.Random(desk.seed)
        self._switch: SimSwitch | None = None
        self._done: asyncio.Future[None] | None = None

    async def run(self, callers: Iterator[Caller], drain: float) -> SimResult:
        loop = asyncio.get_running_loop()
        self._start = loop.time()
        self._done = loop.create_future()
        if isinstance(loop, VirtualTimeLoop):
            loop.when_stalled(self._finish)
        with tempfile.TemporaryDirectory(prefix="cc-sim-") as state:
            journal = CallJournal(Path(state) / "calls.jsonl")
            journal.open()
            bus = EventBus()
            engine = self._engine(journal, bus, loop.time)
            switch = self._switch = self._wired(engine)
            try:
                await self._drive(engine, switch, bus.subscribe(maxsize=1_000_000),
                                  callers, drain)
            finally:
                await engine.close()
                journal.close()
        return self._tally.result(loop.time() - self._start, switch.commands)

    def _wired(self, engine: Engine) -> SimSwitch:
        """The switch behind the router, as ``serve`` puts its drivers: records say ``sim``."""
        router = DriverRouter(Owners(default="sim", numbers={}), on_event=engine.on_driver_event,
                              on_resync=engine.resync)
        switch = router.add("sim", lambda on_event, _resync: SimSwitch(
            on_event, self._wire, on_quiet=self._check_done))
        engine.send, engine.engine_of = router.execute, router.engine_of
        return switch

    def _engine(self, journal: CallJournal, bus: EventBus, clock: Callable[[], float]) -> Engine:
        engine = Engine(flows={self._flow.name: self._flow}, numbers={NUMBER: self._flow.name},
                        directory=Directory([]), bus=bus, journal=journal, clock=clock)
        distributor = engine.attach_acd(self._acd)
        distributor.dial_out = True  # an outbound peer: callbacks dial the customers
        self._control = engine.attach_control()
        engine.attach_gate(CallGate(CallingWindow()), callee_lookup(None),
                           wall_clock=clock)  # the calling hours on the virtual date
        return engine

    async def _drive(self, engine: Engine, switch: SimSwitch, events: Subscription,
                     callers: Iterator[Caller], drain: float) -> None:
        """Agents in, callers in at their times, the events read, until the run is done."""
        distributor, control, gate = engine.distributor, engine.control, engine.gate
        assert distributor is not None and control is not None and gate is not None
        assert self._done is not None
        loop = asyncio.get_running_loop()
        parts = [asyncio.ensure_future(part.run()) for part in (distributor, control, gate)]
        reader = asyncio.ensure_future(self._read(events))
        for agent in self._floor.agent_ids():
            switch.register(agent)  # delivered in order: each phone before its login
            loop.call_soon(distributor.agent_event, AgentLoggedIn(agent=AgentId(agent)))
        self._next_caller(switch, callers, drain)
        try:
            await self._done
        finally:
            for task in (*parts, reader):
                task.cancel()
            await asyncio.gather(*parts, reader, return_exceptions=True)
            events.close()

    async def _read(self, events: Subscription) -> None:
        loop = asyncio.get_running_loop()
        async for event in events:
            connected = self._tally.note(event, loop.time() - self._start)
            if connected is not None:
                self._maybe_hold(connected.call_id)
            self._check_done()

    def _check_done(self) -> None:
        if self._tally.all_settled() and self._switch is not None and self._switch.live == 0:
            self._finish()

    def _finish(self) -> None:
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    def _next_caller(self, switch: SimSwitch, callers: Iterator[Caller], drain: float) -> None:
        """Put the next caller's arrival on the clock; each arrival puts the one after;
        after the last, the end of the drain."""
        loop = asyncio.get_running_loop()
        caller = next(callers, None)
        if caller is None:
            self._tally.arrivals_done = True
            loop.call_later(drain, self._finish)
            self._check_done()
            return

        def arrive() -> None:
            call_id = switch.dial_in(caller, dialed=NUMBER, keys=self._keys)
            self._tally.arrived(call_id, caller)
            self._next_caller(switch, callers, drain)

        loop.call_at(self._start + caller.at, arrive)

    def _maybe_hold(self, call_id: str) -> None:
        """The agent puts the caller on hold a while into the talk, then resumes, by draw."""
        if self._draws.random() >= self._desk.hold_share:
            return
        loop = asyncio.get_running_loop()
        after, seconds = self._desk.hold_after, self._desk.hold_seconds
        loop.call_later(after, self._ask, ce.HoldAsked(call_id=call_id))
        loop.call_later(after + seconds, self._ask, ce.ResumeAsked(call_id=call_id))

    def _ask(self, request: ce.Request) -> None:
        """As the desktop asks: refused when the call moved on (the caller hung up)."""
        assert self._control is not None
        try:
            self._control.ask(request)
        except ControlRefused:
            self._tally.counts["control:refused"] += 1
