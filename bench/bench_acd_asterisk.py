"""The platform's ACD (ARI) against Asterisk's own ``Queue()``, on real calls.

One run, one Asterisk, the same ten auto-answering baresip agents: sipp callers
dial 7000 (the platform: a one-node IVR flow straight into the ACD queue
``bench``, longest idle, no wrap-up) or 6100 (``Queue(baseline)``, leastrecent,
no wrap-up, ``ringinuse=no``). Each call lasts 5 s once caller and agent are
bridged; then the agent's phone hangs up. While one path is measured the other
cannot touch the agents: for ``Queue()`` they are logged out of the platform,
for the platform nobody calls 6100. Asterisk itself is watched over ARI (see
``acd_observer``), so both paths are timed from the same events and clock.

    .venv/bin/python bench/bench_acd_asterisk.py [--quick] [--keep] [--write-docs [PATH]]
    .venv/bin/python bench/bench_acd_asterisk.py --render /tmp/cc-bench-acd-*/run.json

Callers arrive at random (Poisson) times, the same ones for both paths. Two
kinds of trial per path: a *saturation* trial (callers arrive faster than ten
agents can serve 5-second calls, so an agent coming free has a caller waiting:
the path's throughput, and its free-agent-to-connected wait), and *sustained*
trials at rising rates (does every call reach an agent within the patience?).
``--render`` prints the figures again from a kept run's recorded events. The results go
to stdout (a text table and the Markdown section); docs/benchmarks.md is rewritten only
with ``--write-docs``, never by a ``--quick`` or ``--even`` run. Needs sipp and baresip;
about an hour in full, 8 minutes with --quick.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # runnable from a checkout; bench/ is on the path already

from acd_analysis import figures
from acd_observer import Observer, dump, read_dump
from acd_report import Run, Trial, load, render_markdown, render_text, save, write_section
from acd_setup import (
    BASELINE_NUMBER,
    PLATFORM_NUMBER,
    SCENARIO,
    SETTINGS_FILE,
    Api,
    Phones,
    arrivals,
    passwords,
    write_arrivals,
    write_settings,
)
from bench_ivr_asterisk import Platform, free_port, last_stats, versions
from pcap import write_rtp_pcap
from report import add_docs_option, machine_facts

from contactcenter.telephony.asterisk.render import read_credentials

PATHS = {PLATFORM_NUMBER: "platform", BASELINE_NUMBER: "Queue()"}
TALK_SECONDS = 5.0
HOLD_LIMIT = 600  #: seconds a sipp caller waits for the BYE before sipp fails the call
CALLER_AUDIO_FRAMES = 5
OPENED_PER_SECOND = 1000  #: sipp opens every call of a trial at once; each waits its turn


@dataclass
class Plan:
    """How long and which rates; ``--quick`` shrinks it to a smoke run."""

    saturation_rate: float
    saturation_seconds: int
    rates: tuple[float, ...]
    seconds: int
    patience: float  #: a caller waiting longer for an agent counts as failed
    even: bool = False  #: callers evenly paced instead of random arrivals


class Bench:
    """Everything a trial needs, started once for the run."""

    def __init__(self, workdir: Path, settings: Path, plan: Plan) -> None:
        self.workdir, self.plan = workdir, plan
        self.platform = Platform(workdir, settings)
        self.secrets = passwords(settings)
        self.agents = tuple(self.secrets)
        self.api = Api(self.platform.ports["HTTP"])
        self.phones = Phones(workdir / "phones", self.secrets, self.platform.sip_port,
                             TALK_SECONDS)
        self.observer = Observer(self.agents, self.phones.hang_up_later)
        self.scenario = workdir / "caller.xml"
        write_rtp_pcap(workdir / "hello.pcap", CALLER_AUDIO_FRAMES)
        self.scenario.write_text(SCENARIO.format(audio=workdir / "hello.pcap",
                                                 hold_ms=HOLD_LIMIT * 1000))

    async def start(self) -> None:
        await asyncio.to_thread(self.platform.start)
        await self.api.login()
        await self.phones.start(self.api)
        credentials = read_credentials(self.platform.asterisk.settings)
        await self.observer.start(credentials.ari_url, credentials.ari_user,
                                  credentials.ari_password)

    async def stop(self) -> None:
        await self.observer.stop()
        await self.phones.stop()
        await asyncio.to_thread(self.platform.stop)

    async def agents_for(self, number: str) -> None:
        """Agents available to the platform's ACD, or logged out of it for Queue()."""
        state = "available" if number == PLATFORM_NUMBER else "logged_out"
        for agent in self.agents:  # in order: agent101 has been idle longest
            await self.api.set_state(agent, state)

    async def trial(self, number: str, rate: float, seconds: int, kind: str,
                    seed: int) -> Trial:
        """One sipp run of Poisson arrivals at ``rate``; figures from the observed events."""
        await asyncio.to_thread(self.platform.drain)
        await self.agents_for(number)
        await asyncio.sleep(1)
        mark, load_before = self.observer.mark(), load_average()
        cpu_before, started = self.platform.cpu_seconds(), time.monotonic()
        times = arrivals(rate, seconds, seed, even=self.plan.even)
        sipp = await self.run_sipp(number, times, seconds, stop_early=kind == "sustained")
        await asyncio.to_thread(self.platform.drain)
        elapsed = time.monotonic() - started
        cpu = {name: (used - cpu_before[name]) / elapsed
               for name, used in self.platform.cpu_seconds().items()}
        events = self.observer.events[mark:]
        dump(self.workdir / events_file(number, kind, rate), events)
        result = figures(events, self.agents, self.plan.patience)
        trial = Trial(path=PATHS[number], kind=kind, rate=rate, seconds=seconds,
                      planned=sipp.planned, sipp_calls=sipp.calls, sipp_failed=sipp.failed,
                      stopped_early=sipp.why_stopped, figures=result,
                      backlog_at_end=sipp.backlog_at_end,
                      serve_cpu=cpu["serve"], asterisk_cpu=cpu["asterisk"],
                      load=(load_before, load_average()))
        print(f"  {trial.describe(self.plan)}", flush=True)
        return trial

    async def run_sipp(self, number: str, times: list[float], seconds: int,
                       stop_early: bool) -> SippRun:
        """sipp places a call at each of ``times``; a trial that has already failed (a
        caller waited past the patience) is cut short: sipp killed, every channel hung up."""
        name = f"{number}-{len(times)}-{time.strftime('%H%M%S')}"
        stats, injection = self.workdir / f"{name}.csv", self.workdir / f"{name}.inf"
        write_arrivals(injection, times, OPENED_PER_SECOND)
        run = SippRun(planned=len(times))
        process = await asyncio.create_subprocess_exec(
            *sipp_command(self.platform.sip_port, self.scenario, injection, stats, number,
                          len(times)),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd=self.workdir, start_new_session=True)
        last_call = time.monotonic() + seconds
        try:
            while process.returncode is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), 0.5)
                if time.monotonic() >= last_call and run.backlog_at_end is None:
                    run.backlog_at_end = self.observer.waiting()
                waited = self.observer.longest_wait(time.time())
                if stop_early and waited > self.plan.patience:
                    run.why_stopped = f"a caller waited {waited:.0f} s"
                    break
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        if run.why_stopped:
            await asyncio.to_thread(self.platform.asterisk.rx, "channel request hangup all")
        final = last_stats(stats)
        run.calls = int(final.get("OutgoingCall(C)", "0") or 0)
        run.failed = int(final.get("FailedCall(C)", "0") or 0)
        return run


