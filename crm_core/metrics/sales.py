"""Sales metrics: who is buying, who may buy, and the effort spent selling.

A customer is a contact with at least one order that is not cancelled;
orders without a contact are left out of the customer and revenue counts,
because they cannot be told apart as first or repeat purchases. Every figure
is one aggregate query; the docstring of each function is its definition,
repeated in ``docs/crm-metrics.md``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Subquery, and_, exists, func, or_, select, union, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm_core.metrics.period import Period
from crm_core.metrics.queries import first_order, live_order, money, ratio, within
from crm_core.models import CLOSED_STAGES, Activity, Interaction, Lead, Opportunity, Order, Quote


def lead_open_at(moment: dt.datetime) -> ColumnElement[bool]:
    """A lead that exists at ``moment`` and is neither converted by then nor unqualified.

    The schema dates a conversion (``converted_at``) but not a disqualification,
    so an unqualified lead counts as closed at every moment.
    """
    return and_(Lead.created_at < moment, Lead.status != "unqualified",
                or_(Lead.converted_at >= moment,
                    and_(Lead.converted_at.is_(None), Lead.status != "converted")))


def opportunity_open_at(moment: dt.datetime) -> ColumnElement[bool]:
    """An opportunity created before ``moment`` and not closed (won or lost) by then."""
    return and_(Opportunity.created_at < moment,
                or_(Opportunity.closed_at >= moment,
                    and_(Opportunity.closed_at.is_(None),
                         Opportunity.stage.not_in(CLOSED_STAGES))))


def _customer_orders(period: Period) -> ColumnElement[bool]:
    return and_(within(Order.ordered_at, period), live_order(), Order.contact_id.is_not(None))


async def prospective_customers(session: AsyncSession, period: Period) -> int:
    """Contacts who, at the period's end, have an open opportunity or an open lead
    (``leads.contact_id``) and no order placed before the end."""
    end = period.end
    candidates = union(
        select(Opportunity.contact_id.label("contact_id"))
        .where(Opportunity.contact_id.is_not(None), opportunity_open_at(end)),
        select(Lead.contact_id.label("contact_id"))
        .where(Lead.contact_id.is_not(None), lead_open_at(end)),
    ).subquery()
    ordered = exists().where(Order.contact_id == candidates.c.contact_id, live_order(),
                             Order.ordered_at < end)
    query = select(func.count()).select_from(candidates).where(~ordered)
    return int(await session.scalar(query) or 0)


async def new_customers(session: AsyncSession, period: Period) -> int:
    """Contacts whose first order ever (not cancelled) was placed in the period."""
    query = (select(func.count(Order.contact_id.distinct()))
             .where(_customer_orders(period), first_order()))
    return int(await session.scalar(query) or 0)


async def retained_customers(session: AsyncSession, period: Period) -> int:
    """Contacts who placed an order (not cancelled) in the period and had also
    placed one before it began."""
    before = aliased(Order)
    ordered_before = exists().where(before.contact_id == Order.contact_id, live_order(before),
                                    before.ordered_at < period.start)
    query = (select(func.count(Order.contact_id.distinct()))
             .where(_customer_orders(period), ordered_before))
    return int(await session.scalar(query) or 0)


async def open_leads(session: AsyncSession, period: Period) -> int:
    """Leads open at the period's end: created before it, not converted by then,
    not unqualified."""
    query = select(func.count()).select_from(Lead).where(lead_open_at(period.end))
    return int(await session.scalar(query) or 0)


def _sales_calls(period: Period) -> Subquery:
    """One row per sales call in the period, with the lead it concerns (or NULL).

    A call's lead is its own ``lead_id``, else its opportunity's.
    """
    by_hand = (
        select(func.coalesce(Activity.lead_id, Opportunity.lead_id).label("lead_id"))
        .select_from(Activity)
        .outerjoin(Opportunity, Opportunity.id == Activity.opportunity_id)
        .where(Activity.kind == "call", within(Activity.done_at, period),
               or_(Activity.lead_id.is_not(None), Activity.opportunity_id.is_not(None))))
    dialled = (
        select(func.coalesce(Interaction.lead_id, Opportunity.lead_id).label("lead_id"))
        .select_from(Interaction)
        .outerjoin(Opportunity, Opportunity.id == Interaction.opportunity_id)
        .where(Interaction.direction == "outbound", Interaction.channel == "voice",
               within(Interaction.started_at, period),
               or_(Interaction.lead_id.is_not(None), Interaction.opportunity_id.is_not(None))))
    return union_all(by_hand, dialled).subquery()


async def sales_calls(session: AsyncSession, period: Period) -> int:
    """Calls about a lead or an opportunity made in the period: activities of kind
    ``call`` done (``done_at``) in it, plus outbound voice interactions started in it."""
    query = select(func.count()).select_from(_sales_calls(period))
    return int(await session.scalar(query) or 0)


async def calls_per_lead(session: AsyncSession, period: Period) -> float | None:
    """Sales calls in the period that concern a lead (directly or through its
    opportunity), divided by the number of distinct leads they reached; None when
    no lead was called."""
    calls = _sales_calls(period)
    row = (await session.execute(
        select(func.count(calls.c.lead_id), func.count(calls.c.lead_id.distinct())))).one()
    return ratio(row[0], row[1])


async def _revenue(session: AsyncSession, period: Period, *, first: bool) -> str:
    is_first = first_order()
    query = (select(func.coalesce(func.sum(Order.total), 0))
             .where(_customer_orders(period), is_first if first else ~is_first))
    return money(await session.scalar(query))


async def new_revenue(session: AsyncSession, period: Period) -> str:
    """The total of the orders placed in the period that are their contact's first
    order ever (not cancelled)."""
    return await _revenue(session, period, first=True)


async def recurring_revenue(session: AsyncSession, period: Period) -> str:
    """The total of the orders placed in the period that are not their contact's
    first order (not cancelled)."""
    return await _revenue(session, period, first=False)


async def proposals_given(session: AsyncSession, period: Period) -> int:
    """Quotes sent (``sent_at``) in the period."""
    query = select(func.count()).select_from(Quote).where(within(Quote.sent_at, period))
    return int(await session.scalar(query) or 0)


#: this area's metrics, in the order a report shows them
METRICS = (prospective_customers, new_customers, retained_customers, open_leads, sales_calls,
           calls_per_lead, new_revenue, recurring_revenue, proposals_given)
