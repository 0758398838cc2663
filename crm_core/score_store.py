"""Writing a scores run: every customer's row of ``contact_scores`` replaced, and the run's
figures added to ``score_runs``, in one transaction.

Readers see the previous run until the new one commits. On PostgreSQL the rows go in by
COPY (asyncpg's ``copy_records_to_table``: a million rows in seconds, where INSERTs take
minutes) and the table is first locked against another recompute (not against
readers), so two runs at once follow one another; on SQLite by batched INSERTs, SQLite
holding one writer at a time anyway.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from contactcenter.analytics.errors import FitError
from crm_core.models import ContactScore, ScoreRunRecord

Floats = npt.NDArray[np.float64]
#: rows sent at a time
BATCH = 20_000
COLUMNS = ("contact_id", "as_of", "expected_purchases", "p_alive", "clv",
           "churn_probability", "median_days_to_churn", "computed_at")


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreColumns:
    """Every customer's scores, one array each, in ``contact_ids`` order."""

    contact_ids: npt.NDArray[np.int64]
    expected_purchases: Floats
    p_alive: Floats
    clv: Floats
    churn_probability: Floats
    median_days_to_churn: Floats


def plain(value: Any) -> Any:
    """JSON-safe: numpy numbers as Python ones, inf and NaN as null, nested alike."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _batches(scores: ScoreColumns, as_of: dt.date,
             computed_at: dt.datetime) -> Iterator[list[tuple[Any, ...]]]:
    arrays = (scores.contact_ids, scores.expected_purchases, scores.p_alive, scores.clv,
              scores.churn_probability, scores.median_days_to_churn)
    for start in range(0, len(scores.contact_ids), BATCH):
        ids, purchases, alive, clv, churn, median = (a[start:start + BATCH].tolist()
                                                     for a in arrays)
        yield [(i, as_of, e, p, c, q, m, computed_at)
               for i, e, p, c, q, m in zip(ids, purchases, alive, clv, churn, median,
                                           strict=True)]


async def _insert_rows(connection: AsyncConnection, scores: ScoreColumns, as_of: dt.date,
                       computed_at: dt.datetime) -> None:
    if connection.dialect.name == "postgresql":
        raw = (await connection.get_raw_connection()).driver_connection
        assert raw is not None
        for batch in _batches(scores, as_of, computed_at):
            await raw.copy_records_to_table("contact_scores", records=batch,
                                            columns=list(COLUMNS))
        return
    for batch in _batches(scores, as_of, computed_at):
        await connection.execute(insert(ContactScore), [dict(zip(COLUMNS, row, strict=True))
                                                 for row in batch])


def check_finite(scores: ScoreColumns) -> None:
    """FitError for a score that is NaN or infinite: PostgreSQL would keep NaN (and the
    routes would answer JSON that no browser parses), SQLite refuses it as NULL in a NOT
    NULL column; either way no model said anything usable about that customer."""
    for name in COLUMNS[2:7]:
        values = getattr(scores, name)
        wrong = int((~np.isfinite(values)).sum())
        if wrong:
            raise FitError(f"{name}: {wrong} customer{'s' if wrong > 1 else ''} got a score "
                           f"that is not a finite number; nothing stored")


async def replace_scores(engine: AsyncEngine, scores: ScoreColumns, *, as_of: dt.date,
                         computed_at: dt.datetime, run: dict[str, Any]) -> int:
    """Replace every row of ``contact_scores``; add ``run`` (the columns of
    ``score_runs`` but ``as_of`` and ``computed_at``); the run's id. FitError, storing
    nothing, when a score is not a finite number (``check_finite``)."""
    check_finite(scores)
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(
                text("LOCK TABLE contact_scores IN SHARE ROW EXCLUSIVE MODE"))
        await connection.execute(delete(ContactScore))
        await _insert_rows(connection, scores, as_of, computed_at)
        added = await connection.execute(
            insert(ScoreRunRecord).values(as_of=as_of, computed_at=computed_at,
                                          **plain(run)).returning(ScoreRunRecord.id))
        return int(added.scalar_one())


async def record_timings(engine: AsyncEngine, run_id: int, timings: dict[str, float]) -> None:
    """The run's seconds per phase, the write's included (known only once it is done)."""
    async with engine.begin() as connection:
        figures = await connection.scalar(
            select(ScoreRunRecord.figures).where(ScoreRunRecord.id == run_id))
        await connection.execute(update(ScoreRunRecord).where(ScoreRunRecord.id == run_id)
                                 .values(figures={**(figures or {}), "timings": timings}))
