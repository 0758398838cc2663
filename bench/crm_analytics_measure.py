"""One engine's measurement, in a process of its own: RFM, then the scores, then probes.

Run by bench_crm_analytics.py as ``python bench/crm_analytics_measure.py URL``; it
prints one JSON object: the phases with their start and end (wall clock, so that the
parent's samples of this process and of the server can be cut by phase), this process's
``ru_maxrss``, what each run stored, and the probes (below). The timed runs come first,
on warm caches; the probes after them are not part of any total.

The probes say where the time of each big select goes: run once in the database alone
(PostgreSQL: EXPLAIN ANALYZE's execution time; SQLite: stepping the statement on a plain
sqlite3 connection) and once through SQLAlchemy into numpy as the scores read it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from crm_analytics_data import AS_OF
from crm_analytics_probes import probe_statements
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core import rfm
from crm_core.db import make_engine, sessions

Phase = dict[str, Any]


async def warm(engine: AsyncEngine) -> None:
    """The tables and indexes into memory, as a server that has been running has them."""
    if engine.dialect.name == "sqlite":
        path = Path(str(make_url(str(engine.url)).database))
        await asyncio.to_thread(_read_through, path)
        return
    async with engine.begin() as connection:
        await connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm"))
        await connection.execute(text(
            "SELECT pg_prewarm(c.oid::regclass, 'read') FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')"))


def _read_through(path: Path) -> None:
    with path.open("rb") as file:
        while file.read(1 << 22):
            pass


async def _stored_rows(engine: AsyncEngine) -> dict[str, int]:
    """The rows of earlier runs that this run replaces (deleted in its transaction)."""
    found = {}
    for table in ("rfm_scores", "contact_scores"):
        try:
            async with engine.connect() as connection:
                found[table] = int(await connection.scalar(text(f"SELECT count(*) FROM {table}")))
        except Exception:  # noqa: BLE001 - a schema without the table
            found[table] = 0
    return found


async def run_rfm(engine: AsyncEngine) -> dict[str, Any]:
    result = await rfm.recompute(sessions(engine), as_of=AS_OF, now=dt.datetime.now(dt.UTC))
    return {"customers": result.customers, "segments": result.segments}


async def run_scores(engine: AsyncEngine, phases: list[Phase]) -> dict[str, Any]:
    """crm_core.scores, its own timings cut into phases; or the CLV on our summary."""
    importing = time.time()
    try:
        from crm_core.scores import recompute_scores
    except ImportError:
        from crm_analytics_fallback import clv_on_own_summary
        return await clv_on_own_summary(engine, AS_OF, phases)
    started = time.time()
    phases.append({"name": "scores: import (not counted)", "start": importing,
                   "end": started, "seconds": started - importing})
    run = await recompute_scores(engine, as_of=AS_OF, horizon_days=365,
                                 now=dt.datetime.now(dt.UTC))
    for name, seconds in run.timings.items():
        phases.append({"name": f"scores: {name}", "start": started,
                       "end": started + seconds, "seconds": seconds})
        started += seconds
    return {"source": "crm_core.scores.recompute_scores", "customers": run.customers,
            "repeat_buyers": run.repeat_buyers, "auc": run.auc,
            "p_alive_auc": run.p_alive_auc, "parameters": run.parameters}


async def timed(phases: list[Phase], name: str, step: Any) -> Any:
    started = time.time()
    result = await step
    ended = time.time()
    phases.append({"name": name, "start": started, "end": ended, "seconds": ended - started})
    return result


async def measure(url: str, plans: Path, through_python: bool) -> dict[str, Any]:
    engine = make_engine(url)
    phases: list[Phase] = []
    try:
        await timed(phases, "warm-up (not counted)", warm(engine))
        before = await _stored_rows(engine)
        stored = {"rfm": await timed(phases, "rfm", run_rfm(engine))}
        started = time.time()
        stored["scores"] = await run_scores(engine, phases)
        phases.append({"name": "scores (all phases)", "start": started, "end": time.time(),
                       "seconds": time.time() - started})
        probes_started = time.time()
        probes = await probe_statements(engine, plans, through_python)
        phases.append({"name": "probes (not counted)", "start": probes_started,
                       "end": time.time(), "seconds": time.time() - probes_started})
    finally:
        await engine.dispose()
    return {"phases": phases, "stored": stored, "probes": probes, "rows_before": before,
            "ru_maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def main() -> None:
    url, plans = sys.argv[1], Path(sys.argv[2])
    through_python = sys.argv[3:] == ["through-python"]
    plans.mkdir(parents=True, exist_ok=True)
    print(json.dumps(asyncio.run(measure(url, plans, through_python)), default=str))


if __name__ == "__main__":
    main()
