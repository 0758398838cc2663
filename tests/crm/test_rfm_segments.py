"""Segments that select on the stored RFM scores, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm_core import rfm, segments
from crm_core.db import sessions
from crm_core.models import Contact, Order

TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
#: name: (days before TODAY, total) of each order; five customers, ranked 1 to 5 in all
PEOPLE: dict[str, list[tuple[int, int]]] = {
    "Ann": [(1, 500)] * 5, "Bob": [(10, 400)] * 4, "Cid": [(50, 300)] * 3,
    "Dee": [(200, 200)] * 2, "Eve": [(900, 100)], "Fay": []}


@pytest.fixture
async def maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    maker = sessions(engine)
    async with maker() as session, session.begin():
        for name, buys in PEOPLE.items():
            contact = Contact(first_name=name, last_name="Example")
            session.add(contact)
            await session.flush()
            session.add_all(Order(contact_id=contact.id, total=Decimal(total),
                                  ordered_at=dt.datetime.combine(
                                      TODAY - dt.timedelta(days=days), dt.time(12),
                                      tzinfo=dt.UTC)) for days, total in buys)
    await rfm.recompute(maker, as_of=TODAY, now=NOW)
    return maker


async def _names(maker: async_sessionmaker[AsyncSession], definition: dict[str, Any]) -> set[str]:
    return {member.first_name for member in await segments.preview(
        maker, definition, today=TODAY, limit=100)}


@pytest.mark.parametrize(("definition", "names"), [
    ({"rfm_segment": ["champions"]}, {"Ann"}),
    ({"rfm_segment": ["lost", "hibernating"]}, {"Eve", "Dee"}),
    ({"rfm_segment": ["none"]}, {"Fay"}),
    ({"rfm_segment": ["none", "champions"]}, {"Fay", "Ann"}),
    ({"rfm_segment": "need_attention"}, {"Cid"}),
    ({"rfm_r": [4, None]}, {"Ann", "Bob"}),
    ({"rfm_f": [None, 2]}, {"Eve", "Dee"}),
    ({"rfm_m": [5, 5]}, {"Ann"}),
    ({"rfm_r": [2, 4], "rfm_m": [3, 5]}, {"Bob", "Cid"}),
    ({"rfm_r": [1, 5], "min_orders": 3}, {"Ann", "Bob", "Cid"}),
])
async def test_rfm_fields_select_the_scored_contacts(
        maker: async_sessionmaker[AsyncSession], definition: dict[str, Any],
        names: set[str]) -> None:
    assert await _names(maker, definition) == names
    assert await segments.count(maker, definition, today=TODAY) == len(names)


async def test_a_saved_segment_follows_the_latest_run(
        maker: async_sessionmaker[AsyncSession]) -> None:
    await segments.create_segment(maker, "champions", {"rfm_segment": ["champions"]}, now=NOW)
    assert await _names(maker, {"rfm_segment": ["champions"]}) == {"Ann"}
    await rfm.recompute(maker, as_of=TODAY - dt.timedelta(days=30), now=NOW)  # Ann not yet
    assert await _names(maker, {"rfm_segment": ["none"]}) == {"Fay", "Ann", "Bob"}


@pytest.mark.parametrize(("definition", "field"), [
    ({"rfm_segment": ["champs"]}, "rfm_segment"), ({"rfm_segment": []}, "rfm_segment"),
    ({"rfm_segment": 5}, "rfm_segment"), ({"rfm_r": [0, 5]}, "rfm_r"),
    ({"rfm_f": [1, 6]}, "rfm_f"), ({"rfm_m": [4, 2]}, "rfm_m"), ({"rfm_m": [1.5, 2]}, "rfm_m"),
    ({"rfm_r": 3}, "rfm_r"), ({"rfm_f": [True, 2]}, "rfm_f"), ({"rfm_m": [1, 2, 3]}, "rfm_m"),
])
def test_bad_rfm_fields_are_refused_naming_the_field(definition: dict[str, Any],
                                                     field: str) -> None:
    with pytest.raises(segments.InvalidSegment, match=f"^{field}:"):
        segments.validate(definition)
