"""The CRM API on a real aiohttp server over the test database, with one user per role.

Shared by the API tests. Users get a hash made once per run (scrypt is slow
by design) and bearer tokens issued directly; signing in over HTTP has its
own tests.
"""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, Principal, load_secret
from crm_core.db import sessions
from crm_core.models import User
from crm_core.users import hash_password, load_users

PASSWORD = "correct-horse-battery"
_HASH: list[str] = []
#: role -> (username, agent endpoint)
PEOPLE = {"admin": ("root", None), "supervisor": ("sue", None), "agent": ("agent101", "agent101"),
          "sales": ("sam", None), "marketing": ("mia", None), "manager": ("max", None)}


def password_hash() -> str:
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


@dataclass
class Api:
    client: TestClient
    app: web.Application
    auth: Authenticator
    engine: AsyncEngine

    def token(self, role: str) -> str:
        username, agent = PEOPLE[role]
        return self.auth.issue(Principal(username, role, agent), time.time())

    async def call(self, method: str, path: str, role: str | None = "admin",
                   **kwargs: Any) -> tuple[int, Any]:
        """Status and JSON body (None when there is none) of one request as ``role``."""
        headers = dict(kwargs.pop("headers", {}))
        if role is not None:
            headers["Authorization"] = f"Bearer {self.token(role)}"
        async with self.client.request(method, path, headers=headers, **kwargs) as response:
            body = await response.json() if response.content_type == "application/json" else None
            return response.status, body

    async def create(self, collection: str, body: dict[str, Any], role: str = "admin") -> Any:
        status, created = await self.call("POST", f"/api/v1/{collection}", role, json=body)
        assert status == 201, created
        return created


async def start_api(engine: AsyncEngine, tmp_path: Path,
                    tls: ssl.SSLContext | None = None, **parts: Any) -> Api:
    """The app on a loopback port; over HTTPS when given a server TLS context; ``parts``
    go to ``create_app`` (a distributor, click-to-talk...)."""
    crm = sessions(engine)
    async with crm() as session, session.begin():
        session.add_all(User(username=username, role=role, agent=agent, active=True,
                             password_hash=password_hash())
                        for role, (username, agent) in PEOPLE.items())
    auth = Authenticator(await load_users(crm), load_secret(tmp_path))
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    app = create_app(bus=EventBus(), journal=journal, auth=auth, health_check=dict,
                     database=crm, **parts)
    app.on_cleanup.append(lambda _app: _close(journal))
    server = TestServer(app)
    await server.start_server(ssl=tls)
    client = TestClient(server)
    await client.start_server()
    return Api(client, app, auth, engine)


async def _close(journal: CallJournal) -> None:
    journal.close()
