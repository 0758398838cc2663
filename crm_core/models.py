"""The CRM's tables (SQLAlchemy 2): accounts, contacts, their phones, interactions.

Only the repositories in ``crm_core.repositories`` open sessions on these; the
rest of the platform calls services. Phone numbers are E.164 and indexed,
because the screen-pop looks every caller up by number.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def _now() -> Mapped[dt.datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now())


class Account(Base):
    """A customer company or household."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    segment: Mapped[str | None] = mapped_column(String(50))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = _now()
    contacts: Mapped[list[Contact]] = relationship(back_populates="account")


class Contact(Base):
    """A person the contact center talks to."""

    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    vip: Mapped[bool] = mapped_column(default=False)
    do_not_call: Mapped[bool] = mapped_column(default=False)
    consent_marketing: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = _now()
    account: Mapped[Account | None] = relationship(back_populates="contacts")
    phones: Mapped[list[ContactPhone]] = relationship(back_populates="contact",
                                                      cascade="all, delete-orphan")


class ContactPhone(Base):
    """One of a contact's numbers, in E.164 (``+15550001001``)."""

    __tablename__ = "contact_phones"
    __table_args__ = (Index("ix_contact_phones_e164", "e164"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    e164: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="mobile")
    contact: Mapped[Contact] = relationship(back_populates="phones")


class Interaction(Base):
    """One call (or other contact) with what the contact center recorded of it."""

    __tablename__ = "interactions"
    __table_args__ = (Index("ix_interactions_contact_started", "contact_id", "started_at"),)

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
    outcome: Mapped[str | None] = mapped_column(String(32))
    ivr_path: Mapped[list[str] | None] = mapped_column(JSON)
    notes: Mapped[str | None] = mapped_column(Text)
