"""Lifetime value and churn scores from the CRM's orders, on SQLite and PostgreSQL: the
summary aggregated in the database equals numpy's, planted churners come out first, and
too little data is said so, leaving the previous scores whole."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.analytics.churn import auc
from contactcenter.analytics.churn_planted import DAY0, PlantedHistory, planted_history
from contactcenter.analytics.crm_features import contact_features
from contactcenter.analytics.errors import NotEnoughData
from contactcenter.analytics.summary import summarize
from crm_core.db import sessions
from crm_core.models import Case, Contact, ContactScore, Interaction, Order, ScoreRunRecord
from crm_core.score_features import read_features
from crm_core.score_summary import end_of, read_summary
from crm_core.scores import PHASES, recompute_scores

NOW = dt.datetime(2026, 1, 2, 3, 0, tzinfo=dt.UTC)


def _day(day: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(day))


async def load_history(engine: AsyncEngine, history: PlantedHistory,
                       extra: list[dict[str, object]] | None = None) -> None:
    """The planted customers as contacts (id = customer + 1) and their orders at noon UTC."""
    people = int(history.customers.max()) + 1
    created = dt.datetime.combine(_day(DAY0), dt.time(), tzinfo=dt.UTC)
    orders = [{"contact_id": int(c) + 1, "total": Decimal(f"{a:.2f}"), "status": "placed",
               "ordered_at": dt.datetime.combine(_day(d), dt.time(12), tzinfo=dt.UTC)}
              for c, d, a in zip(history.customers, history.days, history.amounts,
                                 strict=True)]
    async with engine.begin() as connection:
        await connection.execute(insert(Contact), [
            {"id": i + 1, "first_name": f"c{i}", "last_name": "Example",
             "created_at": created} for i in range(people)])
        await connection.execute(insert(Order), orders + (extra or []))
        if connection.dialect.name == "postgresql":  # ids given: move the sequence past them
            await connection.execute(text(
                "SELECT setval(pg_get_serial_sequence('contacts', 'id'), max(id)) "
                "FROM contacts"))


async def test_the_summary_in_sql_equals_numpy_summarize(engine: AsyncEngine) -> None:
    history = planted_history(300, seed=3, span_days=400)
    end = history.end - np.timedelta64(30, "D")
    at = dt.datetime.combine(_day(end), dt.time(23, 59), tzinfo=dt.UTC)
    # not counted: cancelled, after the end, no contact; two orders of one day are one
    extra: list[dict[str, object]] = [
        {"contact_id": 1, "total": Decimal(999), "status": "cancelled", "ordered_at": at},
        {"contact_id": 1, "total": Decimal(5), "status": "placed",
         "ordered_at": at + dt.timedelta(minutes=2)},
        {"contact_id": None, "total": Decimal(7), "status": "placed", "ordered_at": at},
        {"contact_id": 2, "total": Decimal(3), "status": "placed", "ordered_at": at},
        {"contact_id": 2, "total": Decimal(4), "status": "fulfilled",
         "ordered_at": at - dt.timedelta(hours=20)}]
    await load_history(engine, history, extra)
    day = np.array([at.date(), (at - dt.timedelta(hours=20)).date()], dtype="datetime64[D]")
    who = np.concatenate([history.customers, [1, 1]])
    days = np.concatenate([history.days, day])
    amounts = np.concatenate([history.amounts, [3.0, 4.0]])
    expected = summarize(who, days, amounts, end=end, unit="days")
    cut = end - np.timedelta64(60, "D")
    at_cut = summarize(history.customers, history.days, history.amounts, end=cut,
                       unit="days")
    async with engine.connect() as connection:
        got = await read_summary(connection, _day(end), _day(cut))
    assert np.array_equal(got.contact_ids, expected.customers + 1)
    assert np.array_equal(got.x, expected.x)
    assert np.allclose(got.t_x, expected.t_x) and np.allclose(got.T, expected.T)
    assert np.allclose(got.monetary, expected.monetary, atol=1e-6)
    rows = np.searchsorted(got.contact_ids, at_cut.customers + 1)
    assert int(got.at_cut.sum()) == len(at_cut) and got.at_cut[rows].all()
    assert np.array_equal(got.x_cut[rows], at_cut.x)
    assert np.allclose(got.t_x_cut[rows], at_cut.t_x) and np.allclose(got.T_cut[rows],
                                                                      at_cut.T)
    assert np.allclose(got.monetary_cut[rows], at_cut.monetary, atol=1e-6)
    after = (history.days > cut) & (history.days <= end)
    bought_after = set((history.customers[after] + 1).tolist()) | {2}
    stayed = set(got.contact_ids[got.at_cut & ~got.churned].tolist())
    assert stayed == bought_after & set((at_cut.customers + 1).tolist())

async def test_planted_churners_come_first_and_every_customer_is_scored(
        engine: AsyncEngine) -> None:
    history = planted_history(1500, seed=5)
    await load_history(engine, history)
    run = await recompute_scores(engine, as_of=_day(history.end), now=NOW)
    assert run.customers == 1500 and set(run.timings) == set(PHASES)
    assert run.auc > 0.7 and run.p_alive_auc is not None and run.p_alive_auc > 0.6
    async with sessions(engine)() as session:
        rows = (await session.scalars(select(ContactScore).order_by(
            ContactScore.contact_id))).all()
        runs = await session.scalar(select(func.count()).select_from(ScoreRunRecord))
    assert len(rows) == 1500 and runs == 1
    alive = np.array([row.p_alive for row in rows])
    left = np.isfinite(history.left_at)
    # the planted churners (left for good before the end) rank first by 1 - P(alive)
    assert (auc(left, 1 - alive) or 0) > 0.85
    assert all(row.as_of == _day(history.end) and row.clv >= 0 for row in rows)
    churn = np.array([row.churn_probability for row in rows])
    assert (auc(left, churn) or 0) > 0.65
    median = np.array([row.median_days_to_churn for row in rows])
    assert (median >= 0).all() and (median[~left] > 0).mean() > 0.3
    again = await recompute_scores(engine, as_of=_day(history.end), now=NOW)
    async with sessions(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(ContactScore)) == 1500
    assert again.run_id != run.run_id


async def test_too_little_data_says_what_is_missing_and_keeps_the_last_run(
        engine: AsyncEngine) -> None:
    history = planted_history(1500, seed=5)
    await load_history(engine, history)
    first = await recompute_scores(engine, as_of=_day(history.end), now=NOW)
    early = _day(DAY0 + np.timedelta64(3, "D"))
    with pytest.raises(NotEnoughData, match=r"BG/NBD needs repeat purchases from at least "
                                            r"40 customers; found \d+"):
        await recompute_scores(engine, as_of=early, now=NOW)
    async with sessions(engine)() as session:
        kept = await session.scalar(select(func.count()).select_from(ContactScore))
        day = await session.scalar(select(ContactScore.as_of).limit(1))
    assert kept == first.customers and day == first.as_of


async def test_the_features_are_those_of_crm_features(engine: AsyncEngine) -> None:
    history = planted_history(200, seed=8, span_days=300)
    await load_history(engine, history)
    end = _day(history.end)
    noon = dt.datetime.combine(end, dt.time(12), tzinfo=dt.UTC)
    async with engine.begin() as connection:  # calls and cases, some after the cut-off
        await connection.execute(insert(Interaction), [
            {"contact_id": 1 + i % 50, "started_at": noon - dt.timedelta(days=i)}
            for i in range(0, 300, 3)])
        await connection.execute(insert(Case), [
            {"subject": "a question", "contact_id": 1 + i % 40,
             "opened_at": noon - dt.timedelta(days=i)} for i in range(0, 200, 7)])
    cut = end - dt.timedelta(days=60)
    async with engine.connect() as connection:
        summary = await read_summary(connection, end, cut)
        early, today = await read_features(connection, summary, end, cut)
    async with sessions(engine)() as session:
        now = await contact_features(session, as_of=end_of(end), customers_only=True)
        then = await contact_features(session, as_of=end_of(cut), customers_only=True)
    for mine, theirs, rows in ((today, now, summary.contact_ids),
                               (early, then, summary.contact_ids[summary.at_cut])):
        assert np.array_equal(theirs.contact_ids, rows)
        # recency in whole days here, to the end of the day there: within a day
        assert np.allclose(mine[:, 0], theirs.values[:, 0], atol=1.0)
        assert np.allclose(mine[:, 1:], theirs.values[:, 1:], atol=1e-6)


async def test_a_cut_off_with_too_little_history_says_so(engine: AsyncEngine) -> None:
    history = planted_history(1500, seed=5)
    await load_history(engine, history)
    # a window reaching back before nearly every first order: the cut-off has few customers
    with pytest.raises(NotEnoughData, match=r"^at the cut-off, one window before as_of: "):
        await recompute_scores(engine, as_of=_day(DAY0 + np.timedelta64(120, "D")),
                               window_days=110, now=NOW)
