"""Agents' states go to the CRM as they change, for occupancy from history.

The ``agent.state`` events are written in batches (``crm_core.agent_states``), and
a failed write is kept and tried again with a doubling pause, like the calls'
outbox. At start the changes the agents' state file kept from before the restart
(``engine.agent_store``, the outbox) are offered first, since some may never have
reached the CRM, and then the states left open by a crash are ended where they
were last seen, before any change of this run is written (a change of this run
would end them at the restart instead, when the database was down at the start);
every minute while running the open states are marked seen. A bus that cuts the
outbox off (it fell 10,000 events behind) drops changes: the outbox writes those
still waiting and reads the others back from the agents' state file, which holds
every change of the run. At a clean stop ``close`` writes the changes still on
the bus and ends every open state then.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.events.bus import DomainEvent, EventBus, Subscription
from contactcenter.events.retry import Backoff
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


def _changes(entries: Iterable[Mapping[str, Any]],
             queues_of: Mapping[str, Sequence[str]]) -> list[StateChange]:
    return [change for entry in entries if (change := change_of(entry, queues_of)) is not None]


def change_of(entry: Mapping[str, Any],
              queues_of: Mapping[str, Sequence[str]]) -> StateChange | None:
    """The change an ``agent.state`` event (or a line of the state file) reports; None
    for one without a time or state (a line from before times were kept) or with a
    time no clock gives (a damaged line must not keep the platform from starting)."""
    since, state = entry.get("since"), entry.get("state")
    if not isinstance(since, int | float) or state not in STATES:
        return None
    try:
        moment = _moment(float(since))
    except (OverflowError, ValueError, OSError):
        return None
    agent = str(entry.get("agent"))
    return StateChange(agent=agent, state=str(state), since=moment,
                       reason=str(entry.get("reason") or ""),
                       queues=tuple(queues_of.get(agent, ())))


class AgentTimeOutbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 queues_of: Mapping[str, Sequence[str]], clock: Callable[[], float], *,
                 recovered: Iterable[Mapping[str, Any]] = (),
                 reread: Callable[[], Iterable[Mapping[str, Any]]] | None = None,
                 first_pause: float = 0.5) -> None:
        """``recovered``: the state file's changes from before this start; ``reread``
        reads the file again (every change since the start) when the bus cut us off."""
        self._sessions = sessions
        self._queues_of = queues_of
        self._clock = clock
        self._boot = _moment(clock())
        #: the file's changes from before this start, written before the crash's are ended
        self._recovered = _changes(recovered, queues_of)
        self._unsent: list[StateChange] = []  #: this run's changes
        self._reread = reread
        self._left_open = True  #: the states a crash left open are still to be ended
        self._first_pause = first_pause
        self._bus: EventBus | None = None
        self._subscription: Subscription | None = None
        self.written = 0
        self.failures = 0

    def listen(self, bus: EventBus) -> None:
        """Subscribe before the agents are restored, so that no state change is missed."""
        if self._subscription is None:
            self._bus, self._subscription = bus, bus.subscribe()

    async def flush(self) -> None:
        """Write what waits; raises if the database refuses. In this order: the file's
        changes from before the start, the end of the states the crash left open (where
        they were last seen), this run's changes."""
        if self._recovered:
            self.written += await record_states(self._sessions, self._recovered)
            self._recovered = []
        if self._left_open:
            ended = await close_left_open(self._sessions, self._boot)
            self._left_open = False
            if ended:
                log.info("%d agent states left open before the restart ended", ended)
        if self._unsent:
            batch = list(self._unsent)
            self.written += await record_states(self._sessions, batch)
            del self._unsent[:len(batch)]

    async def close(self) -> None:
        """A clean stop: the changes still on the bus and what waits are written, and
        every open state ends now."""
        if self._subscription is not None:
            self._take(self._subscription.get_nowait())
        await self.flush()
        await close_all(self._sessions, _moment(self._clock()))

    async def run(self, bus: EventBus) -> None:
        """Write as changes come, mark the open states every minute; after a failure,
        keep taking the changes but try the database again only after the pause (the
        bus carries every queue's figures: each event must not be another attempt)."""
        self.listen(bus)
        next_mark = self._clock()
        retry = Backoff(asyncio.get_running_loop().time, first_pause=self._first_pause,
                        max_pause=MAX_PAUSE)
        while True:
            timeout = retry.wait()
            if timeout <= 0:
                try:
                    await self.flush()
                    if self._clock() >= next_mark:
                        await mark_seen(self._sessions, _moment(self._clock()))
                        next_mark = self._clock() + SEEN_EVERY
                    retry.succeeded()
                    timeout = max(0.0, next_mark - self._clock())
                except Exception as exc:  # noqa: BLE001 - any database failure: keep, retry
                    self.failures += 1
                    log.warning("CRM unreachable, %d agent states wait: %s",
                                len(self._recovered) + len(self._unsent), exc)
                    timeout = retry.failed()
            self._take(await self._events().get(timeout))

    def _events(self) -> Subscription:
        assert self._subscription is not None
        return self._subscription

    def _take(self, event: DomainEvent | None) -> None:
        """Keep the state changes among ``event`` and those waiting behind it; after a
        cut, listen again and read back from the file the changes the cut dropped."""
        while event is not None:
            if event.get("type") == "agent.state":
                change = change_of(event, self._queues_of)
                if change is not None:
                    self._unsent.append(change)
            event = self._events().get_nowait()
        if self._events().overflowed and self._bus is not None:
            log.warning("agent states were missed while the CRM was slow: read back "
                        "from the agents' state file")
            self._subscription = self._bus.subscribe()
            if self._reread is not None:  # the changes it holds already land once
                try:
                    self._unsent.extend(_changes(self._reread(), self._queues_of))
                except OSError as exc:  # the outbox goes on with what comes next
                    log.warning("the agents' state file could not be read: %s", exc)
