"""Cases: opened with SLA targets, answered, put on hold, resolved, closed, reopened.

Theory of operation: a case's status moves only along ``TRANSITIONS``, a table of
``{status: {event: next status}}``; an event the table does not list for the
current status raises ``InvalidTransition`` naming both, and changes nothing.
Opening a case copies the due times of its priority's SLA policy onto it (no
policy, no targets), so a later change of policy does not move the targets of
cases already open. Nothing here reads the clock: every call takes ``now``.
Times are stored in UTC; SQLite hands them back naive, and they are read as UTC.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.models import CASE_TYPES, OPEN_CASE_STATUSES, PRIORITIES, Case, SlaPolicy

log = logging.getLogger(__name__)

#: status -> {event: the status it leads to}; an event missing here is not allowed
TRANSITIONS: dict[str, dict[str, str]] = {
    "new": {"respond": "open", "hold": "pending", "resolve": "resolved", "close": "closed"},
    "open": {"respond": "open", "hold": "pending", "resolve": "resolved", "close": "closed"},
    #: waiting on the customer: a first response does not end the wait, the reply does
    "pending": {"respond": "pending", "resume": "open", "resolve": "resolved",
                "close": "closed"},
    "resolved": {"close": "closed", "reopen": "open"},
    "closed": {"reopen": "open"},
}
#: where each event leads in general, to name the transition that was refused
_TARGET = {"respond": "open", "hold": "pending", "resume": "open", "resolve": "resolved",
           "close": "closed", "reopen": "open"}


class InvalidTransition(ValueError):
    """The event is not allowed in the case's status (the caller's mistake, not the data's)."""

    def __init__(self, case_id: int, status: str, event: str) -> None:
        allowed = ", ".join(TRANSITIONS[status]) or "nothing"
        super().__init__(f"case {case_id}: {status} -> {_TARGET[event]} ({event}) is not "
                         f"allowed; from {status}: {allowed}")
        self.status = status
        self.event = event


def next_status(case_id: int, status: str, event: str) -> str:
    """The status ``event`` moves a case in ``status`` to; InvalidTransition if none."""
    target = TRANSITIONS[status].get(event)
    if target is None:
        raise InvalidTransition(case_id, status, event)
    return target


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseView:
    """A case as callers see it, every time in UTC."""

    id: int
    subject: str
    status: str
    priority: str
    type: str
    channel: str
    contact_id: int | None
    account_id: int | None
    opened_at: dt.datetime
    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    satisfaction: int | None

    def missed(self, now: dt.datetime) -> list[str]:
        """The targets an open case has missed by ``now``: first_response, resolution."""
        if self.status not in OPEN_CASE_STATUSES:
            return []
        now = utc(now)
        late = []
        if self.first_response_at is None and _before(self.first_response_due, now):
            late.append("first_response")
        if _before(self.resolution_due, now):
            late.append("resolution")
        return late


def _before(due: dt.datetime | None, now: dt.datetime) -> bool:
    return due is not None and due < now


def utc(value: dt.datetime) -> dt.datetime:
    """A caller's time in UTC; naive times are refused (whose clock would they be?)."""
    if value.tzinfo is None:
        raise ValueError(f"{value.isoformat()} has no time zone")
    return value.astimezone(dt.UTC)


