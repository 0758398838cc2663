"""A supervisor who oversees some queues sees those: their figures, their agents, the
events that name them; they set the state of those agents only."""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.acd import Acd, parse_acd
from contactcenter.engine.distribution import Distributor
from contactcenter.web.keys import BUS
from contactcenter.web.scope import Scopes
from tests.crm.api_client import Api, start_api

CONFIG = parse_acd({"queues": {"sales": {}, "support": {}}},
                   {"agents": {"agent101": {"queues": {"sales": 1}},
                               "agent102": {"queues": {"support": 1}}}})


@pytest.fixture
async def api(engine: AsyncEngine, tmp_path: Path) -> AsyncIterator[Api]:
    async def send(command: Any) -> None:
        pass

    distributor = Distributor(Acd(CONFIG), send=send, publish=lambda event: None,
                              clock=asyncio.get_running_loop().time)
    for agent in ("agent101", "agent102"):
        distributor.registration(agent, True)
    scoped = Scopes({"sue": frozenset({"sales"})},
                    {name: frozenset(agent.queues) for name, agent in CONFIG.agents.items()})
    started = await start_api(engine, tmp_path, distributor=distributor, supervised=scoped)
    yield started
    await started.client.close()


async def test_a_scoped_supervisor_sees_and_steers_only_their_queues(api: Api) -> None:
    _, queues = await api.call("GET", "/api/v1/queues", "supervisor")
    assert set(queues["queues"]) == {"sales"}
    _, agents = await api.call("GET", "/api/v1/agents", "supervisor")
    assert set(agents["agents"]) == {"agent101"}
    status, _ = await api.call("PUT", "/api/v1/agents/agent101/state", "supervisor",
                               json={"state": "available"})
    assert status == 200
    status, body = await api.call("PUT", "/api/v1/agents/agent102/state", "supervisor",
                                  json={"state": "available"})
    assert status == 403 and "none of your queues" in body["error"]
    _, everything = await api.call("GET", "/api/v1/queues", "admin")  # admins: all
    assert set(everything["queues"]) == {"sales", "support"}


async def test_the_stream_carries_only_their_queues_news(api: Api) -> None:
    token = api.token("supervisor")
    async with api.client.ws_connect("/api/v1/events",
                                     headers={"Authorization": f"Bearer {token}"}) as socket:
        assert (await socket.receive_json())["type"] == "hello"
        bus = api.app[BUS]
        bus.publish({"type": "queue.stats", "queue": "support", "waiting": 3, "time": 1.0})
        bus.publish({"type": "agent.state", "agent": "agent102", "state": "paused",
                     "time": 1.0})
        bus.publish({"type": "call.ended", "call_id": "c9", "time": 1.0})  # names neither
        bus.publish({"type": "queue.stats", "queue": "sales", "waiting": 1, "time": 1.0})
        got = [await socket.receive_json(timeout=2) for _ in range(2)]
    assert [(e["type"], e.get("queue")) for e in got] == [("call.ended", None),
                                                          ("queue.stats", "sales")]


async def test_their_board_is_built_for_their_queues(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.token('supervisor')}"}
    async with api.client.get("/supervisor", headers=headers) as response:
        assert response.status == 200
        page = await response.text()
    data = json.loads(html.unescape(
        re.search(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.DOTALL)[1]))
    assert set(data["queues"]) == {"sales"} and set(data["agents"]) == {"agent101"}
    assert data["scope"] == "sales"
