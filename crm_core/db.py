"""The CRM's database: one async engine per URL, and migrations to the latest schema.

SQLite (aiosqlite) by default, PostgreSQL (asyncpg) when scaled; the schema
comes only from the Alembic migrations in ``crm_core/migrations``, never from
``create_all``, so that every database goes through the same steps.

A SQLite file holds password hashes and customers' personal data: it is made
0600 before SQLite opens it (and an older, looser one of ours made so), and
SQLite gives its ``-journal``, ``-wal`` and ``-shm`` files the database's mode.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Column, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)
#: a SQLite database file: its owner's alone
PRIVATE_FILE = 0o600
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: full-text search objects the migrations make by hand, outside the models
FULL_TEXT_TABLES = frozenset({"kb_articles_fts", "kb_articles_fts_config", "kb_articles_fts_data",
                              "kb_articles_fts_docsize", "kb_articles_fts_idx"})


def modelled(obj: object, name: str | None, type_: str, reflected: bool,
             compare_to: object) -> bool:
    """Alembic's filter: leave out what the models do not describe (the search index)."""
    if type_ == "table" and name in FULL_TEXT_TABLES:
        return False
    if type_ == "column" and name == "search" and isinstance(obj, Column):
        return obj.table.name != "kb_articles"
    return not (type_ == "index" and name == "ix_kb_articles_search")


def make_engine(url: str) -> AsyncEngine:
    if url.startswith("sqlite"):
        _sqlite_file(url)
    return create_async_engine(url, pool_pre_ping=not url.startswith("sqlite"))


def _sqlite_file(url: str) -> None:
    """The database's folder, and the file itself, private, before SQLite opens it."""
    parsed = make_url(url)
    path = parsed.database
    if not path or path == ":memory:" or path.startswith("file:") or parsed.query.get("uri"):
        return  # in memory, or a URI filename SQLite resolves itself
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDONLY | os.O_CREAT, PRIVATE_FILE)
    try:
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if mode & ~PRIVATE_FILE:
            try:
                os.fchmod(fd, PRIVATE_FILE)
            except PermissionError:
                log.warning("%s is readable by others and not ours to change (mode %o)",
                            path, mode)
    finally:
        os.close(fd)


def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _alembic_config(url: str, connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database to ``revision`` (the newest by default)."""
    url = engine.url.render_as_string(hide_password=False)

    def upgrade(connection: Connection) -> None:
        command.upgrade(_alembic_config(url, connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


async def migrate_down(engine: AsyncEngine, revision: str) -> None:
    """Undo migrations down to ``revision`` (``base`` for an empty database)."""
    url = engine.url.render_as_string(hide_password=False)

    def downgrade(connection: Connection) -> None:
        command.downgrade(_alembic_config(url, connection), revision)

    async with engine.begin() as connection:
        await connection.run_sync(downgrade)


async def current_revision(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with engine.connect() as connection:
        return await connection.run_sync(read)
