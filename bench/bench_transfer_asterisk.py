"""Blind transfers to an agent on real calls: how long the platform takes to ring the
target, and to put the caller through once the target answers.

One platform, one Asterisk (as the integration tests start them: ``running_platform``
with a config folder of its own), a few pairs of agents whose baresip phones answer
by themselves, and one sipp caller per pair dialing 5100 (a one-node IVR flow straight
into the queue ``support``: no wrap-up, 10 s ring timeout). Each caller is connected to
the first agent of its pair; then the call is transferred back and forth between the
pair's two agents (``POST /api/v1/calls/{id}/control`` with ``{"action": "transfer",
"to": {"agent": ...}}``) until the run's count of transfers is done, the pairs side by
side. Each next transfer of a call is asked for once its caller is in one bridge with
the previous target, and once the agent who just left is available again: the bench
waits on events, never on a fixed sleep.

The times, all on the host's clock: the request's send (``time.time()`` just before it),
its answer, and Asterisk's own stamps on the ARI events of a second, ``subscribeAll``
application (``transfer_observer``):

- request -> ringing: to the ``ChannelCreated`` of the target agent's new channel (the
  platform's part, plus Asterisk creating the channel; before the phone is sent its
  INVITE, so the phone's own ringing and answering are not in it);
- answer -> caller hears: from that channel's ``ChannelStateChange`` to ``Up`` (the
  phone's 200 OK) to the later of the caller's and the target's
  ``ChannelEnteredBridge`` into one bridge;
- the phone's own part (created -> Up), the request's HTTP round trip, and the platform's
  own events' ``time`` (``call.transferred``, ``call.offered``, ``call.answered``) to
  tell where the platform's time goes.

    .venv/bin/python bench/bench_transfer_asterisk.py [--quick] [--transfers 500]
        [--pairs 3] [--keep]

Every process it starts (Asterisk and the platform, the phones, sipp) is stopped at
the end, also on a failure or Ctrl-C. Needs sipp, baresip, and an Asterisk
(``contactcenter.telephony.asterisk.provision``: the system's or the cached one).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import aiohttp
import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # runnable from a checkout; bench/ is on the path already

from transfer_observer import ChannelWatch, Kept, Seen
from transfer_report import (
    Sample,
    children,
    cpu_seconds,
    load_average,
    machine,
    machine_ticks,
    report,
)

from contactcenter.config.settings import load_settings
from contactcenter.telephony.asterisk.provision import locate_or_install
from contactcenter.telephony.asterisk.render import read_credentials
from tests.integration.baresip import AgentPhone
from tests.integration.platform import Platform, running_platform
from tests.integration.sipp import scenario
from tests.support import free_ports

QUEUE = "support"
QUEUE_SETTINGS = {"strategy": "longest_idle", "ring_timeout": 10, "wrap_up": 0,
                  "announce_on_join": False}
DIRECT = "5100"  #: straight into the queue, no menu
CALLER = "+15550007000"
HOLD_MS = 3 * 3600 * 1000  #: the callers stay on the line until an agent hangs up
STEP_TIMEOUT = 30.0  #: seconds a transfer may take before the run is called failed


# -- the platform's own events ---------------------------------------------------------


class DomainEvents(Kept[dict[str, Any]]):
    """The platform's event stream (``/api/v1/events``), kept as it comes."""

    def __init__(self, platform: Platform) -> None:
        super().__init__()
        self.platform = platform
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._session = aiohttp.ClientSession()
        socket = await self._session.ws_connect(
            f"ws://127.0.0.1:{self.platform.http_port}/api/v1/events",
            headers={"Authorization": f"Bearer {self.platform.token}"}, heartbeat=20)
        hello = await socket.receive_json(timeout=5)
        assert hello["type"] == "hello", hello
        self._task = asyncio.ensure_future(self._read(socket))

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        async for message in socket:
            if message.type is aiohttp.WSMsgType.TEXT:
                self.add(json.loads(message.data))

    async def next(self, since: int, kind: str, **match: Any) -> dict[str, Any]:
        """The first ``kind`` event with ``match``'s fields from index ``since`` on."""
        return await self.wait_for(lambda e: _fits(e, kind, match), since, STEP_TIMEOUT)

    def first(self, since: int, kind: str, **match: Any) -> dict[str, Any] | None:
        return self.find(lambda e: _fits(e, kind, match), since)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()


def _fits(event: dict[str, Any], kind: str, match: dict[str, Any]) -> bool:
    return event.get("type") == kind and all(event.get(k) == v for k, v in match.items())


