"""How late the calls' event loop wakes while the value and churn scores are recomputed.

    .venv/bin/python bench/bench_scores_loop.py [--contacts 50000] [--orders 1300000]
        [--mode thread|child|both]

A task sleeps 5 ms in a loop and records how late each wake-up is: first with nothing
else running (idle), then while a recompute runs on a generated CRM (SQLite, kept under
~/.cache/contactcenter/crm-analytics/ as ``bench_crm_analytics`` keeps its datasets).
``thread`` runs the recompute in serve's process as it used to (the database work on the
loop, the fits in ``asyncio.to_thread``, sharing the interpreter lock); ``child`` runs
it as the schedule now does, in a child process at a lower CPU priority. Prints p50, p99
and max lateness in milliseconds for each.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crm_analytics_cache import Dataset, sqlite_dataset
from crm_analytics_data import AS_OF

from crm_core.db import make_engine

TICK = 0.005


async def _probe(stop: asyncio.Event, late: list[float]) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        started = loop.time()
        await asyncio.sleep(TICK)
        late.append((loop.time() - started - TICK) * 1000.0)


async def lateness(work: Callable[[], Awaitable[Any]]) -> tuple[list[float], float]:
    """Wake-up lateness (ms) of a 5 ms sleeper while ``work`` runs; and its seconds."""
    stop, late = asyncio.Event(), []
    probe = asyncio.create_task(_probe(stop, late))
    started = time.perf_counter()
    await work()
    seconds = time.perf_counter() - started
    stop.set()
    await probe
    return late, seconds


def line(name: str, late: list[float], seconds: float) -> str:
    a = np.asarray(late)
    return (f"{name:<8} {seconds:7.1f} s  wakes {len(a):6d}  p50 {np.percentile(a, 50):6.2f} ms"
            f"  p99 {np.percentile(a, 99):7.2f} ms  max {a.max():8.2f} ms"
            f"  >20 ms {int((a > 20).sum())}")


async def main(contacts: int, orders: int, mode: str, idle: float) -> None:
    url, _ = await sqlite_dataset(Dataset(contacts, orders, 1))
    engine = make_engine(url)
    print(f"CRM: {contacts} contacts, {orders} orders, SQLite, as of {AS_OF}")
    print(line("idle", *await lateness(lambda: asyncio.sleep(idle))))
    if mode in ("thread", "both"):
        from crm_core.scores import recompute_scores
        print(line("thread", *await lateness(lambda: recompute_scores(engine, as_of=AS_OF))))
    if mode in ("child", "both"):
        from crm_core.scores_job import recompute_in_child
        print(line("child", *await lateness(
            lambda: recompute_in_child(engine, as_of=AS_OF))))
    await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=50_000)
    parser.add_argument("--orders", type=int, default=1_300_000)
    parser.add_argument("--mode", choices=("thread", "child", "both"), default="both")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds measured idle")
    options = parser.parse_args()
    asyncio.run(main(options.contacts, options.orders, options.mode, options.idle))
