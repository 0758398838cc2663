"""CSV import of contacts: rows per second and peak memory, on SQLite or PostgreSQL.

Makes a contacts CSV with 5 % duplicates (the same phone or e-mail again) and
1 % bad rows, imports it into a fresh database, and prints the figures. The
import streams, so peak memory must not grow with the file.

    .venv/bin/python bench/bench_crm_import.py --rows 100000 [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import resource
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from crm_core.contacts_import import import_contacts
from crm_core.db import make_engine, migrate, sessions


def make_csv(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(("first_name", "last_name", "phone", "email", "language", "do_not_call"))
        for n in range(rows):
            roll = rng.random()
            if roll < 0.01:
                writer.writerow(("", "", "12", "broken", "", ""))  # bad: no name, no number
                continue
            person = rng.randrange(n) if roll < 0.06 and n else n  # 5 %: someone again
            writer.writerow((f"First{person}", f"Last{person}",
                             f"+1 212 {person // 10000 % 1000:03d} {person % 10000:04d}",
                             f"person{person}@example.com", "en", "no"))


async def run(rows: int, postgres: str | None) -> None:
    folder = Path(tempfile.mkdtemp(prefix="cc-bench-import-"))
    source = folder / "contacts.csv"
    make_csv(source, rows)
    schema = None
    if postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_async_engine(postgres)
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine = create_async_engine(
            postgres, connect_args={"server_settings": {"search_path": schema}})
    else:
        engine = make_engine(f"sqlite+aiosqlite:///{folder / 'crm.db'}")
    await migrate(engine)
    started = time.perf_counter()
    report = await import_contacts(sessions(engine), source)
    elapsed = time.perf_counter() - started
    await engine.dispose()
    if postgres and schema:
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"engine       {'postgresql' if postgres else 'sqlite'}")
    print(f"rows         {report.rows:,} ({source.stat().st_size / 1e6:.1f} MB of CSV)")
    print(f"added        {report.added:,}   merged {report.merged:,}   bad {len(report.bad):,}")
    print(f"time         {elapsed:.1f} s")
    print(f"rows/s       {report.rows / elapsed:,.0f}")
    print(f"peak RSS     {peak_mb:.0f} MB (whole process)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="e.g. postgresql+asyncpg://postgres@127.0.0.1/test")
    args = parser.parse_args()
    asyncio.run(run(args.rows, args.postgres))


if __name__ == "__main__":
    main()
