"""How many events per second the call gate (the first part of the calls core) handles.

Placements of every source through one ``CallGate`` on a fake clock, in one
thread: each is asked for, its CRM lookup answered (a tenth on the do-not-call
list, callees spread over twelve time zones), and each callback's turn comes
one to three times (an agent letting it ring out), some of them outside the
callee's hours (deferred, then resumed by the gate's own timer), until it is
dialed. An event is one ``handle`` or ``handle_timer`` call; the driver's loop
is included and is a few list operations per event.

    python bench/bench_call_gate.py [--placements 50000] [--repeat 3] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing

from core_figures import print_best

from contactcenter.calls import (  # after the path set-up above
    CalleeFound,
    CallGate,
    PlacementAsked,
    PlacementFinished,
    Resume,
    TurnCame,
)
from contactcenter.dialer.compliance import Callee, CallingWindow

ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
         "Europe/London", "Europe/Madrid", "Europe/Berlin", "Asia/Kolkata", "Asia/Tokyo",
         "Australia/Sydney", "America/Sao_Paulo", "Africa/Johannesburg")
SOURCES = ("click_to_talk", "callback_ivr", "callback_help", "callback_overflow",
           "callback_restored")
START = 1_767_787_200.0  # 2026-01-07 12:00 UTC


def one_run(placements: int, seed: int) -> tuple[int, float]:
    """Events handled and the seconds they took."""
    rng = random.Random(seed)
    gate = CallGate(CallingWindow())
    events = 0
    started = time.perf_counter()
    now = START
    for n in range(placements):
        now += rng.expovariate(1 / 1.5)  # one every 1.5 s on average: a day in a large center
        pid = f"p{n}"
        source = SOURCES[n % len(SOURCES)]
        gate.handle(PlacementAsked(placement_id=pid, source=source,  # type: ignore[arg-type]
                                   number="+12125550100"), now)
        callee = Callee(number="+12125550100", do_not_call=rng.random() < 0.1,
                        time_zone=rng.choice(ZONES))
        out = gate.handle(CalleeFound(placement_id=pid, callee=callee), now)
        events += 2
        if source == "click_to_talk" or not out:
            continue
        for turn in range(rng.randint(1, 3)):
            later = now + 60.0 * turn * rng.uniform(1, 120)
            out = gate.handle(TurnCame(placement_id=pid), later)
            events += 1
            deadline = gate.next_deadline()
            if deadline is not None and deadline > later:
                resumed = gate.handle_timer(deadline)
                events += 1
                if not any(isinstance(c, Resume) for c in resumed):
                    break
        gate.handle(PlacementFinished(placement_id=pid, dialed=True), now)
        events += 1
    return events, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--placements", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    runs = [one_run(args.placements, args.seed) for _ in range(args.repeat)]
    print_best(f"call gate, {args.placements:,} placements, {len(ZONES)} zones, one thread", runs, args.seed)


if __name__ == "__main__":
    main()
