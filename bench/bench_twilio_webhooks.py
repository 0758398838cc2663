"""Twilio webhooks: how long the platform takes from a webhook to its TwiML, under load.

The platform (``serve``'s wiring on the Twilio driver, the demo's flows, queues and
agents, SQLite CRM) runs in a process of its own (``twilio_platform.py``); this process
is Twilio: callers arrive at a fixed rate (Poisson, open loop: a slow answer does not
slow the arrivals), each runs the TwiML it gets back (``twilio_callers.py``) and every
webhook it sends is signed as Twilio signs it; the platform's REST requests come to a
stand-in of Twilio's API here (``twilio_api.py``), and its call updates reach the callers.
A webhook's latency is from sending the request to having the whole body.

For each rate and seed a trial runs ``--warmup`` seconds (calls build up to their steady
number) and then ``--seconds`` measured; the webhooks sent in the measured part count.
Rates are webhooks per second (calls per second times the mix's webhooks per call).
Then the rate steps up from 50 until a trial's p99 reaches 100 ms (or a webhook fails,
or the generator falls behind its plan), is bisected, and the rate found is run on the
other seeds. The same trials' driver events are replayed straight into the engine
(``twilio_replay.py``) for the ratio of the Twilio run's CPU to the engine's alone.

    python bench/bench_twilio_webhooks.py [--rates 50,200] [--seeds 3] [--seconds 20]
        [--warmup 20] [--answer-within 2] [--settle 0.05] [--fixed-waits] [--no-search]
        [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import pickle
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # runnable from a checkout; bench/ is on the path already

from twilio_api import TwilioApi
from twilio_callers import Pace, Phone, arrivals
from twilio_replay import ReplayResult, percentile, replay
from twilio_report import print_report

#: webhooks a call of the mix sends on average at the default pace (measured: the
#: trials report the rate they achieved)
WEBHOOKS_PER_CALL = 6.8
#: the sustained rate's bound on p99
P99_BOUND = 0.100


@dataclass
class Trial:
    """One rate, one seed: the measured part's webhooks and the platform's account."""

    rate: float
    seed: int
    seconds: float
    latencies: list[float]
    by_kind: dict[str, list[float]]
    errors: int
    lag_p99: float
    server: dict[str, Any]
    generator_cpu: float
    replay: ReplayResult | None = None
    calls: int = 0
    load: float = 0.0  #: the machine's 1-minute load average at the trial's end

    @property
    def achieved(self) -> float:
        return len(self.latencies) / self.seconds

    def p(self, share: float) -> float:
        return percentile(self.latencies, share) or 0.0

    def holds(self) -> bool:
        """p99 under the bound, every webhook 200, and the generator kept its plan."""
        return (self.p(0.99) < P99_BOUND and self.errors == 0 and self.lag_p99 < 0.010
                and self.achieved >= 0.8 * self.rate)


@dataclass
class Runs:
    """Everything one invocation measured."""

    args: argparse.Namespace
    fixed: list[Trial] = field(default_factory=list)
    search: list[Trial] = field(default_factory=list)
    confirm: list[Trial] = field(default_factory=list)
    sustained: float | None = None
    api: dict[str, int] = field(default_factory=dict)  #: the platform's REST requests


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.asynccontextmanager
async def platform(args: argparse.Namespace, api_base: str) -> AsyncIterator[str]:
    """The platform process, listening; its base URL. Stopped (SIGTERM) at the end."""
    port = free_port()
    log = await asyncio.to_thread(open, args.log, "a")  # the process's stderr
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(BENCH / "twilio_platform.py"), "--port", str(port),
        "--api-base", api_base, "--answer-within", str(args.answer_within),
        "--settle", str(args.settle),
        *(["--profile", args.profile] if args.profile else []),
        *(["--quiet", str(args.quiet)] if args.quiet is not None else []),
        *(["--fixed-waits"] if args.fixed_waits else []),
        stdout=subprocess.PIPE, stderr=log, cwd=ROOT)
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 60)
        if line.strip() != b"ready":
            raise RuntimeError(f"the platform did not start (see {args.log})")
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)
        log.close()


async def _bench_get(session: aiohttp.ClientSession, url: str) -> bytes:
    async with session.get(url) as answer:
        answer.raise_for_status()
        return await answer.read()


async def trial(phone: Phone, base: str, rate: float, seed: int,
                args: argparse.Namespace, *, with_replay: bool = False) -> Trial:
    """Calls at ``rate`` webhooks per second for warm-up + measured seconds."""
    tasks: set[asyncio.Task[None]] = set()
    phone.samples.clear()
    phone.errors.clear()
    phone.record = True
    total = args.warmup + args.seconds
    calls = asyncio.ensure_future(arrivals(phone, rate / WEBHOOKS_PER_CALL, total, seed,
                                           tasks.add))
    await asyncio.sleep(args.warmup)
    await _bench_get(phone.session, f"{base}/bench/stats?reset=1")
    begin, cpu = time.perf_counter(), time.process_time()
    await asyncio.sleep(args.seconds)
    end = time.perf_counter()
    server = json.loads(await _bench_get(phone.session, f"{base}/bench/stats"))
    generator_cpu = (time.process_time() - cpu) / (end - begin)
    trace = pickle.loads(await _bench_get(phone.session, f"{base}/bench/trace")) \
        if with_replay else None
    count = await calls
    phone.record = False
    window = [s for s in phone.samples if begin <= s.sent < end]
    errors = sum(1 for s in window if s.status != 200)
    await _hang_up_all(tasks)
    by_kind: dict[str, list[float]] = {}
    for sample in window:
        by_kind.setdefault(sample.kind, []).append(sample.latency)
    result = Trial(rate=rate, seed=seed, seconds=end - begin,
                   latencies=[s.latency for s in window], by_kind=by_kind, errors=errors,
                   lag_p99=percentile([s.lag for s in window], 0.99) or 0.0,
                   server=server, generator_cpu=generator_cpu, calls=count,
                   load=os.getloadavg()[0])
    if trace is not None:
        result.replay = await replay(trace)
    _say(result)
    return result


async def _hang_up_all(tasks: set[asyncio.Task[None]]) -> None:
    """Every caller still on the line hangs up (not measured), before the next trial."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await asyncio.sleep(1.0)  # the platform's last commands for them


