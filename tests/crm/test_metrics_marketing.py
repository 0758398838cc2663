"""Marketing metrics on both engines, and the Period they are measured over.

The period is November 2026 (UTC), half-open. Campaign dates are whole UTC
days, both ends included. Every expected figure is worked out in the comments.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.db import sessions
from crm_core.metrics import compute_area, marketing
from crm_core.metrics.period import Period
from crm_core.models import Campaign, CampaignResponse, Contact, Lead, Order, Product
from tests.crm.metrics_support import NOVEMBER, at, measure, store

UTC = dt.UTC


def day(month: int, day_: int) -> dt.date:
    return at(month, day_).date()


def campaign(id_: int, starts: dt.date, ends: dt.date | None, cost: str = "0",
             status: str = "active") -> Campaign:
    return Campaign(id=id_, name=f"Campaign {id_}", channel="email", status=status,
                    starts_on=starts, ends_on=ends, cost=Decimal(cost))


def response(campaign_id: int, when: dt.datetime, kind: str = "click") -> CampaignResponse:
    return CampaignResponse(campaign_id=campaign_id, kind=kind, responded_at=when)


def order(contact_id: int | None, when: dt.datetime, total: str, campaign_id: int | None = None,
          status: str = "placed") -> Order:
    return Order(contact_id=contact_id, campaign_id=campaign_id, ordered_at=when,
                 total=Decimal(total), status=status)


def contacts(*ids: int) -> list[Contact]:
    return [Contact(id=n, first_name=f"C{n}", last_name="Test") for n in ids]


def by_campaign(rows: list[dict[str, Any]], key: str) -> dict[int, Any]:
    return {row["campaign_id"]: row[key] for row in rows}


async def _campaigns(engine: AsyncEngine) -> None:
    await store(
        engine,
        campaign(1, day(10, 1), day(11, 15), "300.00"),  # active: runs into November
        campaign(2, day(11, 30), None),  # active: starts on November's last day
        campaign(3, day(7, 1), day(10, 31)),  # ended the day before November
        campaign(4, day(11, 10), None, status="cancelled"),  # never ran
        campaign(5, day(12, 1), None),  # starts the day after November
        campaign(6, day(9, 1), day(11, 1), "100.00"),  # active: ends on 1 November
    )


async def test_campaigns_active_in_the_period_are_counted(engine: AsyncEngine) -> None:
    await _campaigns(engine)
    # 1, 2 and 6
    assert await measure(engine, marketing.campaigns) == 3


async def test_responses_per_campaign_lists_active_campaigns_with_zeros(
        engine: AsyncEngine) -> None:
    await _campaigns(engine)
    await store(
        engine,
        # 1: three responses in November (an unsubscribe is a response too), one in October
        response(1, at(11, 1, 0), "open"), response(1, at(11, 2), "click"),
        response(1, at(11, 30, 23, 59, 59), "unsubscribe"), response(1, at(10, 20)),
        # 3 has ended, but a late reply in November still shows it
        response(3, at(11, 2), "reply"),
        # 6: September responses only; 5: a response on 1 Dec is not November's
        response(6, at(9, 2)), response(6, at(9, 3)), response(6, at(9, 4)),
        response(5, at(12, 1, 0)),
    )
    rows = await measure(engine, marketing.responses_per_campaign)
    assert by_campaign(rows, "responses") == {1: 3, 2: 0, 3: 1, 6: 0}
    assert [row["campaign"] for row in rows] == [
        "Campaign 1", "Campaign 2", "Campaign 3", "Campaign 6"]


async def test_cost_per_interaction_divides_cost_by_responses_to_date(
        engine: AsyncEngine) -> None:
    await _campaigns(engine)
    await store(
        engine,
        response(1, at(10, 20)), response(1, at(11, 2)), response(1, at(11, 3)),
        response(1, at(11, 4)), response(1, at(12, 2)),  # the last is after the period
        response(6, at(9, 2)), response(6, at(9, 3)), response(6, at(9, 4)),
        response(3, at(11, 2)),  # 3 is not active in November: not listed
    )
    rows = await measure(engine, marketing.cost_per_interaction)
    # 1: 300.00 / 4 responses before 1 Dec = 75.00; 6: 100.00 / 3 = 33.33;
    # 2: no response, so no cost per interaction
    assert by_campaign(rows, "cost_per_interaction") == {1: "75.00", 2: None, 6: "33.33"}
    assert by_campaign(rows, "responses") == {1: 4, 2: 0, 6: 3}


async def _campaign_orders(engine: AsyncEngine) -> None:
    await _campaigns(engine)
    await store(
        engine, *contacts(1, 2, 3, 4, 5),
        order(1, at(11, 3), "120.00", campaign_id=1),  # 1's first order: new through 1
        order(2, at(9, 1), "5.00"),  # 2 was already a customer in September
        order(2, at(11, 4), "80.50", campaign_id=1),
        order(2, at(11, 5), "999.00", campaign_id=1, status="cancelled"),  # not a purchase
        order(3, at(10, 28), "50.00", campaign_id=1),  # October
        order(None, at(11, 20), "10.00", campaign_id=3),  # no contact: still a purchase
        order(4, at(11, 11), "15.00", campaign_id=4),  # 4's first order, on a cancelled one
        order(5, at(11, 6), "7.00"),  # 5's first order came without a campaign ...
        order(5, at(11, 7), "25.00", campaign_id=2),  # ... so 2 did not win them
        order(1, at(11, 8), "3.00"),  # no campaign: nowhere
    )


async def test_purchases_and_revenue_per_campaign(engine: AsyncEngine) -> None:
    await _campaign_orders(engine)
    purchases = await measure(engine, marketing.purchases_per_campaign)
    revenue = await measure(engine, marketing.revenue_per_campaign)
    # 1: 120.00 + 80.50 (the cancelled 999.00 and October's 50.00 left out)
    # 2: 25.00; 3: 10.00 (ended, but an order came in); 4: 15.00; 6: nothing
    assert by_campaign(purchases, "purchases") == {1: 2, 2: 1, 3: 1, 4: 1, 6: 0}
    assert by_campaign(revenue, "revenue") == {
        1: "200.50", 2: "25.00", 3: "10.00", 4: "15.00", 6: "0.00"}


async def test_new_customers_per_campaign_follow_the_first_order(engine: AsyncEngine) -> None:
    await _campaign_orders(engine)
    rows = await measure(engine, marketing.new_customers_per_campaign)
    # 1 won contact 1 (2 and 3 had ordered before); 4 won contact 4; 2 did not win 5
    assert by_campaign(rows, "new_customers") == {1: 1, 2: 0, 4: 1, 6: 0}


async def test_retention_rate_follows_last_periods_customers(engine: AsyncEngine) -> None:
    await store(
        engine, *contacts(1, 2, 3, 4, 5, 6),
        order(1, at(10, 5), "1"), order(1, at(11, 5), "1"),  # October and November: kept
        order(2, at(10, 31, 23, 59, 59), "1"), order(2, at(12, 1, 0), "1"),  # December: lost
        order(3, at(10, 10), "1", status="cancelled"), order(3, at(11, 10), "1"),  # not Oct's
        order(4, at(9, 30), "1"), order(4, at(11, 1), "1"),  # September is not October
        order(5, at(10, 1, 0), "1"), order(5, at(10, 20), "1"),  # twice in October, then gone
        order(6, at(10, 15), "1"), order(6, at(11, 20), "1", status="cancelled"),  # gone
    )
    # October's customers: 1, 2, 5, 6; of them only 1 ordered in November
    assert await measure(engine, marketing.retention_rate) == {
        "previous_customers": 4, "retained": 1, "rate": 0.25}
    # October measured against September: 4 was September's only customer, and
    # did not order in October
    october = Period(at(10, 1, 0), at(11, 1, 0))
    assert await measure(engine, marketing.retention_rate, october) == {
        "previous_customers": 1, "retained": 0, "rate": 0.0}


async def test_new_leads_by_product_most_first(engine: AsyncEngine) -> None:
    await store(
        engine,
        Product(id=1, sku="R1", name="Router", category="net"),
        Product(id=2, sku="S1", name="Switch", category="net"),
        Product(id=3, sku="C1", name="Cable", category="net"),
        *(Lead(first_name="L", last_name="T", product_id=product, created_at=when)
          for product, when in [
              (1, at(11, 1, 0)), (1, at(11, 9)),  # Router: 2
              (2, at(11, 2)), (2, at(11, 3)), (2, at(11, 30, 23, 59, 59)),  # Switch: 3
              (None, at(11, 4)), (None, at(11, 5)),  # no product: 2
              (3, at(10, 31)), (1, at(12, 1, 0)),  # outside November
          ]),
    )
    # Switch 3, then the tie of 2 with the product first and the leads without one last
    assert await measure(engine, marketing.new_leads_by_product) == [
        {"product_id": 2, "product": "Switch", "leads": 3},
        {"product_id": 1, "product": "Router", "leads": 2},
        {"product_id": None, "product": None, "leads": 2}]


async def test_a_period_without_data_gives_zeros_and_nones(engine: AsyncEngine) -> None:
    await _campaign_orders(engine)
    empty = Period(dt.datetime(2020, 1, 1, tzinfo=UTC), dt.datetime(2020, 2, 1, tzinfo=UTC))
    async with sessions(engine)() as session:
        figures = await compute_area(session, "marketing", empty)
    assert figures == {
        "campaigns": 0, "responses_per_campaign": [], "purchases_per_campaign": [],
        "revenue_per_campaign": [], "cost_per_interaction": [],
        "new_customers_per_campaign": [],
        "retention_rate": {"previous_customers": 0, "retained": 0, "rate": None},
        "new_leads_by_product": [], "lift_per_campaign": []}
    json.dumps(figures)


# Period: the window every metric is measured over


def test_a_period_is_held_in_utc_whatever_zone_it_is_given_in() -> None:
    paris = dt.timezone(dt.timedelta(hours=1))
    period = Period(dt.datetime(2026, 11, 1, 1, tzinfo=paris),
                    dt.datetime(2026, 12, 1, 1, tzinfo=paris))
    assert period == NOVEMBER and period.start.tzinfo == UTC


def test_query_string_dates_mean_utc_midnight() -> None:
    assert Period.parse("2026-11-01", "2026-12-01") == NOVEMBER
    assert Period.parse("2026-11-01T01:00:00+01:00", "2026-12-01T00:00:00") == NOVEMBER


@pytest.mark.parametrize(("start", "end"), [
    (dt.datetime(2026, 11, 1), dt.datetime(2026, 12, 1)),  # naive
    (dt.datetime(2026, 12, 1, tzinfo=UTC), dt.datetime(2026, 11, 1, tzinfo=UTC)),  # reversed
    (dt.datetime(2026, 11, 1, tzinfo=UTC), dt.datetime(2026, 11, 1, tzinfo=UTC)),  # empty
])
def test_a_period_that_is_not_one_is_refused(start: dt.datetime, end: dt.datetime) -> None:
    with pytest.raises(ValueError):
        Period(start, end)


@pytest.mark.parametrize(("period", "previous"), [
    # March's previous is February (28 days), not the 31 days before March
    (("2027-03-01", "2027-04-01"), ("2027-02-01", "2027-03-01")),
    # a quarter steps back a quarter
    (("2026-10-01", "2027-01-01"), ("2026-07-01", "2026-10-01")),
    # ten days step back ten days
    (("2026-11-10", "2026-11-20"), ("2026-10-31", "2026-11-10")),
    # from mid-month to mid-month is not whole months: same length back (31 days)
    (("2026-11-15", "2026-12-16"), ("2026-10-15", "2026-11-15")),
])
def test_the_previous_period(period: tuple[str, str], previous: tuple[str, str]) -> None:
    assert Period.parse(*period).previous() == Period.parse(*previous)
