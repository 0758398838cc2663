"""How many events per second the IVR core handles on one core.

Drives many calls through the demo flow (config/ivr/main.yaml) with synthetic
events, on a fake clock, in one thread: a mix of the demo's paths (a key
during the prompt, retries to the fallback, timeouts, the account balance,
the sub-menu and back, hang-ups, a CRM that never answers). An event is one
``handle`` or ``handle_timer`` call; the loop that plays the driver's part is
included in the time, and is a few list lookups per event.

    python bench/bench_ivr_core.py [--calls 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing

from contactcenter.ivr import (  # after the path set-up above
    CallerHungUp,
    CallStarted,
    DigitPressed,
    Flow,
    IvrCommand,
    IvrSession,
    Lookup,
    LookupAnswered,
    Play,
    PromptEnded,
    load_flow,
)

#: a step: a key, "end" (the prompt plays out), "timer", a lookup answer, "hangup"
Step = str | dict[str, str] | None
KNOWN = {"name": "Ada", "vip": "no", "language": "en"}
VIP = {"name": "Ada", "vip": "yes", "language": "en"}
BALANCE: list[Step] = ["start", KNOWN, "3", "end", *"12345#", {"balance": "250"}, "end", "0"]

SCENARIOS: dict[str, list[Step]] = {
    "support, key during the prompt": ["start", KNOWN, "2"],
    "vip sales": ["start", VIP, "end", "1"],
    "invalid keys to the fallback": ["start", None, *["end", "7"] * 4],
    "silence to the fallback": ["start", KNOWN, *["end", "timer"] * 4],
    "account balance, then operator": BALANCE,
    "sub-menu, back, callback": ["start", KNOWN, "9", "*", "9", "end", "2", "end"],
    "hang-up in the menu": ["start", KNOWN, "end", "hangup"],
    "CRM never answers": ["start", "timer", "2"],
}


def run_call(flow: Flow, call_id: str, steps: list[Step], now: float) -> int:
    """One call, step by step, like a driver; returns the number of events handled."""
    session = IvrSession(flow, call_id=call_id)
    handle = session.handle
    playing = request = ""
    for step in steps:
        out: list[IvrCommand]
        if step == "start":
            out = handle(CallStarted(caller="+15550001001", dialed="5000"), now)
        elif step == "end":
            out = handle(PromptEnded(playback_id=playing), now)
        elif step == "timer":
            now = session.next_deadline() or now
            out = session.handle_timer(now)
        elif step == "hangup":
            out = handle(CallerHungUp(), now)
        elif step is None or isinstance(step, dict):
            out = handle(LookupAnswered(request_id=request, data=step), now)
        else:
            out = handle(DigitPressed(digit=step), now)
        for command in out:
            if isinstance(command, Play):
                playing = command.playback_id
            elif isinstance(command, Lookup):
                request = command.request_id
        now += 0.5
    assert session.finished, (call_id, session.path)
    return len(steps)


def bench(flow: Flow, calls: int) -> tuple[int, float]:
    """Run ``calls`` calls round-robin over the scenarios; return events and seconds."""
    scenarios = list(SCENARIOS.values())
    clock: Callable[[], float] = time.perf_counter
    events = 0
    started = clock()
    for n in range(calls):
        events += run_call(flow, f"call-{n}", scenarios[n % len(scenarios)], 1_768_402_800.0)
    return events, clock() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    args = parser.parse_args()
    flow = load_flow(ROOT / "config" / "ivr" / "main.yaml")
    bench(flow, 500)  # warm-up
    best_events, best_seconds = 0, float("inf")
    for _ in range(args.repeat):
        events, seconds = bench(flow, args.calls)
        if seconds < best_seconds:
            best_events, best_seconds = events, seconds
    print(f"IVR core, demo flow, {len(SCENARIOS)} scenarios round-robin, one thread")
    print(f"python {platform.python_version()} on {platform.machine()}")
    per_call = best_events / args.calls
    print(f"calls:       {args.calls} ({best_events} events, {per_call:.1f} per call)")
    print(f"time:        {best_seconds:.3f} s (best of {args.repeat})")
    print(f"events/s:    {best_events / best_seconds:,.0f}")
    print(f"calls/s:     {args.calls / best_seconds:,.0f}")
    print(f"us/event:    {best_seconds / best_events * 1e6:.2f}")


if __name__ == "__main__":
    main()
