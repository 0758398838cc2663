"""The CRM's analytics in ``serve``: what the screen-pop shows of a caller besides the
360 (its RFM scores, docs/rfm.md; the top offer from purchase histories,
docs/analytics-offers.md), and the background tasks that keep them fresh."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.analytics.affinity_source import AffinitySource, keep_fresh
from contactcenter.config.settings import Settings
from contactcenter.desk.screenpop import ContactSource
from contactcenter.server.background import Background
from contactcenter.server.rfm_schedule import RfmSchedule
from crm_core.rfm_read import RfmReader


def contact_sources(crm: async_sessionmaker[AsyncSession]) -> dict[str, ContactSource]:
    """The screen-pop's sources beside the 360, by the name the pop shows them under."""
    return {"rfm": RfmReader(crm), "affinity_offer": AffinitySource(crm)}


def analytics_background(background: Background, settings: Settings,
                         crm: async_sessionmaker[AsyncSession],
                         sources: Mapping[str, ContactSource]) -> None:
    """The RFM scores recomputed every ``crm.rfm_interval_hours`` (0: never), the offers'
    fit renewed once a day."""
    if settings.crm.rfm_interval_hours > 0:
        background.start("RFM scores",
                         RfmSchedule(crm, settings.crm.rfm_interval_hours * 3600).run())
    affinity = sources.get("affinity_offer")
    if isinstance(affinity, AffinitySource):
        background.start("affinity offers", keep_fresh(affinity))
