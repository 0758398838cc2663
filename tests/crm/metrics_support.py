"""What the metrics tests share: the period they measure, moments around it, and
how they store rows and take a figure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.db import sessions
from crm_core.metrics import MetricFunction
from crm_core.metrics.period import Period
from crm_core.models import Base

NOVEMBER = Period(dt.datetime(2026, 11, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, tzinfo=dt.UTC))


def at(month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0) -> dt.datetime:
    """A UTC moment around November 2026: June to December of 2026, January on of 2027."""
    year = 2026 if month >= 6 else 2027
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


async def store(engine: AsyncEngine, *rows: Base) -> None:
    """Insert in the order given (parents first), one flush each, so foreign keys hold."""
    async with sessions(engine)() as session, session.begin():
        for row in rows:
            session.add(row)
            await session.flush()


async def measure(engine: AsyncEngine, metric: MetricFunction,
                  period: Period = NOVEMBER) -> Any:
    async with sessions(engine)() as session:
        return await metric(session, period)
