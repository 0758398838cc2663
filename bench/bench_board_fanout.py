"""Supervisor boards: how fast 1,000 agents' state changes reach 200 board WebSockets.

The real platform: ``contactcenter serve`` (with its managed Asterisk) on free loopback
ports and its own state folder, with a generated config of 1,000 agents (SIP endpoints
``agent1000``...``agent1999``) in the demo's queues. Their phones register for real:
each endpoint sends a REGISTER with its digest password (``sip_register``), AMI reports
the contact, and the engine marks the agent registered, as for any phone. Then:

- 200 board sockets: ``/api/v1/events`` as the supervisor, with the board's ``types``
  filter, split over ``--processes`` client processes (``fanout_clients.py``) so that
  the reading side does not share serve's process; each stamps every frame with
  ``time.time()`` as it reads it;
- agents change state through the REST API, as desktops and supervisors do:
  ``PUT /api/v1/agents/{agent}/state`` with the supervisor's token, from this process.

Phases, one after the other with a pause between them:

1. ``login``: all 1,000 agents go available (the start of a shift): as fast as the
   API takes them, ``--concurrency`` requests in flight;
2. ``steady``: each agent changes state every 10 s (paused, available, ...), spread
   evenly: 100 changes a second for ``--steady`` seconds;
3. ``burst``: all 1,000 agents paused at once (``meeting``), as fast as the API takes it.

For every (event, socket) pair the delay is the frame's arrival minus the event's
``time`` (set when the ACD published it; one machine, one clock). Per phase: the
delays' p50/p90/p99/max over every pair, the per-event worst socket, frames missing,
and the CPU of serve, Asterisk, the client processes and this one.

    .venv/bin/python bench/bench_board_fanout.py [--agents 1000] [--sockets 200]
        [--profile steady|burst|login]

About 3 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench_ivr_asterisk import Platform, process_cpu, versions
from report import machine_facts, md_table, text_table
from sip_register import register_all
from siptrace import percentile
from spy import read_profile, start_recording
from spy import render as render_profile

#: the demo's queues; each generated agent works two of them
QUEUE_SETS = ({"sales": 1, "support": 2}, {"support": 1, "operator": 2},
              {"sales": 1, "operator": 2}, {"support": 1, "sales": 2})


def agent_ids(count: int) -> list[str]:
    return [f"agent{1000 + n}" for n in range(count)]


def write_config(workdir: Path, agents: list[str]) -> Path:
    """The demo settings with ``agents`` as SIP endpoints and ACD agents (demo queues)."""
    config = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    config["agents"] = [{"id": a, "name": f"Agent {a[5:]}", "sip_password": f"{a}-pass"}
                        for a in agents]
    config["users"] = [u for u in config["users"] if u["role"] in ("admin", "supervisor")]
    config["ivr"]["dir"] = str(ROOT / "config/ivr")
    config["scripts"] = {"dir": str(ROOT / "config/scripts")}
    (workdir / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        a: {"name": f"Agent {a[5:]}", "skills": {"sales": 1 + n % 9, "support": 1 + n % 7,
                                                 "operator": 5},
            "queues": QUEUE_SETS[n % len(QUEUE_SETS)]} for n, a in enumerate(agents)}}))
    config["acd"] = {"queues": str(ROOT / "config/queues.yaml"),
                     "agents": str(workdir / "agents.yaml")}
    path = workdir / "cc.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


@dataclass
class Phase:
    """One load phase: when it ran, its requests' timings and the CPU it cost."""

    name: str
    start: float = 0.0
    end: float = 0.0
    requests: int = 0
    failed: int = 0
    request_times: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  #: cores, per process


class Load:
    """State changes through the REST API, as the supervisor, and the CPU they cost."""

    def __init__(self, session: aiohttp.ClientSession, base: str, token: str,
                 pids: dict[str, int]) -> None:
        self.session, self.base, self.pids = session, base, pids
        self.headers = {"Authorization": f"Bearer {token}"}
        self.phases: list[Phase] = []

    async def put(self, phase: Phase, agent: str, body: dict[str, str]) -> None:
        started = time.perf_counter()
        async with self.session.put(f"{self.base}/api/v1/agents/{agent}/state", json=body,
                                    headers=self.headers) as response:
            await response.read()
            phase.failed += response.status != 200
        phase.request_times.append(time.perf_counter() - started)
        phase.requests += 1

    @contextlib.asynccontextmanager
    async def phase(self, name: str) -> Any:
        phase = Phase(name)
        cpu = {key: process_cpu(pid) for key, pid in self.pids.items()}
        clock = time.monotonic()
        phase.start = time.time()
        yield phase
        phase.end = time.time()
        elapsed = time.monotonic() - clock
        phase.cpu = {key: (process_cpu(pid) - cpu[key]) / elapsed
                     for key, pid in self.pids.items()}
        self.phases.append(phase)

    async def all_at_once(self, name: str, agents: list[str], body: dict[str, str],
                          concurrency: int) -> None:
        """Every agent's change sent as fast as the API answers, ``concurrency`` at a time."""
        gate = asyncio.Semaphore(concurrency)

        async def one(agent: str) -> None:
            async with gate:
                await self.put(phase, agent, body)
        async with self.phase(name) as phase:
            await asyncio.gather(*(one(agent) for agent in agents))

    async def steady(self, agents: list[str], period: float, seconds: float) -> None:
        """Agent i changes state at i * period / len(agents) into each period, alternating
        paused and available; for ``seconds``."""
        step = period / len(agents)
        pending: set[asyncio.Task[None]] = set()
        async with self.phase("steady") as phase:
            begin = time.monotonic()
            for tick in range(int(seconds / step)):
                delay = begin + tick * step - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                cycle, index = divmod(tick, len(agents))
                body = ({"state": "paused", "reason": "break"} if cycle % 2 == 0
                        else {"state": "available"})
                task = asyncio.ensure_future(self.put(phase, agents[index], body))
                pending.add(task)
                task.add_done_callback(pending.discard)
            await asyncio.gather(*pending)


