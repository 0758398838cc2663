"""Agents' time in the CRM: the outbox ``serve`` runs beside the calls.

It subscribes before the agents are restored (their restored states are changes
too) and reads the agents' state file before the restore rewrites it, so the
changes from before the restart that never reached the CRM are offered again; the
same file is read again if the bus ever cuts the outbox off.
"""

from __future__ import annotations

import asyncio
import logging
import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.acd import AcdConfig
from contactcenter.config.settings import Settings
from contactcenter.engine.agent_store import read_entries
from contactcenter.events.agent_time_outbox import AgentTimeOutbox
from contactcenter.events.bus import EventBus

log = logging.getLogger(__name__)

#: the agents' state file in the state folder (``engine.agent_store``)
AGENTS_FILE = "agents.jsonl"


def agent_time_outbox(settings: Settings, config: AcdConfig,
                      crm: async_sessionmaker[AsyncSession], bus: EventBus) -> AgentTimeOutbox:
    """The outbox, listening already: call before the ACD restores its agents."""
    queues_of = {agent: sorted(member.queues) for agent, member in config.agents.items()}
    path = settings.state_dir / AGENTS_FILE
    outbox = AgentTimeOutbox(crm, queues_of, time.time, recovered=read_entries(path),
                             reread=lambda: read_entries(path))
    outbox.listen(bus)
    return outbox


async def close_agent_time(outbox: AgentTimeOutbox) -> None:
    """A clean stop ends every open state now; what misses this the next start ends."""
    try:
        await asyncio.wait_for(outbox.close(), timeout=5)
    except Exception as exc:  # noqa: BLE001 - the next start ends them where last seen
        log.warning("agents' open states end at the next start: %s", exc)
