"""Customer service: cases with SLA targets, and the knowledge base.

A case's due times come from the SLA policy of its priority when it is opened,
so a later change of policy does not move the targets of open cases. Articles
are searched with the database's own full-text engine (FTS5 on SQLite, a
``tsvector`` index on PostgreSQL), set up by the migration.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.models.base import Base, created, owner, ref, when

PRIORITIES = ("low", "normal", "high", "urgent")
CASE_TYPES = ("question", "problem", "complaint", "request", "billing", "renewal")
CASE_STATUSES = ("new", "open", "pending", "resolved", "closed")
OPEN_CASE_STATUSES = ("new", "open", "pending")


class SlaPolicy(Base):
    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    priority: Mapped[str] = mapped_column(String(16), unique=True)
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (Index("ix_cases_contact_status", "contact_id", "status"),
                      Index("ix_cases_opened", "opened_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    contact_id: Mapped[int | None] = ref("contacts.id", index=False)
    account_id: Mapped[int | None] = ref("accounts.id")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    type: Mapped[str] = mapped_column(String(16), default="question")
    status: Mapped[str] = mapped_column(String(16), default="new")
    channel: Mapped[str] = mapped_column(String(16), default="phone")
    owner_id: Mapped[int | None] = owner()
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    first_response_due: Mapped[dt.datetime | None] = when()
    resolution_due: Mapped[dt.datetime | None] = when()
    first_response_at: Mapped[dt.datetime | None] = when()
    resolved_at: Mapped[dt.datetime | None] = when(index=True)
    closed_at: Mapped[dt.datetime | None] = when(index=True)
    satisfaction: Mapped[int | None] = mapped_column(Integer)  # 1 to 5, from the survey


class Article(Base):
    """A knowledge-base article for agents and for web self-service."""

    __tablename__ = "kb_articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    tags: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = created()
    updated_at: Mapped[dt.datetime | None] = when()