# -- the run --------------------------------------------------------------------------


@dataclass
class Pair:
    """A caller and the two agents it goes back and forth between."""

    first: str
    second: str
    call_id: str = ""
    with_agent: str = ""

    def other(self, agent: str) -> str:
        return self.second if agent == self.first else self.first


class Bench:
    def __init__(self, platform: Platform, workdir: Path, pairs: list[Pair]) -> None:
        self.platform, self.workdir, self.pairs = platform, workdir, pairs
        self.agents = [agent for pair in pairs for agent in (pair.first, pair.second)]
        self.phones = {agent: AgentPhone(workdir / "phones" / agent, agent,
                                         f"demo-sip-{agent[-3:]}-pass", platform.sip_port)
                       for agent in self.agents}
        self.ari = ChannelWatch()
        self.domain = DomainEvents(platform)
        self.http: aiohttp.ClientSession | None = None
        self.sipp: asyncio.subprocess.Process | None = None
        self.samples: list[Sample] = []
        self.warm_up: list[Sample] = []
        self._left = 0
        self._warm_left = 0

    # -- set-up and tear-down -----------------------------------------------------------

    async def start(self) -> None:
        self.http = aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {self.platform.token}"},
            timeout=aiohttp.ClientTimeout(total=STEP_TIMEOUT))
        settings = load_settings(self.platform.config, environ=self.platform.environment())
        credentials = read_credentials(settings)
        await self.ari.start(credentials.ari_url, credentials.ari_user,
                             credentials.ari_password)
        await self.domain.start()
        for phone in self.phones.values():
            await phone.start()
        await self._until_registered()
        for pair in self.pairs:  # only the first of each pair takes the callers
            await self.set_state(pair.first, "available")
            await self.set_state(pair.second, "logged_out")
        await self._connect_callers()
        for pair in self.pairs:
            await self.set_state(pair.second, "available")

    async def stop(self) -> None:
        """Everything this bench started, whatever happened before."""
        with contextlib.suppress(Exception):
            await self._hang_up_all()
        if self.sipp is not None and self.sipp.returncode is None:
            self.sipp.kill()
            await self.sipp.wait()
        for phone in self.phones.values():
            with contextlib.suppress(Exception):
                await phone.stop()
        await self.domain.stop()
        await self.ari.stop()
        if self.http is not None:
            await self.http.close()

    async def _hang_up_all(self) -> None:
        """The agents hang up; the platform hangs the callers up, and sipp ends."""
        if self.sipp is None or self.sipp.returncode is not None:
            return
        for pair in self.pairs:
            if pair.with_agent:
                await self.phones[pair.with_agent].command("/hangup")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.sipp.wait(), 5)

    async def api(self, method: str, path: str, body: Any = None) -> Any:
        assert self.http is not None
        async with self.http.request(method, f"{self.platform.base_url}{path}",
                                     json=body) as response:
            answer = await response.json()
            if response.status != 200:
                raise RuntimeError(f"{method} {path}: {response.status} {answer}")
            return answer

    async def set_state(self, agent: str, state: str) -> None:
        await self.api("PUT", f"/api/v1/agents/{agent}/state", {"state": state})

    async def _until_registered(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            agents = (await self.api("GET", "/api/v1/agents"))["agents"]
            if all(agents[agent]["registered"] for agent in self.agents):
                return
            if time.monotonic() > deadline:
                raise TimeoutError("the agents' phones did not all register")
            await asyncio.sleep(0.2)

    async def _connect_callers(self) -> None:
        """One sipp caller per pair; each taken by the first agent of a pair (whichever),
        and in one bridge with them before the transfers start."""
        mark, ari_mark = self.domain.mark(), self.ari.mark()
        path = self.workdir / "caller.xml"
        path.write_text(scenario(CALLER, [], HOLD_MS))
        sip, media = free_ports(2)
        count = len(self.pairs)
        self.sipp = await asyncio.create_subprocess_exec(
            "sipp", f"127.0.0.1:{self.platform.sip_port}", "-sf", str(path), "-s", DIRECT,
            "-i", "127.0.0.1", "-p", str(sip), "-mi", "127.0.0.1", "-mp", str(media),
            "-m", str(count), "-l", str(count), "-r", str(count), "-nostdin",
            "-trace_err", "-error_file", str(self.workdir / "sipp-errors.log"),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd=self.workdir, start_new_session=True)
        firsts = {pair.first: pair for pair in self.pairs}
        while len(answered := [e for e in self.domain.items[mark:]
                               if e.get("type") == "call.answered"]) < count:
            await self.domain.wait_for(lambda e: e.get("type") == "call.answered",
                                       self.domain.mark(), timeout=60)
        for event in answered[:count]:
            agent = str(event["agent"])
            if agent not in firsts or firsts[agent].call_id:
                raise RuntimeError(f"a caller was answered by {agent}, not by a pair's "
                                   "first agent still free")
            firsts[agent].call_id, firsts[agent].with_agent = str(event["call_id"]), agent
        for pair in self.pairs:
            call_id = pair.call_id
            await self.ari.wait_for(lambda e, c=call_id: e.kind == "ChannelEnteredBridge"
                                    and c in e.members and len(e.members) == 2,
                                    since=ari_mark, timeout=STEP_TIMEOUT)

    # -- the transfers ------------------------------------------------------------------

    async def run(self, transfers: int, warm_up: int) -> None:
        self._left, self._warm_left = transfers, warm_up
        async with asyncio.TaskGroup() as group:  # one failing stops the others
            for pair in self.pairs:
                group.create_task(self._back_and_forth(pair))

    def _claim(self) -> bool | None:
        """True: a warm-up transfer; False: a measured one; None: all done."""
        if self._warm_left > 0:
            self._warm_left -= 1
            return True
        if self._left > 0:
            self._left -= 1
            return False
        return None

    async def _back_and_forth(self, pair: Pair) -> None:
        while (warm := self._claim()) is not None:
            sample = await self.transfer(pair)
            (self.warm_up if warm else self.samples).append(sample)
            done = len(self.samples)
            if not warm and done % 50 == 0:
                print(f"  {done} transfers", flush=True)

    async def transfer(self, pair: Pair) -> Sample:
        """One blind transfer of the pair's caller to the agent it is not with."""
        assert self.http is not None
        call_id, source = pair.call_id, pair.with_agent
        target = pair.other(source)
        mark, ari_mark = self.domain.mark(), self.ari.mark()
        url = f"{self.platform.base_url}/api/v1/calls/{call_id}/control"
        body = {"action": "transfer", "to": {"agent": target}}
        sent = time.time()
        async with self.http.post(url, json=body) as response:
            answer = await response.json()
            returned = time.time()
        if response.status != 200 or answer.get("state") != "requeued":
            raise RuntimeError(f"transfer {source} -> {target} of {call_id}: "
                               f"{response.status} {answer}")
        created = await self.ari.wait_for(
            lambda e: e.kind == "ChannelCreated" and e.endpoint == target
            and e.channel.startswith(f"{call_id}-"), since=ari_mark, timeout=STEP_TIMEOUT)
        leg = created.channel
        bridged = await self.ari.wait_for(
            lambda e: e.kind == "ChannelEnteredBridge" and call_id in e.members
            and leg in e.members, since=ari_mark, timeout=STEP_TIMEOUT)
        pair.with_agent = target
        up = self.ari.of(leg, "ChannelStateChange", "Up")
        if up is None:
            raise RuntimeError(f"{leg} was bridged without a state change to Up")
        answered = await self.domain.next(mark, "call.answered", call_id=call_id,
                                          agent=target)
        transferred = self.domain.first(mark, "call.transferred", call_id=call_id)
        offered = self.domain.first(mark, "call.offered", call_id=call_id, agent=target)
        assert transferred is not None and offered is not None, self.domain.items[mark:]
        # the next transfer goes to the agent who just left: once they are free again
        await self.domain.next(mark, "agent.state", agent=source, state="available")
        return Sample(call_id=call_id, source=source, target=target, sent=sent,
                      returned=returned, created=created.at, ringing=_at(
                          self.ari.of(leg, "ChannelStateChange", "Ringing")),
                      up=up.at, stasis=_at(self.ari.of(leg, "StasisStart")),
                      bridged=bridged.at, transferred=float(transferred["time"]),
                      offered=float(offered["time"]), answered=float(answered["time"]))


def _at(seen: Seen | None) -> float | None:
    return None if seen is None else seen.at


# -- main -------------------------------------------------------------------------------


def write_config(tmp: Path, agents: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    ivr = tmp / "ivr"
    ivr.mkdir(parents=True, exist_ok=True)
    (ivr / "direct.yaml").write_text(yaml.safe_dump({
        "start": "queue", "nodes": {"queue": {"type": "queue", "queue": QUEUE}}}))
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {QUEUE: QUEUE_SETTINGS}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        agent: {"skills": {QUEUE: 5}, "queues": {QUEUE: 1}} for agent in agents}}))
    return ({"dir": str(ivr), "numbers": {DIRECT: "direct"}},
            {"queues": str(tmp / "queues.yaml"), "agents": str(tmp / "agents.yaml")})


