"""The platform's web app as ``contactcenter serve`` wires it (the demo config: CRM, ACD,
desk, click-to-talk, monitoring, the browser phone), served on a loopback port from a
thread of its own, so that a synchronous HTTP client (schemathesis's) can call it.

Asterisk is absent: the driver gets a credentials file that points nowhere and is
never started, and what the engine would send to it is dropped. The CRM is a SQLite
file, or the database at ``database_url`` (``own_database`` makes one on PostgreSQL),
seeded with the demo's customers.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from contactcenter.config.settings import Settings, load_settings
from contactcenter.desk import desk_scripts
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.server.serve import _authenticator, _wire, check_config, load_queues
from contactcenter.telephony.asterisk.render import CREDENTIALS_FILE, Credentials, runtime_dir
from contactcenter.web.auth import Authenticator, Principal
from contactcenter.web.http import SERVER_ERRORS, ServerErrors
from crm_core.db import make_engine, migrate, sessions
from crm_core.seed import seed_demo
from tests.support import HOST, free_port, missing

ROOT = Path(__file__).resolve().parents[2]
#: CI's PostgreSQL, as the CRM tests have it (tests/crm/conftest.py)
POSTGRES_URL = os.environ.get("CC_TEST_POSTGRES_URL",
                              "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
#: a fixed day for the seeded history, so that every run fuzzes the same rows
SEED_DAY = dt.date(2026, 11, 2)


@dataclass
class Served:
    """The running app: its URL, a way to sign in as its admin, what went wrong in it."""

    base_url: str
    app: web.Application
    auth: Authenticator
    _stop: asyncio.Event
    _loop: asyncio.AbstractEventLoop
    _thread: threading.Thread
    sent: list[Any] = field(default_factory=list)

    def admin_token(self) -> str:
        """A new token for the demo's admin: each request may sign its token out."""
        return self.auth.issue(Principal("admin", "admin", None), time.time())

    @property
    def server_errors(self) -> ServerErrors:
        return self.app[SERVER_ERRORS]

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)


def _settings(state: Path, database_url: str | None) -> Settings:
    environ = {"CC_STATE_DIR": str(state), "CC_ASTERISK_OUTBOUND_HOST": HOST}
    if database_url is not None:
        environ["CC_DATABASE_URL"] = database_url
    return load_settings(ROOT / "config/demo.yaml", environ)


def _no_asterisk(settings: Settings) -> None:
    """Credentials the driver reads when it is made, for an Asterisk that is not there."""
    folder = runtime_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    nowhere = Credentials(ari_url=f"http://{HOST}:9", ari_user="none", ari_password="none",
                          ami_host=HOST, ami_port=9, ami_user="none", ami_password="none",
                          app="none")
    (folder / CREDENTIALS_FILE).write_text(json.dumps(dataclasses.asdict(nowhere)))


async def _run(settings: Settings, port: int, started: Future[Served],
               thread: threading.Thread) -> None:
    flows = check_config(settings)
    scripts = desk_scripts(settings, load_queues(settings).queues)
    journal = CallJournal(settings.state_dir / "calls.jsonl")
    journal.open()
    database = make_engine(settings.database)
    await migrate(database)
    crm = sessions(database)
    await seed_demo(crm, customers=20, today=SEED_DAY)
    auth = await _authenticator(settings, crm)
    _no_asterisk(settings)
    engine, _driver, app = _wire(settings, flows, journal, EventBus(), crm, auth, scripts)
    stop = asyncio.Event()
    served = Served(f"http://{HOST}:{port}", app, auth, stop, asyncio.get_running_loop(),
                    thread)

    async def dropped(command: Any) -> None:
        served.sent.append(command)

    engine.send = dropped
    assert engine.distributor is not None
    for agent in ("agent101", "agent102"):  # phones that could ring
        engine.distributor.registration(agent, True)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, HOST, port).start()
        started.set_result(served)
        await stop.wait()
    finally:
        await runner.cleanup()
        await engine.close()
        journal.close()
        await database.dispose()


@contextlib.contextmanager
def own_database() -> Iterator[str]:
    """A PostgreSQL database of its own (on CI's server), dropped afterwards."""
    name = f"fuzz_{uuid.uuid4().hex[:12]}"
    admin = POSTGRES_URL

    async def run(statement: str) -> None:
        engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                await connection.execute(text(statement))
        finally:
            await engine.dispose()

    try:
        asyncio.run(run(f'CREATE DATABASE "{name}"'))
    except (OSError, Exception) as exc:  # noqa: BLE001 - any failure to reach it
        missing(f"PostgreSQL at {admin} is not reachable: {exc}")
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(run(f'DROP DATABASE "{name}" WITH (FORCE)'))


def serve_in_thread(state: Path, database_url: str | None = None) -> Served:
    """Start the app; it runs until ``stop``."""
    state.mkdir(parents=True, exist_ok=True)
    settings = _settings(state, database_url)
    started: Future[Served] = Future()

    def run() -> None:
        try:
            asyncio.run(_run(settings, free_port(), started, thread))
        except BaseException as exc:
            if not started.done():
                started.set_exception(exc)
            raise

    thread = threading.Thread(target=run, name="served-app", daemon=True)
    thread.start()
    return started.result(timeout=120)
