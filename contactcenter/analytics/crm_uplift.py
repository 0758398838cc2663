"""A campaign's uplift sample from the CRM, and its best-ranked contacts as a dial list.

The arms: ``campaign_members.arm`` says who on a campaign's list was treated and who
was held out at random (``control``, written by ``crm_core.holdout`` when a list is
made with a holdout share, and never dialed). A held-out contact never gets a
``campaign_responses`` row (nobody contacted them), so the outcome cannot be a
response. ``campaign_sample`` reads both arms of one campaign; an older way stays:
a second campaign holding the held-out contacts on its list and never run
(``control_campaign_id``), a contact on both lists left out.

The outcome is one both groups can show: a counted order (not cancelled) from the
campaign's start to ``window_days`` after its end. The features are those of
``crm_features`` as of the start, in the same select, so nothing is loaded row by row
but the one row per member.

The other way: ``top_contacts`` picks the best ``fraction`` by predicted uplift, and
``add_to_campaign`` puts them on a campaign's list (``campaign_members``, the rows
``crm_core.segments.materialise`` writes, with a holdout share of their own), whose
treated arm ``crm_core.dial_lists.members_list`` and the dialer's ``members`` list
source read; ``contact_selection`` gives them as the
select of contact ids that ``crm_core.segments.contact_ids`` gives for a segment.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import Select, Subquery, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from contactcenter.analytics.crm_features import (
    FEATURES,
    ContactFeatures,
    features_select,
    table,
)
from contactcenter.analytics.shortage import BadInput
from contactcenter.analytics.uplift import UpliftSample
from crm_core.dial_campaigns import PHONE
from crm_core.holdout import CONTROL, add_members, check_holdout
from crm_core.models import Campaign, CampaignMember, Contact, Order

#: ids per IN (...) list: both engines cap a statement's parameters at about 32,000
_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class CampaignSample:
    """The uplift sample of a campaign, row for row with ``contact_ids``."""

    contact_ids: npt.NDArray[np.int64]
    names: tuple[str, ...]
    sample: UpliftSample


class NoControlArm(BadInput):
    """The campaign's list has no member held out: its effect cannot be measured."""


async def _campaign(session: AsyncSession, campaign_id: int, field: str) -> Campaign:
    found = await session.get(Campaign, campaign_id)
    if found is None:
        raise BadInput(f"{field}: no campaign {campaign_id}", field=field)
    return found


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


async def campaign_sample(session: AsyncSession, campaign_id: int, *,
                          control_campaign_id: int | None = None,
                          window_days: int = 30) -> CampaignSample:
    """The campaign's treated and control contacts (its list's arms; or, given
    ``control_campaign_id``, the members of that second, never-run campaign), their
    features at the start and whether they ordered in the window. BadInput (field
    ``campaign``) when the campaign has no control arm."""
    if campaign_id == control_campaign_id:
        raise BadInput("control_campaign_id: the control must be another campaign's list",
                       field="control_campaign_id")
    campaign = await _campaign(session, campaign_id, "campaign_id")
    if control_campaign_id is not None:
        await _campaign(session, control_campaign_id, "control_campaign_id")
    starts = _start(campaign.starts_on)
    ends = _start(campaign.ends_on or campaign.starts_on) + dt.timedelta(days=1 + window_days)
    members = _members(campaign_id, control_campaign_id)
    rows = list(await session.execute(
        _sample_select(session.get_bind().dialect.name, members, starts, ends)))
    treated = np.array([bool(row.treated) for row in rows], dtype=bool)
    if control_campaign_id is None and treated.all():
        raise NoControlArm(f"campaign: campaign {campaign_id} has no control arm (no member "
                       "held out), so its effect cannot be measured", field="campaign")
    sample = UpliftSample(table(rows), treated,
                          np.array([bool(row.responded) for row in rows], dtype=bool))
    return CampaignSample(np.array([row.contact_id for row in rows], dtype=np.int64),
                          FEATURES, sample)


