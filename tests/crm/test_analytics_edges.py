"""Edge cases of the stored RFM scores, on SQLite and PostgreSQL: the server's own time
zone, a customer whose only orders are today, cancelled orders."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contactcenter.server.rfm_schedule import RfmSchedule
from crm_core import rfm
from crm_core.db import sessions
from crm_core.models import Contact, Order
from crm_core.rfm_read import contact_rfm, summary
from tests.crm.api_client import Api

NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)


@pytest.fixture
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The server's clock in New York's time zone (UTC-5 in November), as a machine
    installed there has it."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def _contact(maker: async_sessionmaker[AsyncSession],
                   *orders: tuple[dt.datetime, str]) -> int:
    async with maker() as session, session.begin():
        contact = Contact(first_name="Ann", last_name="Example")
        session.add(contact)
        await session.flush()
        for when, status in orders:
            session.add(Order(contact_id=contact.id, total=Decimal(10), status=status,
                              ordered_at=when))
        return contact.id


async def test_the_schedule_reads_the_last_run_as_utc_whatever_the_servers_zone(
        engine: AsyncEngine, new_york: None) -> None:
    """SQLite gives the stored time back without its zone; read as the server's local
    time, it was five hours late in New York, and the next run five hours late too."""
    maker = sessions(engine)
    await _contact(maker, (NOW - dt.timedelta(days=3), "placed"))
    await rfm.recompute(maker, as_of=NOW.date(), now=NOW)
    schedule = RfmSchedule(maker, 3600.0, clock=lambda: NOW.timestamp())
    assert await schedule.last_computed() == NOW


async def test_the_last_run_is_reported_at_its_utc_time_whatever_the_servers_zone(
        engine: AsyncEngine, new_york: None) -> None:
    maker = sessions(engine)
    await _contact(maker, (NOW - dt.timedelta(days=3), "placed"))
    await rfm.recompute(maker, as_of=NOW.date(), now=NOW)
    assert (await summary(maker))["computed_at"] == NOW.isoformat()


async def test_orders_only_today_count_up_to_the_last_microsecond_of_the_day(
        engine: AsyncEngine) -> None:
    """recency 0 for orders at both ends of as_of (UTC); the next midnight is tomorrow's;
    a cancelled order is no purchase, and a contact with only those has no scores."""
    maker = sessions(engine)
    day = NOW.date()
    midnight = dt.datetime.combine(day, dt.time(), dt.UTC)
    today = await _contact(maker, (midnight, "placed"),
                           (midnight + dt.timedelta(days=1, microseconds=-1), "placed"),
                           (midnight + dt.timedelta(days=1), "placed"),
                           (midnight + dt.timedelta(hours=5), "cancelled"))
    cancelled = await _contact(maker, (midnight - dt.timedelta(days=2), "cancelled"))
    run = await rfm.recompute(maker, as_of=day, now=NOW)
    assert run.customers == 1
    async with maker() as session:
        mine = await contact_rfm(session, today)
        gone = await contact_rfm(session, cancelled)
    assert mine is not None and gone is not None
    assert (mine["recency_days"], mine["frequency"], mine["monetary"]) == (0, 2, "20.00")
    assert (gone["segment"], gone["frequency"]) == (rfm.NONE, 0)


async def test_the_only_customer_who_ordered_today_is_not_lost(engine: AsyncEngine) -> None:
    maker = sessions(engine)
    only = await _contact(maker, (NOW - dt.timedelta(hours=1), "placed"))
    await rfm.recompute(maker, as_of=NOW.date(), now=NOW)
    async with maker() as session:
        scores = await contact_rfm(session, only)
    assert scores is not None and scores["segment"] != "lost"


async def test_an_as_of_that_is_not_yyyy_mm_dd_is_refused(api: Api) -> None:
    status, body = await api.call("POST", "/api/v1/rfm/recompute", json={"as_of": "2026-W01-1"})
    assert (status, body.get("field")) == (422, "as_of"), body
