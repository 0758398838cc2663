"""The in-process event bus: domain events fanned out to subscribers.

Each subscriber has its own bounded queue; a subscriber that falls that far
behind is cut off (its iterator ends) rather than slowing the calls down or
growing memory without bound. Redis streams take this role when scaled out.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

DomainEvent = dict[str, Any]


class Subscription:
    """An async iterator of the events published after it was made."""

    def __init__(self, bus: EventBus, maxsize: int) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[DomainEvent | None] = asyncio.Queue(maxsize)
        self.overflowed = False
        self._ended = False

    def _offer(self, event: DomainEvent) -> None:
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
            self.close()
            self._queue.get_nowait()
            self._queue.put_nowait(None)

    def close(self) -> None:
        self._bus._subscribers.discard(self)

    def __aiter__(self) -> AsyncIterator[DomainEvent]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[DomainEvent]:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event

    async def get(self, timeout: float | None = None) -> DomainEvent | None:
        """The next event, or None when the subscription ended or time ran out."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None

    async def batch(self) -> list[DomainEvent] | None:
        """The next event and every one waiting behind it; None once the subscription
        ended. A slow reader catches up in one go instead of one wake-up an event."""
        if self._ended:
            return None
        first = await self._queue.get()
        if first is None:
            self._ended = True
            return None
        events = [first]
        while not self._queue.empty():
            event = self._queue.get_nowait()
            if event is None:
                self._ended = True  # hand over what came before the end first
                break
            events.append(event)
        return events

    def get_nowait(self) -> DomainEvent | None:
        """The next event if one is waiting, else None."""
        try:
            return self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None


#: how many recent events keep their JSON text (each goes out on every socket)
_ENCODED_KEPT = 1024


class EventBus:
    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()
        #: id -> (the event, its JSON): encoded once however many sockets send it; the
        #: event is held with its text, so its id cannot be reused while it is kept
        self._encoded: dict[int, tuple[DomainEvent, str]] = {}

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

    def publish(self, event: DomainEvent) -> None:
        for subscriber in list(self._subscribers):
            subscriber._offer(event)

    def subscribe(self, maxsize: int = 10_000) -> Subscription:
        subscription = Subscription(self, maxsize)
        self._subscribers.add(subscription)
        return subscription

    def close(self) -> None:
        for subscriber in list(self._subscribers):
            subscriber.close()
            subscriber._queue.put_nowait(None)
