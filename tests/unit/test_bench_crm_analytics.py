"""The analytical CRM benchmark's data: the generated history is what it says, and the
CRM reads the loaded rows as the orders they were drawn as (dates, totals, statuses)."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import text

sys.path.insert(0, "bench")
from crm_analytics_data import AS_OF, DAYS, History, generate
from crm_analytics_load import PG_OFFSET, ROW, load_sqlite, order_copy

from crm_core import rfm
from crm_core.db import make_engine, migrate, sessions


@pytest.fixture(scope="module")
def history() -> History:
    return generate(2_000, 30_000, seed=7)


def test_the_history_has_exactly_the_orders_asked_and_a_seed_repeats_it(
        history: History) -> None:
    again = generate(2_000, 30_000, seed=7)
    other = generate(2_000, 30_000, seed=8)
    assert len(history.order_contact) == 30_000
    assert np.array_equal(history.order_contact, again.order_contact)
    assert np.array_equal(history.order_cents, again.order_cents)
    assert not np.array_equal(history.order_contact, other.order_contact)


def test_orders_are_numbered_in_time_and_contacts_join_before_they_buy(
        history: History) -> None:
    assert np.all(np.diff(history.order_time) >= 0)
    assert history.order_time.min() >= 0 and history.order_time.max() < DAYS * 86400
    first = np.full(history.contacts, np.iinfo(np.int64).max)
    np.minimum.at(first, history.order_contact - 1, history.order_time)
    assert np.all(history.contact_created <= first)
    leads = np.mean(np.bincount(history.order_contact, minlength=2_001)[1:] == 0)
    assert leads == pytest.approx(0.10, abs=0.01)
    assert history.order_cancelled.mean() == pytest.approx(0.03, abs=0.01)


def test_the_binary_copy_rows_carry_each_orders_total_and_time(history: History) -> None:
    data = order_copy(history, 100, 200)
    rows = np.frombuffer(data[19:-2], dtype=ROW)
    assert len(rows) == 100 and list(rows["id"][:2]) == [101, 102]
    totals = rows["units"].astype(np.int64) * 100 + rows["cents"] // 100
    assert np.array_equal(totals, history.order_cents[100:200])
    assert np.array_equal(rows["time"] // 1_000_000 - PG_OFFSET, history.order_time[100:200])
    assert set(rows["status"]) <= {b"fulfilled", b"cancelled"}


async def test_rfm_on_the_loaded_sqlite_crm_counts_the_drawn_orders(
        history: History, tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await migrate(engine)
    await engine.dispose()
    load_sqlite(path, history)
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        run = await rfm.recompute(sessions(engine), as_of=AS_OF,
                                  now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
        async with engine.connect() as connection:
            orders, spent, latest = (await connection.execute(text(
                "SELECT sum(frequency), sum(monetary), min(recency_days) FROM rfm_scores"))).one()
    finally:
        await engine.dispose()
    counted = ~history.order_cancelled
    assert run.customers == len(np.unique(history.order_contact[counted]))
    assert orders == counted.sum()
    assert round(spent, 2) == history.order_cents[counted].sum() / 100
    assert latest == 0  # someone bought on the last day, AS_OF
