"""A dialer campaign's list from the CRM: a saved segment, the campaign's members, or leads.

Theory of operation: each source is one select of the people (a segment's compiled
query, ``campaign_members`` without its control arm, ``leads`` of a status) joined to what dialing needs: the
contact's phones, the consent and do-not-call flags, the time zone. Each person becomes
one ``DialRecord`` with the record id the call journal carries back (``contact:<id>``,
``lead:<id>``), so that the CRM puts each attempt on the right timeline
(``crm_core.call_records``) and can count a record's attempts again after a restart
(``interactions.record_id``, read here as ``attempts``, ``last_dialed``, ``abandoned_at``).

A contact's number is their best valid phone: mobile, then home, then work, then any
other kind, the oldest first within a kind (a mobile reaches the person; the dialer's
gate, not the list, decides whether it may be called). Someone without a usable
number is reported with the reason, never silently left out. Two records with one
number are merged into the first, as the CSV lists are (``contactcenter.dialer.lists``):
one person is called once however many records name them. A number a member of the
campaign's control arm has is never on its list, whichever record carries it (reported
as ``held out (control arm)``). The merge keeps the safe
side: do-not-call if any record (or any contact with that number) asked not to be
called, consent only if all gave it, every attempt counted.

``DialRecord`` maps field for field onto the dialer core's ``Record`` (``record_id``,
``number``, ``priority``, ``attempts``, ``abandoned_at``; ``earliest`` follows from
``last_dialed`` and the campaign's retry rules); ``crm_core`` does not import the
dialer, the engine does the mapping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.holdout import CONTROL
from crm_core.models import (
    LEAD_STATUSES,
    CampaignMember,
    Contact,
    ContactPhone,
    Interaction,
    Lead,
    Segment,
)
from crm_core.phones import try_e164
from crm_core.segments import contact_ids

#: the order in which a contact's phones are tried; other kinds come after these
PHONE_KINDS = ("mobile", "home", "work")
#: numbers per IN (...) list: both engines cap a statement's parameters at about 32,000
_CHUNK = 1000
#: ``interactions.outcome`` of a call answered by a person no agent was free for
ABANDONED = "abandoned"
#: why a record with the number of a member of the campaign's control arm is left out
HELD_OUT = "held out (control arm)"


@dataclass(frozen=True, slots=True, kw_only=True)
class DialRecord:
    """One person to call, and what the CRM knows that dialing needs."""

    record_id: str  #: ``contact:<id>`` or ``lead:<id>``: what the call journal carries back
    number: str  #: E.164
    priority: int = 0  #: higher first (a lead's score)
    name: str = ""
    contact_id: int | None = None
    lead_id: int | None = None
    consent: bool = False  #: the contact's marketing consent (a lead without a contact: no)
    do_not_call: bool = False  #: the person, or a contact with this number, asked not to be
    time_zone: str | None = None  #: the contact's, for the calling window
    attempts: int = 0  #: this campaign's calls to the record so far
    last_dialed: float | None = None  #: when the last of them began (UNIX seconds)
    abandoned_at: float | None = None  #: when the last abandoned one began (UNIX seconds)
    merged: tuple[str, ...] = ()  #: the records with the same number folded into this one


@dataclass(slots=True)
class DialList:
    """The records that load, those that cannot (record id, reason), and the merges."""

    records: list[DialRecord] = field(default_factory=list)
    bad: list[tuple[str, str]] = field(default_factory=list)
    merged: int = 0  #: records folded into an earlier one with the same number


# -- the sources -------------------------------------------------------------------------


async def segment_list(session: AsyncSession, segment: str, *, today: dt.date,
                       campaign_id: int | None = None) -> DialList:
    """The contacts the saved segment ``segment`` (its name) picks on ``today``;
    LookupError when there is no such segment. ``campaign_id``: whose attempts count."""
    definition = await session.scalar(select(Segment.definition)
                                      .where(Segment.name == segment))
    if definition is None:
        raise LookupError(f"no segment {segment!r}")
    ids = contact_ids(definition, today)
    if campaign_id is not None:  # the campaign's control arm is not called by any route
        ids = ids.where(Contact.id.not_in(_control(campaign_id)))
    return await _contact_list(session, ids, campaign_id)


def _control(campaign_id: int) -> Select[int]:
    """The contacts held out of the campaign (its control arm)."""
    return select(CampaignMember.contact_id).where(CampaignMember.campaign_id == campaign_id,
                                                   CampaignMember.arm == CONTROL)


async def members_list(session: AsyncSession, campaign_id: int) -> DialList:
    """The contacts on the campaign's list (``campaign_members``) in its treated arm: the
    control arm is held out so that the campaign's effect can be measured, and is never
    called (``crm_core.holdout``)."""
    members = select(CampaignMember.contact_id).where(CampaignMember.campaign_id == campaign_id,
                                                      CampaignMember.arm != CONTROL)
    return await _contact_list(session, members, campaign_id)


async def leads_list(session: AsyncSession, status: str, *,
                     campaign_id: int | None = None) -> DialList:
    """The leads of ``status`` (``new``, ``contacted``, ...), the highest score first,
    the score their priority; ValueError for a status leads do not have."""
    if status not in LEAD_STATUSES:
        raise ValueError(f"no lead status {status!r} (have: {', '.join(LEAD_STATUSES)})")
    query = (select(Lead.id, Lead.first_name, Lead.last_name, Lead.phone, Lead.score,
                    Lead.contact_id, Contact.consent_marketing, Contact.do_not_call,
                    Contact.time_zone)
             .outerjoin(Contact, Contact.id == Lead.contact_id)
             .where(Lead.status == status).order_by(Lead.score.desc(), Lead.id))
    if campaign_id is not None:
        query = query.where(or_(Lead.contact_id.is_(None),
                                Lead.contact_id.not_in(_control(campaign_id))))
    result = DialList()
    found = []
    for row in await session.execute(query):
        record = _lead_record(row, result.bad)
        if record is not None:
            found.append(record)
    return await _finished(session, result, found, campaign_id)


async def dial_list(session: AsyncSession, campaign_id: int, *, segment: str | None = None,
                    members: bool = False, leads: str | None = None,
                    today: dt.date) -> DialList:
    """The list of ``config/campaigns.yaml``'s ``list`` source: exactly one of a segment's
    name, the campaign's members, a lead status (a CSV file is the dialer's own)."""
    given = [name for name, value in (("segment", segment), ("members", members),
                                      ("leads", leads)) if value]
    if len(given) != 1:
        raise ValueError(f"exactly one of segment, members, leads (given: {given or 'none'})")
    if segment:
        return await segment_list(session, segment, today=today, campaign_id=campaign_id)
    if leads:
        return await leads_list(session, leads, campaign_id=campaign_id)
    return await members_list(session, campaign_id)


# -- contacts ----------------------------------------------------------------------------


def _phone_order() -> Any:
    """Mobile, home, work, then the rest: the order a contact's phones are tried in."""
    return case({kind: rank for rank, kind in enumerate(PHONE_KINDS)},
                value=ContactPhone.kind, else_=len(PHONE_KINDS))