async def measure(platform: Platform, workdir: Path, pairs: list[Pair], transfers: int,
                  warm_up: int) -> dict[str, Any]:
    bench = Bench(platform, workdir, pairs)
    loop, task = asyncio.get_running_loop(), asyncio.current_task()
    assert task is not None
    for signum in STOPPING:  # cancelled, so that every ``finally`` runs
        loop.add_signal_handler(signum, task.cancel)
    try:
        print(f"Connecting {len(pairs)} callers", flush=True)
        await bench.start()
        assert platform.process is not None
        serve = platform.process.pid
        processes = {"serve": [serve], "asterisk": children(serve)}
        before = {name: sum(map(cpu_seconds, pids)) for name, pids in processes.items()}
        load_before, ticks, started = load_average(), machine_ticks(), time.monotonic()
        own = time.process_time()
        print(f"{warm_up} warm-up transfers, then {transfers}", flush=True)
        await bench.run(transfers, warm_up)
        seconds = time.monotonic() - started
        cpu = {name: (sum(map(cpu_seconds, pids)) - before[name]) / seconds
               for name, pids in processes.items()}
        cpu["bench"] = (time.process_time() - own) / seconds
        busy, total = (now - then for now, then in zip(machine_ticks(), ticks, strict=True))
        cpu["machine"] = busy / max(total, 1) * (os.cpu_count() or 1)
        return {"samples": [asdict(s) for s in bench.samples],
                "warm_up_samples": [asdict(s) for s in bench.warm_up],
                "warm_up": warm_up, "pairs": len(pairs), "seconds": seconds, "cpu": cpu,
                "load_before": load_before, "load_after": load_average(),
                "stasis_seen": "StasisStart" in bench.ari.kinds}
    finally:
        await bench.stop()
        for signum in STOPPING:
            loop.remove_signal_handler(signum)
            signal.signal(signum, _interrupt)  # as before: the platform is stopped next


