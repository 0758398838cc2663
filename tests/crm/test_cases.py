"""Cases and their SLA targets, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm_core import cases
from crm_core.cases import CaseView, InvalidTransition
from crm_core.db import sessions
from crm_core.models import Contact, SlaPolicy

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
Step = Callable[..., Awaitable[CaseView]]


@pytest.fixture
async def maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    async with sessions(engine)() as session, session.begin():
        session.add_all([
            SlaPolicy(priority="urgent", first_response_minutes=15, resolution_minutes=240),
            SlaPolicy(priority="normal", first_response_minutes=60, resolution_minutes=1440)])
    return sessions(engine)


async def _contact(maker: async_sessionmaker[AsyncSession], name: str) -> int:
    async with maker() as session, session.begin():
        contact = Contact(first_name=name, last_name="Example")
        session.add(contact)
        await session.flush()
        return contact.id


async def test_due_times_come_from_the_policy_of_the_priority(
        maker: async_sessionmaker[AsyncSession]) -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    urgent = await cases.open_case(maker, subject="Line down", priority="urgent",
                                   now=NOW.astimezone(paris))
    assert urgent.status == "new" and urgent.opened_at == NOW
    assert urgent.first_response_due == NOW + 15 * MINUTE
    assert urgent.resolution_due == NOW + 240 * MINUTE
    low = await cases.open_case(maker, subject="Brochure", priority="low", now=NOW)
    assert (low.first_response_due, low.resolution_due) == (None, None)  # no policy for low


async def test_a_later_policy_change_does_not_move_open_targets(
        maker: async_sessionmaker[AsyncSession]) -> None:
    before = await cases.open_case(maker, subject="Line down", priority="urgent", now=NOW)
    async with maker() as session, session.begin():
        await session.execute(update(SlaPolicy).where(SlaPolicy.priority == "urgent")
                              .values(first_response_minutes=5))
    after = await cases.open_case(maker, subject="Line down again", priority="urgent", now=NOW)
    assert after.first_response_due == NOW + 5 * MINUTE
    late = await cases.overdue(maker, now=NOW + 10 * MINUTE)
    assert [case.id for case in late] == [after.id]  # the first is still due at 15 minutes
    assert before.id != after.id


async def test_a_case_goes_through_its_life(maker: async_sessionmaker[AsyncSession]) -> None:
    case = await cases.open_case(maker, subject="Refund", now=NOW)
    steps: list[tuple[Step, int, str]] = [
        (cases.record_first_response, 5, "open"), (cases.record_first_response, 9, "open"),
        (cases.hold, 10, "pending"), (cases.resume, 30, "open"), (cases.resolve, 40, "resolved")]
    for step, minutes, status in steps:
        case = await step(maker, case.id, now=NOW + minutes * MINUTE)
        assert case.status == status
    assert case.first_response_at == NOW + 5 * MINUTE  # a second answer is not the first
    assert case.resolved_at == NOW + 40 * MINUTE
    case = await cases.close(maker, case.id, now=NOW + 60 * MINUTE, satisfaction=4)
    assert (case.status, case.closed_at, case.satisfaction) == ("closed", NOW + 60 * MINUTE, 4)
    case = await cases.reopen(maker, case.id, now=NOW + 90 * MINUTE)
    assert (case.status, case.resolved_at, case.closed_at) == ("open", None, None)
    assert case.resolution_due == NOW + 1440 * MINUTE  # measured against the first target


async def test_resolving_at_once_is_also_the_first_response(
        maker: async_sessionmaker[AsyncSession]) -> None:
    case = await cases.open_case(maker, subject="Password", now=NOW)
    case = await cases.resolve(maker, case.id, now=NOW + 3 * MINUTE)
    assert case.first_response_at == case.resolved_at == NOW + 3 * MINUTE


@pytest.mark.parametrize("path, step, named", [
    ([cases.close], cases.resolve, "closed -> resolved (resolve)"),
    ([], cases.reopen, "new -> open (reopen)"),
    ([cases.resolve], cases.hold, "resolved -> pending (hold)"),
    ([cases.close], cases.record_first_response, "closed -> open (respond)"),
    ([cases.record_first_response], cases.resume, "open -> open (resume)"),
])
async def test_a_transition_not_allowed_is_refused_by_name(
        maker: async_sessionmaker[AsyncSession], path: list[Step], step: Step,
        named: str) -> None:
    case = await cases.open_case(maker, subject="Refund", now=NOW)
    for earlier in path:
        case = await earlier(maker, case.id, now=NOW + MINUTE)
    with pytest.raises(InvalidTransition, match=re.escape(named)):
        await step(maker, case.id, now=NOW + 2 * MINUTE)


async def test_a_refused_transition_changes_nothing(
        maker: async_sessionmaker[AsyncSession]) -> None:
    contact = await _contact(maker, "Ada")
    case = await cases.open_case(maker, subject="Refund", contact_id=contact, now=NOW)
    case = await cases.close(maker, case.id, now=NOW + MINUTE)
    with pytest.raises(InvalidTransition):
        await cases.resolve(maker, case.id, now=NOW + 2 * MINUTE)
    with pytest.raises(ValueError, match="before it was opened"):
        await cases.reopen(maker, case.id, now=NOW - MINUTE)
    reopened = await cases.reopen(maker, case.id, now=NOW + 3 * MINUTE)
    assert reopened.resolved_at is None  # the refused resolve left no trace


async def test_the_screen_pop_lists_a_contacts_open_cases_newest_first(
        maker: async_sessionmaker[AsyncSession]) -> None:
    ada, grace = await _contact(maker, "Ada"), await _contact(maker, "Grace")
    opened = {}
    for minutes, subject, contact in ((0, "old", ada), (10, "done", ada), (20, "pending", ada),
                                      (30, "newest", ada), (40, "Grace's", grace)):
        opened[subject] = await cases.open_case(maker, subject=subject, contact_id=contact,
                                                now=NOW + minutes * MINUTE)
    await cases.resolve(maker, opened["done"].id, now=NOW + 50 * MINUTE)
    await cases.hold(maker, opened["pending"].id, now=NOW + 50 * MINUTE)
    shown = await cases.open_cases_of(maker, ada)
    assert [case.subject for case in shown] == ["newest", "pending", "old"]


async def test_overdue_cases_are_those_past_a_target(
        maker: async_sessionmaker[AsyncSession]) -> None:
    unanswered = await cases.open_case(maker, subject="A", priority="urgent", now=NOW)
    answered = await cases.open_case(maker, subject="B", priority="urgent", now=NOW)
    await cases.record_first_response(maker, answered.id, now=NOW + 10 * MINUTE)
    await cases.open_case(maker, subject="C", priority="low", now=NOW - 3000 * MINUTE)
    stale = await cases.open_case(maker, subject="D", now=NOW - 2880 * MINUTE)
    await cases.record_first_response(maker, stale.id, now=NOW - 2870 * MINUTE)
    done = await cases.open_case(maker, subject="E", priority="urgent", now=NOW - 60 * MINUTE)
    await cases.resolve(maker, done.id, now=NOW - 30 * MINUTE)
    assert [case.id for case in await cases.overdue(maker, now=NOW + 15 * MINUTE)] == [
        stale.id]  # due at 15 minutes is not late at 15 minutes
    late = await cases.overdue(maker, now=NOW + 20 * MINUTE)
    assert [case.id for case in late] == [stale.id, unanswered.id]  # the longest open first
    assert [case.missed(NOW + 20 * MINUTE) for case in late] == [
        ["resolution"], ["first_response"]]


async def test_bad_input_is_refused_with_the_field(
        maker: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(ValueError, match="priority: 'critical'"):
        await cases.open_case(maker, subject="X", priority="critical", now=NOW)
    with pytest.raises(ValueError, match="subject"):
        await cases.open_case(maker, subject=" ", now=NOW)
    with pytest.raises(ValueError, match="no time zone"):
        await cases.open_case(maker, subject="X", now=NOW.replace(tzinfo=None))
    case = await cases.open_case(maker, subject="X", now=NOW)
    with pytest.raises(ValueError, match="satisfaction"):
        await cases.close(maker, case.id, now=NOW, satisfaction=6)
    with pytest.raises(LookupError, match="no case 999"):
        await cases.resolve(maker, 999, now=NOW)