@dataclass
class Delivered:
    """What the board sockets got, merged over the client processes."""

    event_times: array[float]
    delays: array[float]
    events: dict[tuple[str, str, float], list[float]]
    closed: list[int | None]
    cpu: float


def merge(paths: list[Path]) -> Delivered:
    merged = Delivered(array("d"), array("d"), {}, [], 0.0)
    for path in paths:
        with open(path, "rb") as handle:
            part = pickle.load(handle)
        merged.event_times.frombytes(part["event_times"])
        merged.delays.frombytes(part["delays"])
        for key, (count, worst) in part["events"].items():
            seen = merged.events.setdefault(key, [0, worst])
            seen[0] += count
            seen[1] = max(seen[1], worst)
        merged.closed += part["closed"]
        merged.cpu += part["cpu"]
    return merged


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f}"


def phase_rows(load: Load, got: Delivered, sockets: int) -> list[list[str]]:
    rows = [["phase", "state changes", "s", "changes/s", "events", "frames", "missing",
             "p50 ms", "p90 ms", "p99 ms", "max ms", "per-event max p50 ms",
             "per-event max p99 ms", "CPU serve", "CPU clients", "CPU load gen",
             "PUT p50 ms", "PUT p99 ms", "PUT failed"]]
    for phase in load.phases:
        def inside(sent: float, phase: Phase = phase) -> bool:
            return phase.start <= sent <= phase.end
        delays = [d for t, d in zip(got.event_times, got.delays, strict=True) if inside(t)]
        events = {k: v for k, v in got.events.items() if inside(k[2])}
        worst = [v[1] for v in events.values()]
        frames = sum(int(v[0]) for v in events.values())
        seconds = phase.end - phase.start
        clients = sum(v for k, v in phase.cpu.items() if k.startswith("client"))
        rows.append([phase.name, str(phase.requests), f"{seconds:.1f}",
                     f"{phase.requests / seconds:.0f}", str(len(events)), str(frames),
                     str(len(events) * sockets - frames), ms(percentile(delays, 0.5)),
                     ms(percentile(delays, 0.9)), ms(percentile(delays, 0.99)),
                     ms(max(delays) if delays else None), ms(percentile(worst, 0.5)),
                     ms(percentile(worst, 0.99)), f"{phase.cpu['serve']:.2f}",
                     f"{clients:.2f}", f"{phase.cpu['load']:.2f}",
                     ms(percentile(phase.request_times, 0.5)),
                     ms(percentile(phase.request_times, 0.99)), str(phase.failed)])
    return rows


def event_kinds(got: Delivered) -> str:
    kinds: dict[str, int] = {}
    for kind, _, _ in got.events:
        kinds[kind] = kinds.get(kind, 0) + 1
    return ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))


def start_clients(port: int, bearer: str, sockets: int, processes: int,
                  workdir: Path) -> list[tuple[subprocess.Popen[bytes], Path]]:
    """The board sockets, split over ``processes``; back once every socket had its hello."""
    clients = []
    for index in range(processes):
        share = sockets // processes + (index < sockets % processes)
        output = workdir / f"clients-{index}.pickle"
        with open(workdir / f"clients-{index}.log", "wb") as log:
            process = subprocess.Popen(
                [sys.executable, str(BENCH / "fanout_clients.py"), str(port), bearer,
                 str(share), str(output)], stdout=subprocess.PIPE, stderr=log,
                start_new_session=True)
        clients.append((process, output))
    for process, _ in clients:
        assert process.stdout is not None
        line = process.stdout.readline().decode().strip()
        if line != "connected":
            raise RuntimeError(f"a client process failed; see {workdir}/clients-*.log")
    return clients


def stop_clients(clients: list[tuple[subprocess.Popen[bytes], Path]]) -> Delivered:
    for process, _ in clients:
        process.send_signal(signal.SIGTERM)
    for process, _ in clients:
        process.wait(120)
    return merge([output for _, output in clients])


