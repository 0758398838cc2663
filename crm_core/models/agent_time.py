"""Agents' states over time: the logged-in time that occupancy divides by.

One row per state an agent was in (``available``, ``ringing``, ``on_call``,
``wrap_up``, ``paused``, ``logged_out``), from the platform's ``agent.state``
events: it starts at the event's ``since`` and ends at the agent's next state
(``ended_at`` is null while it lasts). ``seen_at`` is the last moment the platform
was running with the state still open, kept every minute, so that a state left
open by a crash ends there at the next start instead of at the restart.
``queues`` are the queues the agent served then, so a queue's history counts
the time of the agents who were its members at the time.
(``crm_core.agent_states`` writes them; ``crm_core.metrics.agent_time`` reads them.)
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.models.base import Base


class AgentStateSpan(Base):
    """One state of one agent, from ``started_at`` to ``ended_at``."""

    __tablename__ = "agent_states"
    __table_args__ = (UniqueConstraint("agent", "started_at", name="uq_agent_states_start"),
                      Index("ix_agent_states_started_at", "started_at"),
                      Index("ix_agent_states_open", "ended_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    agent: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(64), default="")
    queues: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
