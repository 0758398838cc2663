"""The serve process's background tasks: one that stops is named at once and takes the
health check down; stopping cancels and awaits every one."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.server.background import Background
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, load_secret
from tests.support import until


async def test_a_task_that_dies_is_named_and_the_health_check_goes_down(tmp_path) -> None:
    background = Background()

    async def timers() -> None:
        await asyncio.sleep(0)
        raise RuntimeError("no timers any more")

    background.start("ACD", timers())
    background.start("journal sync", asyncio.Event().wait())
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    app = create_app(bus=EventBus(), journal=journal,
                     auth=Authenticator([], load_secret(tmp_path)),
                     health_check=lambda: {"background": background.status()})
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        await until(lambda: bool(background.failed))
        response = await client.get("/api/v1/health")
        assert response.status == 503
        report = (await response.json())["background"]
        assert report == {"ok": False, "running": ["journal sync"],
                          "failed": {"ACD": "RuntimeError: no timers any more"}}
    finally:
        await client.close()
        journal.close()
        await background.stop()


async def test_stopping_cancels_and_awaits_every_task() -> None:
    background = Background()
    cleaned: list[str] = []

    async def runs(name: str) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)  # its own clean-up, awaited too
            cleaned.append(name)

    tasks = [background.start(name, runs(name)) for name in ("a", "b")]
    await asyncio.sleep(0)
    await background.stop()
    assert sorted(cleaned) == ["a", "b"] and all(task.done() for task in tasks)
    assert background.status()["ok"]  # stopped on purpose: nothing failed


async def test_a_name_is_one_task() -> None:
    background = Background()
    background.start("ACD", asyncio.Event().wait())
    with pytest.raises(ValueError, match="runs already"):
        background.start("ACD", asyncio.Event().wait())
    await background.stop()
