"""How many outbound calls with machine detection a second this machine carries, none failed.

Asterisk runs with the platform's configuration, and the Asterisk driver alone places
dials (``PlaceDial``: AMI's Originate into the ``dialer-detect`` dialplan) at a steady
rate to answering machines played by one sipp (``dialer_callees.py``), each answering
after ``--answer`` seconds with a long greeting. Asterisk answers, ``app_amd`` listens
until it says MACHINE, the call enters the app and is hung up. Each step places
``rate`` dials a second for ``--seconds``; reported per step: calls carried, those
that failed (not placed, unanswered, or never back with a verdict) and those taken for
a person. The highest rate with none failed and none mistaken is the answer.

    .venv/bin/python bench/bench_dialer_amd_rate.py --rates 2 4 8 12 16

A benchmark, not a test: each step runs its time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dialer_callees import CampaignPeople

from contactcenter.config.settings import AsteriskSettings, Settings, load_settings
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.asterisk.driver import AsteriskDriver
from contactcenter.telephony.asterisk.process import AsteriskProcess
from contactcenter.telephony.asterisk.provision import locate_or_install
from contactcenter.telephony.asterisk.render import read_credentials
from tests.support import free_port_range, free_ports


@dataclass
class Tally:
    """What came back of each dial of a step."""

    driver: AsteriskDriver | None = None
    machines: set[str] = field(default_factory=set)
    people: set[str] = field(default_factory=set)
    unanswered: set[str] = field(default_factory=set)
    answered_in: list[float] = field(default_factory=list)
    placed: dict[str, float] = field(default_factory=dict)

    def on_event(self, event: de.DriverEvent) -> None:
        if isinstance(event, de.DialAnswered):
            (self.machines if not event.human else self.people).add(event.call_id)
            placed = self.placed.get(event.call_id)
            if placed is not None:
                self.answered_in.append(time.monotonic() - placed)
            if self.driver is not None:  # dropped, as a campaign drops a machine
                asyncio.ensure_future(self.driver.execute(dc.HangupCall(call_id=event.leg_id)))
        elif isinstance(event, de.DialUnanswered):
            self.unanswered.add(event.call_id)

    def settled(self, dials: list[str]) -> bool:
        done = self.machines | self.people | self.unanswered
        return all(dial in done for dial in dials)


def settings_for(state: Path, outbound_port: int) -> Settings:
    sip, ari, ami = free_ports(3)
    rtp_start, rtp_end = free_port_range(800)
    return Settings(state_dir=state, asterisk=AsteriskSettings(
        sip_port=sip, ari_port=ari, ami_port=ami, rtp_port_start=rtp_start,
        rtp_port_end=rtp_end, outbound_host="127.0.0.1", outbound_port=outbound_port))


def machine(answer: int, step: int, index: int) -> str:
    """A machine answering after ``answer`` s (the talk digits keep numbers apart)."""
    return f"+4474{answer:02d}{100 + step:03d}{index % 1000:03d}"


async def run_step(driver: AsteriskDriver, tally: Tally, args: argparse.Namespace,
                   step: int, rate: float) -> dict[str, Any]:
    dials = []
    count = round(rate * args.seconds)
    started = time.monotonic()
    for index in range(count):
        dial = f"amd{step}-{index}"
        dials.append(dial)
        tally.placed[dial] = time.monotonic()
        try:
            await driver.execute(dc.PlaceDial(call_id=dial, leg_id=f"dial-bench-{dial}",
                                              number=machine(args.answer, step, index),
                                              timeout=20))
        except Exception:  # noqa: BLE001 - a dial not placed is a failed call
            tally.unanswered.add(dial)
        await asyncio.sleep(max(0.0, started + (index + 1) / rate - time.monotonic()))
    deadline = time.monotonic() + 60
    while not tally.settled(dials) and time.monotonic() < deadline:
        await asyncio.sleep(0.5)  # a benchmark: the last calls finish their detection
    machines = sum(1 for d in dials if d in tally.machines)
    people = sum(1 for d in dials if d in tally.people)
    answered = sorted(tally.answered_in[-len(dials):]) or [0.0]
    return {"rate": rate, "placed": count, "machines": machines, "taken_for_people": people,
            "failed": count - machines - people,
            "verdict_p50_s": round(answered[len(answered) // 2], 2),
            "verdict_p99_s": round(answered[min(len(answered) - 1,
                                                int(len(answered) * 0.99))], 2)}


async def measure(args: argparse.Namespace) -> list[dict[str, Any]]:
    port, media = free_ports(2)
    steps: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-amd-") as folder:
        tmp = Path(folder)
        settings = settings_for(tmp / "state", port)
        people = CampaignPeople(tmp, port, media)
        await people.start()
        process = AsteriskProcess(settings, locate_or_install(load_settings(None)),
                                  log=lambda _: None)
        process.start()
        tally = Tally()
        driver = AsteriskDriver(credentials=lambda: read_credentials(settings),
                                on_event=tally.on_event, on_resync=lambda *_: None)
        tally.driver = driver
        try:
            await driver.start()
            await driver.wait_connected(timeout=30)
            for step, rate in enumerate(args.rates):
                steps.append(await run_step(driver, tally, args, step, rate))
                print(json.dumps(steps[-1]), file=sys.stderr, flush=True)
        finally:
            await driver.stop()
            process.stop()
            await people.stop()
    return steps


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", type=float, nargs="+", default=[2, 4, 8, 12, 16])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--answer", type=int, default=1, help="seconds until answered")
    return parser.parse_args()


def main() -> int:
    print(json.dumps(asyncio.run(measure(parse_args())), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
