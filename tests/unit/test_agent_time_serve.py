"""Agents' time as ``serve`` wires it: the states of a run reach the CRM, and after a
restart the history still holds them beside the states the restart restored."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from contactcenter.acd import events as ae
from contactcenter.acd.model import AgentId
from contactcenter.config.settings import load_settings
from contactcenter.server.assembled import assembled
from contactcenter.web.analytics_routes import TIME_ZONE
from crm_core.db import make_engine, sessions
from crm_core.metrics.calls_history import HistoryOptions, call_history
from crm_core.metrics.period import Period
from crm_core.models import AgentStateSpan
from tests.support import until
from tests.unit.twilio_fake_api import demo_on_twilio, fake_twilio


async def _states(database: str) -> list[tuple[str, str, bool]]:
    engine = make_engine(database)
    try:
        async with sessions(engine)() as session:
            rows = await session.execute(
                select(AgentStateSpan.agent, AgentStateSpan.state, AgentStateSpan.ended_at)
                .order_by(AgentStateSpan.id))
            return [(agent, state, ended is None) for agent, state, ended in rows]
    finally:
        await engine.dispose()


async def test_agents_time_survives_a_restart(tmp_path: Path) -> None:
    async with fake_twilio() as (_fake, api_base):
        settings = load_settings(demo_on_twilio(tmp_path, api_base), environ={})
        async with assembled(settings, background=True) as platform:
            assert platform.engine.distributor is not None
            platform.engine.distributor.agent_event(ae.AgentLoggedIn(agent=AgentId("agent101")))

            async def written() -> bool:
                return await _states(settings.database) == [("agent101", "available", True)]
            await until(written, what="agent101's login in the CRM")
        # a clean stop ended it; the restart brings agent101 back, available again
        assert await _states(settings.database) == [("agent101", "available", False)]
        async with assembled(settings, background=True):
            async def restored() -> bool:
                return await _states(settings.database) == [
                    ("agent101", "available", False), ("agent101", "available", True)]
            await until(restored, what="the restored state beside the one before")
            engine = make_engine(settings.database)
            today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            async with sessions(engine)() as session:
                rows = await call_history(session, Period(today, today + dt.timedelta(days=2)),
                                          HistoryOptions(by="agent", interval="day"))
            await engine.dispose()
    [row] = rows
    assert row.key == "agent101" and row.offered == 0
    assert row.available_seconds > 0 and row.occupancy == 0.0


async def test_the_call_history_reads_in_the_contact_centers_time_zone(tmp_path: Path) -> None:
    """``time_zone`` in the settings is the zone ``serve``'s history cuts its days in."""
    async with fake_twilio() as (_fake, api_base):
        settings = load_settings(demo_on_twilio(tmp_path, api_base),
                                 environ={"CC_TIME_ZONE": "America/New_York"})
        async with assembled(settings) as platform:
            assert platform.app[TIME_ZONE] == ZoneInfo("America/New_York")
