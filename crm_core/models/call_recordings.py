"""A call's recordings: one row per part (each agent who had the call on a queue that
records), so that a transferred call keeps every part, not just the last one."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.models.base import Base


class CallRecording(Base):
    """One recorded part of a call: its file's name, and who took the call in it."""

    __tablename__ = "call_recordings"
    __table_args__ = (UniqueConstraint("interaction_id", "part", name="uq_call_recordings_part"),
                      Index("ix_call_recordings_name", "name"))

    id: Mapped[int] = mapped_column(primary_key=True)
    interaction_id: Mapped[int] = mapped_column(
        ForeignKey("interactions.id", ondelete="CASCADE"), index=True)
    #: 1 for the first part, in the order they were recorded
    part: Mapped[int] = mapped_column(Integer)
    #: the file's name in the recordings' folder, without ``.wav`` (``call-<id>[-<n>]``)
    name: Mapped[str] = mapped_column(String(255))
    #: the agent who had the call in this part, and the queue it came through
    agent: Mapped[str | None] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
