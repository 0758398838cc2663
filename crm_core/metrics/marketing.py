"""Marketing metrics: what campaigns brought in, and whether customers stay.

A campaign is active in a period when its dates (``starts_on`` to
``ends_on``, both inclusive, UTC days; no end date means still running)
overlap the period and it is not cancelled. The per-campaign metrics list
every active campaign, with zeros where nothing happened, plus any other
campaign that has figures in the period (a late response to an ended one);
one row per campaign, in id order. A phone campaign's dials are its responses
too (``crm_core.dial_campaigns``): those that reached a person count as
responses, every dial as an interaction. Aggregates run in the database, grouped by
campaign; only the per-campaign rows come back. Cost per interaction lists
the active campaigns only, since its responses are counted to date.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    Subquery,
    and_,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from crm_core.metrics.period import Period
from crm_core.metrics.queries import first_order, live_order, money, ratio, within
from crm_core.models import (
    ATTEMPT,
    Campaign,
    CampaignMember,
    CampaignResponse,
    Lead,
    Order,
    Product,
)

CampaignFigures = list[dict[str, Any]]


def campaign_active(period: Period) -> ColumnElement[bool]:
    """The campaign's days overlap the period and it was not cancelled."""
    return and_(Campaign.status != "cancelled", Campaign.starts_on <= period.last_day,
                or_(Campaign.ends_on.is_(None), Campaign.ends_on >= period.start.date()))


async def _per_campaign(session: AsyncSession, period: Period, figures: Subquery,
                        *extra: Any, active_only: bool = False) -> list[Row[Any]]:
    """Active campaigns, and unless ``active_only`` those with figures, joined to
    ``figures`` (zeros filled in)."""
    values = [func.coalesce(column, 0).label(column.name)
              for column in figures.c if column.name != "campaign_id"]
    listed = campaign_active(period)
    if not active_only:
        listed = or_(listed, figures.c.campaign_id.is_not(None))
    query = (select(Campaign.id, Campaign.name, *extra, *values)
             .outerjoin(figures, figures.c.campaign_id == Campaign.id)
             .where(listed).order_by(Campaign.id))
    return list((await session.execute(query)).all())


async def campaigns(session: AsyncSession, period: Period) -> int:
    """Campaigns active in the period (dates overlapping it, not cancelled)."""
    query = select(func.count()).select_from(Campaign).where(campaign_active(period))
    return int(await session.scalar(query) or 0)


async def responses_per_campaign(session: AsyncSession, period: Period) -> CampaignFigures:
    """Per campaign, the responses (open, click, reply, call, visit, unsubscribe, and a
    phone campaign's dials that reached a person: ``contacted``) received in the
    period; a dial that reached nobody (``attempt``) is no response."""
    figures = (select(CampaignResponse.campaign_id, func.count().label("responses"))
               .where(within(CampaignResponse.responded_at, period),
                      CampaignResponse.kind != ATTEMPT)
               .group_by(CampaignResponse.campaign_id).subquery())
    rows = await _per_campaign(session, period, figures)
    return [{"campaign_id": r.id, "campaign": r.name, "responses": int(r.responses)}
            for r in rows]


def _campaign_orders(period: Period) -> Subquery:
    return (select(Order.campaign_id, func.count().label("purchases"),
                   func.sum(Order.total).label("revenue"))
            .where(Order.campaign_id.is_not(None), within(Order.ordered_at, period),
                   live_order())
            .group_by(Order.campaign_id).subquery())


async def purchases_per_campaign(session: AsyncSession, period: Period) -> CampaignFigures:
    """Per campaign, the orders (not cancelled) placed in the period that carry
    its ``campaign_id``."""
    rows = await _per_campaign(session, period, _campaign_orders(period))
    return [{"campaign_id": r.id, "campaign": r.name, "purchases": int(r.purchases)}
            for r in rows]


async def revenue_per_campaign(session: AsyncSession, period: Period) -> CampaignFigures:
    """Per campaign, the total of those same orders: not cancelled, placed in the
    period, carrying its ``campaign_id``."""
    rows = await _per_campaign(session, period, _campaign_orders(period))
    return [{"campaign_id": r.id, "campaign": r.name, "revenue": money(r.revenue)}
            for r in rows]


async def cost_per_interaction(session: AsyncSession, period: Period) -> CampaignFigures:
    """Per campaign active in the period, its recorded ``cost`` divided by all its
    interactions before the period's end: its responses, and a phone campaign's dials
    that reached nobody (``attempt``), each dial paid for (None without any). The
    cost is the campaign's whole cost, so the interactions are all of them to
    date, not only the period's."""
    reached = case((CampaignResponse.kind != ATTEMPT, 1))
    figures = (select(CampaignResponse.campaign_id, func.count().label("interactions"),
                      func.count(reached).label("responses"))
               .where(CampaignResponse.responded_at < period.end)
               .group_by(CampaignResponse.campaign_id).subquery())
    rows = await _per_campaign(session, period, figures, Campaign.cost, active_only=True)
    return [{"campaign_id": r.id, "campaign": r.name, "cost": money(r.cost),
             "responses": int(r.responses), "interactions": int(r.interactions),
             "cost_per_interaction": money(Decimal(money(r.cost)) / r.interactions)
             if r.interactions else None}
            for r in rows]


