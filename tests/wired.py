"""``serve``'s wiring for tests that need the engine, its drivers' router and the web app
as ``serve`` builds them, without starting a driver or the background parts: the state
folder made, the journal open, the CRM migrated, everything closed after."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from aiohttp import web

from contactcenter.config.settings import Settings
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.server.serve import _wire, check_config
from contactcenter.telephony.router import DriverRouter
from contactcenter.web.auth import Authenticator, load_secret
from crm_core.db import make_engine, migrate, sessions
from crm_core.users import UserRecord


@dataclass
class Wired:
    engine: Engine
    router: DriverRouter
    app: web.Application
    journal: CallJournal


@contextlib.asynccontextmanager
async def wired(settings: Settings, users: Sequence[UserRecord] = ()) -> AsyncIterator[Wired]:
    """The platform ``settings`` describe, wired; ``users``: who may sign in."""
    flows = check_config(settings)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    journal = CallJournal(settings.state_dir / "calls.jsonl")
    journal.open()
    database = make_engine(settings.database)
    await migrate(database)
    auth = Authenticator(list(users), load_secret(settings.state_dir))
    engine, router, app = _wire(settings, flows, journal, EventBus(), sessions(database), auth)
    try:
        yield Wired(engine, router, app, journal)
    finally:
        await engine.close()
        journal.close()
        await database.dispose()
