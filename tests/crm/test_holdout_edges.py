"""A campaign's control group at its edges, on SQLite and PostgreSQL: no list source dials
a held-out member's number, whatever record carries it (a lead without a contact, a
second contact, an uploaded row); a phone campaign's list made from the analytics leaves
out whoever asked not to be called; a segment's date is YYYY-MM-DD only."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from contactcenter.analytics.crm_uplift import add_to_campaign
from crm_core import segments
from crm_core.db import sessions
from crm_core.dial_lists import leads_list, members_list, segment_list
from crm_core.dial_settings import UploadedRecord
from crm_core.dialer_service import DialerService
from crm_core.models import Campaign, CampaignMember, Contact, ContactPhone, Lead

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
START = dt.date(2026, 10, 1)


def _number(contact: int) -> str:
    return f"+1555{contact:07d}"


async def _contacts(maker: async_sessionmaker[AsyncSession], count: int, *,
                    do_not_call: bool = False) -> list[int]:
    """``count`` contacts, each with a mobile of their own."""
    async with maker() as session, session.begin():
        first = await session.scalar(select(Contact.id).order_by(Contact.id.desc()).limit(1))
        await session.execute(insert(Contact), [
            {"first_name": f"P{n}", "last_name": "Example", "consent_marketing": True,
             "do_not_call": do_not_call} for n in range(count)])
        ids = list(await session.scalars(select(Contact.id).where(Contact.id > (first or 0))
                                         .order_by(Contact.id)))
        await session.execute(insert(ContactPhone), [
            {"contact_id": contact, "e164": _number(contact), "kind": "mobile"}
            for contact in ids])
    return ids


async def _campaign(maker: async_sessionmaker[AsyncSession], name: str,
                    channel: str = "phone") -> int:
    async with maker() as session, session.begin():
        campaign = Campaign(name=name, channel=channel, starts_on=START,
                            ends_on=START + dt.timedelta(days=10))
        session.add(campaign)
        await session.flush()
        return campaign.id


async def _held_out(maker: async_sessionmaker[AsyncSession], campaign: int,
                    contacts: list[int]) -> None:
    """The contacts on the campaign's list, every one in the control arm."""
    async with maker() as session, session.begin():
        await session.execute(insert(CampaignMember), [
            {"campaign_id": campaign, "contact_id": c, "added_at": NOW, "arm": "control"}
            for c in contacts])


async def test_a_lead_or_a_second_contact_with_a_control_members_number_is_not_dialed(
        engine: AsyncEngine) -> None:
    maker = sessions(engine)
    control = await _contacts(maker, 3)
    campaign = await _campaign(maker, "calls")
    await _held_out(maker, campaign, control)
    async with maker() as session, session.begin():
        # the same people, written down again: a web lead never linked to its contact,
        # and a duplicate contact with the held-out member's phone
        session.add_all(Lead(first_name="L", last_name="Example", phone=_number(c),
                             status="new") for c in control)
        twin = Contact(first_name="Twin", last_name="Example")
        session.add(twin)
        await session.flush()
        session.add(ContactPhone(contact_id=twin.id, e164=_number(control[0]), kind="home"))
        session.add(CampaignMember(campaign_id=campaign, contact_id=twin.id, added_at=NOW,
                                   arm="treated"))
    await segments.create_segment(maker, "everyone", {}, now=NOW)
    async with maker() as session:
        sources = {"leads": await leads_list(session, "new", campaign_id=campaign),
                   "members": await members_list(session, campaign),
                   "segment": await segment_list(session, "everyone", today=NOW.date(),
                                                 campaign_id=campaign)}
    held = {_number(c) for c in control}
    for name, found in sources.items():
        assert not {record.number for record in found.records} & held, name
    assert [reason for _, reason in sources["leads"].bad] == ["held out (control arm)"] * 3


async def test_an_uploaded_list_does_not_dial_a_control_members_number(
        engine: AsyncEngine) -> None:
    maker = sessions(engine)
    service = DialerService(maker)
    control = await _contacts(maker, 2)
    campaign = await service.replace_upload("upload", [
        UploadedRecord(record_id=f"row:{n}", number=_number(c), line=n + 2)
        for n, c in enumerate([*control, 9_999_999])], today=NOW.date())
    await _held_out(maker, campaign, control)
    kept = await service.uploaded("upload", today=NOW.date())
    assert [record.number for record in kept] == [_number(9_999_999)]


async def test_a_phone_campaign_list_from_the_analytics_leaves_out_do_not_call(
        engine: AsyncEngine) -> None:
    maker = sessions(engine)
    callable_ = await _contacts(maker, 4)
    barred = await _contacts(maker, 4, do_not_call=True)
    phone, mail = await _campaign(maker, "calls"), await _campaign(maker, "mail", "email")
    async with maker() as session, session.begin():
        assert await add_to_campaign(session, phone, callable_ + barred, now=NOW) == 4
        assert await add_to_campaign(session, mail, callable_ + barred, now=NOW) == 8
    async with maker() as session:
        listed = set(await session.scalars(select(CampaignMember.contact_id)
                                           .where(CampaignMember.campaign_id == phone)))
    assert listed == set(callable_)


@pytest.mark.parametrize("day", ["2026-W01-1", "20260101", 20260101, "2026-001"])
def test_a_segments_date_is_yyyy_mm_dd_only(day: object) -> None:
    with pytest.raises(segments.InvalidSegment, match="ordered_since: expected a date"):
        segments.validate({"ordered_since": day})
