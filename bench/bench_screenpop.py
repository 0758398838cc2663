"""Screen-pop latency on real calls: from the agent's phone ringing to the pop in the page.

Starts ``contactcenter serve`` (with its managed Asterisk) on free loopback ports with
its own state folder and the demo CRM seeded (``contactcenter db seed``), registers N
baresip agent phones that ring and do not answer, and signs each agent in to /agent
in headless Chromium (``screenpop_desk``). Two sipp processes call the main IVR (5000)
at a steady rate, one pressing 1 (sales), the other 2 (support), 1.5 s into the menu;
a share of the callers are customers the seeded CRM knows, the others are numbers it
does not. Each caller hangs up ``--hold`` ms after the digit, which cancels the
ring it got meanwhile (the agent is free again at once, so a call is offered once
while agents are free).

Per offer (a ``call.offered`` event, read on the platform's event stream as admin):

- t_offer: the event's ``time``: serve's clock when the ACD offered the call
- t_ring:  the agent's phone's ``CALL_INCOMING`` (baresip ctrl_tcp), stamped on arrival
- t_pop:   the ``screen.pop`` event's ``time``: when serve published the pop
- t_page:  the pop shown in the agent's page (``rendered``), and its frame's arrival

Every stamp is this machine's wall clock: ``time.time()`` in Python (serve and this
bench) and ``Date.now()`` in Chromium read the same system clock.

    .venv/bin/python bench/bench_screenpop.py [--calls 1000] [--rate 2] [--agents 10]

Needs sipp, baresip, Chromium (Debian's) and Playwright. 1,000 calls at 2 per second
take about 10 minutes, start-up included.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import yaml

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))  # runnable from a checkout; bench/ is on the path already

from bench_ivr_asterisk import Platform, free_port, last_stats, versions
from report import machine_facts, md_table, text_table
from screenpop_desk import Api, open_desktop, page_pops, ringing_phone, rings
from siptrace import percentile

from tests.browser.support import CHROMIUM_FLAGS
from tests.integration.platform import EventWatcher
from tests.integration.sipp import Step, scenario

CHROMIUM = "/usr/bin/chromium"
DIGIT_AFTER_MS = 1500  #: into the menu prompt, as the desktop's browser test does
QUEUE = {"strategy": "longest_idle", "ring_timeout": 15, "after_ring_timeout": "available",
         "wrap_up": 5, "announce_on_join": False,
         "service_level_target": {"percent": 80, "seconds": 20}}
UNKNOWN_PREFIX = "+1555888"  #: the seed's numbers start +155501: these are nobody's


def write_config(workdir: Path, agents: list[str]) -> Path:
    """The demo settings with queues and agents of the bench's own (every agent in sales
    and support; a declined or timed-out ring leaves the agent available)."""
    (workdir / "queues.yaml").write_text(yaml.safe_dump({"queues": {
        name: QUEUE for name in ("sales", "support", "operator")}}))
    (workdir / "agents.yaml").write_text(yaml.safe_dump({"agents": {
        agent: {"name": f"Agent {agent[-3:]}", "skills": {"sales": 5, "support": 5,
                                                          "operator": 5},
                "queues": {"sales": 1, "support": 1, "operator": 2}} for agent in agents}}))
    config = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    config["ivr"]["dir"] = str(ROOT / "config/ivr")
    config["scripts"] = {"dir": str(ROOT / "config/scripts")}
    config["acd"] = {"queues": str(workdir / "queues.yaml"),
                     "agents": str(workdir / "agents.yaml")}
    path = workdir / "cc.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def seed(platform: Platform) -> list[str]:
    """``contactcenter db seed`` into the platform's CRM; the numbers it now knows."""
    platform.state_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "contactcenter", "db", "seed", "--config",
                    str(platform.config)], cwd=ROOT, env=platform.env, check=True,
                   capture_output=True)
    with contextlib.closing(sqlite3.connect(platform.state_dir / "cc.db")) as db:
        return [row[0] for row in db.execute("SELECT e164 FROM contact_phones")]


