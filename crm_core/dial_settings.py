"""Dialer campaigns made through the API, kept by the CRM so that they outlive a restart:
each one's settings on its phone campaign (``campaigns.dialer``, the dialer's spec as
JSON), and its uploaded list (``dial_uploads``, one row per number).

``crm_core`` does not know the dialer's rules: it keeps what the engine checked
(``contactcenter.dialer.campaign_file.CampaignSpec``) and hands it back as it was.
An uploaded list replaces the one before it; each row keeps the record id the
dialer's book keys attempts by (``number:+1...`` or ``contact:<id>``), so a number
dialed before is known again when the list is uploaded anew or the platform restarts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.dial_campaigns import PHONE, ensure_phone_campaign
from crm_core.models import Campaign, DialUpload

#: rows per INSERT: both engines cap a statement's parameters
_BATCH = 1000


@dataclass(frozen=True, slots=True, kw_only=True)
class UploadedRecord:
    """One number of an uploaded list, as the dialer loads it."""

    record_id: str
    number: str  #: E.164
    name: str = ""
    priority: int = 0
    line: int = 0  #: the uploaded file's line it came from


async def save_settings(session: AsyncSession, name: str, settings: dict[str, Any], *,
                        today: dt.date) -> int:
    """The phone campaign ``name`` (made when missing) with these dialing settings; its
    id. Flushes; the caller commits."""
    campaign_id = await ensure_phone_campaign(session, name, today=today)
    campaign = await session.get(Campaign, campaign_id)
    assert campaign is not None
    campaign.dialer = settings
    await session.flush()
    return campaign_id


async def stored_settings(session: AsyncSession) -> dict[str, dict[str, Any]]:
    """Every phone campaign's dialing settings made through the API, by name (the oldest
    campaign of a name, as the calls count for it)."""
    query = (select(Campaign.name, Campaign.dialer)
             .where(Campaign.channel == PHONE, Campaign.dialer.is_not(None))
             .order_by(Campaign.id.desc()))
    return {name: settings for name, settings in await session.execute(query)
            if isinstance(settings, dict)}


async def replace_upload(session: AsyncSession, campaign_id: int,
                         records: Sequence[UploadedRecord]) -> None:
    """The campaign's uploaded list is now ``records`` (one per record id)."""
    await session.execute(delete(DialUpload).where(DialUpload.campaign_id == campaign_id))
    rows = [{"campaign_id": campaign_id, "record_id": r.record_id, "number": r.number,
             "name": r.name[:200], "priority": r.priority, "line": r.line} for r in records]
    for start in range(0, len(rows), _BATCH):
        await session.execute(insert(DialUpload), rows[start:start + _BATCH])


async def uploaded(session: AsyncSession, campaign_id: int) -> list[UploadedRecord]:
    """The campaign's uploaded list, in the file's order."""
    query = (select(DialUpload).where(DialUpload.campaign_id == campaign_id)
             .order_by(DialUpload.line, DialUpload.id))
    return [UploadedRecord(record_id=row.record_id, number=row.number, name=row.name,
                           priority=row.priority, line=row.line)
            for row in await session.scalars(query)]