def _contacts_with_phones(ids: Select[int]) -> Select[*tuple[Any, ...]]:
    return (select(Contact.id, Contact.first_name, Contact.last_name,
                   Contact.consent_marketing, Contact.do_not_call, Contact.time_zone,
                   ContactPhone.e164)
            .outerjoin(ContactPhone, ContactPhone.contact_id == Contact.id)
            .where(Contact.id.in_(ids))
            .order_by(Contact.id, _phone_order(), ContactPhone.id))


async def _contact_list(session: AsyncSession, ids: Select[int],
                        campaign_id: int | None) -> DialList:
    """Each contact ``ids`` selects, with their best valid number, in id order."""
    result = DialList()
    found: list[DialRecord] = []
    person: list[Any] = []  # the rows of one contact: one per phone
    for row in await session.execute(_contacts_with_phones(ids)):
        if person and person[0].id != row.id:
            _add_contact(person, found, result.bad)
            person = []
        person.append(row)
    if person:
        _add_contact(person, found, result.bad)
    return await _finished(session, result, found, campaign_id)


def _add_contact(rows: Sequence[Any], found: list[DialRecord],
                 bad: list[tuple[str, str]]) -> None:
    first = rows[0]
    record_id = f"contact:{first.id}"
    numbers = [row.e164 for row in rows if row.e164 is not None]
    number = next((e164 for e164 in map(try_e164, numbers) if e164), None)
    if number is None:
        bad.append((record_id, f"{numbers[0]!r} is not a phone number" if numbers
                    else "no phone number"))
        return
    found.append(DialRecord(record_id=record_id, number=number,
                            name=f"{first.first_name} {first.last_name}".strip(),
                            contact_id=first.id, consent=bool(first.consent_marketing),
                            do_not_call=bool(first.do_not_call), time_zone=first.time_zone))