def callers(known: list[str], calls: int, known_share: float, rng: random.Random) -> list[str]:
    """One distinct number per call, ``known_share`` of them customers, shuffled."""
    count = round(calls * known_share)
    numbers = rng.sample(known, count) + [f"{UNKNOWN_PREFIX}{n:04d}"
                                          for n in range(calls - count)]
    rng.shuffle(numbers)
    return numbers


def sipp_run(platform: Platform, workdir: Path, digit: str, numbers: list[str],
             rate: float, hold_ms: int) -> subprocess.Popen[bytes]:
    """One sipp placing ``len(numbers)`` calls at ``rate`` per second, each pressing
    ``digit`` and hanging up ``hold_ms`` later (unless the platform does first)."""
    name = f"caller-{digit}"
    (workdir / f"{name}.xml").write_text(
        scenario("[field0]", [Step(DIGIT_AFTER_MS, digit)], hold_ms))
    (workdir / f"{name}.csv").write_text("SEQUENTIAL\n" + "".join(f"{n};\n" for n in numbers))
    period_ms = round(1000 / rate)  # one call every period: -r 1 -rp PERIOD
    command = ["sipp", f"127.0.0.1:{platform.sip_port}", "-sf", str(workdir / f"{name}.xml"),
               "-inf", str(workdir / f"{name}.csv"), "-s", "5000", "-i", "127.0.0.1",
               "-p", str(free_port()), "-mi", "127.0.0.1", "-mp", str(free_port()),
               "-r", "1", "-rp", str(period_ms), "-m", str(len(numbers)), "-l", "200",
               "-nostdin", "-timeout", f"{int(len(numbers) / rate) + 300}s",
               "-trace_stat", "-stf", str(workdir / f"{name}-stats.csv"), "-fd", "5",
               "-trace_err", "-error_file", str(workdir / f"{name}-errors.log")]
    with open(workdir / f"{name}.log", "wb") as log:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=log, cwd=workdir, start_new_session=True)


@dataclass
class Offer:
    """One offer of a call to an agent, with every stamp found for it (seconds)."""

    call_id: str
    agent: str
    caller: str
    offered: float
    ring: float | None = None
    pop: float | None = None  #: serve published the screen.pop
    lookup: str | None = None
    arrived: float | None = None  #: the pop's frame reached the page
    rendered: float | None = None  #: the page showed it


def match(events: list[dict[str, Any]], phone_rings: dict[str, list[tuple[float, str]]],
          pages: dict[str, dict[str, Any]]) -> list[Offer]:
    """Offers from the event stream, each with its ring (the agent's next CALL_INCOMING
    from the call's caller) and its pop (in the stream, and in the agent's page)."""
    caller = {e["call_id"]: str(e.get("caller", "")) for e in events
              if e["type"] == "call.arrived"}
    offers = [Offer(e["call_id"], e["agent"], caller.get(e["call_id"], ""), e["time"])
              for e in events if e["type"] == "call.offered" and e.get("agent")]
    pops = [e for e in events if e["type"] == "screen.pop"]
    used: set[tuple[str, int]] = set()
    page_used: set[tuple[str, int]] = set()
    for offer in offers:
        for index, (at, uri) in enumerate(phone_rings.get(offer.agent, [])):
            if (offer.agent, index) not in used and offer.caller and offer.caller in uri \
                    and at > offer.offered - 1:
                used.add((offer.agent, index))
                offer.ring = at
                break
        pop = next((p for p in pops if p["call_id"] == offer.call_id
                    and p["agent"] == offer.agent and p["time"] >= offer.offered), None)
        if pop is not None:
            pops.remove(pop)
            offer.pop, offer.lookup = pop["time"], pop.get("lookup")
        for index, seen in enumerate(pages.get(offer.agent, {}).get("pops", [])):
            if (offer.agent, index) not in page_used and seen["call_id"] == offer.call_id:
                page_used.add((offer.agent, index))
                offer.arrived = seen["arrived"] / 1000
                offer.rendered = seen["rendered"] / 1000 if seen["rendered"] else None
                break
    return offers


