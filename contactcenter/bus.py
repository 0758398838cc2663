"""The in-process event bus: domain events fanned out to subscribers.

Each subscriber has its own bounded queue; a subscriber that falls that far
behind is cut off (its iterator ends) rather than slowing the calls down or
growing memory without bound. Redis streams take this role when scaled out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

DomainEvent = dict[str, Any]


class Subscription:
    """An async iterator of the events published after it was made."""

    def __init__(self, bus: EventBus, maxsize: int) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[DomainEvent | None] = asyncio.Queue(maxsize)
        self.overflowed = False

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


    def get_nowait(self) -> DomainEvent | None:
        """The next event if one is waiting, else None."""
        try:
            return self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None


class EventBus:
    def __init__(self) -> None:
        self._subscribers: set[Subscription] = set()

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