#: the signals that stop a run the way Ctrl-C does, through every ``finally``
STOPPING = (signal.SIGTERM, signal.SIGHUP)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Outside the event loop (starting and stopping the platform), a stopping signal
    raises KeyboardInterrupt; inside it, ``measure`` cancels itself."""
    previous = {s: signal.signal(s, _interrupt) for s in STOPPING}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="60 transfers: a smoke run")
    parser.add_argument("--transfers", type=int, help="measured transfers (default 500)")
    parser.add_argument("--pairs", type=int, default=3, help="callers, each with two agents")
    parser.add_argument("--warm-up", type=int, default=6, help="transfers not counted")
    parser.add_argument("--keep", action="store_true",
                        help="keep the work folder (the platform's log, the samples)")
    args = parser.parse_args()
    if not 1 <= args.pairs <= 5:
        parser.error("--pairs: 1 to 5 (the demo config has ten agents)")
    args.transfers = args.transfers or (60 if args.quick else 500)
    return args


def main() -> int:
    args = parse_args()
    for tool in ("sipp", "baresip"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed", file=sys.stderr)
            return 2
    install = locate_or_install(load_settings(None))
    pairs = [Pair(f"agent{101 + 2 * n}", f"agent{102 + 2 * n}") for n in range(args.pairs)]
    workdir = Path(tempfile.mkdtemp(prefix="cc-bench-transfer-"))
    ivr, acd = write_config(workdir, [a for p in pairs for a in (p.first, p.second)])
    command = " ".join([".venv/bin/python", "bench/bench_transfer_asterisk.py", *sys.argv[1:]])
    result: dict[str, Any] | None = None
    keep = args.keep
    try:
        with interruptible(), running_platform(workdir, ivr, install, acd=acd) as platform:
            print(f"Platform up (work folder {workdir})", flush=True)
            result = asyncio.run(measure(platform, workdir, pairs, args.transfers,
                                         args.warm_up))
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("Interrupted: everything started is stopped", flush=True)
        keep = True
        return 130
    except BaseException:
        keep = True  # the platform's log tells what went wrong
        raise
    finally:
        if keep:
            print(f"Work folder kept: {workdir}", flush=True)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    assert result is not None
    result.update(command=command, date=time.strftime("%Y-%m-%d %H:%M %Z"),
                  machine=machine(install))
    if keep:
        (workdir / "transfers.json").write_text(json.dumps(result, indent=1))
    print("\n" + report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