def spread(values: list[float]) -> dict[str, str]:
    """p50, p90, p99, max (and min) of delays in seconds, as milliseconds."""
    def ms(share: float | None) -> str:
        return "-" if share is None else f"{share * 1000:.1f}"
    return {"n": str(len(values)), "min": ms(min(values) if values else None),
            "p50": ms(percentile(values, 0.5)), "p90": ms(percentile(values, 0.9)),
            "p99": ms(percentile(values, 0.99)), "max": ms(max(values) if values else None)}


def figures(offers: list[Offer]) -> list[list[str]]:
    """The table: each interval over the offers that have both of its ends."""
    def between(start: str, end: str, subset: list[Offer] | None = None) -> list[float]:
        chosen = offers if subset is None else subset
        return [getattr(o, end) - getattr(o, start) for o in chosen
                if getattr(o, start) is not None and getattr(o, end) is not None]
    found = [o for o in offers if o.lookup == "found"]
    unknown = [o for o in offers if o.lookup == "not_found"]
    rows = [["interval", "offers", "min ms", "p50 ms", "p90 ms", "p99 ms", "max ms"]]
    for label, values in (
            ("**ring -> pop shown in the page**", between("ring", "rendered")),
            ("... caller known to the CRM", between("ring", "rendered", found)),
            ("... caller unknown", between("ring", "rendered", unknown)),
            ("offer -> pop shown in the page", between("offered", "rendered")),
            ("offer -> phone rings", between("offered", "ring")),
            ("offer -> pop published (serve)", between("offered", "pop")),
            ("... caller known to the CRM", between("offered", "pop", found)),
            ("... caller unknown", between("offered", "pop", unknown)),
            ("pop published -> frame in the page", between("pop", "arrived")),
            ("frame in the page -> shown", between("arrived", "rendered"))):
        s = spread(values)
        rows.append([label, s["n"], s["min"], s["p50"], s["p90"], s["p99"], s["max"]])
    return rows


def counts(offers: list[Offer], calls: int) -> list[list[str]]:
    offered_calls = {o.call_id for o in offers}
    both = [o for o in offers if o.ring is not None and o.rendered is not None]
    early = [o for o in both if o.rendered < o.ring]  # type: ignore[operator]
    return [["figure", "value"],
            ["calls placed (sipp)", str(calls)],
            ["calls offered to an agent", str(len(offered_calls))],
            ["offers", str(len(offers))],
            ["offers with a ring seen", str(sum(o.ring is not None for o in offers))],
            ["offers with a pop published", str(sum(o.pop is not None for o in offers))],
            ["offers with the pop shown in the page", str(sum(o.rendered is not None
                                                              for o in offers))],
            ["lookup found / not_found / other",
             " / ".join(str(sum(o.lookup == k for o in offers)) for k in ("found", "not_found"))
             + f" / {sum(o.lookup not in ('found', 'not_found', None) for o in offers)}"],
            ["pop shown before the phone rang", f"{len(early)} of {len(both)}"]]


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    agents = [f"agent{101 + n}" for n in range(args.agents)]
    platform = Platform(workdir, write_config(workdir, agents))
    known = seed(platform)
    numbers = callers(known, args.calls, args.known_share, random.Random(args.seed))
    print(f"CRM seeded: {len(known)} numbers known; starting the platform", flush=True)
    platform.start()
    result: dict[str, Any] = {"known": len(known), "versions": versions(platform)}
    phones = [ringing_phone(workdir / "phones", agent, platform.sip_port) for agent in agents]
    try:
        from playwright.async_api import async_playwright

        admin = Api(platform.ports["HTTP"], "admin", "demo-admin-pass")
        for phone in phones:
            await phone.start()
        await admin.wait_registered(agents)
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM,
                                                      args=list(CHROMIUM_FLAGS))
            result["chromium"] = browser.version
            pages = [await open_desktop(browser, admin, agent) for agent in agents]
            print(f"{len(agents)} agents available, phones registered, desktops open",
                  flush=True)
            watcher_of = SimpleNamespace(http_port=admin.http_port, token=admin.token)
            async with EventWatcher(watcher_of) as watcher:  # type: ignore[arg-type]
                result.update(await place_calls(platform, workdir, numbers, args))
                await asyncio.sleep(args.hold / 1000 + 3)
                await asyncio.to_thread(platform.drain, 60)
                events = list(watcher.events)
            seen = {agent: await page_pops(page) for agent, page in zip(agents, pages)}
            await browser.close()
        result["offers"] = match(events, {p.agent: rings(p) for p in phones}, seen)
        result["shown_without_frame"] = sum(
            max(0, len(s["shown"]) - len(s["pops"])) for s in seen.values())
        return result
    finally:
        for phone in phones:
            await phone.stop()
        platform.stop()


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()


