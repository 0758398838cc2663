"""A dialer campaign's list from the CRM, on both engines: a saved segment, the campaign's
members or leads, each person once with their best number in E.164, the consent and
do-not-call flags, every record without a usable number reported with the reason, and
the campaign's earlier attempts counted again."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core import segments
from crm_core.call_records import CallSummary, record_calls
from crm_core.db import sessions
from crm_core.dial_campaigns import ensure_phone_campaign
from crm_core.dial_lists import DialList, dial_list, leads_list, members_list, segment_list
from crm_core.dialer_service import DialerService
from crm_core.models import CampaignMember, Contact, ContactPhone, ContactTag, Lead

TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


def _contact(name: str, *phones: tuple[str, str], consent: bool = True,
             do_not_call: bool = False, tag: str = "renewal") -> Contact:
    return Contact(first_name=name, last_name="Example", consent_marketing=consent,
                   do_not_call=do_not_call, time_zone="America/New_York",
                   phones=[ContactPhone(e164=e164, kind=kind) for kind, e164 in phones],
                   tags=[ContactTag(tag=tag)])


async def _people(engine: AsyncEngine) -> dict[str, int]:
    """Six contacts tagged ``renewal`` and one who is not; their ids by name."""
    people = {
        # a work phone and a mobile: the mobile is the one dialed
        "ann": _contact("Ann", ("work", "+15550003001"), ("mobile", "+15550003002")),
        # no phone at all, and a stored number that is no number
        "bob": _contact("Bob"),
        "cid": _contact("Cid", ("home", "12")),
        # Dee shares Ann's mobile (one household): merged into Ann's record
        "dee": _contact("Dee", ("mobile", "+15550003002"), consent=False),
        "eve": _contact("Eve", ("home", "+15550003005"), do_not_call=True),
        # a bad mobile, a good home phone: the first valid one in the order
        "fay": _contact("Fay", ("mobile", "0"), ("home", "+15550003006")),
        "gus": _contact("Gus", ("mobile", "+15550003007"), tag="other"),
    }
    async with sessions(engine)() as session, session.begin():
        session.add_all(people.values())
        await session.flush()
        return {name: contact.id for name, contact in people.items()}


def _by_id(found: DialList) -> dict[str, tuple[str, bool, bool]]:
    return {r.record_id: (r.number, r.consent, r.do_not_call) for r in found.records}


async def test_a_segment_list_merges_shared_numbers_and_reports_the_unusable(
        engine: AsyncEngine) -> None:
    ids = await _people(engine)
    await segments.create_segment(sessions(engine), "renewals due",
                                  {"tags": {"all": ["renewal"]}}, now=NOW)
    async with sessions(engine)() as session:
        found = await segment_list(session, "renewals due", today=TODAY)
    ann, eve, fay = (f"contact:{ids[name]}" for name in ("ann", "eve", "fay"))
    # Ann and Dee share a number: one record, Ann's, consent only as both gave it
    assert _by_id(found) == {ann: ("+15550003002", False, False),
                             eve: ("+15550003005", True, True),
                             fay: ("+15550003006", True, False)}
    assert found.records[0].merged == (f"contact:{ids['dee']}",)
    assert (found.records[0].name, found.records[0].time_zone) == (
        "Ann Example", "America/New_York")
    assert found.merged == 1
    assert found.bad == [(f"contact:{ids['bob']}", "no phone number"),
                         (f"contact:{ids['cid']}", "'12' is not a phone number")]


async def test_an_unknown_segment_is_refused(engine: AsyncEngine) -> None:
    async with sessions(engine)() as session:
        with pytest.raises(LookupError, match="no segment 'nobody'"):
            await segment_list(session, "nobody", today=TODAY)


async def test_the_members_list_counts_the_campaigns_attempts_again(
        engine: AsyncEngine) -> None:
    ids = await _people(engine)
    async with sessions(engine)() as session, session.begin():
        campaign = await ensure_phone_campaign(session, "renewals", today=TODAY)
        session.add_all([CampaignMember(campaign_id=campaign, contact_id=ids[name])
                         for name in ("ann", "gus", "bob")])
    gus = f"contact:{ids['gus']}"
    started = NOW - dt.timedelta(hours=5)
    await record_calls(sessions(engine), [
        CallSummary(call_id=f"d{n}", caller="+15550009000", dialed="+15550003007",
                    started=started + dt.timedelta(hours=n), ended=None, outcome=outcome,
                    direction="outbound", campaign="renewals", attempt=n + 1, record_id=gus)
        for n, outcome in enumerate(("abandoned", "no_answer"))])
    async with sessions(engine)() as session:
        found = await members_list(session, campaign)
    assert [r.record_id for r in found.records] == [f"contact:{ids['ann']}", gus]
    dialed = found.records[1]
    assert (dialed.attempts, dialed.abandoned_at, dialed.last_dialed) == (
        2, started.timestamp(), (started + dt.timedelta(hours=1)).timestamp())
    assert found.records[0].attempts == 0 and found.records[0].last_dialed is None
    assert found.bad == [(f"contact:{ids['bob']}", "no phone number")]


async def test_a_leads_list_by_score_in_e164_with_its_contacts_flags(
        engine: AsyncEngine) -> None:
    ids = await _people(engine)
    leads = [Lead(first_name="Hal", last_name="Lead", phone="(555) 000-4001", score=10),
             Lead(first_name="Ivy", last_name="Lead", phone="+1 555 000 4002", score=80),
             Lead(first_name="Jon", last_name="Lead", phone=None, score=50),
             Lead(first_name="Kim", last_name="Lead", phone="abc", score=40),
             # Eve's number: her do-not-call holds for the lead too
             Lead(first_name="Lee", last_name="Lead", phone="+15550003005", score=30),
             # a duplicate of Ivy's number, scored lower: merged into hers
             Lead(first_name="Max", last_name="Lead", phone="15550004002", score=20),
             Lead(first_name="Ned", last_name="Lead", phone="+15550004009", score=99,
                  status="converted"),
             Lead(first_name="Ann", last_name="Lead", phone="+15550004010", score=5,
                  contact_id=ids["eve"])]
    async with sessions(engine)() as session, session.begin():
        session.add_all(leads)
    async with sessions(engine)() as session:
        found = await leads_list(session, "new")
    hal, ivy, jon, kim, lee, max_, _ned, ann = (f"lead:{lead.id}" for lead in leads)
    assert [(r.record_id, r.number, r.priority) for r in found.records] == [
        (ivy, "+15550004002", 80), (lee, "+15550003005", 30), (hal, "+15550004001", 10),
        (ann, "+15550004010", 5)]
    assert [(r.do_not_call, r.consent) for r in found.records] == [
        (False, False), (True, False), (False, False), (True, True)]
    assert found.records[0].merged == (max_,) and found.merged == 1
    assert found.records[3].contact_id == ids["eve"]
    assert found.bad == [(jon, "no phone number"), (kim, "'abc' is not a phone number")]


async def test_the_campaigns_source_is_exactly_one(engine: AsyncEngine) -> None:
    async with sessions(engine)() as session:
        with pytest.raises(ValueError, match="exactly one of"):
            await dial_list(session, 1, today=TODAY)
        with pytest.raises(ValueError, match="exactly one of"):
            await dial_list(session, 1, members=True, leads="new", today=TODAY)
        with pytest.raises(ValueError, match="no lead status 'hot'"):
            await dial_list(session, 1, leads="hot", today=TODAY)
        assert (await dial_list(session, 1, members=True, today=TODAY)).records == []


async def test_the_engine_asks_the_service_for_the_campaign_and_its_list(
        engine: AsyncEngine) -> None:
    ids = await _people(engine)
    service = DialerService(sessions(engine))
    campaign = await service.start_campaign("renewals", today=TODAY)
    assert await service.start_campaign("renewals", today=TODAY) == campaign
    async with sessions(engine)() as session, session.begin():
        session.add(CampaignMember(campaign_id=campaign, contact_id=ids["eve"]))
    found = await service.records(campaign, members=True, today=TODAY)
    assert [(r.record_id, r.number, r.do_not_call) for r in found.records] == [
        (f"contact:{ids['eve']}", "+15550003005", True)]
