"""Edges of the value and churn scores on SQLite and PostgreSQL: the routes answer 4xx,
never 500, and the last run shown is the one whose scores are stored; and serve's
schedule runs the recompute in a child process (SQLite: the child opens the database
by its URL), stopped when the schedule is cancelled."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import shutil
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.analytics.churn_planted import planted_history
from contactcenter.analytics.errors import FitError
from contactcenter.server.analytics import ScoreSchedule
from crm_core.db import make_engine, sessions
from crm_core.models import Contact, ContactScore, Order
from crm_core.score_store import ScoreColumns, replace_scores
from crm_core.scores import recompute_scores
from crm_core.scores_job import ScoresJobFailed, recompute_in_child
from crm_core.scores_read import last_run
from tests.crm.api_client import Api
from tests.crm.test_scores import NOW, load_history
from tests.support import until

RUN = {"horizon_days": 365, "window_days": 90, "customers": 2, "parameters": {},
       "figures": {"auc": 0.7}}


async def test_an_as_of_too_early_for_its_window_is_a_422(api: Api) -> None:
    """The cut-off, one window before as_of, falls before year 1: a 422 naming as_of."""
    for body in ({"as_of": "0001-01-03"}, {"as_of": "0001-03-01", "window_days": 200}):
        status, answer = await api.call("POST", "/api/v1/scores/recompute", json=body)
        assert status == 422 and answer["field"] == "as_of", (body, answer)


def _columns(value: float) -> ScoreColumns:
    ids = np.array([1, 2], dtype=np.int64)
    return ScoreColumns(contact_ids=ids, expected_purchases=np.full(2, value),
                        p_alive=np.full(2, value / 10), clv=np.full(2, value),
                        churn_probability=np.full(2, value / 10),
                        median_days_to_churn=np.full(2, value))


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


async def _sqlite_crm(template: Path, tmp_path: Path) -> AsyncEngine:
    copy = tmp_path / "crm.db"
    shutil.copyfile(template, copy)
    return make_engine(f"sqlite+aiosqlite:///{copy}")


def _children(marker: str) -> list[int]:
    """The scores' child processes whose arguments hold ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            words = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"crm_core.scores_job" in words and marker.encode() in words:
            found.append(int(entry.name))
    return found


async def test_the_schedule_runs_the_recompute_in_a_child_process(
        sqlite_template: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """serve's schedule: the run is a child's, stored as an in-process run is; too little
    history comes back as the same NotEnoughData, logged as a warning."""
    engine = await _sqlite_crm(sqlite_template, tmp_path)
    history = planted_history(1500, seed=5)
    end = dt.date.fromisoformat(str(history.end))
    clock = dt.datetime.combine(end, dt.time(6), tzinfo=dt.UTC).timestamp()
    schedule = ScoreSchedule(sessions(engine), 3600.0, clock=lambda: clock)
    with caplog.at_level(logging.WARNING):
        assert await schedule.run_once() is None
    assert "BG/NBD needs repeat purchases from at least 40 customers; found 0" in caplog.text
    await load_history(engine, history)
    run = await schedule.run_once()
    assert run is not None and (run.as_of, run.customers) == (end, 1500) and run.auc > 0.7
    async with sessions(engine)() as session:
        shown = await last_run(session)
        stored = await session.scalar(select(func.count()).select_from(ContactScore))
    await engine.dispose()
    assert shown is not None and shown["run_id"] == run.run_id and stored == 1500
    assert shown["timings"] == run.timings and schedule.runs == 1


async def test_a_failing_child_is_an_error_with_its_exit_status(tmp_path: Path) -> None:
    """No database at all: the child's traceback and status come back, nothing hangs."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(ScoresJobFailed, match=r"(?s)exited with status 1: .*no such table"):
        await recompute_in_child(engine, as_of=dt.date(2026, 1, 2))
    await engine.dispose()


async def test_a_cancelled_recompute_stops_its_child(sqlite_template: Path,
                                                    tmp_path: Path) -> None:
    """serve stopping cancels the schedule: the child is stopped, not left running."""
    engine = await _sqlite_crm(sqlite_template, tmp_path)
    await load_history(engine, planted_history(1500, seed=5))
    marker = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)
    task = asyncio.create_task(recompute_in_child(engine, as_of=marker.date(), now=marker))
    await until(lambda: bool(_children(marker.isoformat())), what="no child started")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await engine.dispose()
    assert _children(marker.isoformat()) == []


async def test_a_repeat_buyer_who_spent_nothing_does_not_stop_the_run(
        engine: AsyncEngine) -> None:
    """Free orders (a sample, a full refund booked as 0) happen: one repeat buyer whose
    repeat orders total 0 is left out of the spend model's fit and still scored, instead
    of failing the whole CRM's run."""
    history = planted_history(1500, seed=5)
    await load_history(engine, history)
    end = dt.date.fromisoformat(str(history.end))
    noon = dt.datetime.combine(end, dt.time(12), tzinfo=dt.UTC)
    async with engine.begin() as connection:
        await connection.execute(insert(Contact), [
            {"id": 1501, "first_name": "free", "last_name": "Example"}])
        await connection.execute(insert(Order), [
            {"contact_id": 1501, "total": total, "status": "placed",
             "ordered_at": noon - dt.timedelta(days=days)}
            for total, days in ((Decimal(20), 40), (Decimal(0), 20), (Decimal(0), 5))])
    run = await recompute_scores(engine, as_of=end, now=NOW)
    assert run.customers == 1501
    async with sessions(engine)() as session:
        free = await session.get(ContactScore, 1501)
    assert free is not None and free.clv > 0 and 0 < free.p_alive <= 1


async def test_a_score_that_is_not_a_number_stores_nothing(engine: AsyncEngine) -> None:
    """NaN or inf from a model is refused with what it was and how many, and the previous
    run stays: PostgreSQL would store NaN (and the routes answer JSON no browser reads),
    SQLite would fail on its NOT NULL columns with no word of why."""
    async with engine.begin() as connection:
        await connection.execute(insert(Contact), [
            {"id": i, "first_name": f"c{i}", "last_name": "Example"} for i in (1, 2)])
    at = dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC)
    kept = await replace_scores(engine, _columns(1.0), as_of=at.date(), computed_at=at,
                                run=RUN)
    for bad in (float("nan"), float("inf")):
        columns = _columns(2.0)
        columns.clv[1] = bad
        with pytest.raises(FitError, match=r"clv: 1 customer .*not a finite number"):
            await replace_scores(engine, columns, as_of=at.date(), computed_at=at, run=RUN)
    async with sessions(engine)() as session:
        stored = await session.scalar(select(func.max(ContactScore.clv)))
        run = await last_run(session)
    assert stored == 1.0 and run is not None and run["run_id"] == kept
