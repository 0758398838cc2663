"""The analytics' campaign routes over the real app, on SQLite and PostgreSQL: a planted
uplift recovered from a campaign's two arms, its top decile and a planted cluster put
on a list with a control arm, the 4xx, and who may run them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from sqlalchemy import func, select

from contactcenter.analytics.clusters import cluster_customers
from contactcenter.analytics.crm_features import contact_features
from crm_core import segments
from crm_core.db import sessions
from crm_core.holdout import arm
from crm_core.models import Campaign, CampaignMember, Contact, Order
from tests.crm.api_client import Api

TODAY = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
#: the planted campaign started 60 days ago and ran 10 days
START = TODAY - dt.timedelta(days=60)


async def _campaign(api: Api, name: str, members: dict[int, str] | None = None) -> int:
    async with sessions(api.engine)() as session, session.begin():
        campaign = Campaign(name=name, channel="phone", starts_on=START.date(),
                            ends_on=(START + dt.timedelta(days=10)).date())
        session.add(campaign)
        await session.flush()
        session.add_all(CampaignMember(campaign_id=campaign.id, contact_id=contact, arm=side)
                        for contact, side in (members or {}).items())
        return campaign.id


async def _people(api: Api, count: int, seed: int) -> dict[int, bool]:
    """``count`` contacts, every other one a recent buyer (three orders in the month
    before START): the persuadable kind. Contact id -> persuadable."""
    rng = np.random.default_rng(seed)
    async with sessions(api.engine)() as session, session.begin():
        people = [Contact(first_name=f"P{n}", last_name="Example") for n in range(count)]
        session.add_all(people)
        await session.flush()
        for n, person in enumerate(people):
            if n % 2 == 0:
                session.add_all(Order(contact_id=person.id, total=Decimal(50 + int(rng.integers(50))),
                                      ordered_at=START - dt.timedelta(days=5 + 9 * k))
                                for k in range(3))
    return {person.id: n % 2 == 0 for n, person in enumerate(people)}


async def _planted_campaign(api: Api, seed: int = 5) -> tuple[int, dict[int, bool]]:
    """800 contacts, half held out at random; a persuadable treated contact orders in the
    window with probability 0.6, everyone else with 0.1."""
    rng = np.random.default_rng(seed)
    people = await _people(api, 800, seed)
    arms = {contact: "control" if rng.random() < 0.5 else "treated" for contact in people}
    campaign = await _campaign(api, "spring", arms)
    async with sessions(api.engine)() as session, session.begin():
        for contact, persuadable in people.items():
            chance = 0.6 if persuadable and arms[contact] == "treated" else 0.1
            if rng.random() < chance:
                session.add(Order(contact_id=contact, total=Decimal(30),
                                  ordered_at=START + dt.timedelta(days=4)))
    return campaign, people


async def test_a_planted_uplift_is_recovered_and_its_top_decile_listed(api: Api) -> None:
    campaign, _ = await _planted_campaign(api)
    status, found = await api.call("POST", f"/api/v1/campaigns/{campaign}/uplift", "manager")
    assert status == 200, found
    assert found["treated"] + found["control"] == 800
    # the campaign's average effect: half the list persuadable by 0.5, so about 0.25
    measured = found["measured"]
    assert measured["lift_low"] < 0.25 < measured["lift_high"], measured
    assert measured["lift_low"] > 0.1, measured
    for method in ("two_model", "class_transformation"):
        figures = found["methods"][method]
        # the persuadable half's true uplift is 0.5, the rest's 0: a perfect ranking finds
        # 0.5 in the top 30 %, a random one the average, 0.24
        assert figures["uplift_at_30"] > 0.38, (method, figures)
        assert figures["qini_coefficient"] > 0.25, (method, figures)
    # 400 new contacts, half of them the persuadable kind; the top decile is 40 of those
    fresh = await _people(api, 400, seed=9)
    target = await _campaign(api, "summer")
    status, made = await api.call("POST", f"/api/v1/campaigns/{target}/list", "marketing", json={
        "from_uplift": {"campaign": campaign, "top": 0.1}, "holdout": 0.25, "seed": 3})
    assert status == 200, made
    assert made["selected"] == made["added"] == 40
    assert made["treated"] + made["control"] == 40 and made["control"] > 0
    async with sessions(api.engine)() as session:
        listed = {row.contact_id: row.arm for row in await session.execute(
            select(CampaignMember.contact_id, CampaignMember.arm)
            .where(CampaignMember.campaign_id == target))}
    assert set(listed) <= set(fresh) and all(fresh[contact] for contact in listed)
    assert sum(side == "control" for side in listed.values()) == made["control"]
    # again: those on the list are contacted already; the next decile of the other 360
    status, again = await api.call("POST", f"/api/v1/campaigns/{target}/list", json={
        "from_uplift": {"campaign": campaign}, "holdout": 0.25, "seed": 3})
    assert status == 200 and again["added"] == again["selected"] == 36


async def test_a_planted_cluster_is_put_on_a_list(api: Api) -> None:
    # three planted groups of 30 customers: weekly big spenders, monthly, long lapsed
    groups = {"weekly": (3, 20, 400), "monthly": (40, 4, 60), "lapsed": (600, 1, 30)}
    made: dict[str, list[int]] = {}
    async with sessions(api.engine)() as session, session.begin():
        for group, (days_ago, orders, total) in groups.items():
            people = [Contact(first_name=f"{group}{n}", last_name="Example") for n in range(30)]
            session.add_all(people)
            await session.flush()
            made[group] = [person.id for person in people]
            session.add_all(
                Order(contact_id=person.id, total=Decimal(total + n % 5),
                      ordered_at=TODAY - dt.timedelta(days=days_ago + 7 * k + n % 3))
                for n, person in enumerate(people) for k in range(orders))
    target = await _campaign(api, "win back")
    path = f"/api/v1/campaigns/{target}/list"
    status, refused = await api.call("POST", path, json={"from_cluster": {"name": "nobody"}})
    assert status == 422 and refused["field"] == "from_cluster.name", refused
    async with sessions(api.engine)() as session:  # the clusters as the route finds them
        customers = await contact_features(session, as_of=dt.datetime.now(dt.UTC),
                                           customers_only=True)
    names = [c.name for c in cluster_customers(customers.values, customers.names).clusters]
    lapsed = [name for name in names if name.startswith("lapsed")]
    assert len(lapsed) == 1, names
    assert lapsed[0] in refused["error"]  # the refusal lists the clusters there are
    status, listed = await api.call("POST", path, "manager",
                                    json={"from_cluster": {"name": lapsed[0]}})
    assert status == 200, listed
    assert (listed["selected"], listed["added"], listed["control"]) == (30, 30, 0)
    async with sessions(api.engine)() as session:
        members = set(await session.scalars(select(CampaignMember.contact_id).where(
            CampaignMember.campaign_id == target)))
    assert members == set(made["lapsed"])


async def test_a_saved_segment_is_put_on_a_list_with_its_control_arm(api: Api) -> None:
    people = await _people(api, 300, 4)
    buyers = await segments.create_segment(sessions(api.engine), "buyers", {"min_orders": 1},
                                           now=dt.datetime.now(dt.UTC))
    target = await _campaign(api, "autumn")
    path = f"/api/v1/campaigns/{target}/list"
    status, made = await api.call("POST", path, "marketing", json={
        "from_segment": {"id": buyers}, "holdout": 0.3, "seed": 11})
    assert status == 200, made
    expected = {c for c, buyer in people.items()
                if buyer and arm(c, holdout=0.3, seed=11) == "control"}
    assert (made["selected"], made["added"], made["control"]) == (150, 150, len(expected))
    async with sessions(api.engine)() as session:
        control = set(await session.scalars(select(CampaignMember.contact_id).where(
            CampaignMember.campaign_id == target, CampaignMember.arm == "control")))
    assert control == expected and 25 <= len(control) <= 65  # binomial(150, 0.3): 45 +- 5.6
    status, again = await api.call("POST", path, json={"from_segment": {"id": buyers}})
    assert (status, again["selected"], again["added"]) == (200, 150, 0)
    status, missing = await api.call("POST", path, json={"from_segment": {"id": 999}})
    assert (status, missing["field"]) == (404, "from_segment.id")


async def test_the_refusals_name_the_field(api: Api) -> None:
    plain = await _campaign(api, "no control", {
        contact: "treated" for contact in await _people(api, 20, 1)})
    small = await _campaign(api, "small", {
        contact: side for contact, side in zip(await _people(api, 20, 2),
                                               ["treated", "control"] * 10, strict=True)})
    cases = [
        ("/api/v1/campaigns/999/uplift", {}, 404, "id"),
        ("/api/v1/campaigns/99999999999/uplift", {}, 404, "id"),
        (f"/api/v1/campaigns/{plain}/uplift", {}, 409, "id"),
        (f"/api/v1/campaigns/{small}/uplift", {}, 422, "id"),
        (f"/api/v1/campaigns/{small}/uplift", {"classifier": "forest"}, 422, "classifier"),
        (f"/api/v1/campaigns/{small}/uplift", {"window_days": -1}, 422, "window_days"),
        (f"/api/v1/campaigns/{small}/uplift", {"windows": 3}, 422, "windows"),
        (f"/api/v1/campaigns/{plain}/list", {"from_uplift": {"campaign": 999}}, 404,
         "from_uplift.campaign"),
        (f"/api/v1/campaigns/{small}/list", {"from_uplift": {"campaign": plain}}, 409,
         "from_uplift.campaign"),
        (f"/api/v1/campaigns/{plain}/list", {"from_uplift": {"campaign": small}}, 422,
         "from_uplift.campaign"),
        (f"/api/v1/campaigns/{plain}/list", {"from_uplift": {"campaign": small, "top": 0}},
         422, "from_uplift.top"),
        (f"/api/v1/campaigns/{plain}/list", {"from_cluster": {"name": "x"},
                                             "holdout": 0.6}, 422, "holdout"),
        (f"/api/v1/campaigns/{plain}/list", {"from_cluster": {"name": "x"},
                                             "from_uplift": {"campaign": small}},
         422, "from_cluster"),
        (f"/api/v1/campaigns/{plain}/list", {}, 422, "from_uplift"),
        (f"/api/v1/campaigns/{plain}/list", {"from_cluster": {"name": ""}}, 422,
         "from_cluster.name"),
        # 40 contacts, 20 of them customers: too few to cluster into up to 6 segments
        (f"/api/v1/campaigns/{plain}/list", {"from_cluster": {"name": "x"}}, 422,
         "from_cluster.name"),
        ("/api/v1/campaigns/999/list", {"from_cluster": {"name": "x"}}, 404, "id"),
    ]
    for path, body, status, field in cases:
        found, answer = await api.call("POST", path, json=body)
        assert (found, answer.get("field")) == (status, field), (path, body, answer)
        assert answer["error"].startswith(f"{field}:"), answer
    _, short = await api.call("POST", f"/api/v1/campaigns/{small}/uplift")
    assert "uplift needs at least 50 treated and 50 control contacts" in short["error"]
    async with sessions(api.engine)() as session:
        assert await session.scalar(select(func.count()).select_from(CampaignMember)) == 40


@pytest.mark.parametrize(("role", "status"), [("agent", 403), ("supervisor", 403),
                                              ("sales", 403)])
async def test_only_whoever_may_run_analytics_does(api: Api, role: str, status: int) -> None:
    campaign = await _campaign(api, "any")
    for route in ("uplift", "list"):
        found, _ = await api.call("POST", f"/api/v1/campaigns/{campaign}/{route}", role,
                                  json={"from_cluster": {"name": "x"}})
        assert found == status
