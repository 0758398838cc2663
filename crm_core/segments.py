"""Segments, the list generator: a saved definition of who, compiled to one SQL select.

Theory of operation: a definition is a JSON object (``segments.definition``, its fields
in ``crm_core.segment_definition``). ``validate`` checks it, naming the field at fault,
and returns ``Criteria``; ``conditions`` turns those into WHERE clauses on ``contacts``
(subqueries for addresses, tags and orders), so the database does all the filtering and
no contact is ever loaded to be judged in Python. ``count``, ``preview`` and
``materialise`` run that one select; ``materialise`` copies it into a campaign's list
with ``INSERT ... SELECT``, skipping contacts already on it, so that running it again
adds only those who have since come to match; with a ``holdout`` share it puts that
share of the new members in the control arm (``crm_core.holdout``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    DateTime,
    Integer,
    Select,
    and_,
    exists,
    func,
    literal,
    not_,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core import rfm_filters
from crm_core.holdout import add_members, check_holdout
from crm_core.models import (
    Address,
    Campaign,
    CampaignMember,
    Contact,
    ContactTag,
    Order,
    OrderLine,
    Product,
    Segment,
)
from crm_core.segment_definition import FIELDS, MAX_DAYS, Criteria, InvalidSegment, validate

#: the definition's names, importable from here as before the split
__all__ = ["FIELDS", "MAX_DAYS", "Criteria", "InvalidSegment", "Member", "conditions",
           "contact_ids", "count", "create_segment", "holdout_share", "materialise",
           "preview", "validate"]


@dataclass(frozen=True, slots=True)
class Member:
    """A contact a segment selects, as a preview shows it."""

    id: int
    first_name: str
    last_name: str
    email: str | None


# -- SQL ---------------------------------------------------------------------------------


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier; 28 February for a 29 February that year lacks."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _person(criteria: Criteria, today: dt.date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if criteria.age is not None:
        low, high = criteria.age
        where.append(Contact.birth_date.is_not(None))
        if low is not None:  # old enough: born on or before this day
            where.append(Contact.birth_date <= _years_before(today, low))
        if high is not None:  # not yet high + 1
            where.append(Contact.birth_date > _years_before(today, high + 1))
    if criteria.gender:
        where.append(func.lower(Contact.gender).in_(criteria.gender))
    if criteria.consent_marketing is not None:
        where.append(Contact.consent_marketing == criteria.consent_marketing)
    if criteria.exclude_do_not_call:
        where.append(not_(Contact.do_not_call))
    return where


def _places(criteria: Criteria) -> list[ColumnElement[bool]]:
    """One address must match every place given (Paris in FR, not Paris in Texas)."""
    match: list[ColumnElement[bool]] = []
    if criteria.country:
        match.append(func.upper(Address.country).in_(criteria.country))
    if criteria.region:
        match.append(func.lower(Address.region).in_(criteria.region))
    if criteria.city:
        match.append(func.lower(Address.city).in_(criteria.city))
    if not match:
        return []
    return [exists().where(Address.contact_id == Contact.id, *match)]


def _tag_conditions(criteria: Criteria) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if criteria.tags_any:
        where.append(Contact.id.in_(
            select(ContactTag.contact_id).where(ContactTag.tag.in_(criteria.tags_any))))
    if criteria.tags_all:
        wanted = set(criteria.tags_all)
        where.append(Contact.id.in_(
            select(ContactTag.contact_id).where(ContactTag.tag.in_(wanted))
            .group_by(ContactTag.contact_id)
            .having(func.count(ContactTag.tag.distinct()) == len(wanted))))
    return where


def _counted(criteria: Criteria) -> ColumnElement[bool]:
    """The orders that count: not cancelled, and since ``ordered_since`` when given."""
    counted = Order.status != "cancelled"
    if criteria.ordered_since is not None:
        since = dt.datetime.combine(criteria.ordered_since, dt.time(), tzinfo=dt.UTC)
        counted = and_(counted, Order.ordered_at >= since)
    return counted


def _purchases(criteria: Criteria) -> list[ColumnElement[bool]]:
    counted = _counted(criteria)
    where: list[ColumnElement[bool]] = []
    for column, wanted in ((Product.category, criteria.bought_category),
                           (Product.sku, criteria.bought_product)):
        if wanted:
            where.append(exists().where(
                Order.contact_id == Contact.id, counted, OrderLine.order_id == Order.id,
                Product.id == OrderLine.product_id, column.in_(wanted)))
    totals = select(Order.contact_id).where(counted).group_by(Order.contact_id)
    if criteria.min_orders > 0 or criteria.min_spent > 0:
        where.append(Contact.id.in_(totals.having(
            func.count(Order.id) >= criteria.min_orders,
            func.coalesce(func.sum(Order.total), 0) >= criteria.min_spent)))
    elif criteria.ordered_since is not None:
        where.append(Contact.id.in_(totals))
    return where


def _lapsed(criteria: Criteria, today: dt.date) -> list[ColumnElement[bool]]:
    """Customers who ordered, but not in the last ``no_order_for_days`` days."""
    if criteria.no_order_for_days <= 0:
        return []
    since = dt.datetime.combine(today - dt.timedelta(days=criteria.no_order_for_days),
                                dt.time(), tzinfo=dt.UTC)
    # an order of nobody (NULL) in NOT IN would make every contact unknown, so none lapsed
    ordered = select(Order.contact_id).where(Order.status != "cancelled",
                                             Order.contact_id.is_not(None))
    return [Contact.id.in_(ordered),
            Contact.id.not_in(ordered.where(Order.ordered_at >= since))]


def conditions(criteria: Criteria, today: dt.date) -> list[ColumnElement[bool]]:
    """The WHERE clauses on ``contacts`` that select the segment's members."""
    return [*_person(criteria, today), *_places(criteria), *_tag_conditions(criteria),
            *_purchases(criteria), *_lapsed(criteria, today),
            *rfm_filters.rfm_conditions(criteria.rfm_segment, {
                "rfm_r": criteria.rfm_r, "rfm_f": criteria.rfm_f, "rfm_m": criteria.rfm_m})]


