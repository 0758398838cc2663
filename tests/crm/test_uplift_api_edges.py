"""The campaign list route at its edges, over the real app on SQLite and PostgreSQL: a
measured campaign's own list is not grown from its own model, and the arms the answer
counts are the request's own."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from crm_core import segments
from crm_core.db import sessions
from crm_core.models import CampaignMember, Contact
from tests.crm.api_client import Api
from tests.crm.test_uplift_api import _campaign, _people, _planted_campaign


async def _listed(api: Api, campaign: int) -> int:
    async with sessions(api.engine)() as session:
        return int(await session.scalar(select(func.count()).select_from(CampaignMember)
                                        .where(CampaignMember.campaign_id == campaign)) or 0)


async def test_a_campaigns_list_is_not_grown_from_its_own_uplift_model(api: Api) -> None:
    campaign, _ = await _planted_campaign(api)
    await _people(api, 100, seed=9)  # on no list: what the model would rank
    status, refused = await api.call("POST", f"/api/v1/campaigns/{campaign}/list", json={
        "from_uplift": {"campaign": campaign}, "holdout": 0.5})
    # adding to the measured list puts people never in its experiment among its arms
    assert (status, refused["field"]) == (422, "from_uplift.campaign"), refused
    assert await _listed(api, campaign) == 800


async def test_the_arms_answered_are_the_requests_own(api: Api) -> None:
    await _people(api, 60, 4)
    now = dt.datetime.now(dt.UTC)
    buyers = await segments.create_segment(sessions(api.engine), "buyers", {"min_orders": 1},
                                           now=now)
    target = await _campaign(api, "autumn")
    async with sessions(api.engine)() as session, session.begin():
        # a request that began after this one and wrote first: its members are its own
        other = Contact(first_name="Other", last_name="Example")
        session.add(other)
        await session.flush()
        session.add(CampaignMember(campaign_id=target, contact_id=other.id, arm="treated",
                                   added_at=now + dt.timedelta(minutes=5)))
    status, made = await api.call("POST", f"/api/v1/campaigns/{target}/list", json={
        "from_segment": {"id": buyers}, "holdout": 0.3, "seed": 2})
    assert status == 200, made
    assert made["added"] == 30
    assert made["treated"] + made["control"] == made["added"], made


async def test_two_campaigns_listed_without_a_seed_hold_out_different_people(
        api: Api) -> None:
    await _people(api, 200, 4)
    buyers = await segments.create_segment(sessions(api.engine), "buyers", {"min_orders": 1},
                                           now=dt.datetime.now(dt.UTC))
    held: list[set[int]] = []
    for name in ("autumn", "winter"):
        target = await _campaign(api, name)
        status, made = await api.call("POST", f"/api/v1/campaigns/{target}/list", json={
            "from_segment": {"id": buyers}, "holdout": 0.5})
        assert status == 200 and made["added"] == 100, made
        async with sessions(api.engine)() as session:
            held.append(set(await session.scalars(select(CampaignMember.contact_id).where(
                CampaignMember.campaign_id == target, CampaignMember.arm == "control"))))
    # independent halves of 100 share about 25; the same draw shares all of them
    assert len(held[0] & held[1]) < 40, held
