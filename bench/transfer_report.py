"""The blind-transfer benchmark's samples, figures and report, and the machine it ran on.

``bench_transfer_asterisk.py`` measures; this module says what a sample holds, turns the
samples into percentiles, and writes the report that goes to ``docs/benchmarks.md``.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform as host
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contactcenter.telephony.asterisk.provision import AsteriskInstall

ROOT = Path(__file__).resolve().parents[1]
AIM = 0.300  #: the issue's aim for both p99s, in seconds


# -- one transfer's times -------------------------------------------------------------


@dataclass
class Sample:
    """One transfer; epoch seconds on the host's clock (Asterisk's stamps are ms)."""

    call_id: str
    source: str
    target: str
    sent: float  #: just before the HTTP request went
    returned: float  #: its answer read
    created: float  #: ChannelCreated of the target's channel (Asterisk)
    ringing: float | None  #: its ChannelStateChange to Ringing: the phone's 180, if sent
    up: float  #: its ChannelStateChange to Up: the phone's 200 OK
    stasis: float | None  #: its StasisStart, if Asterisk sent it to the observer
    bridged: float  #: the later ChannelEnteredBridge of caller and target (Asterisk)
    transferred: float  #: the platform's call.transferred (its own clock: the host's)
    offered: float  #: the platform's call.offered to the target
    answered: float  #: the platform's call.answered by the target


#: figure -> (label, how it is computed from a sample)
FIGURES: dict[str, tuple[str, Callable[[Sample], float | None]]] = {
    "ring": ("request -> ringing (ChannelCreated)", lambda s: s.created - s.sent),
    "hear": ("answer (Up) -> caller hears (both bridged)", lambda s: s.bridged - s.up),
    "http": ("HTTP round trip of the request", lambda s: s.returned - s.sent),
    "phone": ("phone's part: created -> Up (not the platform's)", lambda s: s.up - s.created),
    "total": ("request -> caller hears, all in", lambda s: s.bridged - s.sent),
}
#: where the platform's time goes: between its own events and Asterisk's
BREAKDOWN: dict[str, tuple[str, Callable[[Sample], float | None]]] = {
    "to_core": ("request sent -> call.transferred", lambda s: s.transferred - s.sent),
    "core_to_offer": ("call.transferred -> call.offered", lambda s: s.offered - s.transferred),
    "offer_to_channel": ("call.offered -> ChannelCreated", lambda s: s.created - s.offered),
    "up_to_answered": ("Up -> call.answered", lambda s: s.answered - s.up),
    "answered_to_bridge": ("call.answered -> both bridged", lambda s: s.bridged - s.answered),
    "up_to_stasis": ("Up -> StasisStart",
                     lambda s: None if s.stasis is None else s.stasis - s.up),
    "created_to_ringing": ("ChannelCreated -> Ringing (phone's 180)",
                           lambda s: None if s.ringing is None else s.ringing - s.created),
}


def percentile(values: list[float], share: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * share
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def stats(samples: list[Sample], compute: Callable[[Sample], float | None]) -> dict[str, float]:
    values = [v for v in (compute(s) for s in samples) if v is not None]
    if not values:
        return {"count": 0}
    return {"count": len(values), "p50": percentile(values, 0.50),
            "p95": percentile(values, 0.95), "p99": percentile(values, 0.99),
            "max": max(values), "min": min(values)}


# -- the machine ------------------------------------------------------------------------


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine_ticks() -> tuple[int, int]:
    """(busy, all) CPU ticks of the whole machine so far, from /proc/stat."""
    ticks = [int(t) for t in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = ticks[3] + ticks[4]  # idle, iowait
    return sum(ticks) - idle, sum(ticks)


def cpu_seconds(pid: int) -> float:
    """User and system CPU of a process so far (0 if it is gone)."""
    try:
        parts = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found += [int(child) for child in task.read_text().split()]
    return found


def machine(install: AsteriskInstall) -> dict[str, str]:
    cpu = next((line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), "unknown")
    baresip = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "baresip-core"],
                             capture_output=True, text=True, check=False).stdout.strip()
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    if git("status", "--porcelain", "--untracked-files=no", "contactcenter"):
        commit += " (contactcenter/ with uncommitted changes)"  # the checkout is shared
    return {"CPU": cpu, "cores": str(os.cpu_count()), "kernel": host.release(),
            "Python": host.python_version(), "Asterisk": install.version,
            "baresip": baresip or "unknown", "commit": commit or "unknown"}


# -- the report -------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.1f}"


def table(samples: list[Sample],
          figures: dict[str, tuple[str, Callable[[Sample], float | None]]]) -> list[str]:
    lines = ["| figure | count | p50 ms | p95 ms | p99 ms | max ms |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for label, compute in figures.values():
        row = stats(samples, compute)
        if row["count"]:
            lines.append(f"| {label} | {row['count']:.0f} | {_ms(row['p50'])} | "
                         f"{_ms(row['p95'])} | {_ms(row['p99'])} | {_ms(row['max'])} |")
        else:
            lines.append(f"| {label} | 0 | - | - | - | - |")
    return lines


def report(result: dict[str, Any]) -> str:
    samples = [Sample(**s) for s in result["samples"]]
    ring = stats(samples, FIGURES["ring"][1])
    hear = stats(samples, FIGURES["hear"][1])
    verdict = ("under" if max(ring.get("p99", 0.0), hear.get("p99", 0.0)) < AIM else "OVER")
    cpu = result["cpu"]
    lines = [
        f"Command: `{result['command']}`",
        (f"Date: {result['date']}; load average before {result['load_before']}, "
         f"after {result['load_after']}"),
        "Machine: " + ", ".join(f"{k} {v}" for k, v in result["machine"].items()),
        (f"Transfers: {len(samples)} measured ({result['warm_up']} warm-up first, not "
         f"counted), {result['pairs']} pairs side by side, in {result['seconds']:.0f} s; "
         f"CPU in cores: serve {cpu['serve']:.2f}, Asterisk {cpu['asterisk']:.2f}, this "
         f"bench {cpu['bench']:.2f}, the whole machine {cpu['machine']:.2f} (of {os.cpu_count()}; phones, sipp and any "
         "other work included)"),
        f"StasisStart sent to the observer: {'yes' if result['stasis_seen'] else 'no'}",
        "", *table(samples, FIGURES), "", "Where the platform's time goes:", "",
        *table(samples, BREAKDOWN), "",
        (f"p99 request -> ringing {_ms(ring.get('p99'))} ms, answer -> caller hears "
         f"{_ms(hear.get('p99'))} ms: {verdict} the {AIM * 1000:.0f} ms aim")]
    return "\n".join(lines)
