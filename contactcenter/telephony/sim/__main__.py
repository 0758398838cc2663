"""``python -m contactcenter.telephony.sim``: one simulated run, next to Erlang A's figures.

``add_arguments`` and ``run_from_args`` let the main command line offer the same thing as
``contactcenter simulate``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from contactcenter.acd.model import STRATEGY_NAMES
from contactcenter.telephony.sim.metrics import SimResult
from contactcenter.telephony.sim.run import erlang_prediction, run_simulation
from contactcenter.telephony.sim.scenario import Floor, Traffic


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The run's options, on any parser."""
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--calls-per-hour", type=float, default=160.0)
    parser.add_argument("--aht", type=float, default=180.0, help="mean talk time, seconds")
    parser.add_argument("--patience", type=float, default=60.0,
                        help="callers' mean patience, seconds; 0: nobody hangs up")
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=500,
                        help="calls not measured while the empty queue fills "
                             "(at most a tenth of the calls)")
    parser.add_argument("--target", type=float, default=20.0, help="service-level target, s")
    parser.add_argument("--short-abandon", type=float, default=5.0)
    parser.add_argument("--answer-delay", type=float, default=0.0)
    parser.add_argument("--wrap-up", type=float, default=0.0)
    parser.add_argument("--strategy", choices=STRATEGY_NAMES, default="longest_idle")
    parser.add_argument("--seed", type=int, default=0)
    platform = parser.add_argument_group(
        "through the platform", "each call through the engine, its IVR flow, the ACD and "
        "call control, over a simulated telephone network, instead of the ACD core alone")
    platform.add_argument("--through-platform", action="store_true")
    platform.add_argument("--flow", type=Path, help="an IVR flow file (default: straight "
                          "into the queue)")
    platform.add_argument("--queue", default="sim", help="the queue the agents work")
    platform.add_argument("--keys", default="", help="what each caller presses in the menu")
    platform.add_argument("--skill", action="append", default=[],
                          help="a skill every agent has (repeat for more)")


def run_from_args(args: argparse.Namespace, out: TextIO) -> int:
    """Run, print the figures and Erlang A's; 2 for parameters that make no run."""
    try:
        traffic = Traffic(arrival_rate=args.calls_per_hour / 3600.0, aht=args.aht,
                          patience=args.patience or None, calls=args.calls, seed=args.seed)
        floor = Floor(agents=args.agents, answer_delay=args.answer_delay, target=args.target,
                      short_abandon=args.short_abandon, warmup=min(args.warmup, args.calls // 10),
                      queue=args.queue)
    except ValueError as error:
        print(f"simulate: {error}", file=sys.stderr)
        return 2
    result = _run(args, traffic, floor)
    if result is None:
        return 2
    print(f"{traffic.erlangs:.2f} Erlangs on {floor.agents} agents, seed {traffic.seed}",
          file=out)
    for line in result.lines():
        print("  sim      " + line, file=out)
    model = erlang_prediction(traffic, floor, wrap_up=args.wrap_up)
    if model is not None:
        print(f"  Erlang A service level {model.service_level(floor.target):.2%} "
              f"({model.service_level_excluding(floor.target, floor.short_abandon):.2%} "
              f"without short abandons)", file=out)
        talk = traffic.erlangs * (1 - model.p_abandon) / floor.agents
        print(f"  Erlang A abandon rate {model.p_abandon:.2%}, ASA {model.asa:.1f} s, "
              f"occupancy {talk:.2%}", file=out)
    return 0


def _run(args: argparse.Namespace, traffic: Traffic, floor: Floor) -> SimResult | None:
    """The ACD core alone, or the whole platform (None: a flow file that does not load)."""
    if not args.through_platform:
        return run_simulation(traffic, floor, strategy=args.strategy, wrap_up=args.wrap_up)
    from contactcenter.config.files import ConfigError
    from contactcenter.ivr.loader import load_flow
    from contactcenter.telephony.sim.platform import simulate_platform
    try:
        flow = load_flow(args.flow) if args.flow is not None else None
    except (ConfigError, OSError) as error:
        print(f"simulate: {error}", file=sys.stderr)
        return None
    return simulate_platform(traffic.callers(), floor, flow=flow, keys=args.keys,
                             strategy=args.strategy, wrap_up=args.wrap_up,
                             skills={skill: 5 for skill in args.skill})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="contactcenter simulate", description=__doc__)
    add_arguments(parser)
    return run_from_args(parser.parse_args(argv), sys.stdout)


if __name__ == "__main__":
    raise SystemExit(main())
