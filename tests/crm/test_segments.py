"""The list generator: segment definitions run as SQL, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from crm_core import rfm, segments
from crm_core.db import sessions
from crm_core.models import (
    Address,
    Campaign,
    CampaignMember,
    Contact,
    ContactTag,
    Order,
    OrderLine,
    Product,
)
from crm_core.rfm_read import contact_rfm

TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
Place = tuple[str, str | None, str]  # city, region, country
Purchase = tuple[str, int, str, str]  # ordered on, total, SKU, status

#: name: birth date, gender, places, tags, consent to marketing, do not call, orders
PEOPLE: dict[str, tuple[str | None, str | None, list[Place], list[str], bool, bool,
                        list[Purchase]]] = {
    "Ann": ("1990-11-21", "female", [("Paris", "Ile-de-France", "FR")], ["outdoor", "travel"],
            True, False, [("2026-03-01", 120, "TENT-1", "placed"),
                          ("2025-06-01", 30, "BOOK-1", "fulfilled")]),
    "Bob": ("1990-11-20", "Male", [("Paris", "TX", "US")], ["outdoor"], True, True,
            [("2026-05-01", 500, "TENT-1", "placed"), ("2026-06-01", 1000, "BOOK-1",
                                                       "cancelled")]),
    "Cid": ("2008-11-21", None, [("Lyon", None, "FR")], ["travel"], False, False, []),
    "Dee": (None, "female", [("Berlin", None, "DE")], [], True, False,
            [("2024-01-05", 10, "BOOK-1", "placed"), ("2024-02-05", 10, "BOOK-1", "placed"),
             ("2024-03-05", 10, "BOOK-1", "placed")]),
    "Eve": ("1960-01-01", "female", [("Berlin", None, "DE"), ("Austin", "TX", "US")], [],
            False, False, []),
}


async def _add(session: AsyncSession, name: str, products: dict[str, Product]) -> None:
    born, gender, places, tags, consent, do_not_call, purchases = PEOPLE[name]
    contact = Contact(
        first_name=name, last_name="Example", email=f"{name.lower()}@example.com",
        birth_date=dt.date.fromisoformat(born) if born else None, gender=gender,
        consent_marketing=consent, do_not_call=do_not_call,
        addresses=[Address(line1="1 Main St", city=city, region=region, country=country)
                   for city, region, country in places],
        tags=[ContactTag(tag=tag) for tag in tags])
    session.add(contact)
    await session.flush()
    for day, total, sku, status in purchases:
        session.add(Order(contact_id=contact.id, status=status, total=Decimal(total),
                          ordered_at=dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC),
                          lines=[OrderLine(product_id=products[sku].id, unit_price=total)]))


@pytest.fixture
async def maker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    async with sessions(engine)() as session, session.begin():
        products = {sku: Product(sku=sku, name=sku.title(), category=category)
                    for sku, category in (("TENT-1", "camping"), ("BOOK-1", "books"))}
        session.add_all(products.values())
        await session.flush()
        for name in PEOPLE:
            await _add(session, name, products)
    return sessions(engine)


async def _names(maker: async_sessionmaker[AsyncSession], definition: dict[str, Any]) -> set[str]:
    found = {member.first_name for member in await segments.preview(
        maker, definition, today=TODAY, limit=100)}
    assert await segments.count(maker, definition, today=TODAY) == len(found)
    return found


WHO: list[tuple[dict[str, Any], set[str]]] = [
    ({"age": [35, 36]}, {"Ann", "Bob"}),
    ({"age": [36, 36]}, {"Bob"}),  # Ann turns 36 tomorrow
    ({"age": [36, None]}, {"Bob", "Eve"}),
    ({"age": [None, 17]}, {"Cid"}),  # Dee, with no birth date, has no age
    ({"gender": "female"}, {"Ann", "Dee", "Eve"}),
    ({"gender": ["male"]}, {"Bob"}),
    ({"consent_marketing": False}, {"Cid", "Eve"}),
    ({"consent_marketing": True, "exclude_do_not_call": True}, {"Ann", "Dee"}),
    ({}, set(PEOPLE)),
]


WHERE: list[tuple[dict[str, Any], set[str]]] = [
    ({"city": ["paris"]}, {"Ann", "Bob"}),
    ({"city": ["Paris"], "country": ["fr"]}, {"Ann"}),
    ({"region": ["tx"]}, {"Bob", "Eve"}),
    ({"country": ["US"], "city": ["Berlin"]}, set()),  # Eve: Berlin and the US, not both
    ({"country": ["DE", "FR"]}, {"Ann", "Cid", "Dee", "Eve"}),
]


HABITS: list[tuple[dict[str, Any], set[str]]] = [
    ({"tags": {"all": ["outdoor", "travel"]}}, {"Ann"}),
    ({"tags": {"any": ["outdoor", "travel"]}}, {"Ann", "Bob", "Cid"}),
    ({"tags": {"all": ["outdoor"], "any": ["travel", "cooking"]}}, {"Ann"}),
]


BOUGHT: list[tuple[dict[str, Any], set[str]]] = [
    ({"bought_category": ["camping"]}, {"Ann", "Bob"}),
    ({"bought_product": ["BOOK-1"]}, {"Ann", "Dee"}),  # Bob's book order was cancelled
    ({"min_orders": 2}, {"Ann", "Dee"}),
    ({"min_spent": 150}, {"Ann", "Bob"}),  # Ann: 120 + 30
    ({"min_spent": "150.01"}, {"Bob"}),
    ({"min_spent": 1000}, set()),  # cancelled orders never count
    ({"ordered_since": "2026-01-01"}, {"Ann", "Bob"}),
    ({"ordered_since": "2026-01-01", "bought_product": ["BOOK-1"]}, set()),
    ({"ordered_since": "2025-01-01", "min_orders": 2}, {"Ann"}),
    ({"min_orders": 0}, set(PEOPLE)),
    # lapsed: ordered once, not since 24 May (Bob's June order was cancelled)
    ({"no_order_for_days": 180}, {"Ann", "Bob", "Dee"}),
    ({"no_order_for_days": 365}, {"Dee"}),
]


@pytest.mark.parametrize("table", [WHO, WHERE, HABITS, BOUGHT],
                         ids=["who they are", "where they live", "habits", "what they bought"])
async def test_each_definition_selects_whom_it_should(
        maker: async_sessionmaker[AsyncSession],
        table: list[tuple[dict[str, Any], set[str]]]) -> None:
    assert [await _names(maker, definition) for definition, _ in table] == [
        expected for _, expected in table]


async def test_every_field_at_once(maker: async_sessionmaker[AsyncSession]) -> None:
    await rfm.recompute(maker, as_of=TODAY, now=NOW)
    ann = await contact_rfm_of(maker, "Ann")
    definition = {"age": [30, 40], "country": ["FR"], "city": ["Paris"], "gender": "female",
                  "tags": {"any": ["outdoor"]}, "bought_category": ["camping"],
                  "bought_product": ["TENT-1"], "min_orders": 2, "min_spent": 100,
                  "ordered_since": "2025-01-01", "consent_marketing": True,
                  "exclude_do_not_call": True, "region": ["ile-de-france"],
                  "no_order_for_days": 180,
                  # the RFM fields are fields like the others, combined with them
                  "rfm_segment": [ann["segment"]], "rfm_r": [ann["r"], ann["r"]],
                  "rfm_f": [ann["f"], None], "rfm_m": [None, ann["m"]]}
    assert set(segments.FIELDS) == set(definition)
    assert await _names(maker, definition) == {"Ann"}


async def contact_rfm_of(maker: async_sessionmaker[AsyncSession], name: str) -> dict[str, Any]:
    """The named contact's stored RFM scores."""
    async with maker() as session:
        contact = await session.scalar(select(Contact.id).where(Contact.first_name == name))
        assert contact is not None
        scores = await contact_rfm(session, contact)
    assert scores is not None
    return scores


