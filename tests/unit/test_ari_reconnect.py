"""The ARI events stream reconnects with backoff and resyncs before new events.

A small aiohttp server stands in for Asterisk's HTTP server: it speaks the
ARI events WebSocket and drops it, as Asterisk does when it restarts.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from contactcenter.telephony.asterisk.ari import AriClient, AriError, AriEventStream
from contactcenter.telephony.asterisk.translate import AriRequest


async def _ari_server(drops: int) -> tuple[TestServer, dict]:
    state = {"connections": 0, "auth": [], "urls": []}

    async def events(request: web.Request) -> web.WebSocketResponse:
        state["auth"].append(request.headers.get("Authorization"))
        state["urls"].append(str(request.url))
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        state["connections"] += 1
        await socket.send_json({"type": "Marker", "connection": state["connections"]})
        if state["connections"] <= drops:
            await socket.close()
        else:
            async for _message in socket:  # answers the client's close, like Asterisk
                pass
        return socket

    async def missing(request: web.Request) -> web.Response:
        return web.json_response({"message": "Channel not found"}, status=404)

    app = web.Application()
    app.router.add_get("/ari/events", events)
    app.router.add_delete("/ari/channels/{id}", missing)
    server = TestServer(app)
    await server.start_server()
    return server, state


async def test_the_stream_reconnects_and_resyncs_each_time() -> None:
    server, state = await _ari_server(drops=2)
    received: list[int] = []
    order: list[str] = []

    async def on_connect() -> None:
        order.append("resync")

    def on_event(event: dict) -> None:
        order.append("event")
        received.append(event["connection"])

    async with aiohttp.ClientSession() as session:
        client = AriClient(str(server.make_url("")), "user", "secret", "cc", session)
        stream = AriEventStream(client, on_event, on_connect, min_backoff=0.01)
        task = asyncio.ensure_future(stream.run())
        for _ in range(200):
            if len(received) == 3:
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await server.close()
    assert received == [1, 2, 3]
    assert order == ["resync", "event"] * 3
    assert state["auth"] == ["Basic dXNlcjpzZWNyZXQ="] * 3  # base64 of user:secret
    assert not any("secret" in url for url in state["urls"])  # never in a URL, so never logged


async def test_a_failing_resync_does_not_end_the_stream() -> None:
    server, state = await _ari_server(drops=0)
    attempts: list[int] = []

    async def flaky_resync() -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise ConnectionResetError("Asterisk went away during the resync")

    async with aiohttp.ClientSession() as session:
        client = AriClient(str(server.make_url("")), "user", "secret", "cc", session)
        stream = AriEventStream(client, lambda e: None, flaky_resync, min_backoff=0.01)
        task = asyncio.ensure_future(stream.run())
        for _ in range(300):
            if stream.connected.is_set():
                break
            await asyncio.sleep(0.01)
        connected = stream.connected.is_set()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await server.close()
    assert connected and len(attempts) == 2 and state["connections"] == 2


async def test_the_stream_waits_longer_while_asterisk_is_away() -> None:
    sleeps: list[float] = []

    async with aiohttp.ClientSession() as session:
        client = AriClient("http://127.0.0.1:9", "u", "p", "cc", session)  # nothing listens
        stream = AriEventStream(client, lambda e: None, _nothing, min_backoff=0.001,
                                max_backoff=0.004)
        real_sleep = asyncio.sleep

        async def fake_sleep(delay: float) -> None:
            sleeps.append(delay)
            if len(sleeps) >= 5:
                raise asyncio.CancelledError
            await real_sleep(0)

        asyncio.sleep = fake_sleep  # type: ignore[assignment]
        try:
            with contextlib.suppress(asyncio.CancelledError):
                await stream.run()
        finally:
            asyncio.sleep = real_sleep  # type: ignore[assignment]
    assert sleeps == [0.001, 0.002, 0.004, 0.004, 0.004]


async def _nothing() -> None:
    return None


async def test_tolerated_statuses_are_not_errors_and_others_are() -> None:
    server, _ = await _ari_server(drops=0)
    async with aiohttp.ClientSession() as session:
        client = AriClient(str(server.make_url("")), "u", "p", "cc", session)
        assert await client.send(AriRequest("DELETE", "/channels/x", (), (404,))) is None
        try:
            await client.send(AriRequest("DELETE", "/channels/x"))
        except AriError as error:
            assert error.status == 404 and "Channel not found" in str(error)
        else:
            raise AssertionError("a 404 that is not tolerated must raise")
    await server.close()