def _lead_record(row: Any, bad: list[tuple[str, str]]) -> DialRecord | None:
    record_id = f"lead:{row.id}"
    if not row.phone:
        bad.append((record_id, "no phone number"))
        return None
    number = try_e164(row.phone)
    if number is None:
        bad.append((record_id, f"{row.phone!r} is not a phone number"))
        return None
    return DialRecord(record_id=record_id, number=number, priority=row.score or 0,
                      name=f"{row.first_name} {row.last_name}".strip(), lead_id=row.id,
                      contact_id=row.contact_id, consent=bool(row.consent_marketing),
                      do_not_call=bool(row.do_not_call), time_zone=row.time_zone)


# -- merging and history -----------------------------------------------------------------


async def _finished(session: AsyncSession, result: DialList, found: list[DialRecord],
                    campaign_id: int | None) -> DialList:
    """The records with their history and the numbers' bars, merged by number."""
    numbers = {record.number for record in found}
    barred = await _barred_numbers(session, numbers)
    held = await held_out_numbers(session, campaign_id, numbers) if campaign_id else set()
    history = await _history(session, campaign_id) if campaign_id is not None else {}
    by_number: dict[str, int] = {}
    for record in found:
        if record.number in held:  # the held-out member would answer: never dialed
            result.bad.append((record.record_id, HELD_OUT))
            continue
        record = _with_history(record, history.get(record.record_id))
        if record.number in barred:
            record = replace(record, do_not_call=True)
        place = by_number.get(record.number)
        if place is None:
            by_number[record.number] = len(result.records)
            result.records.append(record)
        else:
            result.records[place] = _merge(result.records[place], record)
            result.merged += 1
    return result


def _merge(kept: DialRecord, other: DialRecord) -> DialRecord:
    """``other`` folded into ``kept`` (same number), on the safe side of the law."""
    last_abandoned = [t for t in (kept.abandoned_at, other.abandoned_at) if t is not None]
    last_dialed = [t for t in (kept.last_dialed, other.last_dialed) if t is not None]
    return replace(kept, priority=max(kept.priority, other.priority),
                   consent=kept.consent and other.consent,
                   do_not_call=kept.do_not_call or other.do_not_call,
                   attempts=kept.attempts + other.attempts,
                   last_dialed=max(last_dialed, default=None),
                   abandoned_at=max(last_abandoned, default=None),
                   merged=(*kept.merged, other.record_id))


def _chunks(values: Iterable[str]) -> Iterable[list[str]]:
    items = sorted(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


async def _barred_numbers(session: AsyncSession, numbers: set[str]) -> set[str]:
    """The numbers a contact who asked not to be called has: a lead or a second contact
    with the number does not lift the bar."""
    barred: set[str] = set()
    for chunk in _chunks(numbers):
        query = (select(ContactPhone.e164).join(Contact, Contact.id == ContactPhone.contact_id)
                 .where(Contact.do_not_call.is_(True), ContactPhone.e164.in_(chunk)))
        barred.update(await session.scalars(query))
    return barred


async def held_out_numbers(session: AsyncSession, campaign_id: int,
                           numbers: set[str]) -> set[str]:
    """Those of ``numbers`` a member of the campaign's control arm has: whatever record
    carries one (a lead never linked to its contact, a duplicate contact, an uploaded
    row), calling it reaches the held-out person and spoils the measurement."""
    held: set[str] = set()
    for chunk in _chunks(numbers):
        query = (select(ContactPhone.e164)
                 .where(ContactPhone.contact_id.in_(_control(campaign_id)),
                        ContactPhone.e164.in_(chunk)))
        held.update(await session.scalars(query))
    return held


_History = tuple[int, float | None, float | None]


async def _history(session: AsyncSession, campaign_id: int) -> dict[str, _History]:
    """Per record id, the campaign's calls to it: how many, when the last began, and
    when the last abandoned one began (``ix_interactions_campaign_record``)."""
    abandoned = case((Interaction.outcome == ABANDONED, Interaction.started_at))
    query = (select(Interaction.record_id, func.count(), func.max(Interaction.started_at),
                    func.max(abandoned))
             .where(Interaction.campaign_id == campaign_id,
                    Interaction.record_id.is_not(None))
             .group_by(Interaction.record_id))
    return {record_id: (int(count), _seconds(last), _seconds(dropped))
            for record_id, count, last, dropped in await session.execute(query)}


def _seconds(moment: dt.datetime | None) -> float | None:
    """UNIX seconds (the dialer core's time); SQLite hands back naive UTC."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp()


def _with_history(record: DialRecord, history: _History | None) -> DialRecord:
    if history is None:
        return record
    attempts, last, dropped = history
    return replace(record, attempts=attempts, last_dialed=last, abandoned_at=dropped)
