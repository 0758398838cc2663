"""A campaign's uplift sample from the CRM, and its best-ranked contacts as a dial list.

What the CRM lacks: a treated and a control arm. ``campaign_members`` lists whom a
campaign targets, with no column saying who was held out, and a held-out contact never
gets a ``campaign_responses`` row (nobody contacted them). Until the list has an arm
(docs/analytics-uplift.md gives the change), the control group is a second campaign
holding the randomly held-out contacts on its list and never run: ``campaign_sample``
takes both ids. A contact on both lists is left out (they were not cleanly in either).

The outcome is one both groups can show: a counted order (not cancelled) from the
campaign's start to ``window_days`` after its end. The features are those of
``crm_features`` as of the start, in the same select, so nothing is loaded row by row
but the one row per member.

The other way: ``top_contacts`` picks the best ``fraction`` by predicted uplift, and
``add_to_campaign`` puts them on a campaign's list (``campaign_members``, the rows
``crm_core.segments.materialise`` writes), which ``crm_core.dial_lists.members_list``
and the dialer's ``members`` list source read; ``contact_selection`` gives them as the
select of contact ids that ``crm_core.segments.contact_ids`` gives for a segment.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
from sqlalchemy import CursorResult, DateTime, Integer, Select, exists, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from contactcenter.analytics.crm_features import FEATURES, features_select, table
from contactcenter.analytics.shortage import BadInput
from contactcenter.analytics.uplift import UpliftSample
from crm_core.models import Campaign, CampaignMember, Contact, Order

#: contact ids per INSERT: both engines cap a statement's parameters at about 32,000
_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class CampaignSample:
    """The uplift sample of a campaign, row for row with ``contact_ids``."""

    contact_ids: npt.NDArray[np.int64]
    names: tuple[str, ...]
    sample: UpliftSample


async def _campaign(session: AsyncSession, campaign_id: int, field: str) -> Campaign:
    found = await session.get(Campaign, campaign_id)
    if found is None:
        raise BadInput(f"{field}: no campaign {campaign_id}", field=field)
    return found


def _start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


async def campaign_sample(session: AsyncSession, campaign_id: int, *,
                          control_campaign_id: int, window_days: int = 30) -> CampaignSample:
    """Treated (members of ``campaign_id``) and control (of ``control_campaign_id``)
    contacts, their features at the start and whether they ordered in the window."""
    if campaign_id == control_campaign_id:
        raise BadInput("control_campaign_id: the control must be another campaign's list",
                       field="control_campaign_id")
    campaign = await _campaign(session, campaign_id, "campaign_id")
    await _campaign(session, control_campaign_id, "control_campaign_id")
    starts = _start(campaign.starts_on)
    ends = _start(campaign.ends_on or campaign.starts_on) + dt.timedelta(days=1 + window_days)
    rows = list(await session.execute(
        _sample_select(session.get_bind().dialect.name, campaign_id, control_campaign_id,
                       starts, ends)))
    sample = UpliftSample(table(rows), np.array([bool(row.treated) for row in rows]),
                          np.array([bool(row.responded) for row in rows]))
    return CampaignSample(np.array([row.contact_id for row in rows], dtype=np.int64),
                          FEATURES, sample)


def _sample_select(dialect: str, treated_id: int, control_id: int, starts: dt.datetime,
                   ends: dt.datetime) -> Select[Any]:
    """One row per contact on exactly one of the two lists: arm, features, outcome."""
    members = (select(CampaignMember.contact_id,
                      (CampaignMember.campaign_id == treated_id).label("treated"))
               .where(CampaignMember.campaign_id.in_((treated_id, control_id)))
               .subquery("members"))
    on_both = (select(CampaignMember.contact_id)
               .where(CampaignMember.campaign_id.in_((treated_id, control_id)))
               .group_by(CampaignMember.contact_id).having(func.count() > 1))
    features = features_select(starts, dialect).subquery("features")
    ordered = exists().where(Order.contact_id == members.c.contact_id,
                             Order.status != "cancelled", Order.ordered_at >= starts,
                             Order.ordered_at < ends)
    return (select(members.c.contact_id, members.c.treated, ordered.label("responded"),
                   *(features.c[name] for name in FEATURES))
            .join(features, features.c.contact_id == members.c.contact_id)
            .where(members.c.contact_id.not_in(on_both))
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
                          *, now: dt.datetime) -> int:
    """Put the contacts on the campaign's list (those already on it are skipped); return
    how many were added. The caller commits."""
    await _campaign(session, campaign_id, "campaign_id")
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    added = 0
    for start in range(0, len(contact_ids), _CHUNK):
        chunk = contact_ids[start:start + _CHUNK]
        source = select(literal(campaign_id, Integer), Contact.id,
                        literal(now.astimezone(dt.UTC), DateTime(timezone=True))
                        ).where(Contact.id.in_(chunk))
        statement = dialect.insert(CampaignMember).from_select(
            ["campaign_id", "contact_id", "added_at"], source).on_conflict_do_nothing()
        added += cast(CursorResult[Any], await session.execute(statement)).rowcount
    return added
