"""Service metrics: how many cases and calls, how fast, and how customers felt.

A case is *finished* at ``resolved_at``, or at ``closed_at`` when it was
closed without a resolution being recorded; time to resolution, same-day
closing and satisfaction are all counted on that moment. Calendar days are
UTC days. Each figure is one aggregate query.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, case, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.metrics.period import Period
from crm_core.metrics.queries import as_float, ratio, seconds_between, utc_day, within
from crm_core.models import CASE_TYPES, Case, Interaction, Opportunity, User

#: a satisfaction score (1 to 5) that counts as satisfied in the CSAT share
SATISFIED = 4


def finished_at() -> ColumnElement[dt.datetime]:
    """When the case was done with: resolved, else closed; NULL while open."""
    return func.coalesce(Case.resolved_at, Case.closed_at)


async def cases_closed_same_day(session: AsyncSession, period: Period) -> int:
    """Cases finished (resolved, else closed) in the period on the same UTC
    calendar day they were opened."""
    finished = finished_at()
    query = (select(func.count()).select_from(Case)
             .where(within(finished, period), utc_day(Case.opened_at) == utc_day(finished)))
    return int(await session.scalar(query) or 0)


async def cases_per_agent(session: AsyncSession, period: Period) -> list[dict[str, Any]]:
    """Cases opened in the period, per owner (``cases.owner_id``; None for
    unassigned cases), most cases first."""
    count = func.count(Case.id)
    query = (select(Case.owner_id, User.username, count.label("cases"))
             .outerjoin(User, User.id == Case.owner_id)
             .where(within(Case.opened_at, period))
             .group_by(Case.owner_id, User.username)
             .order_by(count.desc(), Case.owner_id.asc().nulls_last()))
    rows = (await session.execute(query)).all()
    return [{"owner_id": r.owner_id, "agent": r.username, "cases": int(r.cases)} for r in rows]


async def service_calls(session: AsyncSession, period: Period) -> int:
    """Voice interactions started in the period that are inbound or linked to a case."""
    query = (select(func.count()).select_from(Interaction)
             .where(Interaction.channel == "voice", within(Interaction.started_at, period),
                    or_(Interaction.direction == "inbound", Interaction.case_id.is_not(None))))
    return int(await session.scalar(query) or 0)


async def requests_by_type(session: AsyncSession, period: Period) -> dict[str, int]:
    """Cases opened in the period, per ``cases.type``; every known type is listed,
    with 0 when none was opened."""
    query = (select(Case.type, func.count()).where(within(Case.opened_at, period))
             .group_by(Case.type))
    counts = dict.fromkeys(CASE_TYPES, 0)
    for kind, number in (await session.execute(query)).all():
        counts[kind] = int(number)
    return counts


async def average_time_to_resolution(session: AsyncSession, period: Period) -> float | None:
    """The mean time, in seconds, from opening to finishing (resolved, else
    closed) of the cases finished in the period; None when none was."""
    finished = finished_at()
    query = select(func.avg(seconds_between(Case.opened_at, finished))).where(
        within(finished, period))
    return as_float(await session.scalar(query))


async def calls_per_day(session: AsyncSession, period: Period) -> float:
    """Service calls in the period divided by its length in days."""
    return await service_calls(session, period) / period.days


def _target_missed(due: Any, done: Any, now: dt.datetime) -> ColumnElement[bool]:
    # never NULL, even with no deed done, so it reads the same inside CASE, OR and NOT
    return and_(due.is_not(None),
                or_(and_(done.is_not(None), done > due), and_(done.is_(None), due < now)))


def _target_pending(due: Any, done: Any, now: dt.datetime) -> ColumnElement[bool]:
    return and_(due.is_not(None), done.is_(None), due >= now)


async def sla_compliance(session: AsyncSession, period: Period, *,
                         now: dt.datetime | None = None) -> dict[str, Any]:
    """Of the cases opened in the period that have an SLA target, the share that
    met them all: first response (``first_response_at``, else the finish) by
    ``first_response_due``, finish by ``resolution_due``. A target passed
    without the deed - still open and overdue included - is missed; a case
    whose targets are not yet due is pending and left out of the rate."""
    now = now or dt.datetime.now(dt.UTC)
    finished = finished_at()
    responded = func.coalesce(Case.first_response_at, finished)
    missed = or_(_target_missed(Case.first_response_due, responded, now),
                 _target_missed(Case.resolution_due, finished, now))
    pending = or_(_target_pending(Case.first_response_due, responded, now),
                  _target_pending(Case.resolution_due, finished, now))
    query = (select(func.count(), func.sum(case((missed, 1), else_=0)),
                    func.sum(case((missed, 0), (pending, 1), else_=0)))
             .where(within(Case.opened_at, period),
                    or_(Case.first_response_due.is_not(None),
                        Case.resolution_due.is_not(None))))
    total, missed_count, pending_count = (await session.execute(query)).one()
    missed_count, pending_count = int(missed_count or 0), int(pending_count or 0)
    met = int(total) - missed_count - pending_count
    return {"met": met, "missed": missed_count, "pending": pending_count,
            "rate": ratio(met, met + missed_count)}


async def renewals(session: AsyncSession, period: Period) -> dict[str, Any]:
    """Renewal opportunities (``kind='renewal'``) closed in the period: won (stage
    ``customer_billed``), lost, and the share won."""
    won = func.sum(case((Opportunity.stage == "customer_billed", 1), else_=0))
    lost = func.sum(case((Opportunity.stage == "lost", 1), else_=0))
    query = select(won, lost).where(Opportunity.kind == "renewal",
                                    within(Opportunity.closed_at, period))
    won_count, lost_count = (int(n or 0) for n in (await session.execute(query)).one())
    return {"won": won_count, "lost": lost_count,
            "rate": ratio(won_count, won_count + lost_count)}


async def satisfaction(session: AsyncSession, period: Period) -> dict[str, Any]:
    """Survey scores (1 to 5) of the cases finished (resolved, else closed) in the
    period: how many, the average, and the CSAT share of 4 and 5; None for both
    without scores."""
    score = Case.satisfaction
    query = select(func.count(score), func.avg(cast(score, Float)),
                   func.sum(case((score >= SATISFIED, 1), else_=0))).where(
        score.is_not(None), within(finished_at(), period))
    answers, average, satisfied = (await session.execute(query)).one()
    return {"responses": int(answers), "average": as_float(average),
            "csat": ratio(satisfied, answers)}


#: this area's metrics, in the order a report shows them
METRICS = (cases_closed_same_day, cases_per_agent, service_calls, requests_by_type,
           average_time_to_resolution, calls_per_day, sla_compliance, renewals, satisfaction)
