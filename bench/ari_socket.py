"""One ARI application's events socket for the benchmarks' observers: subscribed to
everything (``subscribeAll``), narrowed by Asterisk to the event types asked for, each
decoded message handed to a callback."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
from collections.abc import Callable, Iterable
from typing import Any

import aiohttp


class AriSocket:
    def __init__(self, app: str, events: Iterable[str],
                 on_message: Callable[[dict[str, Any]], None]) -> None:
        self.app = app
        self.events = tuple(events)
        self._on_message = on_message
        self._session: aiohttp.ClientSession | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self, ari_url: str, user: str, password: str) -> None:
        """Open the events socket, then narrow what Asterisk sends to ``events``."""
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._session = aiohttp.ClientSession(headers={"Authorization": f"Basic {token}"})
        ws_url = ari_url.replace("http", "ws", 1) + "/ari/events"
        socket = await self._session.ws_connect(
            ws_url, params={"app": self.app, "subscribeAll": "true"}, heartbeat=20)
        self._task = asyncio.ensure_future(self._read(socket))
        allowed = {"allowed": [{"type": kind} for kind in self.events]}
        async with self._session.put(f"{ari_url}/ari/applications/{self.app}/eventFilter",
                                     json=allowed) as response:
            response.raise_for_status()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._session is not None:
            await self._session.close()

    async def _read(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        async for message in socket:
            if message.type is aiohttp.WSMsgType.TEXT:
                self._on_message(json.loads(message.data))
