"""CRM tests run on SQLite and on PostgreSQL (a fresh schema of its own each test).

PostgreSQL is CI's 127.0.0.1:5432, database ``test`` (override with
CC_TEST_POSTGRES_URL); without it the PostgreSQL half is skipped, and with CI=true it fails.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from crm_core.db import make_engine, migrate
from tests.crm.api_client import Api, start_api
from tests.support import missing

POSTGRES_URL = os.environ.get("CC_TEST_POSTGRES_URL",
                              "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


@pytest.fixture(params=["sqlite", "postgresql"])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        built = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}")
        await migrate(built)
        yield built
        await built.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL)
    try:
        async with admin.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except (OSError, Exception) as exc:  # noqa: BLE001 - any failure to reach it
        await admin.dispose()
        missing(f"PostgreSQL at {POSTGRES_URL} is not reachable: {exc}")
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
