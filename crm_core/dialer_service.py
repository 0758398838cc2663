"""What the engine asks of the CRM for its dialer campaigns, a transaction per question.

The engine never holds a database session (docs: only ``crm_core`` does): when a
campaign of ``config/campaigns.yaml`` starts it asks for the CRM campaign's id
(``start_campaign``, made when missing) and then for its list (``records``). The
calls themselves reach the CRM through the call journal and its outbox
(``crm_core.call_records``), not through here. Campaigns made through the API keep
their settings and uploaded lists here too (``crm_core.dial_settings``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.dial_campaigns import ensure_phone_campaign
from crm_core.dial_lists import DialList, dial_list, held_out_numbers
from crm_core.dial_settings import (
    UploadedRecord,
    replace_upload,
    save_settings,
    stored_settings,
    uploaded,
)


class DialerService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def start_campaign(self, name: str, *, today: dt.date,
                             budget: Decimal | None = None,
                             cost: Decimal | None = None) -> int:
        """The id of the phone campaign ``name``, made (active from ``today``) if the CRM
        has none; committed before the first dial can end."""
        async with self._sessions() as session, session.begin():
            return await ensure_phone_campaign(session, name, today=today, budget=budget,
                                               cost=cost)

    async def records(self, campaign_id: int, *, segment: str | None = None,
                      members: bool = False, leads: str | None = None,
                      today: dt.date) -> DialList:
        """The campaign's list from exactly one CRM source (``crm_core.dial_lists``)."""
        async with self._sessions() as session:
            return await dial_list(session, campaign_id, segment=segment, members=members,
                                   leads=leads, today=today)

    async def save_settings(self, name: str, settings: dict[str, Any], *,
                            today: dt.date) -> int:
        """Keep a campaign made or changed through the API (``crm_core.dial_settings``)."""
        async with self._sessions() as session, session.begin():
            return await save_settings(session, name, settings, today=today)

    async def stored_settings(self) -> dict[str, dict[str, Any]]:
        """The campaigns made through the API, to run again after a restart."""
        async with self._sessions() as session:
            return await stored_settings(session)

    async def replace_upload(self, name: str, records: Sequence[UploadedRecord], *,
                             today: dt.date) -> int:
        """The campaign's uploaded list replaced, in one transaction; its campaign id."""
        async with self._sessions() as session, session.begin():
            campaign_id = await ensure_phone_campaign(session, name, today=today)
            await replace_upload(session, campaign_id, records)
            return campaign_id

    async def uploaded(self, name: str, *, today: dt.date) -> list[UploadedRecord]:
        """The campaign's uploaded list as last kept (none yet: empty), but for the numbers
        of its control arm's members, who are never called (``crm_core.holdout``)."""
        async with self._sessions() as session, session.begin():
            campaign_id = await ensure_phone_campaign(session, name, today=today)
            records = await uploaded(session, campaign_id)
            held = await held_out_numbers(session, campaign_id,
                                          {record.number for record in records})
            return [record for record in records if record.number not in held]
