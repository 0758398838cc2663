"""Simulated calls through the whole platform: how fast, and whether they agree with the core.

The same Erlang-A callers (Poisson arrivals, exponential talk and patience, one seed) run
twice: through the ACD core alone (``run_simulation``) and through the whole platform
(``simulate_platform``: engine, IVR flow, ACD adapter and core, call control, journal,
the checked event bus, with ``SimSwitch`` standing where Asterisk stands, on a virtual
clock). It prints, for each load, the simulated calls per second of wall time of each,
and the figures of both runs side by side: on the same callers they should be equal.

    python bench/bench_sim_platform.py [--calls 20000] [--seed 3] [--repeat 3]
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # runnable from a checkout without installing

from contactcenter.telephony.sim import Floor, SimResult, Traffic  # after the path set-up
from contactcenter.telephony.sim.platform import simulate_platform
from contactcenter.telephony.sim.run import run_simulation

#: (agents, calls per hour): about 70 %, 85 % and 95 % of the agents' capacity at 180 s
LOADS = ((10, 140.0), (10, 170.0), (50, 950.0))


def _timed(run: Callable[[], SimResult], repeat: int) -> tuple[SimResult, float]:
    """The result and the best wall time of ``repeat`` runs (the same each time)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    assert result is not None
    return result, best


def _figures(result: SimResult) -> str:
    return (f"answered {result.answered}, abandoned {result.abandoned}, "
            f"SL {result.service_level:.2%}, ASA {result.asa:.2f} s, "
            f"occupancy {result.occupancy:.2%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, seed {args.seed}, "
          f"{args.calls:,} calls a run, best of {args.repeat}")
    for agents, per_hour in LOADS:
        traffic = Traffic(arrival_rate=per_hour / 3600, aht=180.0, patience=60.0,
                          calls=args.calls, seed=args.seed)
        floor = Floor(agents=agents, answer_delay=2.0, warmup=args.calls // 10)
        core, core_s = _timed(partial(run_simulation, traffic, floor, wrap_up=5.0),
                              args.repeat)
        whole, whole_s = _timed(partial(_through_platform, traffic, floor), args.repeat)
        print(f"\n{agents} agents, {per_hour:.0f} calls/h ({traffic.erlangs:.2f} Erlangs), "
              f"{whole.end_time / 3600:.1f} simulated hours")
        print(f"  core alone  {args.calls / core_s:>9,.0f} calls/s  {_figures(core)}")
        print(f"  platform    {args.calls / whole_s:>9,.0f} calls/s  {_figures(whole)}")
        print(f"  same figures: {_same(core, whole)}")


def _through_platform(traffic: Traffic, floor: Floor) -> SimResult:
    return simulate_platform(traffic.callers(), floor, wrap_up=5.0)


def _same(core: SimResult, whole: SimResult) -> bool:
    counts = ("offered", "answered", "abandoned", "answered_within", "short_abandons")
    return all(getattr(core, name) == getattr(whole, name) for name in counts) and abs(
        core.asa - whole.asa) < 1e-6


if __name__ == "__main__":
    main()
