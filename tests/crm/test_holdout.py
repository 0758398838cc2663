"""A campaign's control group, on SQLite and PostgreSQL: the share held out when a list is
made, the same arms for the same seed, control members never dialed by any list source,
the arms read back for uplift, and the lift the marketing metrics measure."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contactcenter.analytics.crm_uplift import NoControlArm, add_to_campaign, campaign_sample
from contactcenter.analytics.shortage import BadInput
from crm_core import segments
from crm_core.db import sessions
from crm_core.dial_lists import leads_list, members_list, segment_list
from crm_core.dialer_service import DialerService
from crm_core.holdout import arm
from crm_core.metrics.marketing import lift_per_campaign
from crm_core.metrics.period import Period
from crm_core.models import Campaign, CampaignMember, Contact, ContactPhone, Lead, Order

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
START = dt.date(2026, 10, 1)
PEOPLE = 2000


async def _contacts(maker: async_sessionmaker[AsyncSession], count: int) -> list[int]:
    """``count`` contacts, each with a mobile of their own."""
    async with maker() as session, session.begin():
        first = await session.scalar(select(Contact.id).order_by(Contact.id.desc()).limit(1))
        await session.execute(insert(Contact), [
            {"first_name": f"P{n}", "last_name": "Example", "consent_marketing": True}
            for n in range(count)])
        ids = list(await session.scalars(select(Contact.id).where(Contact.id > (first or 0))
                                         .order_by(Contact.id)))
        await session.execute(insert(ContactPhone), [
            {"contact_id": contact, "e164": f"+1555{contact:07d}", "kind": "mobile"}
            for contact in ids])
    return ids


async def _campaign(maker: async_sessionmaker[AsyncSession], name: str) -> int:
    async with maker() as session, session.begin():
        campaign = Campaign(name=name, channel="phone", starts_on=START,
                            ends_on=START + dt.timedelta(days=10))
        session.add(campaign)
        await session.flush()
        return campaign.id


async def _arms(maker: async_sessionmaker[AsyncSession], campaign: int) -> dict[int, str]:
    async with maker() as session:
        rows = await session.execute(select(CampaignMember.contact_id, CampaignMember.arm)
                                     .where(CampaignMember.campaign_id == campaign))
        return {contact: side for contact, side in rows}


async def test_a_segment_put_on_a_list_holds_out_the_share_asked_the_same_for_a_seed(
        engine: AsyncEngine) -> None:
    maker = sessions(engine)
    await _contacts(maker, PEOPLE)
    everyone = await segments.create_segment(maker, "everyone", {}, now=NOW)
    first, again, other = [await _campaign(maker, name) for name in ("a", "b", "c")]
    for campaign, seed in ((first, 7), (again, 7), (other, 8)):
        added = await segments.materialise(maker, everyone, campaign, now=NOW, holdout=0.2,
                                           seed=seed)
        assert added == PEOPLE
    arms = await _arms(maker, first)
    control = {contact for contact, side in arms.items() if side == "control"}
    # binomial(2000, 0.2): mean 400, sd 17.9; four sd either side
    assert abs(len(control) - 400) <= 4 * math.sqrt(PEOPLE * 0.2 * 0.8)
    assert set(arms.values()) == {"treated", "control"}
    # the same seed: the same contacts held out; another seed: others
    assert await _arms(maker, again) == arms
    other_control = {c for c, side in (await _arms(maker, other)).items() if side == "control"}
    assert other_control != control and abs(len(other_control) - 400) <= 72
    # run again: nobody is added twice or moved between arms
    assert await segments.materialise(maker, everyone, first, now=NOW, holdout=0.5,
                                      seed=1) == 0
    assert await _arms(maker, first) == arms


async def test_without_a_holdout_everyone_is_treated_and_a_bad_share_is_refused(
        engine: AsyncEngine) -> None:
    maker = sessions(engine)
    await _contacts(maker, 10)
    everyone = await segments.create_segment(maker, "everyone", {}, now=NOW)
    campaign = await _campaign(maker, "a")
    assert await segments.materialise(maker, everyone, campaign, now=NOW) == 10
    assert set((await _arms(maker, campaign)).values()) == {"treated"}
    for bad in (0.6, -0.1, math.nan, "0.2", True):
        with pytest.raises(segments.InvalidSegment, match="holdout: expected a share"):
            await segments.materialise(maker, everyone, campaign, now=NOW,
                                       holdout=bad)  # type: ignore[arg-type]
    async with maker() as session:
        with pytest.raises(BadInput, match="holdout"):
            await add_to_campaign(session, campaign, [1], now=NOW, holdout=0.9)


async def test_a_control_member_is_never_dialed(engine: AsyncEngine) -> None:
    maker = sessions(engine)
    ids = await _contacts(maker, 200)
    campaign = await _campaign(maker, "calls")
    async with maker() as session, session.begin():
        assert await add_to_campaign(session, campaign, ids, now=NOW, holdout=0.5,
                                     seed=3) == 200
        session.add_all(Lead(first_name="L", last_name="Example", phone=f"+1555{c:07d}",
                             contact_id=c, status="new") for c in ids)
    control = {c for c, side in (await _arms(maker, campaign)).items() if side == "control"}
    assert control and control == {c for c in ids if arm(c, holdout=0.5, seed=3) == "control"}
    await segments.create_segment(maker, "everyone", {}, now=NOW)
    async with maker() as session:
        sources = [await members_list(session, campaign),
                   await segment_list(session, "everyone", today=NOW.date(),
                                      campaign_id=campaign),
                   await leads_list(session, "new", campaign_id=campaign)]
        # a list for no campaign in particular has no arms to respect
        unrelated = await segment_list(session, "everyone", today=NOW.date())
    # what the dialer's engine asks for, its ``members`` list source
    sources.append(await DialerService(maker).records(campaign, members=True,
                                                      today=NOW.date()))
    for found in sources:
        dialed = {record.contact_id for record in found.records}
        assert dialed == set(ids) - control
    assert {record.contact_id for record in unrelated.records} == set(ids)


async def _orders(maker: async_sessionmaker[AsyncSession], contacts: list[int],
                  day: dt.date) -> None:
    async with maker() as session, session.begin():
        session.add_all(Order(contact_id=contact, total=Decimal(10), status="placed",
                              ordered_at=dt.datetime.combine(day, dt.time(12), dt.UTC))
                        for contact in contacts)


async def test_the_arms_are_read_back_and_the_metrics_measure_the_lift(
        engine: AsyncEngine) -> None:
    maker = sessions(engine)
    ids = await _contacts(maker, 200)
    campaign, plain = await _campaign(maker, "arms"), await _campaign(maker, "plain")
    async with maker() as session, session.begin():
        session.add_all(CampaignMember(campaign_id=campaign, contact_id=contact,
                                       arm="control" if n % 2 else "treated")
                        for n, contact in enumerate(ids))
        session.add_all(CampaignMember(campaign_id=plain, contact_id=contact)
                        for contact in ids[:10])
    treated, control = ids[0::2], ids[1::2]
    # 40 of 100 treated and 20 of 100 control ordered during the campaign
    await _orders(maker, treated[:40] + control[:20], START + dt.timedelta(days=3))
    async with maker() as session:
        found = await campaign_sample(session, campaign)
        assert found.contact_ids.tolist() == ids
        assert found.sample.treated.tolist() == [n % 2 == 0 for n in range(200)]
        assert int(found.sample.responded.sum()) == 60
        with pytest.raises(NoControlArm, match="no control arm"):
            await campaign_sample(session, plain)
        period = Period(dt.datetime(2026, 10, 1, tzinfo=dt.UTC),
                        dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
        rows = await lift_per_campaign(session, period)
    assert [row["campaign_id"] for row in rows] == [campaign]  # only a campaign with a control
    row = rows[0]
    assert (row["treated"], row["treated_converted"], row["control"],
            row["control_converted"]) == (100, 40, 100, 20)
    assert row["lift"] == pytest.approx(0.2)
    half = 1.959964 * math.sqrt(0.4 * 0.6 / 100 + 0.2 * 0.8 / 100)
    assert (row["lift_low"], row["lift_high"]) == pytest.approx((0.2 - half, 0.2 + half))
