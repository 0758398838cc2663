"""Board WebSockets for the fan-out benchmark, run as a process of their own.

    python bench/fanout_clients.py PORT TOKEN SOCKETS OUTPUT

Opens SOCKETS connections to ``/api/v1/events`` with the supervisor board's
``types`` filter (contactcenter/web/pages/static/board.js), prints ``connected``
once every hello came, and then, per frame, stamps ``time.time()`` as it is read and
keeps the delay from the event's own ``time`` (serve's clock at the publish). On
SIGTERM it writes to OUTPUT (pickle): the event time and delay of every (event,
socket) pair, and per event its key, how many sockets got it and the largest delay.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import signal
import sys
import time
from array import array
from typing import Any

import aiohttp

#: what the supervisor board subscribes to (board.js ``connectEvents``)
BOARD_TYPES = ("queue.stats,agent.state,call.arrived,call.queued,call.offered,"
               "call.answered,call.ended")


class Sink:
    """Every delay, and per event (type, subject, time) the sockets and worst delay."""

    def __init__(self) -> None:
        self.event_times = array("d")
        self.delays = array("d")
        self.events: dict[tuple[str, str, float], list[float]] = {}
        self.closed: list[int | None] = []  #: close codes of sockets the app closed

    def add(self, text: str, at: float) -> None:
        event = json.loads(text)
        sent = float(event["time"])
        delay = at - sent
        self.event_times.append(sent)
        self.delays.append(delay)
        subject = event.get("agent") or event.get("queue") or event.get("call_id") or ""
        key = (str(event["type"]), str(subject), sent)
        seen = self.events.get(key)
        if seen is None:
            self.events[key] = [1, delay]
        else:
            seen[0] += 1
            seen[1] = max(seen[1], delay)


async def board(session: aiohttp.ClientSession, url: str, token: str, sink: Sink,
                ready: asyncio.Queue[None]) -> None:
    async with session.ws_connect(url, headers={"Authorization": f"Bearer {token}"},
                                  max_msg_size=0, autoping=True) as socket:
        hello = await socket.receive_json(timeout=30)
        assert hello["type"] == "hello", hello
        ready.put_nowait(None)
        async for message in socket:
            at = time.time()
            if message.type is aiohttp.WSMsgType.TEXT:
                sink.add(message.data, at)
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.ERROR):
                break
        sink.closed.append(socket.close_code)  # the app closed it (a cancel skips this)


async def main(port: int, token: str, sockets: int) -> dict[str, Any]:
    sink = Sink()
    url = f"http://127.0.0.1:{port}/api/v1/events?types={BOARD_TYPES}"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    ready: asyncio.Queue[None] = asyncio.Queue()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        tasks = [asyncio.ensure_future(board(session, url, token, sink, ready))
                 for _ in range(sockets)]
        for _ in range(sockets):
            await ready.get()
        print("connected", flush=True)
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {"event_times": sink.event_times.tobytes(), "delays": sink.delays.tobytes(),
            "events": sink.events, "closed": sink.closed, "cpu": time.process_time()}


if __name__ == "__main__":
    result = asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
    with open(sys.argv[4], "wb") as handle:
        pickle.dump(result, handle)
