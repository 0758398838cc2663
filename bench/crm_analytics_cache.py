"""The generated CRMs, kept between runs under ~/.cache/contactcenter/crm-analytics/.

A dataset is named by a key of the generator's parameters (contacts, orders, seed, the
generator's version); its marker (a JSON file beside it) records the key, the schema
revision it was migrated to and how long generating took. When the migrations have moved
on since, the kept database is brought to the newest revision by Alembic (migrations add
tables and columns; the rows stay valid) instead of generated again, and its marker says
so. On PostgreSQL each dataset is a database of its own, ``bench_crm_<key>``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from alembic.config import Config
from alembic.script import ScriptDirectory
from crm_analytics_data import GENERATOR_VERSION, History, generate
from crm_analytics_load import load_postgresql, load_sqlite

from crm_core.db import MIGRATIONS, make_engine, migrate

CACHE = Path.home() / ".cache" / "contactcenter" / "crm-analytics"
SERVER = "postgresql://postgres@127.0.0.1:5432"
#: the databases of the datasets are named bench_crm_<key>
DATABASE = "bench_crm"


@dataclass(frozen=True, slots=True)
class Dataset:
    contacts: int
    orders: int
    seed: int

    @property
    def key(self) -> str:
        text = f"{self.contacts}:{self.orders}:{self.seed}:{GENERATOR_VERSION}"
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def head_revision() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head, "no migrations"
    return head


def _read_marker(path: Path, key: str) -> dict[str, object] | None:
    if not path.exists():
        return None
    marker: dict[str, object] = json.loads(path.read_text())
    return marker if marker.get("key") == key else None


def _write_marker(path: Path, marker: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(marker, indent=1))


async def _bring_up(url: str, marker: dict[str, object], path: Path) -> dict[str, object]:
    """The kept database migrated to the newest revision, if it is not there yet."""
    head = head_revision()
    if marker.get("revision") != head:
        engine = make_engine(url)
        await migrate(engine)
        await engine.dispose()
        marker = {**marker, "revision": head, "migrated_from": marker.get("revision")}
        _write_marker(path, marker)
    return marker


async def _generate(dataset: Dataset) -> tuple[History, float]:
    started = time.perf_counter()
    history = await asyncio.to_thread(generate, dataset.contacts, dataset.orders, dataset.seed)
    return history, time.perf_counter() - started


async def sqlite_dataset(dataset: Dataset) -> tuple[str, dict[str, object]]:
    """The SQLite URL of the dataset, generated unless kept; and its marker."""
    path = CACHE / f"crm-{dataset.key}.db"
    marker_path = path.with_suffix(".json")
    url = f"sqlite+aiosqlite:///{path}"
    marker = _read_marker(marker_path, dataset.key)
    if marker is not None and path.exists():
        return url, await _bring_up(url, marker, marker_path)
    path.unlink(missing_ok=True)
    history, drawn = await _generate(dataset)
    started = time.perf_counter()
    engine = make_engine(url)
    await migrate(engine)
    await engine.dispose()
    await asyncio.to_thread(load_sqlite, path, history)
    marker = {"key": dataset.key, **vars_of(dataset), "revision": head_revision(),
              "draw_s": round(drawn, 1), "load_s": round(time.perf_counter() - started, 1),
              "bytes": path.stat().st_size}
    _write_marker(marker_path, marker)
    return url, marker


def vars_of(dataset: Dataset) -> dict[str, object]:
    return {"contacts": dataset.contacts, "orders": dataset.orders, "seed": dataset.seed}


async def _database_key(name: str) -> str | None:
    connection = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        if not await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1",
                                         name):
            return None
    finally:
        await connection.close()
    connection = await asyncpg.connect(f"{SERVER}/{name}")
    try:
        if not await connection.fetchval("SELECT to_regclass('bench_generated') IS NOT NULL"):
            return None
        key: str | None = await connection.fetchval("SELECT key FROM bench_generated")
        return key
    finally:
        await connection.close()


async def _fresh_database(name: str) -> None:
    connection = await asyncpg.connect(f"{SERVER}/postgres")
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await connection.execute(f"CREATE DATABASE {name}")
    finally:
        await connection.close()


async def postgresql_dataset(dataset: Dataset) -> tuple[str, dict[str, object]]:
    """The PostgreSQL URL of the dataset, generated unless kept; and its marker."""
    name = f"{DATABASE}_{dataset.key}"
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    marker_path = CACHE / f"postgresql-{name}.json"
    marker = _read_marker(marker_path, dataset.key)
    if marker is not None and await _database_key(name) == dataset.key:
        return url, await _bring_up(url, marker, marker_path)
    history, drawn = await _generate(dataset)
    started = time.perf_counter()
    await _fresh_database(name)
    engine = make_engine(url)
    await migrate(engine)
    await engine.dispose()
    await load_postgresql(f"{SERVER}/{name}", history)
    connection = await asyncpg.connect(f"{SERVER}/{name}")
    try:
        await connection.execute("CREATE TABLE bench_generated (key text)")
        await connection.execute("INSERT INTO bench_generated VALUES ($1)", dataset.key)
        size = await connection.fetchval("SELECT pg_database_size(current_database())")
    finally:
        await connection.close()
    marker = {"key": dataset.key, **vars_of(dataset), "revision": head_revision(),
              "draw_s": round(drawn, 1), "load_s": round(time.perf_counter() - started, 1),
              "bytes": size}
    _write_marker(marker_path, marker)
    return url, marker
