"""Customer 360 by phone number: p50 and p99 of the screen-pop lookup at scale.

Loads a CRM with N contacts and ten interactions each (plus cases, deals,
orders and offers, so that every part of the 360 has rows to find) into a
database of its own, then times random lookups through ``CustomerService``,
the same call the API and the IVR make.

    .venv/bin/python bench/bench_crm_360.py --engine postgresql --contacts 1000000
    .venv/bin/python bench/bench_crm_360.py --engine sqlite --contacts 100000

The loaded data is kept (PostgreSQL schema ``bench360_<contacts>``, or a
SQLite file under /tmp) and reused by the next run of the same size unless
``--reload`` is given: loading ten million interactions takes minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import statistics
import time
from pathlib import Path

from crm_load import PHONE_BASE, load_postgresql, load_sqlite
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from crm_core.customers import CustomerService
from crm_core.db import make_engine, migrate, sessions

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


async def _postgres(contacts: int, per_contact: int, reload: bool) -> AsyncEngine:
    schema = f"bench360_{contacts}"
    admin = create_async_engine(POSTGRES)
    async with admin.begin() as connection:
        exists = await connection.scalar(text(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = :s "
            "AND table_name = 'bench_loaded'"), {"s": schema})
        if reload or not exists:
            await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    engine = create_async_engine(POSTGRES, pool_size=2,
                                 connect_args={"server_settings": {"search_path": schema}})
    if reload or not exists:
        await migrate(engine)
        await load_postgresql(POSTGRES.replace("+asyncpg", ""), schema, contacts, per_contact)
    await _warm_postgresql(engine, schema)
    return engine


async def _warm_postgresql(engine: AsyncEngine, schema: str) -> None:
    """Read every table and index once into the OS page cache, as a running server has it."""
    async with engine.begin() as connection:
        await connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_prewarm SCHEMA public"))
        names = (await connection.scalars(text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = :s AND c.relkind IN ('r', 'i')"), {"s": schema})).all()
        for name in names:
            await connection.execute(text("SELECT public.pg_prewarm(:r, 'read')"),
                                     {"r": f'"{schema}"."{name}"'})


async def _sqlite(contacts: int, per_contact: int, reload: bool) -> AsyncEngine:
    path = Path(f"/tmp/cc-bench360-{contacts}.db")
    marker = path.with_suffix(".loaded")
    if reload or not marker.exists():
        path.unlink(missing_ok=True)
        marker.unlink(missing_ok=True)
        engine = make_engine(f"sqlite+aiosqlite:///{path}")
        await migrate(engine)
        await engine.dispose()
        load_sqlite(path, contacts, per_contact)
        marker.touch()
    await asyncio.to_thread(_read_through, path)
    return make_engine(f"sqlite+aiosqlite:///{path}")


def _read_through(path: Path) -> None:
    """Into the OS page cache, as a running server has it."""
    with path.open("rb") as file:
        while file.read(1 << 20):
            pass


def _percentile(sorted_values: list[float], share: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


async def measure(engine: AsyncEngine, contacts: int, lookups: int) -> list[float]:
    service = CustomerService(sessions(engine))
    rng = random.Random(42)
    phones = [f"+{PHONE_BASE + rng.randrange(contacts)}" for _ in range(lookups + 500)]
    for phone in phones[:500]:  # warm the pool and the caches, as a running server has them
        await service.by_phone(phone)
    timings = []
    for phone in phones[500:]:
        started = time.perf_counter()
        view = await service.by_phone(phone)
        timings.append(time.perf_counter() - started)
        assert view is not None and view.recent_interactions, phone
    return sorted(timings)


async def run(engine_name: str, contacts: int, per_contact: int, lookups: int,
              reload: bool) -> None:
    started = time.perf_counter()
    if engine_name == "postgresql":
        engine = await _postgres(contacts, per_contact, reload)
    else:
        engine = await _sqlite(contacts, per_contact, reload)
    print(f"data ready in {time.perf_counter() - started:.0f} s")
    timings = await measure(engine, contacts, lookups)
    await engine.dispose()
    ms = [t * 1000 for t in timings]
    print(f"engine        {engine_name}")
    print(f"contacts      {contacts:,}   interactions {contacts * per_contact:,}")
    print(f"lookups       {len(ms):,} sequential, after 500 to warm up; database files "
          "read into the page cache first")
    print(f"p50 / p90 / p99 / max   {statistics.median(ms):.2f} / {_percentile(ms, 0.9):.2f}"
          f" / {_percentile(ms, 0.99):.2f} / {ms[-1]:.2f} ms")
    print(f"machine       {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("postgresql", "sqlite"), default="sqlite")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--interactions-per-contact", type=int, default=10)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    asyncio.run(run(args.engine, args.contacts, args.interactions_per_contact, args.lookups,
                    args.reload))


if __name__ == "__main__":
    main()
