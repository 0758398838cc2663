"""The same calls' core work without Twilio: their driver events fed to the same engine.

The platform process records every driver event the Twilio driver hands the engine, with
its time (``twilio_platform.py``, ``/bench/trace``). Here the same wiring (``serve``'s
``_wire`` on the same settings: IVR flows, ACD, call control, CRM lookups on SQLite) gets
those events straight into ``engine.on_driver_event``, at the times they came, as the sim
driver would deliver them; its commands go to a sink instead of a driver. What that costs
is the engine's and the cores' share of a webhook: the process's CPU time over the replay,
per webhook of the run it came from, and the time from an event to the engine's first
command for its call (what a document webhook waits for before the settle).
"""

from __future__ import annotations

import asyncio
import math
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from twilio_platform import wired, write_config

from contactcenter.config.settings import load_settings

#: a command later than this after the call's last event came from a timer, not from it
TIMER = 1.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayResult:
    events: int
    cpu: float  #: the process's CPU seconds over the replay
    wall: float
    commands: int
    #: event -> the engine's next command for the call (within ``TIMER``), s
    reaction_p50: float | None
    reaction_p99: float | None


def percentile(values: list[float], share: float) -> float | None:
    """Nearest rank: the value that ``share`` of the samples do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


async def replay(trace: list[tuple[float, Any]]) -> ReplayResult:
    """Feed ``trace`` (time, driver event) to a fresh engine at the trace's pace."""
    with tempfile.TemporaryDirectory(prefix="cc-bench-replay-") as folder:
        settings = load_settings(write_config(Path(folder), "http://127.0.0.1:9", 2.0),
                                 environ={})
        engine, _driver, _app, close = await wired(settings, Path(folder))
        fed: dict[str, float] = {}  # call id -> when its last event went in, unanswered
        reactions: list[float] = []
        commands = 0

        async def sink(command: Any) -> None:
            nonlocal commands
            commands += 1
            since = fed.pop(command.call_id, None)
            if since is not None and time.perf_counter() - since < TIMER:
                reactions.append(time.perf_counter() - since)

        engine.send = sink
        loop = asyncio.get_running_loop()
        first = trace[0][0] if trace else 0.0
        start, cpu = loop.time(), time.process_time()
        for at, event in trace:
            await asyncio.sleep(max(0.0, start + (at - first) - loop.time()))
            fed[event.call_id] = time.perf_counter()
            engine.on_driver_event(event)
        await asyncio.sleep(0.5)  # the last events' work
        cpu, wall = time.process_time() - cpu, loop.time() - start
        await close()
    return ReplayResult(events=len(trace), cpu=cpu, wall=wall, commands=commands,
                        reaction_p50=statistics.median(reactions) if reactions else None,
                        reaction_p99=percentile(reactions, 0.99))
