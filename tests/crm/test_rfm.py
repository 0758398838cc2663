"""RFM scores computed in the database, on SQLite and PostgreSQL, against known answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import String, func, literal, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm_core import rfm
from crm_core.db import sessions
from crm_core.models import Contact, Order, RfmScore
from crm_core.rfm_read import RfmReader, summary

AS_OF = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 21, 2, 0, tzinfo=dt.UTC)
#: an order: days before AS_OF (at noon UTC), its total, its status
Buy = tuple[int, int, str]


def _at(days_ago: int, hour: int = 12) -> dt.datetime:
    day = AS_OF - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


async def _contacts(maker: async_sessionmaker[AsyncSession],
                    people: dict[str, list[Buy]]) -> dict[str, int]:
    """Contacts named after the keys, with their orders; name -> id."""
    async with maker() as session, session.begin():
        made = {name: Contact(first_name=name, last_name="Example") for name in people}
        session.add_all(made.values())
        await session.flush()
        for name, buys in people.items():
            session.add_all(Order(contact_id=made[name].id, total=Decimal(total), status=status,
                                  ordered_at=_at(days)) for days, total, status in buys)
    return {name: contact.id for name, contact in made.items()}


async def _scores(maker: async_sessionmaker[AsyncSession],
                  ids: dict[str, int]) -> dict[str, RfmScore]:
    names = {contact_id: name for name, contact_id in ids.items()}
    async with maker() as session:
        rows = (await session.scalars(select(RfmScore))).all()
    return {names[row.contact_id]: row for row in rows}


@pytest.fixture
def maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return sessions(engine)


def _reference(people: dict[str, list[Buy]]) -> dict[str, tuple[int, int, int, int, str]]:
    """The scores worked out in Python from the definitions: recency, R, F, M, segment."""
    figures = {}
    for name, buys in people.items():
        counted = [(days, total) for days, total, status in buys
                   if status != "cancelled" and days >= 0]
        if counted:
            figures[name] = (min(d for d, _ in counted), len(counted),
                             sum(t for _, t in counted))
    count = len(figures)

    def score(name: str, key: int) -> int:  # F, M: ranked worst first, ties together
        value = figures[name][key]
        worse = sum(1 for other in figures.values() if other[key] < value)
        return rfm.quintile(worse + 1, count)

    def recency(name: str) -> int:  # R: ranked best (most recent) first, ties together
        better = sum(1 for other in figures.values() if other[0] < figures[name][0])
        return rfm.quintile_from_best(better + 1, count)

    answer = {}
    for name in figures:
        r, f, m = recency(name), score(name, 1), score(name, 2)
        answer[name] = (figures[name][0], r, f, m, rfm.segment_of(r, f))
    return answer


def _planted(seed: int) -> dict[str, list[Buy]]:
    """Recent frequent big spenders (8 of 50: within the top fifth), long-gone one-timers,
    and a random middle whose first order always counts."""
    pick = random.Random(seed)
    people: dict[str, list[Buy]] = {}
    for i in range(8):
        people[f"champion{i}"] = [(pick.randint(0, 6), pick.randint(400, 900), "fulfilled")
                                  for _ in range(pick.randint(9, 14))]
    for i in range(10):
        people[f"gone{i}"] = [(pick.randint(700, 1000), pick.randint(5, 40), "fulfilled")]
    for i in range(32):
        people[f"middle{i}"] = [(pick.randint(30, 400), pick.randint(20, 300),
                                 pick.choice(["placed", "returned", "cancelled"]) if n else
                                 "fulfilled") for n in range(pick.randint(1, 8))]
    return people


async def test_planted_groups_come_out_as_planted_and_match_the_definitions(
        maker: async_sessionmaker[AsyncSession]) -> None:
    people = _planted(7)
    ids = await _contacts(maker, people)
    run = await rfm.recompute(maker, as_of=AS_OF, now=NOW)
    scores = await _scores(maker, ids)
    expected = _reference(people)
    assert run.customers == len(expected) == len(scores)
    assert {name: (row.recency_days, row.r_score, row.f_score, row.m_score, row.segment)
            for name, row in scores.items()} == expected
    for i in range(8):
        assert scores[f"champion{i}"].segment == "champions"
        assert (scores[f"champion{i}"].r_score, scores[f"champion{i}"].m_score) == (5, 5)
    for i in range(10):
        assert scores[f"gone{i}"].segment in ("hibernating", "lost")
        assert scores[f"gone{i}"].r_score == 1
    assert sum(run.segments.values()) == run.customers == 50
    assert run.segments["champions"] >= 8


async def test_quintile_edges_of_ten_and_of_seven_distinct_contacts(
        maker: async_sessionmaker[AsyncSession]) -> None:
    ten = {f"c{n}": [(10, 50, "placed")] * n for n in range(1, 11)}
    ids = await _contacts(maker, ten)
    await rfm.recompute(maker, as_of=AS_OF, now=NOW)
    scores = await _scores(maker, ids)
    assert [scores[f"c{n}"].f_score for n in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert [scores[f"c{n}"].m_score for n in range(1, 11)] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    async with maker() as session, session.begin():  # three fewer: 7 customers
        await session.execute(Order.__table__.delete().where(
            Order.contact_id.in_([ids["c8"], ids["c9"], ids["c10"]])))
    await rfm.recompute(maker, as_of=AS_OF, now=NOW)
    scores = await _scores(maker, ids)
    assert [scores[f"c{n}"].f_score for n in range(1, 8)] == [1, 1, 2, 3, 3, 4, 5]


async def test_ties_share_a_score_whatever_the_order_of_rows(
        maker: async_sessionmaker[AsyncSession]) -> None:
    people = {f"once{n}": [(40, 100, "placed")] for n in range(5)}
    people |= {f"many{n}": [(40, 100, "placed")] * n for n in range(2, 7)}
    ids = await _contacts(maker, people)
    async with maker() as session, session.begin():  # the same day, another hour
        await session.execute(Order.__table__.update().where(
            Order.contact_id == ids["once0"]).values(ordered_at=_at(40, hour=23)))
    await rfm.recompute(maker, as_of=AS_OF, now=NOW)
    scores = await _scores(maker, ids)
    assert {scores[f"once{n}"].f_score for n in range(5)} == {1}
    assert [scores[f"many{n}"].f_score for n in range(2, 7)] == [3, 4, 4, 5, 5]
    # everyone last bought on the same day: one rank, the most recent, R = 5 for all
    assert {row.r_score for row in scores.values()} == {5}
    assert {row.recency_days for row in scores.values()} == {40}
    assert {scores[f"once{n}"].m_score for n in range(5)} == {1}


async def test_which_orders_count_and_contacts_without_any(
        maker: async_sessionmaker[AsyncSession]) -> None:
    people = {"never": [], "cancelled": [(3, 500, "cancelled")], "later": [(-1, 80, "placed")],
              "returned": [(3, 20, "returned")], "mixed": [(5, 10, "placed"),
                                                          (2, 999, "cancelled")]}
    ids = await _contacts(maker, people)
    async with maker() as session, session.begin():  # the last instant of AS_OF counts
        session.add(Order(contact_id=ids["mixed"], total=Decimal("5.25"), status="placed",
                          ordered_at=dt.datetime.combine(AS_OF, dt.time(23, 59, 59),
                                                         tzinfo=dt.UTC)))
    await rfm.recompute(maker, as_of=AS_OF, now=NOW)
    scores = await _scores(maker, ids)
    assert set(scores) == {"returned", "mixed"}
    assert (scores["mixed"].frequency, scores["mixed"].monetary,
            scores["mixed"].recency_days) == (2, Decimal("15.25"), 0)
    reader = RfmReader(maker)
    never = await reader.for_contact(ids["never"])
    assert never is not None and never["segment"] == "none" and never["r"] is None
    mixed = await reader.for_contact(ids["mixed"])
    # two customers: the more recent is R 5 (ranked first from the best end); the better
    # of two on F ranks second from the worst end, 1 + 5 * 1 // 2 = 3
    assert mixed == {"segment": "potential_loyalists", "r": 5, "f": 3, "m": 1,
                     "recency_days": 0, "frequency": 2, "monetary": "15.25",
                     "as_of": "2026-11-20"}


async def test_nothing_to_show_before_the_first_run(
        maker: async_sessionmaker[AsyncSession]) -> None:
    ids = await _contacts(maker, {"ann": [(1, 10, "placed")]})
    assert await RfmReader(maker).for_contact(ids["ann"]) is None
    assert (await summary(maker))["customers"] == 0


async def test_a_rerun_replaces_every_score(maker: async_sessionmaker[AsyncSession]) -> None:
    ids = await _contacts(maker, {"old": [(300, 10, "placed")], "new": [(1, 10, "placed")],
                                  "both": [(300, 10, "placed"), (2, 10, "placed")]})
    await rfm.recompute(maker, as_of=AS_OF, now=NOW)
    earlier = AS_OF - dt.timedelta(days=100)  # "new" had not ordered yet
    later_now = NOW + dt.timedelta(hours=1)
    run = await rfm.recompute(maker, as_of=earlier, now=later_now)
    scores = await _scores(maker, ids)
    assert set(scores) == {"old", "both"} and run.customers == 2
    assert {row.as_of for row in scores.values()} == {earlier}
    assert {row.computed_at.astimezone(dt.UTC) for row in scores.values()} == {later_now}
    assert scores["old"].recency_days == 200
    assert (await RfmReader(maker).for_contact(ids["new"]) or {})["segment"] == "none"
    last = await summary(maker)
    assert (last["as_of"], last["customers"]) == (earlier.isoformat(), 2)
    assert last["computed_at"] == later_now.isoformat()


async def test_two_runs_at_once_leave_one_whole_set(
        maker: async_sessionmaker[AsyncSession]) -> None:
    ids = await _contacts(maker, {f"c{n}": [(n, 10 * n + 5, "placed")] for n in range(20)})
    first, second = await asyncio.gather(
        rfm.recompute(maker, as_of=AS_OF, now=NOW),
        rfm.recompute(maker, as_of=AS_OF - dt.timedelta(days=1), now=NOW))
    assert (first.customers, second.customers) == (20, 19)
    async with maker() as session:
        stored = await session.scalar(select(func.count()).select_from(RfmScore))
        days = (await session.scalars(select(RfmScore.as_of).distinct())).all()
    assert len(days) == 1 and stored == (20 if days[0] == AS_OF else 19)
    assert len(ids) == 20


async def test_a_run_that_fails_leaves_the_previous_scores_whole(
        maker: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch) -> None:
    ids = await _contacts(maker, {f"c{n}": [(n, 10, "placed")] for n in range(5)})
    await rfm.recompute(maker, as_of=AS_OF, now=NOW)
    before = {name: (row.r_score, row.segment) for name, row in (await _scores(maker, ids)).items()}
    real = rfm.scores_select

    def without_segments(*args: object) -> Any:
        """The run's rows with no segment: the insert fails after the delete."""
        chosen = real(*args)  # type: ignore[arg-type]
        return chosen.with_only_columns(
            *[literal(None, String).label("segment") if column.name == "segment" else column
              for column in chosen.selected_columns])

    monkeypatch.setattr(rfm, "scores_select", without_segments)
    with pytest.raises(IntegrityError):
        await rfm.recompute(maker, as_of=AS_OF - dt.timedelta(days=2), now=NOW)
    after = {name: (row.r_score, row.segment) for name, row in (await _scores(maker, ids)).items()}
    assert after == before and len(after) == 5
