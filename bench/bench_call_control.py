"""How many events per second call control (the calls core's part for calls with an
agent) handles.

Calls through one ``CallControl`` on a fake clock, in one thread, each a mix an
agent's day has: connected, then (by the call's draw) held and resumed, muted,
transferred blind to a queue, consulted and completed, cancelled or turned into
a conference the agent leaves, or a consultation of a busy number; then the
caller hangs up. Calls overlap (a few hundred at once), so the
core's maps hold a realistic number of live calls. An event is one ``handle`` or
``handle_timer`` call; the driver's loop is a few list operations per event.

    python bench/bench_call_control.py [--calls 100000] [--repeat 3] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing

from core_figures import print_best

from contactcenter.calls.control import CallControl  # after the path set-up above
from contactcenter.calls.control import commands as cc
from contactcenter.calls.control import events as ce

LIVE = 300  # calls under way at once


def _script(call: str, rng: random.Random) -> Iterator[ce.ControlEvent | str]:
    """One call's events; ``"answer"`` and ``"busy"`` stand for the other party's news,
    filled in from the core's own ``RingParty`` when it comes."""
    yield ce.Connected(call_id=call, caller_leg=call, caller="+12125550100",
                       agent=f"a{call}", agent_leg=f"{call}-a", queue="support", bridge=call)
    draw = rng.random()
    if draw < 0.4:
        yield ce.HoldAsked(call_id=call)
        yield ce.MuteAsked(call_id=call, muted=True)
        yield ce.MuteAsked(call_id=call, muted=False)
        yield ce.ResumeAsked(call_id=call)
    elif draw < 0.55:
        yield ce.TransferAsked(call_id=call, to=ce.Target(kind="queue", name="sales"))
        return
    elif draw < 0.9:
        yield ce.ConsultAsked(call_id=call, to=ce.Target(kind="agent", name="b" + call))
        yield "answer"
        ending = rng.random()
        if ending < 0.5:
            yield ce.CompleteAsked(call_id=call)
        elif ending < 0.8:
            yield ce.CancelAsked(call_id=call)
        else:
            yield ce.ConferenceAsked(call_id=call)
            yield ce.LeaveAsked(call_id=call)
    else:
        yield ce.ConsultAsked(call_id=call, to=ce.Target(kind="number", name="+12125550199"))
        yield "busy"
        yield ce.ResumeAsked(call_id=call)
    yield ce.LegGone(call_id=call, leg=call)


def one_run(calls: int, seed: int) -> tuple[int, float]:
    """Events handled and the seconds they took."""
    rng = random.Random(seed)
    core = CallControl()
    now, events, started = 0.0, 0, time.perf_counter()
    live: list[tuple[str, Iterator[ce.ControlEvent | str]]] = []
    rung: dict[str, str] = {}
    made = 0
    while made < calls or live:
        while made < calls and len(live) < LIVE:
            live.append((f"c{made}", _script(f"c{made}", rng)))
            made += 1
        index = rng.randrange(len(live))
        call, script = live[index]
        now += 0.01
        step = next(script, None)
        if step is None:
            live[index] = live[-1]
            live.pop()
            continue
        if step == "busy":
            out = core.handle(ce.LegGone(call_id=call, leg=rung[call], cause="busy"), now)
        elif step == "answer":
            out = core.handle(ce.PartyAnswered(call_id=call, leg=rung[call]), now)
        else:
            assert not isinstance(step, str)
            out = core.handle(step, now)
        events += 1
        for command in out:
            if isinstance(command, cc.RingParty):
                rung[command.call_id] = command.leg
    return events, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    runs = [one_run(args.calls, args.seed) for _ in range(args.repeat)]
    print_best(f"call control, {args.calls:,} calls, {LIVE} at once, one thread", runs,
               args.seed)


if __name__ == "__main__":
    main()
