"""How many outbound calls with machine detection a second this machine carries, none failed.

The platform runs with its own Asterisk; one agent's line is open so that a ``power``
campaign paces, and every number on the list is an answering machine that answers
after ``--answer`` seconds (``dialer_callees.py``): each call is originated over AMI,
answered, listened to by ``app_amd`` until it says MACHINE, and dropped. Each step
keeps ``lines`` calls under way for ``--seconds``; reported per step: calls finished
per second, and the calls that failed (not placed, not answered, or taken for a
person). The highest rate with none failed is the answer.

    .venv/bin/python bench/bench_dialer_amd_rate.py --lines 4 8 16 32

A benchmark, not a test: each step runs its time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer_callees import CampaignPeople

from contactcenter.config.settings import load_settings
from contactcenter.telephony.asterisk.provision import locate_or_install
from tests.integration.baresip import AgentPhone
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform
from tests.integration.test_acd_calls import _api, _registered
from tests.support import free_ports

AGENT = "agent101"


def machines(count: int, answer: int) -> list[str]:
    """Answering machines answering after ``answer`` s (the talk digits, unused by a
    machine, keep the numbers apart past a thousand)."""
    return [f"+4474{answer:02d}{100 + index // 1000:03d}{index % 1000:03d}"
            for index in range(count)]


def write_config(tmp: Path, lines: int, numbers: list[str]) -> dict[str, str]:
    queue = {"strategy": "longest_idle", "ring_timeout": 4, "wrap_up": 1,
             "announce_on_join": False}
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "sales": queue, "support": queue, "operator": queue}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        AGENT: {"skills": {"sales": 5}, "queues": {"sales": 1}}}}))
    (tmp / "machines.csv").write_text("phone\n" + "\n".join(numbers) + "\n")
    once = {"delay": 3600, "max_attempts": 1}
    (tmp / "campaigns.yaml").write_text(yaml.safe_dump({"campaigns": {"amd": {
        "mode": "power", "power_ratio": float(lines), "max_lines": lines,
        "queue": "sales", "caller_id": "+15550009000", "ring_seconds": 20,
        "retries": {kind: once for kind in ("busy", "no_answer", "machine", "failed",
                                            "abandoned")},
        "list": {"csv": "machines.csv"}}}}))
    return {"queues": str(tmp / "queues.yaml"), "agents": str(tmp / "agents.yaml"),
            "campaigns": str(tmp / "campaigns.yaml")}


def step_figures(events: list[dict[str, Any]], start: float, stop: float) -> dict[str, Any]:
    ended = [e for e in events if e["type"] == "dialer.ended" and start <= e["time"] < stop]
    verdicts = [e for e in events if e["type"] == "dialer.detected"
                and start <= e["time"] < stop]
    failed = sum(1 for e in ended if e["outcome"] != "machine")
    return {"calls_per_second": round(len(ended) / (stop - start), 2),
            "finished": len(ended), "failed": failed,
            "taken_for_people": sum(1 for e in verdicts if e["human"])}


async def run_step(args: argparse.Namespace, lines: int) -> dict[str, Any]:
    port, media = free_ports(2)
    numbers = machines(args.records, args.answer)
    with tempfile.TemporaryDirectory(prefix="bench-amd-") as folder:
        tmp = Path(folder)
        config = write_config(tmp, lines, numbers)
        people = CampaignPeople(tmp, port, media)
        await people.start()
        try:
            with running_platform(tmp, {"dir": str(ROOT / "config/ivr")},
                                  locate_or_install(load_settings(None)),
                                  acd={"queues": config["queues"], "agents": config["agents"]},
                                  asterisk={"outbound_host": "127.0.0.1", "outbound_port": port},
                                  sections={"dialer": {"calling_hours": ["00:00", "23:59"],
                                                       "campaigns": config["campaigns"]}}
                                  ) as platform:
                return await _measure(platform, args, tmp)
        finally:
            await people.stop()


async def _measure(platform: Platform, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    phone = AgentPhone(tmp / AGENT, AGENT, "demo-sip-101-pass", platform.sip_port)
    await phone.start()
    try:
        await _registered(platform, AGENT, timeout=30)
        base = "/api/v1/dialer/campaigns/amd"
        async with EventWatcher(platform) as watcher:
            await asyncio.to_thread(_api, platform, "POST", f"{base}/seats", {"agent": AGENT})
            await watcher.wait_for(lambda e: e["type"] == "dialer.board"
                                   and e["agents"]["each"].get(AGENT) == "ready", 60)
            await asyncio.to_thread(_api, platform, "POST", f"{base}/start")
            await asyncio.sleep(args.warmup)  # a benchmark: the lines fill, then it counts
            start = time.time()
            await asyncio.sleep(args.seconds)
            stop = time.time()
            await asyncio.to_thread(_api, platform, "POST", f"{base}/stop")
            return step_figures(list(watcher.events), start, stop)
    finally:
        await phone.stop()


async def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    steps = []
    for lines in args.lines:
        figures = await run_step(args, lines)
        steps.append({"lines": lines, **figures})
        print(json.dumps(steps[-1]), file=sys.stderr, flush=True)
    return steps


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[4, 8, 16, 32])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--answer", type=int, default=1, help="seconds until answered")
    parser.add_argument("--records", type=int, default=3000)
    return parser.parse_args()


def main() -> int:
    print(json.dumps(asyncio.run(measure(parse_args())), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
