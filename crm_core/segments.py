"""Segments, the list generator: a saved definition of who, compiled to one SQL select.

Theory of operation: a definition is a JSON object (``segments.definition``).
``validate`` checks it, naming the field at fault, and returns ``Criteria``;
``conditions`` turns those into WHERE clauses on ``contacts`` (subqueries for
addresses, tags and orders), so the database does all the filtering and no
contact is ever loaded to be judged in Python. ``count``, ``preview`` and
``materialise`` run that one select; ``materialise`` copies it into a campaign's
list with ``INSERT ... SELECT``, skipping contacts already on it, so that running
it again adds only those who have since come to match; with a ``holdout`` share it
puts that share of the new members in the control arm (``crm_core.holdout``).

The fields, all optional, all of them must hold (AND):

- ``age``: ``[min, max]``, whole years on the given ``today``; either may be null.
  Contacts without a birth date are left out.
- ``country``, ``region``, ``city``: lists; one address must match all that are given
  (country codes as ISO 3166 alpha-2, places compared without regard to case).
- ``gender``: a value or a list (without regard to case).
- ``tags``: ``{"all": [...]}`` and/or ``{"any": [...]}`` (habits, as stored).
- ``bought_category``, ``bought_product`` (SKUs): lists; any order line matches.
- ``min_orders``, ``min_spent``: at least this many orders, or this total.
- ``ordered_since``: a date; alone, at least one order since. It also limits the
  orders the other purchase fields look at ("bought a tent since March").
- ``no_order_for_days``: lapsed customers: at least one order ever, and none in
  the last this many days (counted back from the given ``today``).
- ``consent_marketing``: true or false; ``exclude_do_not_call``: true leaves out
  contacts who asked not to be called.
- ``rfm_segment`` (names, or ``none``), ``rfm_r``, ``rfm_f``, ``rfm_m`` (``[min, max]``
  scores 1-5): the last RFM run's stored scores (``crm_core.rfm_filters``, docs/rfm.md),
  fields like any other: they combine with the rest, and their errors name them.

Orders that were cancelled never count.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
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

#: the longest lapse ``no_order_for_days`` may ask for (100 years)
MAX_DAYS = 36_500


class InvalidSegment(ValueError):
    """A definition that cannot be run; the message starts with the field at fault."""


@dataclass(frozen=True, kw_only=True)
class Criteria:
    """A validated definition; empty tuples and None mean "any"."""

    age: tuple[int | None, int | None] | None = None
    country: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    city: tuple[str, ...] = ()
    gender: tuple[str, ...] = ()
    tags_all: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    bought_category: tuple[str, ...] = ()
    bought_product: tuple[str, ...] = ()
    min_orders: int = 0
    min_spent: Decimal = Decimal(0)
    ordered_since: dt.date | None = None
    no_order_for_days: int = 0
    consent_marketing: bool | None = None
    exclude_do_not_call: bool = False
    rfm_segment: tuple[str, ...] = ()
    rfm_r: tuple[int, int] | None = None
    rfm_f: tuple[int, int] | None = None
    rfm_m: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Member:
    """A contact a segment selects, as a preview shows it."""

    id: int
    first_name: str
    last_name: str
    email: str | None


# -- validation -------------------------------------------------------------------------


def _texts(name: str, value: object) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise InvalidSegment(f"{name}: expected a non-empty list of text, got {value!r}")
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise InvalidSegment(f"{name}: every item must be non-empty text, got {value!r}")
    return tuple(str(item).strip() for item in items)


def _lowered(name: str, value: object) -> dict[str, Any]:
    return {name: tuple(item.lower() for item in _texts(name, value))}


def _country(name: str, value: object) -> dict[str, Any]:
    codes = tuple(item.upper() for item in _texts(name, value))
    if not all(len(code) == 2 and code.isalpha() for code in codes):
        raise InvalidSegment(f"{name}: expected two-letter country codes, got {value!r}")
    return {name: codes}


def _exact(name: str, value: object) -> dict[str, Any]:
    return {name: _texts(name, value)}


def _whole(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidSegment(f"{name}: expected a whole number of at least 0, got {value!r}")
    return value


def _age(name: str, value: object) -> dict[str, Any]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InvalidSegment(f"{name}: expected [min, max], got {value!r}")
    low, high = (None if end is None else _whole(name, end) for end in value)
    if low is not None and high is not None and low > high:
        raise InvalidSegment(f"{name}: min {low} is above max {high}")
    return {name: (low, high)}


def _tags(name: str, value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not value or set(value) - {"all", "any"}:
        raise InvalidSegment(f'{name}: expected {{"all": [...]}} or {{"any": [...]}}, '
                             f"got {value!r}")
    return {f"tags_{mode}": _texts(f"{name}.{mode}", tags) for mode, tags in value.items()}


def _count(name: str, value: object) -> dict[str, Any]:
    return {name: _whole(name, value)}


def _days(name: str, value: object) -> dict[str, Any]:
    """A number of days back from today: a date the calendar has (100 years at most)."""
    days = _whole(name, value)
    if days > MAX_DAYS:
        raise InvalidSegment(f"{name}: expected at most {MAX_DAYS} days, got {value!r}")
    return {name: days}


def _money(name: str, value: object) -> dict[str, Any]:
    try:
        amount = Decimal(str(value)) if not isinstance(value, bool) else Decimal("NaN")
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise InvalidSegment(f"{name}: expected an amount of at least 0, got {value!r}")
    return {name: amount}


_YMD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(name: str, value: object) -> dict[str, Any]:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {name: value}
    try:  # YYYY-MM-DD only: fromisoformat also reads 2026-W01-1 and 20260101
        if not isinstance(value, str) or not _YMD.fullmatch(value):
            raise ValueError(value)
        return {name: dt.date.fromisoformat(value)}
    except ValueError:
        raise InvalidSegment(f"{name}: expected a date (YYYY-MM-DD), got {value!r}") from None


def _flag(name: str, value: object) -> dict[str, Any]:
    if not isinstance(value, bool):
        raise InvalidSegment(f"{name}: expected true or false, got {value!r}")
    return {name: value}


#: each field of a definition and the check that turns it into ``Criteria`` fields
FIELDS: dict[str, Callable[[str, object], dict[str, Any]]] = {
    "age": _age, "country": _country, "region": _lowered, "city": _lowered,
    "gender": _lowered, "tags": _tags, "bought_category": _exact, "bought_product": _exact,
    "min_orders": _count, "min_spent": _money, "ordered_since": _date,
    "no_order_for_days": _days,
    "consent_marketing": _flag, "exclude_do_not_call": _flag,
    # the last RFM run's stored scores, checked and compiled in ``rfm_filters``
    **rfm_filters.checks(InvalidSegment),
}


def validate(definition: object) -> Criteria:
    """The criteria of a definition; InvalidSegment naming the first field at fault."""
    if not isinstance(definition, Mapping):
        raise InvalidSegment(f"definition: expected an object, got {definition!r}")
    fields: dict[str, Any] = {}
    for name, value in definition.items():
        check = FIELDS.get(name)
        if check is None:
            raise InvalidSegment(f"{name}: not a segment field (fields: {', '.join(FIELDS)})")
        fields.update(check(name, value))
    return Criteria(**fields)


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
