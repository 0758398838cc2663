"""Who may use the CRM: users with roles and hashed passwords, and the audit log
of every change they make."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.models.base import Base, created

ROLES = ("agent", "supervisor", "sales", "marketing", "manager", "admin")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    agent: Mapped[str | None] = mapped_column(String(64))
    #: when the user was given their current ``agent`` (or lost it): agent ids are
    #: handed on to new hires, so a holder heard as "the agent who took the call" only
    #: for calls taken since (``contactcenter.recordings.access``); a row written
    #: without one counts from its writing
    agent_since: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), default=lambda: dt.datetime.now(dt.UTC))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    #: moves on whenever the password or ``active`` changes: a token or session carries
    #: the one it was issued under, so deactivating a user ends theirs for good, even if
    #: the user is made active again later
    token_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = created()


class AuditEntry(Base):
    """One change: who, when, what row, and the fields before and after."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))  # create, update, delete, import
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int | None]
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)
