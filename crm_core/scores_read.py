"""Reading the stored scores: one contact's (the screen-pop, the contact's route), and the
last run's figures. Each is one indexed query, whatever the number of contacts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.models import ContactScore, ScoreRunRecord


def _plain(row: ContactScore) -> dict[str, Any]:
    return {"as_of": row.as_of.isoformat(),
            "expected_purchases": round(row.expected_purchases, 4),
            "p_alive": round(row.p_alive, 4), "clv": f"{row.clv:.2f}",
            "churn_probability": round(row.churn_probability, 4),
            "median_days_to_churn": round(row.median_days_to_churn, 1)}


async def contact_scores(session: AsyncSession, contact_id: int) -> dict[str, Any] | None:
    """The contact's scores; None for a contact without them (no counted order as of the
    last run, or no run yet)."""
    row = await session.get(ContactScore, contact_id)
    return None if row is None else _plain(row)


def run_json(row: ScoreRunRecord) -> dict[str, Any]:
    figures = dict(row.figures)
    return {"run_id": row.id, "as_of": row.as_of.isoformat(),
            "computed_at": row.computed_at.astimezone(dt.UTC).isoformat(),
            "horizon_days": row.horizon_days, "window_days": row.window_days,
            "customers": row.customers, "parameters": row.parameters,
            "auc": figures.pop("auc", None), "p_alive_auc": figures.pop("p_alive_auc", None),
            "timings": figures.pop("timings", {}), "figures": figures}


async def last_run(session: AsyncSession) -> dict[str, Any] | None:
    """The figures of the run whose scores are stored: the last one written (ids grow in
    the order the writes commit, one writer at a time); None before the first. Not the
    latest ``computed_at``: of two runs at once, the later-started may write first."""
    row = await session.scalar(select(ScoreRunRecord).order_by(
        ScoreRunRecord.id.desc()).limit(1))
    return None if row is None else run_json(row)


class ScoresReader:
    """The screen-pop's source of a contact's lifetime value and churn scores."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def for_contact(self, contact_id: int) -> dict[str, Any] | None:
        async with self._sessions() as session:
            return await contact_scores(session, contact_id)
