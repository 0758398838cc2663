"""Voicemail messages: each one a caller left, in its mailbox, until somebody handles it.

One row per call that left a message (``call_id`` is unique, so the outbox that
writes them from the call journal may offer a call twice). ``queue`` and
``agent`` are the box's owner (docs/voicemail.md's rule); ``assignee`` is the
agent who has it now. ``overdue_at`` is when the board was told the message
waited past its box's age limit (once).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.models.base import Base

STATUSES = ("new", "assigned", "handled")


class VoicemailMessage(Base):
    """A message left for a mailbox, and what became of it."""

    __tablename__ = "voicemail_messages"
    __table_args__ = (Index("ix_voicemail_status_left", "status", "left_at"),
                      Index("ix_voicemail_queue", "queue"),
                      Index("ix_voicemail_agent", "agent"),
                      Index("ix_voicemail_assignee", "assignee"),
                      Index("ix_voicemail_contact", "contact_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    mailbox: Mapped[str] = mapped_column(String(64))
    queue: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(64))
    caller: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    left_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    duration: Mapped[float | None] = mapped_column(Float)
    recording: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="new")
    assignee: Mapped[str | None] = mapped_column(String(64))
    assigned_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_by: Mapped[str | None] = mapped_column(String(64))
    disposition: Mapped[str | None] = mapped_column(String(40))
    notes: Mapped[str | None] = mapped_column(Text)
    handled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    handled_by: Mapped[str | None] = mapped_column(String(64))
    overdue_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
