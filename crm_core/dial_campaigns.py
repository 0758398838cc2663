"""A dialer campaign in the CRM: a campaign of channel ``phone``, and each of its dials
one interaction and one campaign response.

The dialer names its campaigns as ``config/campaigns.yaml`` does; the CRM campaign of
that name and channel ``phone`` is the one its calls count for (the oldest, should
two share the name). The engine makes sure it exists when the campaign starts
(``ensure_phone_campaign``); a call of a campaign the CRM does not know yet makes it
too, so that no attempt goes uncounted.

Each dial is one response, written in the transaction that writes its interaction:
``contacted`` when a person was reached (``human``), ``attempt`` otherwise (a machine,
busy, no answer, failed, abandoned: the TSR counts an abandoned call as a call the
campaign made, not as a conversation). The marketing metrics count responses without
the attempts, and cost per interaction over all of them (``crm_core.metrics.marketing``).
A response's ``interaction_id`` is unique: a call offered twice is one response.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlalchemy import case, func, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.models import ATTEMPT, Campaign, CampaignResponse, Contact, Interaction, Lead

PHONE = "phone"
#: the dial's outcome (``call.ended``) that reached a person
REACHED = "human"
CONTACTED = "contacted"
_MAX_ID = 2**31 - 1
_NAME_LENGTH = 200


@dataclass(frozen=True, slots=True)
class DialLinks:
    """What a dial's list record and campaign are in the CRM (None: not known there)."""

    campaign_id: int | None = None
    contact_id: int | None = None
    lead_id: int | None = None


class _Dial(Protocol):
    """The part of a call summary this module reads (``crm_core.call_records``)."""

    @property
    def call_id(self) -> str: ...
    @property
    def started(self) -> dt.datetime: ...
    @property
    def campaign(self) -> str | None: ...
    @property
    def record_id(self) -> str | None: ...
    @property
    def attempt(self) -> int | None: ...


def campaign_name(call: _Dial) -> str | None:
    """The call's campaign as the CRM names it (``campaigns.name`` holds 200 characters:
    a longer name would make the database refuse the whole batch, again and again)."""
    return str(call.campaign)[:_NAME_LENGTH] if call.campaign else None


def attempt_number(call: _Dial) -> int | None:
    """The call's attempt when it is one an INTEGER column holds, else unknown."""
    attempt = call.attempt
    return attempt if type(attempt) is int and 0 < attempt <= _MAX_ID else None


def parse_record_id(record_id: str | None) -> tuple[str, int] | None:
    """``("contact", 12)`` for ``contact:12``, ``("lead", 7)`` for ``lead:7``; None for
    an uploaded list's own ids, which name nobody in the CRM."""
    if not record_id:
        return None
    kind, _, number = str(record_id).partition(":")
    if kind not in ("contact", "lead") or not (number.isascii() and number.isdigit()):
        return None
    value = int(number)
    # beyond an INTEGER column: no such row, and PostgreSQL would refuse the whole batch
    return (kind, value) if 0 < value <= _MAX_ID else None


async def ensure_phone_campaign(session: AsyncSession, name: str, *, today: dt.date,
                                budget: Decimal | None = None, cost: Decimal | None = None,
                                segment_id: int | None = None,
                                product_id: int | None = None) -> int:
    """The id of the phone campaign ``name``, made (active, from ``today``) when the CRM
    has none: a dialer campaign starting. An existing one is left as the marketing team
    set it up (dates, budget, cost). Flushes; the caller commits."""
    name = name[:_NAME_LENGTH]  # as the calls name it (``campaign_name``)
    found = await _phone_campaigns(session, [name])
    if name in found:
        return found[name]
    campaign = Campaign(name=name, channel=PHONE, status="active", starts_on=today,
                        budget=budget or Decimal(0), cost=cost or Decimal(0),
                        segment_id=segment_id, product_id=product_id)
    session.add(campaign)
    await session.flush()
    return campaign.id


async def _phone_campaigns(session: AsyncSession, names: Iterable[str]) -> dict[str, int]:
    """Each name's phone campaign, the oldest when several share it."""
    wanted = set(names)
    if not wanted:
        return {}
    query = (select(Campaign.name, func.min(Campaign.id))
             .where(Campaign.channel == PHONE, Campaign.name.in_(wanted))
             .group_by(Campaign.name))
    return {name: campaign_id for name, campaign_id in await session.execute(query)}


async def _campaign_ids(session: AsyncSession, calls: Sequence[_Dial]) -> dict[str, int]:
    """The calls' campaigns by name, those the CRM lacks made from their first call's day."""
    named: dict[str, dt.datetime] = {}
    for call in calls:
        name = campaign_name(call)
        if name and (name not in named or call.started < named[name]):
            named[name] = call.started
    found = await _phone_campaigns(session, named)
    for name in sorted(set(named) - set(found)):
        found[name] = await ensure_phone_campaign(session, name, today=named[name].date())
    return found


async def _contacts(session: AsyncSession, ids: set[int]) -> set[int]:
    """The ids among ``ids`` that are contacts still (a list may outlive its rows)."""
    if not ids:
        return set()
    return set(await session.scalars(select(Contact.id).where(Contact.id.in_(ids))))


async def _leads(session: AsyncSession, ids: set[int]) -> dict[int, int | None]:
    """Each existing lead's contact (None: the lead is no contact yet)."""
    if not ids:
        return {}
    query = select(Lead.id, Lead.contact_id).where(Lead.id.in_(ids))
    return {lead_id: contact_id for lead_id, contact_id in await session.execute(query)}


async def dial_links(session: AsyncSession, calls: Sequence[_Dial]) -> dict[str, DialLinks]:
    """The campaign, contact and lead of each call with a campaign or a list record; a
    record whose contact or lead is gone links none (the phone number may still)."""
    dials = [call for call in calls if call.campaign or call.record_id]
    if not dials:
        return {}
    campaigns = await _campaign_ids(session, dials)
    parsed = {call.call_id: parse_record_id(call.record_id) for call in dials}
    contacts = await _contacts(session, {ref[1] for ref in parsed.values()
                                         if ref and ref[0] == "contact"})
    leads = await _leads(session, {ref[1] for ref in parsed.values()
                                   if ref and ref[0] == "lead"})
    links: dict[str, DialLinks] = {}
    for call in dials:
        ref = parsed[call.call_id]
        contact_id = lead_id = None
        if ref and ref[0] == "contact" and ref[1] in contacts:
            contact_id = ref[1]
        elif ref and ref[0] == "lead" and ref[1] in leads:
            lead_id, contact_id = ref[1], leads[ref[1]]
        links[call.call_id] = DialLinks(campaigns.get(campaign_name(call) or ""), contact_id,
                                        lead_id)
    return links


async def record_responses(session: AsyncSession, call_ids: Sequence[str]) -> None:
    """One response per campaign call among ``call_ids`` (interactions written in this
    transaction): copied from the interactions by one ``INSERT ... SELECT``."""
    if not call_ids:
        return
    kind = case((Interaction.outcome == REACHED, literal(CONTACTED)), else_=literal(ATTEMPT))
    source = (select(Interaction.campaign_id, Interaction.contact_id, Interaction.lead_id,
                     kind, Interaction.id, Interaction.started_at)
              .where(Interaction.call_id.in_(call_ids), Interaction.campaign_id.is_not(None)))
    await session.execute(insert(CampaignResponse).from_select(
        ["campaign_id", "contact_id", "lead_id", "kind", "interaction_id", "responded_at"],
        source))