@dataclass
class SippRun:
    """What sipp says about a trial, and the line when the last call was due."""

    planned: int
    calls: int = 0
    failed: int = 0
    why_stopped: str = ""
    backlog_at_end: int | None = None


def sipp_command(sip_port: int, scenario: Path, injection: Path, stats: Path, number: str,
                 calls: int) -> list[str]:
    """Every call opened at once; each waits for its arrival time (``injection``)."""
    return ["sipp", f"127.0.0.1:{sip_port}", "-sf", str(scenario), "-s", number,
            "-inf", str(injection), "-i", "127.0.0.1", "-p", str(free_port()),
            "-mi", "127.0.0.1", "-mp", str(free_port()), "-r", str(OPENED_PER_SECOND),
            "-m", str(calls), "-l", str(calls + 10), "-nostdin", "-recv_timeout", "10000",
            "-timeout", f"{HOLD_LIMIT * 2}s",
            "-max_recv_loops", "10000", "-max_sched_loops", "10000",
            "-trace_stat", "-stf", str(stats), "-fd", "1",
            "-trace_err", "-error_file", str(stats.with_suffix(".errors"))]


def more_facts() -> dict[str, str]:
    """baresip's version and the commit measured (the checkout is shared and moving)."""
    def run(*command: str) -> str:
        done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
        return done.stdout.strip() or "unknown"
    dirty = run("git", "status", "--porcelain", "--untracked-files=no", "contactcenter")
    commit = run("git", "rev-parse", "--short", "HEAD")
    return {"baresip": run("dpkg-query", "-W", "-f=${Version}", "baresip-core"),
            "commit": commit + (" (contactcenter/ with local changes)"
                                if dirty != "unknown" else "")}


def load_average() -> float:
    """The one-minute load average: other work on the machine shows here."""
    return float(Path("/proc/loadavg").read_text().split()[0])


