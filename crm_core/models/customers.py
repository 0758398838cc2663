"""Who the customers are: accounts, contacts, their phones, e-mails, addresses and tags.

Phone numbers are E.164 and indexed, because the screen-pop looks every caller
up by number. Birth date, gender, address and tags are what the marketing list
generator selects on.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.models.base import Base, created, owner


class Account(Base):
    """A customer company or household."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    segment: Mapped[str | None] = mapped_column(String(50))
    industry: Mapped[str | None] = mapped_column(String(50))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    owner_id: Mapped[int | None] = owner()
    created_at: Mapped[dt.datetime] = created()
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
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(16))
    vip: Mapped[bool] = mapped_column(default=False)
    do_not_call: Mapped[bool] = mapped_column(default=False)
    consent_marketing: Mapped[bool] = mapped_column(default=False)
    owner_id: Mapped[int | None] = owner()
    created_at: Mapped[dt.datetime] = created()
    account: Mapped[Account | None] = relationship(back_populates="contacts")
    phones: Mapped[list[ContactPhone]] = relationship(back_populates="contact",
                                                      cascade="all, delete-orphan")
    emails: Mapped[list[ContactEmail]] = relationship(cascade="all, delete-orphan")
    addresses: Mapped[list[Address]] = relationship(cascade="all, delete-orphan")
    tags: Mapped[list[ContactTag]] = relationship(cascade="all, delete-orphan")


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


class ContactEmail(Base):
    """A contact's further e-mail addresses (the main one is ``contacts.email``)."""

    __tablename__ = "contact_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="work")


class Address(Base):
    """A postal address, with the time zone that sets the contact's calling hours."""

    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    kind: Mapped[str] = mapped_column(String(16), default="home")
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100), index=True)
    region: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2))
    time_zone: Mapped[str | None] = mapped_column(String(64))


class ContactTag(Base):
    """A habit or interest (``outdoor``, ``online-shopper``) for segment queries."""

    __tablename__ = "contact_tags"
    __table_args__ = (Index("ix_contact_tags_tag", "tag", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    tag: Mapped[str] = mapped_column(String(50))
