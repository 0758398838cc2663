"""``serve``'s platform put together in the process, without a listening socket or a
driver's connection: for the tests that drive the engine and the web app as ``serve``
builds them, and for the benchmarks that measure them.

The state folder is made, the journal opened, the CRM migrated; with ``background`` the
parts ``serve`` runs beside the calls start too (the ACD's sender and timers, the CRM
outbox, agents' time, the screen-pops, the call gate, call control). Everything is closed after.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from aiohttp import web

from contactcenter.config.settings import Settings
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.crm_outbox import CrmOutbox
from contactcenter.events.journal import CallJournal
from contactcenter.server.agent_time import agent_time_outbox
from contactcenter.server.serve import (
    BACKGROUND,
    _start_background,
    _wire,
    check_config,
    load_queues,
)
from contactcenter.telephony.router import DriverRouter
from contactcenter.web.auth import Authenticator, load_secret
from crm_core.db import make_engine, migrate, sessions
from crm_core.users import UserRecord


@dataclass
class Assembled:
    engine: Engine
    #: what ``serve`` sends commands through: a router of engines, or the one driver
    router: DriverRouter
    app: web.Application
    journal: CallJournal


@contextlib.asynccontextmanager
async def assembled(settings: Settings, users: Sequence[UserRecord] = (), *,
                    background: bool = False) -> AsyncIterator[Assembled]:
    """The platform ``settings`` describe; ``users``: who may sign in."""
    flows = check_config(settings)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    journal = CallJournal(settings.state_dir / "calls.jsonl")
    journal.open()
    database = make_engine(settings.database)
    await migrate(database)
    auth = Authenticator(list(users), load_secret(settings.state_dir))
    bus, crm = EventBus(), sessions(database)
    agent_time = agent_time_outbox(settings, load_queues(settings), crm, bus) \
        if background else None  # listening before the agents come back
    engine, router, app = _wire(settings, flows, journal, bus, crm, auth)
    outbox = CrmOutbox(journal, crm)
    if agent_time is not None:
        _start_background(app[BACKGROUND], engine, journal, outbox, bus, app)
        app[BACKGROUND].start("agents' time", agent_time.run(bus))
    try:
        yield Assembled(engine, router, app, journal)
    finally:
        await engine.close()
        await app[BACKGROUND].stop()
        await outbox.flush()
        if agent_time is not None:
            await agent_time.close()
        bus.close()
        journal.close()
        await database.dispose()