async def measure(bench: Bench, plan: Plan, run: Run) -> None:
    """Warm-up, then per path the saturation trial and the rising sustained rates."""
    print("Warm-up (not recorded):", flush=True)
    for number in PATHS:
        await bench.trial(number, 1.0, 10, "warm-up", seed=0)
    print(f"Saturation, {plan.saturation_rate:g} cps offered for "
          f"{plan.saturation_seconds} s:", flush=True)
    for number in PATHS:
        run.trials.append(await bench.trial(number, plan.saturation_rate,
                                            plan.saturation_seconds, "saturation", seed=1))
    print(f"Sustained rates, {plan.seconds} s each:", flush=True)
    failed: set[str] = set()
    for rate in plan.rates:
        for number in PATHS:
            if number in failed:
                continue
            # the same arrivals for both paths: a paired comparison
            trial = await bench.trial(number, rate, plan.seconds, "sustained",
                                      seed=round(rate * 1000))
            run.trials.append(trial)
            if not trial.sustained(plan):
                failed.add(number)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short trials: a smoke run")
    parser.add_argument("--seconds", type=int, help="length of a sustained-rate trial")
    parser.add_argument("--rates", help="sustained rates to try, e.g. 1.5,1.75,1.9")
    parser.add_argument("--even", action="store_true",
                        help="evenly paced callers instead of random arrivals")
    add_docs_option(parser, ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the work folder in /tmp")
    parser.add_argument("--render", type=Path, metavar="RUN_JSON",
                        help="measure nothing: the figures again from a kept run.json")
    args = parser.parse_args()
    if args.write_docs and (args.quick or args.even):
        parser.error("--write-docs takes a full run's figures: not with --quick or --even")
    return args


def make_plan(args: argparse.Namespace) -> Plan:
    quick = args.quick
    rates = (1.5, 1.8) if quick else (1.5, 1.6, 1.7, 1.75, 1.8, 1.85, 1.9, 1.95, 2.0)
    if args.rates:
        rates = tuple(float(rate) for rate in args.rates.split(","))
    return Plan(saturation_rate=2.5, saturation_seconds=40 if quick else 120,
                rates=rates, seconds=args.seconds or (60 if quick else 180),
                patience=20.0, even=args.even)


def reanalyse(run: Run, workdir: Path) -> Run:
    """A kept run's figures computed again from its recorded events (the analysis may
    have changed since); the measurements themselves are the ones recorded."""
    agents = tuple(passwords(workdir / SETTINGS_FILE))
    numbers = {name: number for number, name in PATHS.items()}
    for trial in run.trials:
        path = workdir / events_file(numbers[trial.path], trial.kind, trial.rate)
        if path.exists():
            trial.figures = figures(read_dump(path), agents, run.plan.patience)
    return run


def events_file(number: str, kind: str, rate: float) -> str:
    return f"{number}-{kind}-{rate:g}.events.jsonl"


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


async def run_all(args: argparse.Namespace, plan: Plan, workdir: Path) -> Run | None:
    settings = write_settings(workdir, ROOT / "config" / "demo.yaml")
    bench = Bench(workdir, settings, plan)
    command = " ".join([".venv/bin/python", "bench/bench_acd_asterisk.py", *sys.argv[1:]])
    try:
        print(f"Starting the platform and ten agents (work folder {workdir})", flush=True)
        await bench.start()
        machine = {**machine_facts(*versions(bench.platform)), **more_facts()}
        run = Run(command=command, date=time.strftime("%Y-%m-%d %H:%M %Z"),
                  machine=machine, plan=plan, talk=TALK_SECONDS, agents=len(bench.agents))
        await measure(bench, plan, run)
        save(run, workdir / "run.json")
        return run
    finally:
        await bench.stop()


def main() -> int:
    args = parse_args()
    if args.render:
        report(reanalyse(load(args.render), args.render.parent), args.write_docs)
        return 0
    plan = make_plan(args)
    workdir = Path(tempfile.mkdtemp(prefix="cc-bench-acd-"))
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # also when started in "&"
        signal.signal(signum, interrupt)
    run = None
    try:
        run = asyncio.run(run_all(args, plan, workdir))
    except KeyboardInterrupt:
        print("Interrupted: the platform is stopped", flush=True)
        return 130
    finally:
        if run is not None and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"Work folder kept: {workdir}", flush=True)
    assert run is not None
    report(run, args.write_docs)
    return 0


def report(run: Run, page: Path | None) -> None:
    """The figures on stdout; the page's section rewritten only when asked to."""
    section = render_markdown(run)
    print("\n" + render_text(run) + "\n\nMarkdown:\n\n" + section)
    if page is not None:
        write_section(page, section)
        print(f"Wrote {page}")


if __name__ == "__main__":
    sys.exit(main())
