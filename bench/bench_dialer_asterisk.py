"""A predictive campaign on real Asterisk against the simulator on the same records.

The platform runs (``contactcenter serve`` with its own Asterisk), ``--agents`` baresip
phones join a campaign (their lines stay open), and one sipp plays the people called:
the records of one simulator cell and seed (``dialer_callees.py``: each number says
its outcome, answer delay and talk time). The campaign runs ``--minutes``, then stops
and the calls under way end. Reported: agent talk minutes per logged-in hour and the
abandoned rate, from the platform's own events, next to the simulator's for the same
cell, seed and shift (``contactcenter.dialer.simulator``).

    .venv/bin/python bench/bench_dialer_asterisk.py --minutes 10 --agents 10

This is a benchmark, not a test: it waits the minutes out.
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

from dialer_callees import CampaignPeople, kind_of, record_number

from contactcenter.config.settings import load_settings
from contactcenter.dialer.simulator import Cell, World, simulate
from contactcenter.telephony.asterisk.provision import locate_or_install
from tests.integration.baresip import AgentPhone
from tests.integration.platform import ROOT, EventWatcher, Platform, running_platform
from tests.integration.test_acd_calls import _api, _registered
from tests.support import free_ports

CAMPAIGN = "bench"


def cell_of(args: argparse.Namespace) -> Cell:
    return Cell(human=args.human, machine=0.25, busy=0.08, failed=0.01, answer_median=8.0,
                answer_sigma=0.45, talk_median=args.talk, talk_sigma=0.6,
                wrap_median=args.wrap, wrap_sigma=0.01, agents=args.agents,
                hours=args.minutes / 60)


def write_config(tmp: Path, args: argparse.Namespace, numbers: list[str]) -> dict[str, Any]:
    agents = [f"agent{101 + n}" for n in range(args.agents)]
    queue = {"strategy": "longest_idle", "ring_timeout": 4, "wrap_up": args.wrap,
             "announce_on_join": False}
    (tmp / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        "sales": queue, "support": queue, "operator": queue}}))
    (tmp / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        agent: {"skills": {"sales": 5}, "queues": {"sales": 1}} for agent in agents}}))
    (tmp / "people.csv").write_text("phone\n" + "\n".join(numbers) + "\n")
    once = {"delay": 3600, "max_attempts": 1}
    (tmp / "campaigns.yaml").write_text(yaml.safe_dump({"campaigns": {CAMPAIGN: {
        "mode": args.strategy, "queue": "sales", "caller_id": "+15550009000",
        "max_lines": args.lines, "ring_seconds": 20, "power_ratio": 2.0,
        "retries": {kind: once for kind in ("busy", "no_answer", "machine", "failed",
                                            "abandoned")},
        "list": {"csv": "people.csv"}}}}))
    return {"acd": {"queues": str(tmp / "queues.yaml"), "agents": str(tmp / "agents.yaml")},
            "campaigns": str(tmp / "campaigns.yaml"), "agents": agents}


def figures(events: list[dict[str, Any]], start: float, stop: float,
            agents: int) -> dict[str, Any]:
    """Talk minutes per agent hour within [start, stop], and the campaign's abandons."""
    answered = {e["call_id"]: e["time"] for e in events if e["type"] == "call.answered"}
    talk = 0.0
    for event in events:
        began = answered.get(event.get("call_id", ""))
        if event["type"] == "call.ended" and began is not None:
            talk += max(0.0, min(event["time"], stop) - max(began, start))
    ended = [e for e in events if e["type"] == "dialer.ended"]
    outcomes: dict[str, int] = {}
    for event in ended:
        outcomes[event["outcome"]] = outcomes.get(event["outcome"], 0) + 1
    live = outcomes.get("human", 0) + outcomes.get("abandoned", 0)
    hours = agents * (stop - start) / 3600
    return {"talk_minutes_per_agent_hour": round(talk / 60 / hours, 2),
            "abandoned_rate": round(outcomes.get("abandoned", 0) / live, 4) if live else 0.0,
            "outcomes": outcomes}


async def run_campaign(platform: Platform, args: argparse.Namespace, agents: list[str],
                       tmp: Path) -> dict[str, Any]:
    base = f"/api/v1/dialer/campaigns/{CAMPAIGN}"
    phones = [AgentPhone(tmp / agent, agent, f"demo-sip-{agent[5:]}-pass", platform.sip_port)
              for agent in agents]
    for phone in phones:
        await phone.start()
        await _registered(platform, phone.agent, timeout=30)
    try:
        async with EventWatcher(platform) as watcher:
            for agent in agents:
                await asyncio.to_thread(_api, platform, "POST", f"{base}/seats",
                                        {"agent": agent})
            await watcher.wait_for(lambda e: e["type"] == "dialer.board" and sum(
                1 for s in e["agents"]["each"].values() if s == "ready") == len(agents), 60)
            start = time.time()
            await asyncio.to_thread(_api, platform, "POST", f"{base}/start")
            await asyncio.sleep(args.minutes * 60)  # a benchmark: the shift runs its time
            stop = time.time()
            await asyncio.to_thread(_api, platform, "POST", f"{base}/stop")
            await watcher.wait_for(lambda e: e["type"] == "dialer.board" and e["time"] > stop
                                   and e["records"]["dialing"] == 0, 300)
            return figures(list(watcher.events), start, stop, len(agents))
    finally:
        for phone in phones:
            await phone.stop()


async def measure(args: argparse.Namespace) -> dict[str, Any]:
    world = World(cell_of(args), args.seed)
    numbers = [record_number(world, index) for index in range(args.records)]
    port, media = free_ports(2)
    with tempfile.TemporaryDirectory(prefix="bench-dialer-") as folder:
        tmp = Path(folder)
        config = write_config(tmp, args, numbers)
        people = CampaignPeople(tmp, port, media)
        await people.start()
        try:
            with running_platform(tmp, {"dir": str(ROOT / "config/ivr")},
                                  locate_or_install(load_settings(None)), acd=config["acd"],
                                  asterisk={"outbound_host": "127.0.0.1", "outbound_port": port},
                                  sections={"dialer": {"calling_hours": ["00:00", "23:59"],
                                                       "campaigns": config["campaigns"]}}
                                  ) as platform:
                real = await run_campaign(platform, args, config["agents"], tmp)
        finally:
            await people.stop()
    simulated = simulate(cell_of(args), args.seed, args.strategy, max_lines=args.lines)
    return {"cell": {"human": args.human, "talk_median": args.talk, "wrap": args.wrap,
                     "agents": args.agents, "minutes": args.minutes, "seed": args.seed},
            "strategy": args.strategy, "asterisk": real,
            "simulator": {"talk_minutes_per_agent_hour":
                          round(simulated.talk_minutes_per_agent_hour, 2),
                          "abandoned_rate": round(simulated.abandoned_rate, 4),
                          "outcomes": simulated.outcomes},
            "kinds_listed": {k: sum(1 for n in numbers if kind_of(n) == k)
                             for k in ("human", "machine", "busy", "no_answer", "failed")}}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--agents", type=int, default=10)
    parser.add_argument("--human", type=float, default=0.3)
    parser.add_argument("--talk", type=float, default=45.0, help="median talk, seconds")
    parser.add_argument("--wrap", type=float, default=5.0, help="wrap-up, seconds")
    parser.add_argument("--lines", type=int, default=40)
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--strategy", default="predictive")
    return parser.parse_args()


def main() -> int:
    print(json.dumps(asyncio.run(measure(parse_args())), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