async def wait_registered(session: aiohttp.ClientSession, base: str, token: str,
                          agents: list[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        async with session.get(f"{base}/api/v1/agents",
                               headers={"Authorization": f"Bearer {token}"}) as response:
            known = (await response.json())["agents"]
        missing = [a for a in agents if not known.get(a, {}).get("registered")]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"{len(missing)} phones not registered, e.g. {missing[:3]}")
        await asyncio.sleep(0.5)


async def token(session: aiohttp.ClientSession, base: str, user: str, password: str) -> str:
    async with session.post(f"{base}/api/v1/auth/token",
                            json={"username": user, "password": password}) as response:
        return str((await response.json())["token"])


async def phases(load: Load, agents: list[str], args: argparse.Namespace,
                 profile: Path, serve_pid: int) -> None:
    """login, steady, burst, with a pause for the sockets to drain after each."""
    def spy(name: str, seconds: float) -> None:
        if args.profile == name:
            start_recording(serve_pid, int(seconds) + 1, profile)
    spy("login", 15)
    await load.all_at_once("login", agents, {"state": "available"}, args.concurrency)
    await asyncio.sleep(args.pause)
    spy("steady", args.steady)
    await load.steady(agents, args.period, args.steady)
    await asyncio.sleep(args.pause)
    spy("burst", 15)
    await load.all_at_once("burst", agents, {"state": "paused", "reason": "meeting"},
                           args.concurrency)
    await asyncio.sleep(args.pause)


async def measure(args: argparse.Namespace, platform: Platform, workdir: Path,
                  agents: list[str]) -> dict[str, Any]:
    base = f"http://127.0.0.1:{platform.ports['HTTP']}"
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        admin = await token(session, base, "admin", "demo-admin-pass")
        await register_all("127.0.0.1", platform.sip_port, {a: f"{a}-pass" for a in agents})
        await wait_registered(session, base, admin, agents)
        supervisor = await token(session, base, "supervisor", "demo-supervisor-pass")
        print(f"{len(agents)} phones registered; opening {args.sockets} board sockets",
              flush=True)
        clients = start_clients(platform.ports["HTTP"], supervisor, args.sockets,
                                args.processes, workdir)
        assert platform.process is not None
        pids = {"serve": platform.process.pid, "load": os.getpid(),
                "asterisk": next(iter(platform.asterisk.processes()), 0),
                **{f"client{i}": p.pid for i, (p, _) in enumerate(clients)}}
        load = Load(session, base, supervisor, pids)
        uptime_before = uptime()
        try:
            await phases(load, agents, args, workdir / "serve.collapsed", pids["serve"])
        finally:
            got = stop_clients(clients)
    return {"load": load, "got": got, "uptime_before": uptime_before,
            "uptime_after": uptime()}


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


def report(result: dict[str, Any], args: argparse.Namespace) -> str:
    got: Delivered = result["got"]
    rows = phase_rows(result["load"], got, args.sockets)
    lines = [f"uptime before: {result['uptime_before']}",
             f"uptime after:  {result['uptime_after']}",
             f"events by kind: {event_kinds(got)}",
             f"sockets the app closed: {len(got.closed)} (codes {sorted(set(got.closed))})",
             "", text_table(rows), "", "Markdown:", "", md_table(rows)]
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--sockets", type=int, default=200)
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--period", type=float, default=10.0,
                        help="seconds between two changes of one agent (steady)")
    parser.add_argument("--steady", type=float, default=60.0, help="seconds of steady load")
    parser.add_argument("--concurrency", type=int, default=50,
                        help="requests in flight in the login and burst phases")
    parser.add_argument("--pause", type=float, default=8.0, help="seconds between phases")
    parser.add_argument("--profile", choices=("login", "steady", "burst"),
                        help="sample serve with py-spy during this phase")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    return parser.parse_args()


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cc-bench-fanout-"))
    agents = agent_ids(args.agents)
    platform = Platform(workdir, write_config(workdir, agents))
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)
    ok = False
    try:
        print(f"Starting the platform with {len(agents)} agents (work folder {workdir})",
              flush=True)
        platform.start()
        machine = machine_facts(*versions(platform))
        result = asyncio.run(measure(args, platform, workdir, agents))
        ok = True
    except KeyboardInterrupt:
        print("Interrupted: stopping the platform", flush=True)
        return 130
    finally:
        platform.stop()
        if ok and not args.keep and not args.profile:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"Work folder kept: {workdir}", flush=True)
    print(f"\nCommand: .venv/bin/python bench/bench_board_fanout.py {' '.join(sys.argv[1:])}")
    print(f"Date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print("\n".join(f"{key}: {value}" for key, value in machine.items()))
    print(report(result, args))
    if args.profile:
        time.sleep(2)
        print("\n" + render_profile(read_profile(workdir / "serve.collapsed")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
