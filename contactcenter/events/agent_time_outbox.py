"""Agents' states go to the CRM as they change, for occupancy from history.

The ``agent.state`` events are written in batches (``crm_core.agent_states``), and
a failed write is kept and tried again with a doubling pause, like the calls'
outbox. At start the changes the agents' state file kept from before the restart
(``engine.agent_store``, the outbox) are offered first, since some may never have
reached the CRM, and then the states left open by a crash are ended where they
were last seen; every minute while running the open states are marked seen.
At a clean stop ``close`` ends them all then.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.events.bus import DomainEvent, EventBus, Subscription
from crm_core.agent_states import (
    STATES,
    StateChange,
    close_all,
    close_left_open,
    mark_seen,
    record_states,
)

log = logging.getLogger(__name__)

#: seconds between marks of the open states: at most this much is lost to a crash
SEEN_EVERY = 60.0
MAX_PAUSE = 30.0


def _moment(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


def change_of(entry: Mapping[str, Any],
              queues_of: Mapping[str, Sequence[str]]) -> StateChange | None:
    """The change an ``agent.state`` event (or a line of the state file) reports; None
    for one without a time or state (a line from before times were kept)."""
    since, state = entry.get("since"), entry.get("state")
    if not isinstance(since, int | float) or state not in STATES:
        return None
    agent = str(entry.get("agent"))
    return StateChange(agent=agent, state=str(state), since=_moment(float(since)),
                       reason=str(entry.get("reason") or ""),
                       queues=tuple(queues_of.get(agent, ())))


class AgentTimeOutbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 queues_of: Mapping[str, Sequence[str]], clock: Callable[[], float], *,
                 recovered: Iterable[Mapping[str, Any]] = (),
                 first_pause: float = 0.5) -> None:
        self._sessions = sessions
        self._queues_of = queues_of
        self._clock = clock
        self._boot = _moment(clock())
        self._unsent = [change for entry in recovered
                        if (change := change_of(entry, queues_of)) is not None]
        self._left_open = True  #: the states a crash left open are still to be ended
        self._first_pause = first_pause
        self._subscription: Subscription | None = None
        self.written = 0
        self.failures = 0

    def listen(self, bus: EventBus) -> None:
        """Subscribe before the agents are restored, so that no state change is missed."""
        if self._subscription is None:
            self._subscription = bus.subscribe()

    async def flush(self) -> None:
        """Write what waits; raises if the database refuses."""
        if self._unsent:
            batch = list(self._unsent)
            self.written += await record_states(self._sessions, batch)
            del self._unsent[:len(batch)]
        if self._left_open:
            ended = await close_left_open(self._sessions, self._boot)
            self._left_open = False
            if ended:
                log.info("%d agent states left open before the restart ended", ended)

    async def close(self) -> None:
        """A clean stop: what waits is written and every open state ends now."""
        await self.flush()
        await close_all(self._sessions, _moment(self._clock()))

    async def run(self, bus: EventBus) -> None:
        self.listen(bus)
        pause, next_mark = self._first_pause, self._clock()
        while True:
            try:
                await self.flush()
                if self._clock() >= next_mark:
                    await mark_seen(self._sessions, _moment(self._clock()))
                    next_mark = self._clock() + SEEN_EVERY
                pause, timeout = self._first_pause, max(0.0, next_mark - self._clock())
            except Exception as exc:  # noqa: BLE001 - any database failure: keep, retry
                self.failures += 1
                log.warning("CRM unreachable, %d agent states wait: %s",
                            len(self._unsent), exc)
                timeout, pause = pause, min(pause * 2, MAX_PAUSE)
            self._take(bus, await self._events().get(timeout))

    def _events(self) -> Subscription:
        assert self._subscription is not None
        return self._subscription

    def _take(self, bus: EventBus, event: DomainEvent | None) -> None:
        """Keep the state changes among ``event`` and those waiting behind it."""
        if self._events().overflowed:  # cut off: later changes still end what they follow
            log.warning("agent states were missed while the CRM was slow")
            self._subscription = bus.subscribe()
        while event is not None:
            if event.get("type") == "agent.state":
                change = change_of(event, self._queues_of)
                if change is not None:
                    self._unsent.append(change)
            event = self._events().get_nowait()
