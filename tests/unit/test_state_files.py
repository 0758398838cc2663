"""What the platform writes into its state folder is for its own account alone: the
CRM's SQLite database (password hashes, personal data) with SQLite's own files, the
call journal, the agents' states; the folder is 0700, each file 0600, whatever the
umask the platform was started with."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from contactcenter.engine.agent_store import AgentStateStore
from contactcenter.events.journal import CallJournal
from contactcenter.server.statedir import prepare_state_dir
from crm_core.db import make_engine


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """A usual login's umask (files 0644), given back after the test."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def test_the_call_journal_is_private_new_or_old(tmp_path: Path) -> None:
    journal = CallJournal(tmp_path / "var" / "calls.jsonl")
    journal.open()
    journal.append({"type": "call.arrived", "call_id": "c1", "caller": "+1555", "time": 1.0})
    journal.close()
    assert mode(journal.path) == 0o600
    journal.path.chmod(0o644)  # written by an earlier version
    journal.open()
    journal.close()
    assert mode(journal.path) == 0o600


def test_the_agents_states_are_private_when_saved_and_rewritten(tmp_path: Path) -> None:
    store = AgentStateStore(tmp_path / "agents.jsonl")
    store.save("agent101", "paused", "lunch")
    store.close()
    assert mode(store.path) == 0o600
    store.path.chmod(0o644)
    assert store.load() == {"agent101": ("paused", "lunch")}  # rewritten at start
    assert mode(store.path) == 0o600
    assert [path.name for path in tmp_path.iterdir()] == ["agents.jsonl"]


async def test_the_crm_database_and_sqlites_own_files_are_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "cc.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE users (hash TEXT)"))
            await connection.execute(text("INSERT INTO users VALUES ('scrypt$...')"))
            # mid-transaction: SQLite's rollback journal is there
            assert {p.name: mode(p) for p in path.parent.iterdir()} == {
                "cc.db": 0o600, "cc.db-journal": 0o600}
        async with engine.begin() as connection:
            await connection.execute(text("PRAGMA journal_mode=WAL"))
            await connection.execute(text("INSERT INTO users VALUES ('scrypt$...')"))
        assert {p.name: mode(p) for p in path.parent.iterdir()} == {
            "cc.db": 0o600, "cc.db-wal": 0o600, "cc.db-shm": 0o600}
    finally:
        await engine.dispose()


async def test_an_older_looser_database_is_made_private(tmp_path: Path) -> None:
    path = tmp_path / "cc.db"
    path.touch(mode=0o644)
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await engine.dispose()
    assert mode(path) == 0o600


def test_the_state_folder_is_made_private_and_so_is_what_was_in_it(tmp_path: Path) -> None:
    state = tmp_path / "var"
    state.mkdir(mode=0o755)
    for name in ("cc.db", "cc.db-wal", "calls.jsonl", "agents.jsonl"):
        (state / name).write_text("")
        (state / name).chmod(0o644)
    (state / "asterisk").mkdir()
    prepare_state_dir(state)
    assert mode(state) == 0o700
    assert {p.name: mode(p) for p in state.iterdir() if p.is_file()} == dict.fromkeys(
        ("cc.db", "cc.db-wal", "calls.jsonl", "agents.jsonl"), 0o600)
    # what the process creates from now on (SQLite, Asterisk's rendered config) is too
    (state / "later.conf").write_text("secret")
    (state / "asterisk" / "etc").mkdir()
    assert (mode(state / "later.conf"), mode(state / "asterisk" / "etc")) == (0o600, 0o700)


def test_tightening_keeps_the_owners_own_bits(tmp_path: Path) -> None:
    state = tmp_path / "var"
    state.mkdir(mode=0o755)
    script = state / "backup.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    prepare_state_dir(state)
    assert mode(script) == 0o700  # no longer the group's or others', still runnable


def test_a_new_state_folder_is_private(tmp_path: Path) -> None:
    prepare_state_dir(tmp_path / "deep" / "var")
    assert mode(tmp_path / "deep" / "var") == 0o700