def _members(campaign_id: int, control_campaign_id: int | None) -> Subquery:
    """Per contact, treated or not: the arm on the campaign's list, or which of two lists
    (a contact on both lists was not cleanly in either, and is left out)."""
    if control_campaign_id is None:
        return (select(CampaignMember.contact_id,
                       (CampaignMember.arm != CONTROL).label("treated"))
                .where(CampaignMember.campaign_id == campaign_id).subquery("members"))
    both = (campaign_id, control_campaign_id)
    on_both = (select(CampaignMember.contact_id)
               .where(CampaignMember.campaign_id.in_(both))
               .group_by(CampaignMember.contact_id).having(func.count() > 1))
    return (select(CampaignMember.contact_id,
                   (CampaignMember.campaign_id == campaign_id).label("treated"))
            .where(CampaignMember.campaign_id.in_(both),
                   CampaignMember.contact_id.not_in(on_both)).subquery("members"))


def _sample_select(dialect: str, members: Subquery, starts: dt.datetime,
                   ends: dt.datetime) -> Select[Any]:
    """One row per member: arm, features, outcome."""
    features = features_select(starts, dialect).subquery("features")
    ordered = exists().where(Order.contact_id == members.c.contact_id,
                             Order.status != "cancelled", Order.ordered_at >= starts,
                             Order.ordered_at < ends)
    return (select(members.c.contact_id, members.c.treated, ordered.label("responded"),
                   *(features.c[name] for name in FEATURES))
            .join(features, features.c.contact_id == members.c.contact_id)
            .order_by(members.c.contact_id))


def top_contacts(contact_ids: npt.ArrayLike, uplift: npt.ArrayLike, *,
                 fraction: float = 0.1) -> list[int]:
    """The best ``fraction`` of the contacts by predicted uplift (at least one), best
    first; equal uplifts in contact id order, so the list is the same every run."""
    ids = np.asarray(contact_ids, dtype=np.int64)
    score = np.asarray(uplift, dtype=np.float64)
    if ids.shape != score.shape or ids.ndim != 1:
        raise BadInput("contact_ids and uplift must be 1-d and of one length", field="uplift")
    if not 0 < fraction <= 1:
        raise BadInput(f"fraction must be in (0, 1], not {fraction}", field="fraction")
    order = np.lexsort((ids, -score))
    count = max(1, math.ceil(fraction * len(ids) - 1e-9)) if len(ids) else 0
    return [int(contact) for contact in ids[order[:count]]]


def contact_selection(contact_ids: list[int]) -> Select[int]:
    """The contacts as a select of ids, the form a segment's ``contact_ids`` has."""
    return select(Contact.id).where(Contact.id.in_(contact_ids))


async def add_to_campaign(session: AsyncSession, campaign_id: int, contact_ids: list[int],
                          *, now: dt.datetime, holdout: float = 0.0,
                          seed: int | None = None) -> int:
    """Put the contacts on the campaign's list (those already on it are skipped), the
    share ``holdout`` of them in the control arm (``crm_core.holdout``); return how many
    were added. A phone campaign's list leaves out those who asked not to be called: the
    dialer's gate would refuse them, and in the treated arm they would count as treated
    without ever being reached. The caller commits."""
    campaign = await _campaign(session, campaign_id, "campaign_id")
    try:
        share = check_holdout(holdout)
    except ValueError as exc:
        raise BadInput(str(exc), field="holdout") from None
    if campaign.channel == PHONE:
        contact_ids = await _callable(session, contact_ids)
    return await add_members(session, campaign_id, contact_ids, now=now, holdout=share,
                             seed=seed)


async def _callable(session: AsyncSession, contact_ids: list[int]) -> list[int]:
    """The contacts, in their order, less those who asked not to be called."""
    barred: set[int] = set()
    for start in range(0, len(contact_ids), _CHUNK):
        barred.update(await session.scalars(select(Contact.id).where(
            Contact.id.in_(contact_ids[start:start + _CHUNK]), Contact.do_not_call.is_(True))))
    return [contact for contact in contact_ids if contact not in barred]


async def not_contacted(session: AsyncSession, campaign_ids: tuple[int, ...], *,
                        as_of: dt.datetime) -> ContactFeatures:
    """The features as of ``as_of`` of the contacts on none of the campaigns' lists, in
    either arm: those a campaign's uplift model can score for a new list."""
    listed = select(CampaignMember.contact_id).where(
        CampaignMember.campaign_id.in_(campaign_ids))
    query = features_select(as_of, session.get_bind().dialect.name).subquery("features")
    rows = list(await session.execute(select(query).where(query.c.contact_id.not_in(listed))
                                      .order_by(query.c.contact_id)))
    return ContactFeatures(np.array([row.contact_id for row in rows], dtype=np.int64),
                           FEATURES, table(rows))
