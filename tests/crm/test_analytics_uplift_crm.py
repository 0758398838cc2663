"""The CRM side of uplift and segments, on SQLite and PostgreSQL: each contact's features
counted in the database before a date, a campaign's treated and held-out contacts with
the orders of its window, and the top contacts put on a campaign's list that the dialer
reads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.analytics.clusters import cluster_contacts, cluster_customers
from contactcenter.analytics.crm_features import FEATURES, contact_features
from contactcenter.analytics.crm_uplift import add_to_campaign, campaign_sample, top_contacts
from contactcenter.analytics.shortage import BadInput
from crm_core.db import sessions
from crm_core.dial_lists import members_list
from crm_core.models import (
    Campaign,
    CampaignMember,
    Case,
    Contact,
    ContactPhone,
    Interaction,
    Order,
)

START = dt.date(2026, 10, 1)
AS_OF = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)


def _at(days: float) -> dt.datetime:
    """``days`` after AS_OF (negative: before)."""
    return AS_OF + dt.timedelta(days=days)


def _contact(name: str, joined: float, number: int) -> Contact:
    """A contact added ``joined`` days from AS_OF, with a mobile."""
    return Contact(first_name=name, last_name="Example", created_at=_at(joined),
                   consent_marketing=True,
                   phones=[ContactPhone(e164=f"+1555000{3100 + number}", kind="mobile")])


async def _people(engine: AsyncEngine) -> dict[str, int]:
    """Four contacts with known histories around AS_OF: orders (day, total, status), and
    calls and cases a week before AS_OF and as many again a day after; ids by name."""
    plans = {
        # two orders before, a cancelled one, one after (which counts for no feature)
        "ann": (-400, [(-30, 100, "placed"), (-10, 50, "fulfilled"), (-5, 999, "cancelled"),
                       (3, 70, "placed")], 2, 1),
        # never ordered before AS_OF (recency counts from the day she was added); an
        # order 20 days after it: after the campaign's end, within 30 days of it
        "bea": (-90, [(20, 40, "placed")], 0, 0),
        # ordered once, long ago; two cases
        "cal": (-800, [(-365, 20, "placed")], 1, 2),
        # added after AS_OF: nothing known yet
        "dot": (5, [(6, 10, "placed")], 0, 0),
    }
    async with sessions(engine)() as session, session.begin():
        made = {name: _contact(name, plan[0], number)
                for number, (name, plan) in enumerate(plans.items())}
        session.add_all(made.values())
        await session.flush()
        for name, (_, orders, calls, cases) in plans.items():
            contact_id = made[name].id
            session.add_all(Order(contact_id=contact_id, total=Decimal(total), status=status,
                                  ordered_at=_at(day)) for day, total, status in orders)
            session.add_all(Interaction(contact_id=contact_id, started_at=_at(day))
                            for day in [-7] * calls + [1] * calls)
            session.add_all(Case(subject="a question", contact_id=contact_id, opened_at=_at(day))
                            for day in [-7] * cases + [1] * cases)
        return {name: contact.id for name, contact in made.items()}


async def test_features_are_counted_in_the_database_before_the_date(
        engine: AsyncEngine) -> None:
    ids = await _people(engine)
    async with sessions(engine)() as session:
        found = await contact_features(session, as_of=AS_OF)
        customers = await contact_features(session, as_of=AS_OF, customers_only=True)
    rows = {int(contact): dict(zip(found.names, row.tolist(), strict=True))
            for contact, row in zip(found.contact_ids, found.values, strict=True)}
    assert found.names == FEATURES
    assert rows[ids["ann"]] == pytest.approx({
        "recency_days": 10, "orders": 2, "spend": 150, "mean_order": 75, "calls": 2,
        "cases": 1, "tenure_days": 400})
    assert rows[ids["bea"]] == pytest.approx({
        "recency_days": 90, "orders": 0, "spend": 0, "mean_order": 0, "calls": 0,
        "cases": 0, "tenure_days": 90})
    assert rows[ids["cal"]] == pytest.approx({
        "recency_days": 365, "orders": 1, "spend": 20, "mean_order": 20, "calls": 1,
        "cases": 2, "tenure_days": 800})
    # added after the date: known to the CRM, with nothing before it
    assert rows[ids["dot"]]["orders"] == 0 and rows[ids["dot"]]["recency_days"] == 0
    assert customers.contact_ids.tolist() == sorted([ids["ann"], ids["cal"]])


async def _campaigns(engine: AsyncEngine, lists: dict[str, list[int]]) -> dict[str, int]:
    """A treated campaign (October, 10 days) and its holdout, with their members."""
    async with sessions(engine)() as session, session.begin():
        made = {name: Campaign(name=name, channel="phone", starts_on=START,
                               ends_on=START + dt.timedelta(days=10)) for name in lists}
        session.add_all(made.values())
        await session.flush()
        for name, members in lists.items():
            session.add_all(CampaignMember(campaign_id=made[name].id, contact_id=contact)
                            for contact in members)
        return {name: campaign.id for name, campaign in made.items()}


async def test_a_campaign_sample_has_each_arm_its_features_and_window_orders(
        engine: AsyncEngine) -> None:
    ids = await _people(engine)
    # cal is on both lists (not cleanly in either arm) and is left out
    campaigns = await _campaigns(engine, {"autumn": [ids["ann"], ids["cal"]],
                                          "autumn holdout": [ids["bea"], ids["cal"],
                                                             ids["dot"]]})
    async with sessions(engine)() as session:
        found = await campaign_sample(session, campaigns["autumn"],
                                      control_campaign_id=campaigns["autumn holdout"])
    assert found.contact_ids.tolist() == [ids["ann"], ids["bea"], ids["dot"]]
    assert found.sample.treated.tolist() == [True, False, False]
    # ann ordered on day 3, dot on day 6, bea on day 20: all within 30 days of the end
    assert found.sample.responded.tolist() == [True, True, True]
    # the features are those known at the start: ann's order of day 3 is not among them
    assert found.sample.features[0, FEATURES.index("orders")] == 2
    async with sessions(engine)() as session:
        # the campaign's own ten days only: bea's order came after them
        shorter = await campaign_sample(session, campaigns["autumn"], window_days=0,
                                        control_campaign_id=campaigns["autumn holdout"])
        assert shorter.sample.responded.tolist() == [True, False, True]
        with pytest.raises(BadInput, match="control_campaign_id: no campaign 999"):
            await campaign_sample(session, campaigns["autumn"], control_campaign_id=999)
        with pytest.raises(BadInput, match="another campaign's list"):
            await campaign_sample(session, campaigns["autumn"],
                                  control_campaign_id=campaigns["autumn"])


async def test_the_top_contacts_become_a_campaign_list_the_dialer_reads(
        engine: AsyncEngine) -> None:
    ids = await _people(engine)
    campaigns = await _campaigns(engine, {"winter": []})
    contact_ids = np.array([ids["ann"], ids["bea"], ids["cal"], ids["dot"]])
    best = top_contacts(contact_ids, [0.05, 0.30, -0.2, 0.25], fraction=0.5)
    assert best == [ids["bea"], ids["dot"]]
    async with sessions(engine)() as session, session.begin():
        assert await add_to_campaign(session, campaigns["winter"], best, now=AS_OF) == 2
        # again: already on the list, nobody added twice
        assert await add_to_campaign(session, campaigns["winter"], best, now=AS_OF) == 0
    async with sessions(engine)() as session:
        listed = await members_list(session, campaigns["winter"])
    assert sorted(record.record_id for record in listed.records) == sorted(
        f"contact:{contact}" for contact in best)


async def test_customers_clustered_from_the_crm_become_a_campaign_list(
        engine: AsyncEngine) -> None:
    # three planted groups of 25 customers: weekly big spenders, monthly, long lapsed
    groups = {"weekly": (3, 20, 400), "monthly": (40, 4, 60), "lapsed": (600, 1, 30)}
    async with sessions(engine)() as session, session.begin():
        made: dict[str, list[Contact]] = {}
        for group, (days_ago, orders, total) in groups.items():
            made[group] = [_contact(f"{group}{n}", -900, n) for n in range(25)]
            session.add_all(made[group])
            await session.flush()
            session.add_all(
                Order(contact_id=contact.id, total=Decimal(total + n % 5), status="placed",
                      ordered_at=_at(-days_ago - 7 * k - n % 3))
                for n, contact in enumerate(made[group]) for k in range(orders))
    winter = (await _campaigns(engine, {"win back": []}))["win back"]
    async with sessions(engine)() as session:
        customers = await contact_features(session, as_of=AS_OF, customers_only=True)
    found = cluster_customers(customers.values, customers.names, ks=range(2, 5))
    assert found.k == 3 and [c.size for c in found.clusters] == [25, 25, 25]
    lapsed = next(c.name for c in found.clusters if c.name.startswith("lapsed"))
    chosen = cluster_contacts(customers.contact_ids, found, lapsed)
    assert chosen == sorted(contact.id for contact in made["lapsed"])
    async with sessions(engine)() as session, session.begin():
        assert await add_to_campaign(session, winter, chosen, now=AS_OF) == 25
    async with sessions(engine)() as session:
        listed = await members_list(session, winter)
    assert len(listed.records) == 25