def contact_ids(definition: object, today: dt.date) -> Select[int]:
    """The one select of the ids of the contacts a definition picks."""
    return select(Contact.id).where(*conditions(validate(definition), today))


# -- running it --------------------------------------------------------------------------


async def count(sessions: async_sessionmaker[AsyncSession], definition: object, *,
                today: dt.date) -> int:
    """How many contacts the definition picks on ``today``."""
    query = select(func.count()).select_from(contact_ids(definition, today).subquery())
    async with sessions() as session:
        return int(await session.scalar(query) or 0)


async def preview(sessions: async_sessionmaker[AsyncSession], definition: object, *,
                  today: dt.date, limit: int = 20) -> list[Member]:
    """The first ``limit`` contacts the definition picks, by id."""
    query = (select(Contact.id, Contact.first_name, Contact.last_name, Contact.email)
             .where(*conditions(validate(definition), today)).order_by(Contact.id).limit(limit))
    async with sessions() as session:
        return [Member(*row) for row in await session.execute(query)]


async def create_segment(sessions: async_sessionmaker[AsyncSession], name: str,
                         definition: Mapping[str, object], *, now: dt.datetime) -> int:
    """Save a definition under a name, once it validates; return the segment's id."""
    validate(definition)
    async with sessions() as session, session.begin():
        segment = Segment(name=name, definition=dict(definition),
                          created_at=now.astimezone(dt.UTC))
        session.add(segment)
        await session.flush()
        return segment.id


async def materialise(sessions: async_sessionmaker[AsyncSession], segment_id: int,
                      campaign_id: int, *, now: dt.datetime, holdout: float = 0.0,
                      seed: int | None = None) -> int:
    """Put the segment's contacts on the campaign's list; return how many were added.

    ``now`` stamps the new members, and its date is the ``today`` of ages. Contacts
    already on the list are skipped, and ON CONFLICT covers two runs racing each other.
    ``holdout`` (0 to 0.5): the share of the new members put in the control arm, drawn
    from ``seed`` (default: the campaign's id) and each contact's id
    (``crm_core.holdout``); they are never dialed.
    """
    share = holdout_share(holdout)
    async with sessions() as session, session.begin():
        segment = await session.get(Segment, segment_id)
        if segment is None:
            raise LookupError(f"no segment {segment_id}")
        if await session.get(Campaign, campaign_id) is None:
            raise LookupError(f"no campaign {campaign_id}")
        listed = exists().where(CampaignMember.campaign_id == campaign_id,
                                CampaignMember.contact_id == Contact.id)
        wanted = (*conditions(validate(segment.definition), now.date()), ~listed)
        if share > 0:  # the arms are drawn per contact: the ids are read, then written
            ids = list(await session.scalars(select(Contact.id).where(*wanted)
                                             .order_by(Contact.id)))
            return await add_members(session, campaign_id, ids, now=now, holdout=share,
                                     seed=seed)
        source = select(literal(campaign_id, Integer), Contact.id,
                        literal(now.astimezone(dt.UTC), DateTime(timezone=True))).where(*wanted)
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        statement = dialect.insert(CampaignMember).from_select(
            ["campaign_id", "contact_id", "added_at"], source).on_conflict_do_nothing()
        result = cast(CursorResult[Any], await session.execute(statement))
        return result.rowcount


def holdout_share(value: object) -> float:
    """A holdout share from 0 to 0.5; InvalidSegment naming ``holdout`` otherwise."""
    try:
        return check_holdout(value)
    except ValueError as exc:
        raise InvalidSegment(str(exc)) from None
