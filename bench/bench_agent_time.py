"""Agents' time in the call history: how long a month of a hundred agents takes to read.

Loads a month of states for ``--agents`` agents (8-hour shifts, a change every
30 s to 5 min: about 540,000 states for 100 agents) into a database of its own,
then times ``crm_core.metrics.agent_time.agent_time`` (the part of
``GET /api/v1/analytics/calls`` that adds up the agents' time) by interval and
grouping, and the Python cutting alone.

    .venv/bin/python bench/bench_agent_time.py --engine sqlite
    .venv/bin/python bench/bench_agent_time.py --engine postgresql
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Text, cast, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from crm_core.db import make_engine, migrate, sessions
from crm_core.metrics.agent_time import add_up, agent_time, epoch_seconds
from crm_core.metrics.period import Period
from crm_core.models import AgentStateSpan

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
MONTH = Period(dt.datetime(2026, 10, 1, tzinfo=dt.UTC), dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
STATES = ("available", "ringing", "on_call", "wrap_up", "paused")


def _month(agents: int) -> list[dict[str, Any]]:
    rng, rows = random.Random(1), []
    for agent in range(agents):
        for day in range(31):
            moment = MONTH.start + dt.timedelta(days=day, hours=8)
            end = moment + dt.timedelta(hours=8)
            while moment < end:
                after = moment + dt.timedelta(seconds=rng.uniform(30, 300))
                rows.append({"agent": f"agent{agent}", "state": rng.choice(STATES),
                             "reason": "", "queues": ["sales", "support"],
                             "started_at": moment, "ended_at": after, "seen_at": None})
                moment = after
    return rows


async def _database(kind: str, folder: Path) -> AsyncEngine:
    if kind == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{folder / 'crm.db'}")
    else:
        admin = create_async_engine(POSTGRES)
        async with admin.begin() as connection:
            await connection.execute(text("DROP SCHEMA IF EXISTS bench_agent_time CASCADE"))
            await connection.execute(text("CREATE SCHEMA bench_agent_time"))
        await admin.dispose()
        engine = create_async_engine(POSTGRES, connect_args={
            "server_settings": {"search_path": "bench_agent_time"}})
    await migrate(engine)
    return engine


async def main(kind: str, agents: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = await _database(kind, Path(folder))
        rows = _month(agents)
        async with engine.begin() as connection:
            for first in range(0, len(rows), 5000):
                await connection.execute(insert(AgentStateSpan), rows[first:first + 5000])
        print(f"{kind}: {len(rows)} states of {agents} agents over {MONTH.days:.0f} days")
        for interval, width, by in (("30min", 1800, "queue"), ("30min", 1800, "agent"),
                                    ("day", 86_400, "agent"), ("15min", 900, "queue")):
            began = time.perf_counter()
            async with sessions(engine)() as session:
                found = await agent_time(session, MONTH, width, by)
            print(f"  {interval:>5} by {by:<5}: {time.perf_counter() - began:5.2f} s "
                  f"({len(found)} rows)")
        span = AgentStateSpan
        async with sessions(engine)() as session:
            states = (await session.execute(select(
                span.agent, span.state, span.reason, cast(span.queues, Text),
                epoch_seconds(span.started_at), epoch_seconds(span.ended_at)))).all()
        began = time.perf_counter()
        add_up(states, MONTH, 1800, "queue", None, MONTH.end)
        print(f"  the cutting alone (30min by queue): {time.perf_counter() - began:5.2f} s")
        if kind == "postgresql":
            async with engine.begin() as connection:
                await connection.execute(text("DROP SCHEMA bench_agent_time CASCADE"))
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--agents", type=int, default=100)
    options = parser.parse_args()
    asyncio.run(main(options.engine, options.agents))
