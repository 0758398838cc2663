"""The in-process event bus: domain events fanned out to subscribers.

Each subscriber has its own bounded queue; a subscriber that falls that far
behind is cut off (its iterator ends) rather than slowing the calls down or
growing memory without bound. Redis streams take this role when scaled out.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

from contactcenter.events.catalogue import Checker, strict_from_environment

DomainEvent = dict[str, Any]


class Subscription:
    """An async iterator of the events published after it was made, for one reader.

    Events wait in a deque and the reader sleeps on one future: publishing to a
    subscriber is an append, and a reader takes everything waiting in one step. (An
    ``asyncio.Queue`` per subscriber spent a tenth of serve's CPU in its own
    bookkeeping when 200 board sockets followed every agent's change.)
    """

    def __init__(self, bus: EventBus, maxsize: int) -> None:
        self._bus = bus
        self._maxsize = maxsize
        self._events: deque[DomainEvent] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.overflowed = False
        self._ended = False  #: nothing comes after the events waiting (cut off, bus closed)

    def _offer(self, event: DomainEvent) -> None:
        if self._ended:
            return
        if len(self._events) >= self._maxsize:
            self.overflowed = True
            self.close()
            self._events.popleft()  # the end takes a place, as a full queue's marker did
            self._end()
            return
        self._events.append(event)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _end(self) -> None:
        self._ended = True
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def close(self) -> None:
        self._bus._unsubscribe(self)

    async def _wait(self) -> None:
        """Until an event waits or the subscription has ended."""
        while not self._events and not self._ended:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            try:
                await waiter
            finally:
                self._waiter = None

    def __aiter__(self) -> AsyncIterator[DomainEvent]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[DomainEvent]:
        while (event := await self.get()) is not None:
            yield event

    async def get(self, timeout: float | None = None) -> DomainEvent | None:
        """The next event, or None when the subscription ended or time ran out."""
        if not self._events and not self._ended:
            try:
                await asyncio.wait_for(self._wait(), timeout)
            except TimeoutError:
                return None
        return self._events.popleft() if self._events else None

    async def batch(self) -> list[DomainEvent] | None:
        """The next event and every one waiting behind it; None once the subscription
        ended. A slow reader catches up in one go instead of one wake-up an event."""
        await self._wait()
        if not self._events:
            return None
        events = list(self._events)
        self._events.clear()
        return events

    def get_nowait(self) -> DomainEvent | None:
        """The next event if one is waiting, else None."""
        return self._events.popleft() if self._events else None


#: how many recent events keep their JSON text (each goes out on every socket)
_ENCODED_KEPT = 1024


class EventBus:
    def __init__(self, checker: Checker | None = None, *, checked: bool = True) -> None:
        """Each event is checked against the catalogue (``contactcenter.events``) as it
        is published; one of a type it does not have is not sent (``checked=False``: a
        bus that carries anything, for its own tests)."""
        self._checker = (checker or Checker(strict=strict_from_environment())) \
            if checked else None
        self._subscribers: set[Subscription] = set()
        #: who gets the next event: a snapshot, so a subscriber cut off while an event is
        #: handed out does not change what the loop walks
        self._fan_out: tuple[Subscription, ...] = ()
        #: id -> (the event, its JSON): encoded once however many sockets send it; the
        #: event is held with its text, so its id cannot be reused while it is kept
        self._encoded: dict[int, tuple[DomainEvent, str]] = {}
        self._frames: dict[int, tuple[DomainEvent, bytes]] = {}  #: the same, framed

    def encoded(self, event: DomainEvent) -> str:
        """The event as JSON text, made once for every subscriber that sends it."""
        hit = self._encoded.get(id(event))
        if hit is not None and hit[0] is event:
            return hit[1]
        text = json.dumps(event)
        self._encoded[id(event)] = (event, text)
        if len(self._encoded) > _ENCODED_KEPT:
            del self._encoded[next(iter(self._encoded))]
        return text

    def frame(self, event: DomainEvent) -> bytes:
        """The event as one WebSocket text frame, made once for every socket that sends
        it: a socket can then write all the frames of a batch with one system call (one
        ``send()`` per frame per socket was half of serve's CPU with 200 boards open).
        RFC 6455 5.2: FIN and opcode 1 (text), no mask (a server's frames have none),
        the payload length in 7 bits, or 126 and 16 bits, or 127 and 64 bits."""
        hit = self._frames.get(id(event))
        if hit is not None and hit[0] is event:
            return hit[1]
        payload = self.encoded(event).encode()
        size = len(payload)
        if size < 126:
            header = bytes((0x81, size))
        elif size < 1 << 16:
            header = bytes((0x81, 126)) + size.to_bytes(2, "big")
        else:
            header = bytes((0x81, 127)) + size.to_bytes(8, "big")
        data = self._frames[id(event)] = (event, header + payload)
        if len(self._frames) > _ENCODED_KEPT:
            del self._frames[next(iter(self._frames))]
        return data[1]

    def publish(self, event: DomainEvent) -> None:
        if self._checker is not None and not self._checker.admit(event):
            return
        for subscriber in self._fan_out:
            subscriber._offer(event)

    def subscribe(self, maxsize: int = 10_000) -> Subscription:
        subscription = Subscription(self, maxsize)
        self._subscribers.add(subscription)
        self._fan_out = tuple(self._subscribers)
        return subscription

    def _unsubscribe(self, subscription: Subscription) -> None:
        if subscription in self._subscribers:
            self._subscribers.discard(subscription)
            self._fan_out = tuple(self._subscribers)

    def close(self) -> None:
        """Every subscription ends once its reader has taken what waits for it."""
        for subscriber in list(self._subscribers):
            subscriber.close()
            subscriber._end()
