"""CRM tests run on SQLite and on PostgreSQL, each test on an empty migrated database.

The migrations run once per run and engine (a template file copied for SQLite, a
schema whose tables are emptied before each test for PostgreSQL); the tests of the
migrations themselves get a database of their own (``fresh_engine``).

PostgreSQL is CI's 127.0.0.1:5432, database ``test`` (override with
CC_TEST_POSTGRES_URL); without it the PostgreSQL half is skipped, and with CI=true it fails.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from contactcenter.events.journal import CallJournal
from crm_core.db import make_engine, migrate
from crm_core.models import Base
from tests.crm.api_client import Api, start_api
from tests.support import missing

POSTGRES_URL = os.environ.get("CC_TEST_POSTGRES_URL",
                              "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def _run(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run a session fixture's async work on a loop of its own, even when the fixture
    is first asked for from inside a test's running loop."""
    with ThreadPoolExecutor(1) as thread:
        thread.submit(asyncio.run, work()).result()


def _migrated(url: str, **options: object) -> None:
    async def run() -> None:
        built = create_async_engine(url, **options)  # type: ignore[arg-type]
        try:
            await migrate(built)
        finally:
            await built.dispose()

    _run(run)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated once; each test gets a copy (a file copy, not 25 CREATE TABLEs)."""
    path = tmp_path_factory.mktemp("crm-template") / "crm.db"
    make_engine(f"sqlite+aiosqlite:///{path}")  # makes the folder
    _migrated(f"sqlite+aiosqlite:///{path}")
    return path


async def _admin_engine() -> AsyncEngine:
    admin = create_async_engine(POSTGRES_URL)
    try:
        async with admin.connect():
            pass
    except (OSError, Exception) as exc:  # noqa: BLE001 - any failure to reach it
        await admin.dispose()
        missing(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")
    return admin


@pytest.fixture(scope="session")
def postgres_schema() -> Iterator[str]:
    """One schema migrated once per run; each test starts from its tables emptied."""
    schema = f"t_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        admin = await _admin_engine()
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()

    async def drop() -> None:
        admin = create_async_engine(POSTGRES_URL)
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()

    _run(create)
    _migrated(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}})
    yield schema
    _run(drop)


def _emptied_tables() -> str:
    names = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
    return f"TRUNCATE {names} RESTART IDENTITY CASCADE"


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty CRM database on each engine."""
    if request.param == "sqlite":
        copy = tmp_path / "crm.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), copy)
        built = make_engine(f"sqlite+aiosqlite:///{copy}")
    else:
        schema = request.getfixturevalue("postgres_schema")
        built = create_async_engine(
            POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}})
        async with built.begin() as connection:
            await connection.execute(text(_emptied_tables()))
    yield built
    await built.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def fresh_engine(request: pytest.FixtureRequest,
                       tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """A database of its own, migrated from nothing, for tests of the migrations."""
    if request.param == "sqlite":
        built = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}")
        await migrate(built)
        yield built
        await built.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = await _admin_engine()
    async with admin.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    built = create_async_engine(POSTGRES_URL,
                                connect_args={"server_settings": {"search_path": schema}})
    try:
        await migrate(built)
        yield built
    finally:
        await built.dispose()
        async with admin.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def api(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Api]:
    """The CRM API on a real server over ``engine``, with one user per role."""
    started = await start_api(engine, tmp_path)
    yield started
    await started.client.close()


@pytest.fixture
def journal(tmp_path: Path) -> CallJournal:
    """A call journal of the test's own (the screen-pops read the calls from it)."""
    opened = CallJournal(tmp_path / "calls.jsonl")
    opened.open()
    return opened