async def test_a_preview_is_the_first_members_by_id(
        maker: async_sessionmaker[AsyncSession]) -> None:
    shown = await segments.preview(maker, {"gender": "female"}, today=TODAY, limit=2)
    assert [member.first_name for member in shown] == ["Ann", "Dee"]
    assert shown[0].email == "ann@example.com"


@pytest.mark.parametrize("definition, message", [
    ({"age": [40, 30]}, "age: min 40 is above max 30"),
    ({"age": 30}, "age: expected [min, max]"),
    ({"age": [-1, 30]}, "age: expected a whole number"),
    ({"colour": "red"}, "colour: not a segment field"),
    ({"tags": {"some": ["x"]}}, "tags: expected"),
    ({"tags": {"all": []}}, "tags.all: expected a non-empty list"),
    ({"min_spent": "lots"}, "min_spent: expected an amount"),
    ({"min_orders": True}, "min_orders: expected a whole number"),
    ({"ordered_since": "yesterday"}, "ordered_since: expected a date"),
    ({"consent_marketing": "yes"}, "consent_marketing: expected true or false"),
    ({"country": ["France"]}, "country: expected two-letter country codes"),
    ({"city": []}, "city: expected a non-empty list"),
    ({"gender": ["female", ""]}, "gender: every item must be non-empty"),
    (["age"], "definition: expected an object"),
    ({"rfm_r": [0, 3]}, "rfm_r: scores are whole numbers from 1 to 5"),
    ({"rfm_segment": ["stars"]}, "rfm_segment: 'stars' is not an RFM segment"),
])
def test_a_bad_definition_is_refused_naming_the_field(definition: object,
                                                      message: str) -> None:
    with pytest.raises(segments.InvalidSegment) as raised:
        segments.validate(definition)
    assert str(raised.value).startswith(message)