async def place_calls(platform: Platform, workdir: Path, numbers: list[str],
                      args: argparse.Namespace) -> dict[str, Any]:
    """Half the calls press 1, half 2, from two sipp processes offset by half a period;
    the load average and the CPU of serve and Asterisk around it."""
    uptime_before = uptime()
    cpu_before, started = platform.cpu_seconds(), time.monotonic()
    per_process = args.rate / 2
    sales = sipp_run(platform, workdir, "1", numbers[0::2], per_process, args.hold)
    await asyncio.sleep(0.5 / per_process)
    support = sipp_run(platform, workdir, "2", numbers[1::2], per_process, args.hold)
    print(f"Calling: {len(numbers)} calls at {args.rate:g} per second", flush=True)
    while sales.poll() is None or support.poll() is None:
        await asyncio.sleep(5)
        done = sum(int(last_stats(workdir / f"caller-{d}-stats.csv").get(
            "TotalCallCreated", "0") or 0) for d in "12")
        print(f"  {done} calls placed", flush=True)
    elapsed = time.monotonic() - started
    cpu = {name: (used - cpu_before[name]) / elapsed
           for name, used in platform.cpu_seconds().items()}
    stats = [last_stats(workdir / f"caller-{d}-stats.csv") for d in "12"]
    return {"seconds": elapsed, "cpu": cpu, "uptime_before": uptime_before,
            "uptime_after": uptime(),
            "sipp_ok": sum(int(s.get("SuccessfulCall(C)", "0") or 0) for s in stats),
            "sipp_failed": sum(int(s.get("FailedCall(C)", "0") or 0) for s in stats)}


def report(result: dict[str, Any], machine: dict[str, str], args: argparse.Namespace) -> str:
    offers: list[Offer] = result["offers"]
    rows = figures(offers)
    tally = counts(offers, args.calls)
    tally += [["sipp calls successful / failed",
               f"{result['sipp_ok']} / {result['sipp_failed']}"],
              ["pops shown without a frame (REST fallback)",
               str(result["shown_without_frame"])],
              ["calling time", f"{result['seconds']:.0f} s"],
              ["CPU serve / Asterisk (cores)",
               f"{result['cpu']['serve']:.2f} / {result['cpu']['asterisk']:.2f}"]]
    lines = [f"{key}: {value}" for key, value in machine.items()]
    lines += [f"uptime before: {result['uptime_before']}",
              f"uptime after:  {result['uptime_after']}", "", text_table(tally), "",
              text_table(rows), "", "Markdown:", "", md_table(tally), "", md_table(rows)]
    return "\n".join(lines)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=2.0, help="calls per second, in all")
    parser.add_argument("--agents", type=int, default=10, help="1 to 10 (the demo's agents)")
    parser.add_argument("--hold", type=int, default=2500,
                        help="ms the caller stays on after the digit")
    parser.add_argument("--known-share", type=float, default=0.7,
                        help="share of callers the CRM knows")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--raw", type=Path, help="write every offer's stamps here (JSON lines)")
    return parser.parse_args()


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> int:
    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="cc-bench-pop-"))
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)
    ok = False
    try:
        result = asyncio.run(run(args, workdir))
        ok = True
    except KeyboardInterrupt:
        print("Interrupted: the platform is stopped", flush=True)
        return 130
    finally:
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"Work folder kept: {workdir}", flush=True)
    if args.raw:
        args.raw.write_text("".join(json.dumps(dataclasses.asdict(o)) + "\n"
                                    for o in result["offers"]))
    machine = machine_facts(*result["versions"])
    machine["Chromium"] = result.get("chromium", "?")
    print(f"\nCommand: .venv/bin/python bench/bench_screenpop.py {' '.join(sys.argv[1:])}")
    print(f"Date: {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(report(result, machine, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