async def new_customers_per_campaign(session: AsyncSession,
                                     period: Period) -> CampaignFigures:
    """Per campaign, the contacts whose first order ever (not cancelled) was placed
    in the period and carries its ``campaign_id``."""
    figures = (select(Order.campaign_id, func.count(Order.contact_id.distinct())
                      .label("new_customers"))
               .where(Order.campaign_id.is_not(None), Order.contact_id.is_not(None),
                      within(Order.ordered_at, period), live_order(), first_order())
               .group_by(Order.campaign_id).subquery())
    rows = await _per_campaign(session, period, figures)
    return [{"campaign_id": r.id, "campaign": r.name, "new_customers": int(r.new_customers)}
            for r in rows]


async def retention_rate(session: AsyncSession, period: Period) -> dict[str, Any]:
    """Of the contacts who placed an order (not cancelled) in the previous period
    (same length, or the same number of calendar months), the share who placed
    one in this period too; the rate is None when nobody ordered in the previous
    period."""
    again = aliased(Order)
    ordered_again = exists().where(again.contact_id == Order.contact_id, live_order(again),
                                   within(again.ordered_at, period))
    query = (select(func.count(Order.contact_id.distinct()),
                    func.count(case((ordered_again, Order.contact_id)).distinct()))
             .where(within(Order.ordered_at, period.previous()), live_order(),
                    Order.contact_id.is_not(None)))
    before, kept = (await session.execute(query)).one()
    return {"previous_customers": int(before), "retained": int(kept),
            "rate": ratio(kept, before)}


async def new_leads_by_product(session: AsyncSession, period: Period) -> list[dict[str, Any]]:
    """Leads created in the period, per product of interest (``leads.product_id``;
    None for leads without one), most leads first."""
    count = func.count(Lead.id)
    query = (select(Lead.product_id, Product.name, count.label("leads"))
             .outerjoin(Product, Product.id == Lead.product_id)
             .where(within(Lead.created_at, period))
             .group_by(Lead.product_id, Product.name)
             .order_by(count.desc(), Lead.product_id.asc().nulls_last()))
    rows = (await session.execute(query)).all()
    return [{"product_id": r.product_id, "product": r.name, "leads": int(r.leads)}
            for r in rows]


#: the normal quantile of a two-sided 95 % interval
_Z95 = 1.959964


def _arm_rates(rows: Sequence[Any]) -> dict[int, dict[str, Any]]:
    """Per campaign: its name and, per arm, (members, converted)."""
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        found.setdefault(row.campaign_id, {"campaign": row.name})[row.arm] = (
            int(row.members), int(row.converted))
    return found


def lift_figures(treated: int, treated_converted: int, control: int,
                 control_converted: int) -> dict[str, Any]:
    """Treated against control conversion, their difference (the lift) and its 95 %
    interval by the normal approximation to the difference of two proportions; None
    where an arm is empty."""
    p1, p0 = ratio(treated_converted, treated), ratio(control_converted, control)
    lift = low = high = None
    if p1 is not None and p0 is not None:
        lift = p1 - p0
        half = _Z95 * (p1 * (1 - p1) / treated + p0 * (1 - p0) / control) ** 0.5
        low, high = lift - half, lift + half
    return {"treated": treated, "treated_converted": treated_converted,
            "treated_conversion": p1, "control": control,
            "control_converted": control_converted, "control_conversion": p0,
            "lift": lift, "lift_low": low, "lift_high": high}


def _lift(campaign_id: int, arms: dict[str, Any]) -> dict[str, Any]:
    (n1, y1), (n0, y0) = arms.get("treated", (0, 0)), arms["control"]
    return {"campaign_id": campaign_id, "campaign": arms["campaign"],
            **lift_figures(n1, y1, n0, y0)}


async def lift_per_campaign(session: AsyncSession, period: Period) -> CampaignFigures:
    """Per campaign with a control arm (members held out at random and never contacted),
    the share of each arm's members who placed an order (not cancelled) in the period:
    treated and control conversion, the lift (treated minus control, the campaign's
    measured effect) and its 95 % confidence interval (normal approximation); None
    where an arm has no members."""
    held_out = select(CampaignMember.campaign_id).where(CampaignMember.arm == "control")
    converted = exists().where(Order.contact_id == CampaignMember.contact_id, live_order(),
                               within(Order.ordered_at, period))
    query = (select(CampaignMember.campaign_id, Campaign.name, CampaignMember.arm,
                    func.count().label("members"),
                    func.count(case((converted, 1))).label("converted"))
             .join(Campaign, Campaign.id == CampaignMember.campaign_id)
             .where(CampaignMember.campaign_id.in_(held_out))
             .group_by(CampaignMember.campaign_id, Campaign.name, CampaignMember.arm)
             .order_by(CampaignMember.campaign_id))
    rates = _arm_rates((await session.execute(query)).all())
    return [_lift(campaign_id, arms) for campaign_id, arms in rates.items()]


#: this area's metrics, in the order a report shows them
METRICS = (campaigns, responses_per_campaign, purchases_per_campaign, revenue_per_campaign,
           cost_per_interaction, new_customers_per_campaign, retention_rate,
           new_leads_by_product, lift_per_campaign)
