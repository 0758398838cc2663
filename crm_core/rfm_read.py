"""Reading the stored RFM scores: one contact's (the screen-pop), and the last run's sizes.

Each is one indexed query (the contact's primary key, or the segment index), so the
screen-pop pays one round trip for it whatever the number of contacts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.models import RfmScore
from crm_core.rfm import NONE, SEGMENT_NAMES


def stored_utc(moment: dt.datetime) -> dt.datetime:
    """A stored time, aware and in UTC: SQLite gives back naive datetimes, stored in UTC,
    which ``astimezone`` would take for the server's local time."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _plain(row: RfmScore) -> dict[str, Any]:
    return {"segment": row.segment, "r": row.r_score, "f": row.f_score, "m": row.m_score,
            "recency_days": row.recency_days, "frequency": row.frequency,
            "monetary": f"{row.monetary:.2f}", "as_of": row.as_of.isoformat()}


async def contact_rfm(session: AsyncSession, contact_id: int) -> dict[str, Any] | None:
    """The contact's scores as the screen-pop shows them; segment ``none`` (no scores)
    for a contact without orders as of the last run; None before any run."""
    row = await session.get(RfmScore, contact_id)
    if row is not None:
        return _plain(row)
    as_of = await session.scalar(select(RfmScore.as_of).limit(1))
    if as_of is None:
        return None  # never computed (or nobody has ordered): nothing to say
    return {"segment": NONE, "r": None, "f": None, "m": None, "recency_days": None,
            "frequency": 0, "monetary": None, "as_of": as_of.isoformat()}


class RfmReader:
    """The screen-pop's source of a contact's RFM scores."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def for_contact(self, contact_id: int) -> dict[str, Any] | None:
        async with self._sessions() as session:
            return await contact_rfm(session, contact_id)


async def summary(sessions: async_sessionmaker[AsyncSession]) -> dict[str, Any]:
    """The last run: its day, when it ran, and how many contacts each segment holds."""
    async with sessions() as session:
        head = (await session.execute(
            select(RfmScore.as_of, RfmScore.computed_at).limit(1))).first()
        sizes = {name: int(size) for name, size in await session.execute(
            select(RfmScore.segment, func.count()).group_by(RfmScore.segment))}
    as_of: dt.date | None = head[0] if head else None
    computed: dt.datetime | None = head[1] if head else None
    return {"as_of": as_of.isoformat() if as_of else None,
            "computed_at": stored_utc(computed).isoformat() if computed else None,
            "customers": sum(sizes.values()),
            "segments": {name: sizes.get(name, 0) for name in SEGMENT_NAMES}}