def _stored(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _view(case: Case) -> CaseView:
    opened = _stored(case.opened_at)
    assert opened is not None  # the column is NOT NULL
    return CaseView(
        id=case.id, subject=case.subject, status=case.status, priority=case.priority,
        type=case.type, channel=case.channel, contact_id=case.contact_id,
        account_id=case.account_id, opened_at=opened,
        first_response_due=_stored(case.first_response_due),
        resolution_due=_stored(case.resolution_due),
        first_response_at=_stored(case.first_response_at),
        resolved_at=_stored(case.resolved_at), closed_at=_stored(case.closed_at),
        satisfaction=case.satisfaction)


def _check_new(subject: str, priority: str, type_: str) -> None:
    if not subject.strip():
        raise ValueError("subject: a case needs a subject")
    if len(subject) > 200:
        raise ValueError("subject: longer than 200 characters")
    if priority not in PRIORITIES:
        raise ValueError(f"priority: {priority!r} is not one of {', '.join(PRIORITIES)}")
    if type_ not in CASE_TYPES:
        raise ValueError(f"type: {type_!r} is not one of {', '.join(CASE_TYPES)}")


async def open_case(sessions: async_sessionmaker[AsyncSession], *, subject: str,
                    now: dt.datetime, contact_id: int | None = None,
                    account_id: int | None = None, priority: str = "normal",
                    type_: str = "question", channel: str = "phone",
                    description: str | None = None, owner_id: int | None = None) -> CaseView:
    """Open a case; its due times come from its priority's SLA policy as it is now."""
    _check_new(subject, priority, type_)
    opened = utc(now)
    async with sessions() as session, session.begin():
        policy = await session.scalar(select(SlaPolicy).where(SlaPolicy.priority == priority))
        case = Case(subject=subject.strip(), description=description, contact_id=contact_id,
                    account_id=account_id, priority=priority, type=type_, status="new",
                    channel=channel, owner_id=owner_id, opened_at=opened)
        if policy is not None:
            case.first_response_due = opened + dt.timedelta(minutes=policy.first_response_minutes)
            case.resolution_due = opened + dt.timedelta(minutes=policy.resolution_minutes)
        session.add(case)
        await session.flush()
        log.info("case %d: opened, %s priority", case.id, priority)
        return _view(case)


async def _apply(sessions: async_sessionmaker[AsyncSession], case_id: int, event: str,
                 now: dt.datetime, change: Callable[[Case, dt.datetime], None]) -> CaseView:
    """Move the case by ``event``, letting ``change`` set its times; one transaction."""
    at = utc(now)
    async with sessions() as session, session.begin():
        case = await session.get(Case, case_id, with_for_update=True)
        if case is None:
            raise LookupError(f"no case {case_id}")
        before = case.status
        target = next_status(case_id, before, event)
        opened = _stored(case.opened_at)
        if opened is not None and at < opened:
            raise ValueError(f"case {case_id}: {event} at {at.isoformat()} is before it was "
                             f"opened ({opened.isoformat()})")
        change(case, at)
        case.status = target
        log.info("case %d: %s -[%s]-> %s", case_id, before, event, target)
        return _view(case)


def _first_response(case: Case, at: dt.datetime) -> None:
    if case.first_response_at is None:  # later answers are not the first
        case.first_response_at = at


async def record_first_response(sessions: async_sessionmaker[AsyncSession], case_id: int, *,
                                now: dt.datetime) -> CaseView:
    """An agent answered; only the first answer's time is kept. A new case becomes open."""
    return await _apply(sessions, case_id, "respond", now, _first_response)


async def hold(sessions: async_sessionmaker[AsyncSession], case_id: int, *,
               now: dt.datetime) -> CaseView:
    """Wait on the customer (pending)."""
    return await _apply(sessions, case_id, "hold", now, lambda case, at: None)


async def resume(sessions: async_sessionmaker[AsyncSession], case_id: int, *,
                 now: dt.datetime) -> CaseView:
    """The customer answered a pending case: it is open again."""
    return await _apply(sessions, case_id, "resume", now, lambda case, at: None)


def _resolution(case: Case, at: dt.datetime) -> None:
    _first_response(case, at)  # a resolution answers the customer too
    case.resolved_at = at


async def resolve(sessions: async_sessionmaker[AsyncSession], case_id: int, *,
                  now: dt.datetime) -> CaseView:
    return await _apply(sessions, case_id, "resolve", now, _resolution)


async def close(sessions: async_sessionmaker[AsyncSession], case_id: int, *,
                now: dt.datetime, satisfaction: int | None = None) -> CaseView:
    """Close the case, with the customer's survey score (1 to 5) when there is one."""
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise ValueError(f"satisfaction: {satisfaction} is not from 1 to 5")

    def closing(case: Case, at: dt.datetime) -> None:
        case.closed_at = at
        case.satisfaction = satisfaction if satisfaction is not None else case.satisfaction

    return await _apply(sessions, case_id, "close", now, closing)


def _reopening(case: Case, at: dt.datetime) -> None:
    # the targets stay those set at opening: a reopened case is still measured by them
    case.resolved_at = None
    case.closed_at = None


async def reopen(sessions: async_sessionmaker[AsyncSession], case_id: int, *,
                 now: dt.datetime) -> CaseView:
    return await _apply(sessions, case_id, "reopen", now, _reopening)


async def open_cases_of(sessions: async_sessionmaker[AsyncSession], contact_id: int, *,
                        limit: int = 20) -> list[CaseView]:
    """The contact's open cases, newest first: what the screen-pop shows the agent."""
    query = (select(Case)
             .where(Case.contact_id == contact_id, Case.status.in_(OPEN_CASE_STATUSES))
             .order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit))
    async with sessions() as session:
        return [_view(case) for case in await session.scalars(query)]


async def overdue(sessions: async_sessionmaker[AsyncSession], *, now: dt.datetime,
                  limit: int = 100) -> list[CaseView]:
    """Open cases past a target at ``now``: no first response by its due time, or not
    resolved by its due time; the longest open first."""
    at = utc(now)
    late = or_(and_(Case.first_response_at.is_(None), Case.first_response_due < at),
               Case.resolution_due < at)
    query = (select(Case).where(Case.status.in_(OPEN_CASE_STATUSES), late)
             .order_by(Case.opened_at, Case.id).limit(limit))
    async with sessions() as session:
        return [_view(case) for case in await session.scalars(query)]
