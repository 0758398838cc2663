"""The platform in this process, wired as ``contactcenter serve`` wires it, for the scenarios.

``serve`` builds the engine, the driver and the web app with ``_wire`` and starts the
background parts (ACD, CRM outbox, screen-pops, call gate...) with ``_start_background``;
this does the same on free loopback ports, with the scenario's own queues, agents and
campaigns, and stops in ``serve``'s order. What differs by driver is only who carries
the calls: the Twilio driver ``serve`` builds (its REST pointed at the local stand-in of
Twilio's API), or, for the sim, the simulated switch put where the Asterisk driver would
send its commands (the Asterisk driver is built but never started).

The scenarios see it as a user does: the REST API and the event stream
(``/api/v1/events`` over a real WebSocket, read by the integration tests' watcher).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.config.settings import Settings, load_settings
from contactcenter.engine.campaign_book import CampaignBook
from contactcenter.engine.engine import Engine
from contactcenter.events.bus import EventBus
from contactcenter.events.crm_outbox import CrmOutbox
from contactcenter.events.journal import CallJournal
from contactcenter.server import serve
from contactcenter.server.dialing import load_crm_lists
from contactcenter.telephony.asterisk.render import CREDENTIALS_FILE, Credentials, runtime_dir
from contactcenter.telephony.twilio.driver import TwilioDriver
from contactcenter.web.pages.campaign_stream import ADMIN
from crm_core.db import make_engine, migrate, sessions

ROOT = Path(__file__).resolve().parents[2]
ADMIN_USER = ("admin", "demo-admin-pass")


class Reachable:
    """The platform's API as its users reach it: ``base_url`` and the admin's ``token``."""

    base_url: str
    token: str

    async def api(self, method: str, path: str, body: Any = None, *,
                  token: str | None = None, expect: int | None = 200) -> Any:
        """One API request as the admin (or ``token``'s user); its JSON answer."""
        headers = {"Authorization": f"Bearer {token or self.token}"}
        async with aiohttp.ClientSession() as session, session.request(
                method, f"{self.base_url}{path}", json=body, headers=headers) as answer:
            payload = await answer.json(content_type=None)
            if expect is not None:
                assert answer.status == expect, f"{method} {path}: {answer.status} {payload}"
            return payload

    async def login(self, username: str, password: str) -> str:
        async with aiohttp.ClientSession() as session, session.post(
                f"{self.base_url}/api/v1/auth/token",
                json={"username": username, "password": password}) as answer:
            assert answer.status == 200, await answer.text()
            return str((await answer.json())["token"])


@dataclass
class Served(Reachable):
    """The platform running in this process; ``http_port`` and ``token`` are what
    ``tests.integration.platform.EventWatcher`` reads."""

    base_url: str
    http_port: int
    token: str
    settings: Settings
    engine: Engine
    #: the Twilio driver, when Twilio carries the calls
    twilio: TwilioDriver | None
    app: web.Application


def write_settings(folder: Path, *, sections: Mapping[str, Any]) -> Path:
    """The demo's settings with the scenario's ``sections`` over them, in ``folder``."""
    data = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    data.pop("dialer", None)  # the demo's campaigns name the demo's scripts and lists
    data.update(state_dir=str(folder / "state"),
                scripts={"dir": str(ROOT / "config/scripts")})
    data["ivr"]["dir"] = str(ROOT / "config/ivr")
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    path = folder / "settings.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@asynccontextmanager
async def served(settings_path: Path) -> AsyncIterator[Served]:
    """The platform of ``settings_path`` up, listening on a free loopback port."""
    settings = load_settings(settings_path, environ={})
    flows = serve.check_config(settings)
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    async with _stores(settings) as (journal, book, crm):
        bus = EventBus()
        auth = await serve._authenticator(settings, crm)
        _stand_in_asterisk_credentials(settings)
        engine, carrier, app = serve._wire(settings, flows, journal, bus, crm, auth, None,
                                           book)
        driver = _twilio_of(carrier)
        await load_crm_lists(settings, engine, serve.load_queues(settings), crm)
        if ADMIN in app:
            await app[ADMIN].load_stored()
        server = TestServer(app, host="127.0.0.1")
        outbox = CrmOutbox(journal, crm)
        background = app[serve.BACKGROUND]
        serve._start_background(background, engine, journal, outbox, bus, app)
        if driver is not None:
            await driver.start()  # before the app listens, as serve does
        await server.start_server()
        running = Served(base_url=str(server.make_url("")).rstrip("/"),
                         http_port=int(server.port or 0), token="", settings=settings,
                         engine=engine, twilio=driver, app=app)
        running.token = await running.login(*ADMIN_USER)
        try:
            yield running
        finally:  # in serve's order: no request, no dial, the driver, the engine
            await server.close()
            if engine.campaigns is not None:
                await engine.campaigns.close()
            if driver is not None:
                await driver.stop()
            await engine.close()
            await background.stop()
            await outbox.flush()
            bus.close()


@asynccontextmanager
async def _stores(settings: Settings) -> AsyncIterator[
        tuple[CallJournal, CampaignBook, async_sessionmaker[AsyncSession]]]:
    """The call journal, the campaigns' book and the CRM database, closed after."""
    journal = CallJournal(settings.state_dir / "calls.jsonl")
    journal.open()
    book = CampaignBook(settings.state_dir / "campaigns.jsonl")
    book.open()
    database = make_engine(settings.database)
    try:
        await migrate(database)
        yield journal, book, sessions(database)
    finally:
        journal.close()
        book.close()
        await database.dispose()


def scenario_sections(folder: Path, *, queues: Mapping[str, Any],
                      agents: Mapping[str, Any],
                      campaigns: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The settings' sections naming the scenario's queues, agents and campaigns files
    (written to ``folder``); calls allowed at any hour, so that a run near midnight
    dials as one at noon."""
    (folder / "queues.yaml").write_text(yaml.safe_dump({"queues": dict(queues)}))
    (folder / "agents.yaml").write_text(yaml.safe_dump({"agents": dict(agents)}))
    dialer: dict[str, Any] = {"calling_hours": ["00:00", "23:59"]}
    if campaigns is not None:
        (folder / "campaigns.yaml").write_text(yaml.safe_dump({"campaigns": dict(campaigns)}))
        dialer["campaigns"] = str(folder / "campaigns.yaml")
    return {"acd": {"queues": str(folder / "queues.yaml"),
                    "agents": str(folder / "agents.yaml")},
            "dialer": dialer}


def _twilio_of(carrier: Any) -> TwilioDriver | None:
    """The Twilio driver among what ``_wire`` built: the driver itself, or one of the
    drivers behind its router."""
    if isinstance(carrier, TwilioDriver):
        return carrier
    found = getattr(carrier, "drivers", {}).get("twilio")
    return found if isinstance(found, TwilioDriver) else None


def _stand_in_asterisk_credentials(settings: Settings) -> None:
    """The Asterisk driver ``_wire`` builds reads its credentials as it is built; a
    platform whose calls the sim carries starts no Asterisk, so it gets credentials of
    none (a closed port), and the driver is never started."""
    if settings.driver != "asterisk":
        return
    values = {item.name: "unused" for item in fields(Credentials)}
    values.update(ari_url="http://127.0.0.1:9", ami_host="127.0.0.1", ami_port=9)
    folder = runtime_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CREDENTIALS_FILE).write_text(json.dumps(asdict(Credentials(**values))))
