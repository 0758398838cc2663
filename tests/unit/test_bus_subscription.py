"""A subscription's end: it stays ended, and a full subscriber ends with the bus."""

from __future__ import annotations

import asyncio

from contactcenter.events.bus import EventBus


async def test_a_reader_that_took_the_end_is_told_again_instead_of_waiting_forever() -> None:
    bus = EventBus(checked=False)  # carries anything: the bus alone
    subscription = bus.subscribe(maxsize=2)
    for n in range(5):
        bus.publish({"type": "agent.state", "n": n})
    taken = []
    while (event := subscription.get_nowait()) is not None:  # the outbox drains this way
        taken.append(event["n"])
    assert subscription.overflowed and taken == [1]
    # the guard only keeps a failing run from hanging; the answer comes at once
    assert await asyncio.wait_for(subscription.get(), 5) is None
    assert await asyncio.wait_for(subscription.batch(), 5) is None


async def test_closing_the_bus_ends_a_subscriber_whose_queue_is_full() -> None:
    bus = EventBus(checked=False)  # carries anything: the bus alone
    subscription = bus.subscribe(maxsize=2)
    for n in range(2):
        bus.publish({"type": "agent.state", "n": n})
    bus.close()
    assert [event["n"] async for event in subscription] == [0, 1]
    bus.publish({"type": "agent.state", "n": 2})  # after the end: nobody gets it
    assert await subscription.get() is None


async def test_a_reader_waiting_wakes_for_an_event_and_takes_all_that_waits() -> None:
    bus = EventBus(checked=False)  # carries anything: the bus alone
    subscription = bus.subscribe()
    reading = asyncio.ensure_future(subscription.batch())
    await asyncio.sleep(0)  # the reader is asleep now
    assert not reading.done()
    for n in range(3):
        bus.publish({"type": "agent.state", "n": n})
    assert [event["n"] for event in await reading or []] == [0, 1, 2]


async def test_an_event_framed_once_reads_back_over_a_real_websocket() -> None:
    """The frames a socket writes in one go are the ones aiohttp's own reader takes."""
    from aiohttp import WSMsgType, web
    from aiohttp.test_utils import TestClient, TestServer

    bus = EventBus(checked=False)  # carries anything: the bus alone
    events = [{"type": "agent.state", "agent": "agent101", "note": "é" * n}
              for n in (1, 200, 70_000)]  # 7-bit, 16-bit and 64-bit payload lengths

    async def stream(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        assert request.transport is not None
        request.transport.write(b"".join(bus.frame(event) for event in events))
        await socket.close()
        return socket

    app = web.Application()
    app.router.add_get("/events", stream)
    async with TestClient(TestServer(app)) as client:
        socket = await client.ws_connect("/events", max_msg_size=0)
        got = [await socket.receive() for _ in events]
    assert [message.type for message in got] == [WSMsgType.TEXT] * 3
    assert [message.data for message in got] == [bus.encoded(event) for event in events]
    assert bus.frame(events[0]) is bus.frame(events[0])
