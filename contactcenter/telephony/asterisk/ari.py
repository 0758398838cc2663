"""ARI over aiohttp: REST requests and the events WebSocket, with reconnection.

The events socket is kept open by ``AriEventStream.run``: after each (re)connect
it calls ``on_connect`` so the owner can resync its calls with what Asterisk
still has, then delivers events in order. Backoff doubles from 0.2 s to 10 s.
ARI takes ``api_key=user:password`` on every request, which spares the
deprecated ``BasicAuth`` of aiohttp 3.14; we send the same credentials as an
HTTP Basic header instead, which keeps them out of URLs and so out of logs.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from contactcenter.telephony.asterisk.translate import AriRequest

log = logging.getLogger(__name__)


class AriError(Exception):
    """ARI answered a request with an error status."""

    def __init__(self, status: int, method: str, path: str, message: str) -> None:
        self.status = status
        super().__init__(f"ARI {method} {path}: {status} {message}")


class AriClient:
    """REST side of ARI."""

    def __init__(self, base_url: str, user: str, password: str, app: str,
                 session: aiohttp.ClientSession) -> None:
        self.base_url = base_url.rstrip("/")
        self.app = app
        self._session = session
        self.set_credentials(user, password)

    def set_credentials(self, user: str, password: str) -> None:
        # HTTP Basic in a header, never in the URL: aiohttp puts URLs in its errors,
        # and errors end up in logs (aiohttp 3.14 deprecates BasicAuth, hence by hand)
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self._headers = {"Authorization": f"Basic {token}"}

    async def send(self, request: AriRequest) -> Any:
        """Carry out one request; statuses it tolerates return None."""
        url = f"{self.base_url}/ari{request.path}"
        async with self._session.request(request.method, url, params=list(request.params),
                                         json=request.body, headers=self._headers) as response:
            if response.status in request.tolerated:
                return None
            body = await response.read()
            if response.status >= 400:
                raise AriError(response.status, request.method, request.path,
                               body.decode(errors="replace")[:200])
            return json.loads(body) if body else None

    async def get(self, path: str) -> Any:
        return await self.send(AriRequest("GET", path))

    def events_url(self) -> str:
        ws_base = self.base_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
        return f"{ws_base}/ari/events?app={self.app}"

    async def open_events(self) -> aiohttp.ClientWebSocketResponse:
        return await self._session.ws_connect(self.events_url(), heartbeat=20,
                                              headers=self._headers)


def _describe(exc: BaseException) -> str:
    """What went wrong, without the URL (which aiohttp puts in some messages)."""
    status = getattr(exc, "status", None)
    return f"{type(exc).__name__} {status}" if status else type(exc).__name__


EventHandler = Callable[[dict[str, Any]], Awaitable[None] | None]


class AriEventStream:
    """Keeps the events WebSocket open and hands every event to ``on_event``."""

    def __init__(self, client: AriClient, on_event: EventHandler,
                 on_connect: Callable[[], Awaitable[None]],
                 min_backoff: float = 0.2, max_backoff: float = 10.0,
                 before_connect: Callable[[], None] | None = None) -> None:
        self._client = client
        self._before_connect = before_connect
        self._on_event = on_event
        self._on_connect = on_connect
        self._min_backoff = min_backoff
        self._max_backoff = max_backoff
        self.connected = asyncio.Event()

    async def run(self) -> None:
        backoff = self._min_backoff
        while True:
            if self._before_connect is not None:
                self._before_connect()
            try:
                socket = await self._client.open_events()
            except (aiohttp.ClientError, OSError) as exc:
                log.warning("ARI events: cannot connect (%s); retry in %.1f s",
                            _describe(exc), backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            try:
                await self._pump(socket)
                backoff = self._min_backoff
                log.warning("ARI events: connection lost; reconnecting")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("ARI events: %s; reconnecting in %.1f s", _describe(exc), backoff,
                            exc_info=True)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
            finally:
                self.connected.clear()
                await socket.close()

    async def _pump(self, socket: aiohttp.ClientWebSocketResponse) -> None:
        await self._on_connect()
        self.connected.set()
        log.info("ARI events: connected")
        async for message in socket:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            try:
                event = json.loads(message.data)
            except ValueError:
                log.warning("ARI events: undecodable message dropped")
                continue
            result = self._on_event(event)
            if result is not None:
                await result
