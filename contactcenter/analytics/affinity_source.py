"""The screen-pop's source of a contact's top affinity offer.

The fit reads every contact's products, so it is not done during a call: ``refresh()``
fits (at start and then on a schedule, as the RFM scores are), and ``for_contact``
answers from the last fit, one indexed query per call for what the contact bought
now. Before the first fit, or when the CRM has too little history for one, there is no
offer (None), never an error in the pop; the reason for the latter is kept in
``unavailable`` for the logs and the status pages.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.analytics.affinity_crm import AffinityOffers
from contactcenter.analytics.errors import NotEnoughData

log = logging.getLogger(__name__)
#: how old a fit may get before ``stale`` says to refit: a day's orders barely move it
REFIT_AFTER = 24 * 3600.0
#: how often ``keep_fresh`` looks whether the fit is stale
CHECK_EVERY = 3600.0


class AffinitySource:
    """The last fit of the affinity offers, and each contact's top offer from it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *,
                 clock: Callable[[], float] = time.time, refit_after: float = REFIT_AFTER,
                 **fit_options: int) -> None:
        self._sessions = sessions
        self._clock = clock
        self._refit_after = refit_after
        self._fit_options = fit_options
        self.offers: AffinityOffers | None = None
        self.fitted_at: float | None = None
        #: why there is no model, after a refresh that found too little history
        self.unavailable: str | None = None

    @property
    def stale(self) -> bool:
        return self.fitted_at is None or self._clock() - self.fitted_at >= self._refit_after

    async def refresh(self) -> bool:
        """Fit again on the CRM's orders; False (and the last fit dropped) on too little
        history."""
        try:
            self.offers = await AffinityOffers.fit(self._sessions, **self._fit_options)
        except NotEnoughData as exc:
            self.offers, self.unavailable = None, str(exc)
            log.info("no affinity offers: %s", exc)
            return False
        finally:
            self.fitted_at = self._clock()
        self.unavailable = None
        return True

    async def for_contact(self, contact_id: int) -> dict[str, Any] | None:
        """The contact's top offer with its reason, shaped as the pop's
        ``next_best_offer``; None without a model or anything left to offer."""
        if self.offers is None:
            return None
        top = await self.offers.offers_for(contact_id, k=1)
        return top[0] if top else None


async def keep_fresh(source: AffinitySource, *, check_every: float = CHECK_EVERY,
                     sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
    """Refit whenever the fit is stale, as a background task of ``serve``; a database
    error is logged and tried again once the fit is stale again (the task never ends on
    one, or the health check would report it failed)."""
    while True:
        if source.stale:
            try:
                await source.refresh()
            except Exception:  # the next refit is the retry; the pops keep the last fit
                log.exception("the affinity offers could not be refitted")
        await sleep(check_every)
