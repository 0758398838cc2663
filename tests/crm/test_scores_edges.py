"""Edges of the value and churn scores on SQLite and PostgreSQL: the routes answer 4xx,
never 500, and the last run shown is the one whose scores are stored."""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.db import sessions
from crm_core.models import Contact, ContactScore
from crm_core.score_store import ScoreColumns, replace_scores
from crm_core.scores_read import last_run
from tests.crm.api_client import Api

RUN = {"horizon_days": 365, "window_days": 90, "customers": 2, "parameters": {},
       "figures": {"auc": 0.7}}


async def test_an_as_of_too_early_for_its_window_is_a_422(api: Api) -> None:
    """The cut-off, one window before as_of, falls before year 1: a 422 naming as_of."""
    for body in ({"as_of": "0001-01-03"}, {"as_of": "0001-03-01", "window_days": 200}):
        status, answer = await api.call("POST", "/api/v1/scores/recompute", json=body)
        assert status == 422 and answer["field"] == "as_of", (body, answer)


def _columns(value: float) -> ScoreColumns:
    ids = np.array([1, 2], dtype=np.int64)
    same = np.full(2, value)
    return ScoreColumns(contact_ids=ids, expected_purchases=same, p_alive=same / 10,
                        clv=same, churn_probability=same / 10, median_days_to_churn=same)


async def test_the_last_run_shown_is_the_one_whose_scores_are_stored(
        engine: AsyncEngine) -> None:
    """Two runs at once: the one that started later (its computed_at is later) may write
    first; the scores stored are then the other's, and so must the last run be."""
    async with engine.begin() as connection:
        await connection.execute(insert(Contact), [
            {"id": i, "first_name": f"c{i}", "last_name": "Example"} for i in (1, 2)])
    late = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    early = late - dt.timedelta(minutes=5)
    first = await replace_scores(engine, _columns(1.0), as_of=late.date(),
                                 computed_at=late, run=RUN)
    second = await replace_scores(engine, _columns(2.0), as_of=early.date(),
                                  computed_at=early, run=RUN)
    async with sessions(engine)() as session:
        stored = await session.scalar(select(func.max(ContactScore.clv)))
        run = await last_run(session)
    assert stored == 2.0 and first != second
    assert run is not None and run["run_id"] == second
