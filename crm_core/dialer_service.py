"""What the engine asks of the CRM for its dialer campaigns, a transaction per question.

The engine never holds a database session (docs: only ``crm_core`` does): when a
campaign of ``config/campaigns.yaml`` starts it asks for the CRM campaign's id
(``start_campaign``, made when missing) and then for its list (``records``). The
calls themselves reach the CRM through the call journal and its outbox
(``crm_core.call_records``), not through here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.dial_campaigns import ensure_phone_campaign
from crm_core.dial_lists import DialList, dial_list


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
