"""The CRM's analytics in ``serve``: what the screen-pop shows of a caller besides the
360 (its RFM scores, docs/rfm.md; its lifetime value and churn scores,
docs/analytics-churn.md; the top offer from purchase histories,
docs/analytics-offers.md), and the background tasks that keep them fresh."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contactcenter.analytics.affinity_source import AffinitySource, keep_fresh
from contactcenter.analytics.errors import NotEnoughData
from contactcenter.config.settings import Settings
from contactcenter.desk.screenpop import ContactSource
from contactcenter.server.background import Background
from contactcenter.server.rfm_schedule import RfmSchedule, due_in
from crm_core.models import ScoreRunRecord
from crm_core.rfm_read import RfmReader
from crm_core.scores import ScoreRun
from crm_core.scores_job import recompute_in_child
from crm_core.scores_read import ScoresReader

log = logging.getLogger(__name__)
Recompute = Callable[..., Awaitable[ScoreRun]]


def contact_sources(crm: async_sessionmaker[AsyncSession]) -> dict[str, ContactSource]:
    """The screen-pop's sources beside the 360, by the name the pop shows them under."""
    return {"rfm": RfmReader(crm), "scores": ScoresReader(crm),
            "affinity_offer": AffinitySource(crm)}


class ScoreSchedule:
    """Every customer's value and churn scores recomputed every ``interval`` seconds, as
    of each run's day (UTC); the first run one interval after the last stored run,
    whoever made it. Each run is a child process at a lower CPU priority
    (``crm_core.scores_job``): in this process it would hold the interpreter lock for
    up to half a second at a time on 50,000 customers, and every call would wait it out.
    Too little history is logged as a warning (a young CRM), any other failure (the
    child's exit status and its last words) with its traceback; the loop goes on either
    way. Cancelling the schedule (serve stopping) stops the child."""

    def __init__(self, crm: async_sessionmaker[AsyncSession], interval: float, *,
                 clock: Callable[[], float] = time.time,
                 wait: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 recompute: Recompute = recompute_in_child) -> None:
        if interval <= 0:
            raise ValueError(f"interval: expected seconds above 0, got {interval!r}")
        self._crm, self.interval, self._clock = crm, interval, clock
        self._wait, self._recompute = wait, recompute
        self.runs = 0  #: runs that stored scores
        self.last_error: str | None = None

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC)

    async def last_computed(self) -> dt.datetime | None:
        async with self._crm() as session:
            last = await session.scalar(select(func.max(ScoreRunRecord.computed_at)))
        return None if last is None else last.astimezone(dt.UTC)

    async def run_once(self) -> ScoreRun | None:
        """One recompute as of today; None (logged) when it failed."""
        now = self.now()
        bind = self._crm.kw["bind"]
        assert isinstance(bind, AsyncEngine)
        try:
            run = await self._recompute(bind, as_of=now.date(), now=now)
        except NotEnoughData as exc:
            self.last_error = str(exc)
            log.warning("value and churn scores not recomputed: %s", exc)
            return None
        except Exception as exc:  # any failure waits for the next interval
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("value and churn scores not recomputed; next try in %.0f s",
                          self.interval)
            return None
        self.runs += 1
        self.last_error = None
        log.info("value and churn scores as of %s: %d customers, attrition AUC %.3f",
                 run.as_of, run.customers, run.auc)
        return run

    async def run(self) -> None:
        """Until cancelled: wait until due, recompute, and again."""
        try:
            last = await self.last_computed()
        except Exception:  # unreadable now: run at once, and say why if it fails
            log.warning("scores: the last run's time unreadable; running now", exc_info=True)
            last = None
        await self._wait(due_in(self.now(), last, self.interval))
        while True:
            await self.run_once()
            await self._wait(self.interval)


def analytics_background(background: Background, settings: Settings,
                         crm: async_sessionmaker[AsyncSession],
                         sources: Mapping[str, ContactSource]) -> None:
    """The RFM scores recomputed every ``crm.rfm_interval_hours`` and the value and churn
    scores every ``crm.scores_interval_hours`` (0: never), the offers' fit renewed once a
    day."""
    if settings.crm.rfm_interval_hours > 0:
        background.start("RFM scores",
                         RfmSchedule(crm, settings.crm.rfm_interval_hours * 3600).run())
    if settings.crm.scores_interval_hours > 0:
        background.start("value and churn scores",
                         ScoreSchedule(crm, settings.crm.scores_interval_hours * 3600).run())
    affinity = sources.get("affinity_offer")
    if isinstance(affinity, AffinitySource):
        background.start("affinity offers", keep_fresh(affinity))