async def _members(maker: async_sessionmaker[AsyncSession], campaign_id: int) -> set[str]:
    async with maker() as session:
        return set(await session.scalars(
            select(Contact.first_name).join(CampaignMember,
                                            CampaignMember.contact_id == Contact.id)
            .where(CampaignMember.campaign_id == campaign_id)))


async def test_materialising_fills_the_list_once(maker: async_sessionmaker[AsyncSession]) -> None:
    segment = await segments.create_segment(
        maker, "campers", {"bought_category": ["camping"]}, now=NOW)
    async with maker() as session, session.begin():
        campaign, other = (Campaign(name=name, channel="phone", starts_on=TODAY, created_at=NOW)
                           for name in ("Tents", "Books"))
        session.add_all([campaign, other])
        await session.flush()
        ann = await session.scalar(select(Contact.id).where(Contact.first_name == "Ann"))
        session.add(CampaignMember(campaign_id=other.id, contact_id=ann, added_at=NOW))
    assert await segments.materialise(maker, segment, campaign.id, now=NOW) == 2
    assert await segments.materialise(maker, segment, campaign.id, now=NOW) == 0
    assert await _members(maker, campaign.id) == {"Ann", "Bob"}
    async with maker() as session, session.begin():
        tent = await session.scalar(select(Product).where(Product.sku == "TENT-1"))
        assert tent is not None
        session.add(Order(contact_id=(await session.scalar(
            select(Contact.id).where(Contact.first_name == "Eve"))), total=Decimal(80),
            ordered_at=NOW, lines=[OrderLine(product_id=tent.id, unit_price=80)]))
    assert await segments.materialise(maker, segment, campaign.id, now=NOW) == 1
    assert await _members(maker, campaign.id) == {"Ann", "Bob", "Eve"}
    async with maker() as session:
        assert await session.scalar(select(func.count(CampaignMember.id))) == 4
    with pytest.raises(LookupError, match="no segment 99"):
        await segments.materialise(maker, 99, campaign.id, now=NOW)


async def test_a_segment_is_saved_only_when_valid(maker: async_sessionmaker[AsyncSession]) -> None:
    with pytest.raises(segments.InvalidSegment, match="age"):
        await segments.create_segment(maker, "nobody", {"age": [50, 20]}, now=NOW)


async def test_lapsed_customers_are_found_beside_a_recent_order_of_nobody(
        maker: async_sessionmaker[AsyncSession]) -> None:
    """An order with no contact (a guest's, or of a contact since removed) is no one's: it
    does not make every customer look like a recent buyer."""
    async with maker() as session, session.begin():
        session.add(Order(contact_id=None, status="placed", total=Decimal(5),
                          ordered_at=dt.datetime.combine(TODAY, dt.time(), tzinfo=dt.UTC)))
    assert await _names(maker, {"no_order_for_days": 180}) == {"Ann", "Bob", "Dee"}


def test_a_lapse_beyond_any_calendar_is_refused() -> None:
    with pytest.raises(segments.InvalidSegment) as raised:
        segments.validate({"no_order_for_days": 10**9})
    assert str(raised.value).startswith("no_order_for_days:")