def _say(result: Trial) -> None:
    cores = result.server["cpu"] / result.server["wall"]
    print(f"  rate {result.rate:5.0f}/s seed {result.seed}: {len(result.latencies)} webhooks "
          f"({result.achieved:.1f}/s), p50 {result.p(0.5) * 1000:.1f} ms, "
          f"p99 {result.p(0.99) * 1000:.1f} ms, errors {result.errors}, "
          f"lag p99 {result.lag_p99 * 1000:.1f} ms, platform CPU {cores:.2f} cores, "
          f"generator {result.generator_cpu:.2f}", flush=True)


async def search(phone: Phone, base: str, args: argparse.Namespace,
                 runs: Runs) -> None:
    """Step up by half until a trial fails, bisect twice, confirm on the other seeds."""
    good, bad, rate = None, None, 50.0
    while bad is None and rate <= args.max_rate:
        held = await trial(phone, base, rate, 1, args)
        runs.search.append(held)
        if held.holds():
            good, rate = rate, rate * 1.5
        else:
            bad = rate
    for _ in range(2 if good is not None and bad is not None else 0):
        middle = round((good + bad) / 2)  # type: ignore[operator]
        held = await trial(phone, base, middle, 1, args)
        runs.search.append(held)
        good, bad = (middle, bad) if held.holds() else (good, middle)
    seeds = range(2, args.seeds + 1)  # seed 1 held at this rate already
    while good is not None:
        others = [await trial(phone, base, good, seed, args) for seed in seeds]
        runs.confirm.extend(others)
        if all(t.holds() for t in others):
            break
        good, seeds = (round(good * 0.85) if good * 0.85 >= 10 else None,
                       range(1, args.seeds + 1))
    runs.sustained = good


async def measure(args: argparse.Namespace) -> Runs:
    runs = Runs(args)
    api = TwilioApi(lambda sid, twiml: False)
    runner = web.AppRunner(api.app, access_log=None)
    await runner.setup()
    api_port = free_port()
    await web.TCPSite(runner, "127.0.0.1", api_port).start()
    connector = aiohttp.TCPConnector(limit=0)
    try:
        async with aiohttp.ClientSession(connector=connector) as session, \
                platform(args, f"http://127.0.0.1:{api_port}") as base:
            phone = Phone(session=session, base=base, pace=Pace())
            api.deliver = lambda sid, twiml: _deliver(phone, sid, twiml)
            for rate in args.rates:
                for seed in range(1, args.seeds + 1):
                    runs.fixed.append(await trial(phone, base, rate, seed, args,
                                                  with_replay=args.replay))
            if args.search:
                await search(phone, base, args, runs)
            runs.api = dict(api.counts)
    finally:
        await runner.cleanup()
    return runs


def _deliver(phone: Phone, sid: str, twiml: str | None) -> bool:
    caller = phone.calls.get(sid)
    if caller is None or caller.ended:
        return False
    caller.update(twiml)
    return True


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="50,200",
                        help="webhooks per second of the fixed-rate trials")
    parser.add_argument("--seeds", type=int, default=3, help="trials per rate (seeds 1..N)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured per trial")
    parser.add_argument("--warmup", type=float, default=20.0, help="before the measure")
    parser.add_argument("--answer-within", type=float, default=2.0,
                        help="the twilio.answer_within setting (default 2, serve's)")
    parser.add_argument("--settle", type=float, default=0.05,
                        help="the driver's settle (constructor argument; default 0.05)")
    parser.add_argument("--fixed-waits", action="store_true",
                        help="the driver's fixed waits, without asking the engine when "
                             "a call has settled (the driver before it could)")
    parser.add_argument("--quiet", type=float,
                        help="a key's wait for a document (the driver's quiet, default 0.25)")
    parser.add_argument("--no-search", dest="search", action="store_false",
                        help="skip the sustained-rate search")
    parser.add_argument("--no-replay", dest="replay", action="store_false",
                        help="skip the engine-alone replay")
    parser.add_argument("--profile", help="the platform's cProfile statistics, to this file")
    parser.add_argument("--max-rate", type=float, default=1500.0)
    parser.add_argument("--log", default="/tmp/bench_twilio_platform.log",
                        help="the platform process's stderr")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 50/s and 200/s once, 4 s warm-up, 5 s measured")
    args = parser.parse_args(argv)
    args.rates = [float(rate) for rate in args.rates.split(",")]
    if args.quick:
        args.seeds, args.seconds, args.warmup, args.search = 1, 5.0, 4.0, False
    return args


def main() -> None:
    args = parse_args()
    print(f"Twilio webhooks: rates {args.rates}, {args.seeds} seed(s), {args.warmup:g} s "
          f"warm-up + {args.seconds:g} s, answer_within {args.answer_within:g} s, "
          f"settle {args.settle:g} s, quiet {args.quiet}, "
          f"{'fixed waits' if args.fixed_waits else 'answered once settled'}", flush=True)
    started = time.perf_counter()
    runs = asyncio.run(measure(args))
    print_report(runs, time.perf_counter() - started, sys.argv[1:])


if __name__ == "__main__":
    main()
