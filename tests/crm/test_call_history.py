"""The call history's figures on planted calls, worked out by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.call_records import CallSummary, record_calls
from crm_core.db import sessions
from crm_core.metrics.calls_history import HistoryOptions
from crm_core.metrics.period import Period
from tests.crm.call_history_support import (
    TEN,
    WEEK_OF_TEN,
    call,
    history,
    monday_morning,
    plant,
    row_of,
)

HALF_PAST = TEN + dt.timedelta(minutes=30)


async def test_a_half_hour_of_a_queue_worked_out_by_hand(engine: AsyncEngine) -> None:
    await plant(engine, monday_morning())
    rows = await history(engine)
    sales = row_of(rows, "sales", TEN)
    assert (sales.offered, sales.answered, sales.abandoned, sales.short_abandoned,
            sales.other) == (10, 8, 2, 1, 0)
    assert sales.answered_within == 6  # waits 0, 5, 10, 12, 18 and 20 s; not 30 and 45
    assert sales.service_level == pytest.approx(6 / 9)  # the 3-second abandon left out
    assert sales.asa == pytest.approx(140 / 8)
    # talk 100 + 110 + ... + 170 = 1080 s (hold inside it), wrap 8 x 20 s
    assert sales.aht == pytest.approx(1240 / 8)
    assert sales.average_hold == pytest.approx(10 / 8)
    assert sales.abandon_rate == pytest.approx(0.2)
    assert sales.handle_seconds == pytest.approx(1240)
    assert sales.handle_share == pytest.approx(1240 / 1800)
    # the first caller called again two days later; the second only after eight
    assert sales.first_contact_resolved == 7
    assert sales.fcr == pytest.approx(7 / 8)
    assert sales.end - sales.start == dt.timedelta(minutes=30)


async def test_buckets_split_at_their_edges(engine: AsyncEngine) -> None:
    await plant(engine, monday_morning())
    rows = await history(engine)
    # 10:29:59.999999 is still the 10:00 bucket; 10:30:00 is the next one
    assert row_of(rows, "sales", HALF_PAST).offered == 1
    assert row_of(rows, "support", TEN).offered == 1
    assert row_of(rows, "support", TEN).other == 1  # voicemail: neither answered nor abandoned
    assert row_of(rows, "support", TEN).service_level == 0.0
    starts = [(row.start, row.key) for row in rows]
    assert starts == sorted(starts)
    assert sum(row.offered for row in rows) == 14  # the outbound, IVR and e-mail left out


@pytest.mark.parametrize("interval, start, offered", [
    ("15min", TEN, 9), ("hour", TEN, 11), ("day", TEN.replace(hour=0), 11),
    ("week", TEN.replace(hour=0), 12),
])
async def test_each_interval_buckets_from_its_start(engine: AsyncEngine, interval: str,
                                                    start: dt.datetime, offered: int) -> None:
    await plant(engine, monday_morning())
    rows = await history(engine, interval=interval)
    assert row_of(rows, "sales", start).offered == offered


async def test_weeks_start_on_monday_midnight_utc(engine: AsyncEngine) -> None:
    sunday_night = dt.datetime(2026, 11, 8, 23, 59, 59, 999999, tzinfo=dt.UTC)
    await plant(engine, [call(sunday_night), call(sunday_night + dt.timedelta(microseconds=1))])
    rows = await history(engine, interval="week")
    assert [(row.start.date().isoformat(), row.offered) for row in rows] == [
        ("2026-11-02", 1), ("2026-11-09", 1)]


async def test_by_agent_counts_the_calls_each_agent_had(engine: AsyncEngine) -> None:
    await plant(engine, monday_morning())
    rows = await history(engine, by="agent")
    first = row_of(rows, "agent101", TEN)
    # agent101 answered at 10:00, 10:01, 10:02, 10:05 and 10:29:59: waits 0, 5, 10, 20, 45
    assert (first.offered, first.answered, first.answered_within) == (5, 5, 4)
    assert first.asa == pytest.approx(80 / 5)
    assert first.handle_seconds == pytest.approx(100 + 110 + 120 + 150 + 170 + 5 * 20)
    assert first.fcr == pytest.approx(4 / 5)  # the repeater was theirs
    second = row_of(rows, "agent102", TEN)
    assert second.answered == 3
    assert second.handle_seconds == pytest.approx(430 + 60)
    assert {row.key for row in rows} == {"agent101", "agent102"}


async def test_options_change_the_definitions(engine: AsyncEngine) -> None:
    await plant(engine, monday_morning())
    strict = row_of(await history(engine, sl_seconds=10, short_abandon_seconds=0,
                                  fcr_days=10), "sales", TEN)
    assert strict.service_level == pytest.approx(3 / 10)  # waits 0, 5 and 10; every call
    assert strict.fcr == pytest.approx(6 / 8)  # within ten days both callers came back
    only_support = await history(engine, queue="support")
    assert {row.key for row in only_support} == {"support"}


async def test_calls_outside_the_period_are_left_out(engine: AsyncEngine) -> None:
    await plant(engine, monday_morning())
    from_half_past = Period(HALF_PAST, WEEK_OF_TEN.end)
    rows = await history(engine, from_half_past)
    assert all(row.start >= HALF_PAST for row in rows)
    assert sum(row.offered for row in rows) == 3  # 10:30, and the two repeats


def test_options_are_checked() -> None:
    for bad in ({"by": "team"}, {"interval": "2h"}, {"sl_seconds": -1}):
        with pytest.raises(ValueError, match=next(iter(bad))):
            HistoryOptions(**bad)


async def test_calls_recorded_by_the_platform_are_in_the_history(engine: AsyncEngine) -> None:
    """The platform's own writer (the journal's outbox after a restart, say) feeds it: the
    history reads the CRM, not the process's memory."""
    ended = TEN + dt.timedelta(minutes=5)
    summaries = [
        CallSummary(call_id="before-restart", caller="+15557770001", dialed="5000",
                    started=TEN, ended=ended, outcome="answered", queue="sales",
                    agent="agent101", wait_seconds=12.0, talk_seconds=288.0,
                    hold_seconds=30.0, wrap_seconds=40.0),
        CallSummary(call_id="gave-up", caller="+15557770002", dialed="5000",
                    started=TEN + dt.timedelta(minutes=1), ended=ended,
                    outcome="abandoned_in_queue", queue="sales", wait_seconds=50.0)]
    assert await record_calls(sessions(engine), summaries) == 2
    [sales] = await history(engine)
    assert (sales.offered, sales.answered, sales.abandoned, sales.answered_within) == (2, 1, 1, 1)
    assert sales.aht == pytest.approx(288.0 + 40.0)  # the 30 s on hold are inside the talk
    assert sales.service_level == pytest.approx(1 / 2)
