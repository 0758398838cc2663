"""RFM scores recomputed on a schedule, as a background task of ``serve``.

The next run is due one interval after the stored scores were computed (whoever ran
them: this loop, the API, another process), so a restart does not recompute fresh
scores, and scores older than the interval are recomputed at once. A run that fails
is logged and tried again one interval later: the task itself never ends on a
database error (``Background`` would report it failed and the health check 503).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core import rfm
from crm_core.models import RfmScore
from crm_core.rfm_read import stored_utc

log = logging.getLogger(__name__)

#: the default interval: once a day
DAY = 24 * 3600.0
Recompute = Callable[..., Awaitable[rfm.RfmRun]]


def due_in(now: dt.datetime, last: dt.datetime | None, interval: float) -> float:
    """Seconds until the next run: none before the first, else what is left of the interval."""
    if last is None:
        return 0.0
    return max(0.0, interval - (now - last).total_seconds())


class RfmSchedule:
    """Recompute every ``interval`` seconds, as of each run's day (UTC)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], interval: float = DAY, *,
                 clock: Callable[[], float] = time.time,
                 wait: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 recompute: Recompute = rfm.recompute) -> None:
        if interval <= 0:
            raise ValueError(f"interval: expected seconds above 0, got {interval!r}")
        self._sessions = sessions
        self.interval = interval
        self._clock = clock
        self._wait = wait
        self._recompute = recompute
        self.runs = 0  #: runs that stored scores
        self.last_error: str | None = None

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC)

    async def last_computed(self) -> dt.datetime | None:
        async with self._sessions() as session:
            last = await session.scalar(select(RfmScore.computed_at).limit(1))
        return None if last is None else stored_utc(last)

    async def run_once(self) -> rfm.RfmRun | None:
        """One recompute as of today; None (logged) when it failed."""
        now = self.now()
        try:
            run = await self._recompute(self._sessions, as_of=now.date(), now=now)
        except Exception as exc:  # any failure waits for the next interval
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("RFM scores not recomputed; next try in %.0f s", self.interval)
            return None
        self.runs += 1
        self.last_error = None
        log.info("RFM scores as of %s: %d customers", run.as_of, run.customers)
        return run

    async def run(self) -> None:
        """Until cancelled: wait until due, recompute, and again."""
        try:
            last = await self.last_computed()
        except Exception:  # unreadable now: run at once, and say why if it fails
            log.warning("RFM scores: the last run's time unreadable; running now",
                        exc_info=True)
            last = None
        await self._wait(due_in(self.now(), last, self.interval))
        while True:
            await self.run_once()
            await self._wait(self.interval)
