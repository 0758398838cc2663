"""Interactions: every call (and other contact) with what the ACD recorded of it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.models.base import Base, ref


class Interaction(Base):
    """One call, e-mail or chat, linked to the contact when the number is known."""

    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_contact_started", "contact_id", "started_at"),
                      Index("ix_interactions_started", "started_at"),
                      Index("ix_interactions_campaign_record", "campaign_id", "record_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"))
    channel: Mapped[str] = mapped_column(String(16), default="voice")
    direction: Mapped[str] = mapped_column(String(16), default="inbound")
    caller: Mapped[str | None] = mapped_column(String(32))
    dialed: Mapped[str | None] = mapped_column(String(32))
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    queue: Mapped[str | None] = mapped_column(String(64))
    agent: Mapped[str | None] = mapped_column(String(64), index=True)
    outcome: Mapped[str | None] = mapped_column(String(32))
    disposition: Mapped[str | None] = mapped_column(String(64))
    wait_seconds: Mapped[float | None] = mapped_column(Float)
    talk_seconds: Mapped[float | None] = mapped_column(Float)
    wrap_seconds: Mapped[float | None] = mapped_column(Float)
    #: seconds the caller was on hold, all holds together; NULL for a call no agent had
    hold_seconds: Mapped[float | None] = mapped_column(Float)
    recording: Mapped[str | None] = mapped_column(String(255))
    ivr_path: Mapped[list[str] | None] = mapped_column(JSON)
    #: the call script's answers; NULL (not JSON null) when the call had none
    answers: Mapped[dict[str, object] | None] = mapped_column(JSON(none_as_null=True))
    notes: Mapped[str | None] = mapped_column(Text)
    #: who was on the call and when, in the order they joined: ``role`` (caller, agent,
    #: consulted, outside), ``who``, ``joined`` and ``left`` (ISO 8601), ``took_over``
    #: for a consulted party the call was handed to; NULL (not JSON null) when unknown
    parties: Mapped[list[dict[str, object]] | None] = mapped_column(JSON(none_as_null=True))
    case_id: Mapped[int | None] = ref("cases.id")
    lead_id: Mapped[int | None] = ref("leads.id")
    opportunity_id: Mapped[int | None] = ref("opportunities.id")
    campaign_id: Mapped[int | None] = ref("campaigns.id")
    #: a dialer campaign's call: which attempt at its list record it was (1 for the first)
    attempt: Mapped[int | None] = mapped_column(Integer)
    #: a dialer campaign's call: the list record dialed (``contact:12``, ``lead:7``, or the
    #: uploaded list's own id), so that a record's attempts can be counted again
    record_id: Mapped[str | None] = mapped_column(String(64))
    #: the engine that carried the call (``asterisk``, ``twilio``, ``sim``); NULL before it
    #: was recorded
    engine: Mapped[str | None] = mapped_column(String(16))
