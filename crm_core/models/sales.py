"""Sales force automation: leads, opportunities and their stages, activities,
products, quotes, orders and invoices.

An opportunity walks the textbook sales process (``STAGES``); each move is a
row of ``opportunity_stages`` so that the pipeline's history can be measured.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_core.models.base import Base, created, money, owner, ref, when

#: the sales process, in order; an opportunity ends at ``customer_billed`` or ``lost``
STAGES = ("opportunity_generated", "lead_sent_to_salesperson", "contacted", "meeting",
          "problems_and_solutions_identified", "quote_generated", "order_placed",
          "order_fulfilled", "customer_billed")
CLOSED_STAGES = ("customer_billed", "lost")
LEAD_STATUSES = ("new", "contacted", "qualified", "unqualified", "converted")
ACTIVITY_KINDS = ("call", "meeting", "email", "task", "note")


class Lead(Base):
    """Someone who may buy, before they are a customer."""

    __tablename__ = "leads"

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    company: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(16), index=True)
    source: Mapped[str] = mapped_column(String(32), default="web")
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    score: Mapped[int] = mapped_column(Integer, default=0)
    owner_id: Mapped[int | None] = owner()
    product_id: Mapped[int | None] = ref("products.id")
    campaign_id: Mapped[int | None] = ref("campaigns.id")
    contact_id: Mapped[int | None] = ref("contacts.id")
    created_at: Mapped[dt.datetime] = created()
    converted_at: Mapped[dt.datetime | None] = when()


class Opportunity(Base):
    """A deal in the pipeline."""

    __tablename__ = "opportunities"
    __table_args__ = (Index("ix_opportunities_contact_stage", "contact_id", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = ref("accounts.id")
    contact_id: Mapped[int | None] = ref("contacts.id", index=False)
    lead_id: Mapped[int | None] = ref("leads.id")
    kind: Mapped[str] = mapped_column(String(16), default="new")  # new, renewal, upsell
    stage: Mapped[str] = mapped_column(String(40), default=STAGES[0])
    amount: Mapped[Decimal] = money()
    probability: Mapped[int] = mapped_column(Integer, default=10)
    owner_id: Mapped[int | None] = owner()
    expected_close: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = created()
    closed_at: Mapped[dt.datetime | None] = when(index=True)
    history: Mapped[list[OpportunityStage]] = relationship(
        cascade="all, delete-orphan", order_by="OpportunityStage.entered_at")


class OpportunityStage(Base):
    """One move of an opportunity to a stage."""

    __tablename__ = "opportunity_stages"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(
        ForeignKey("opportunities.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(40))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    changed_by: Mapped[str | None] = mapped_column(String(64))


class Activity(Base):
    """A call, meeting, e-mail, task or note, on whatever it concerns."""

    __tablename__ = "activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)
    contact_id: Mapped[int | None] = ref("contacts.id")
    account_id: Mapped[int | None] = ref("accounts.id")
    lead_id: Mapped[int | None] = ref("leads.id")
    opportunity_id: Mapped[int | None] = ref("opportunities.id")
    case_id: Mapped[int | None] = ref("cases.id")
    owner_id: Mapped[int | None] = owner()
    due_at: Mapped[dt.datetime | None] = when()
    done_at: Mapped[dt.datetime | None] = when(index=True)
    created_at: Mapped[dt.datetime] = created()


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50), index=True)
    price: Mapped[Decimal] = money()
    active: Mapped[bool] = mapped_column(default=True)


class Quote(Base):
    """A proposal given to a customer: the "proposals given" of the sales metrics."""

    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int | None] = ref("opportunities.id")
    account_id: Mapped[int | None] = ref("accounts.id")
    contact_id: Mapped[int | None] = ref("contacts.id")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    total: Mapped[Decimal] = money()
    created_at: Mapped[dt.datetime] = created()
    sent_at: Mapped[dt.datetime | None] = when(index=True)
    lines: Mapped[list[QuoteLine]] = relationship(cascade="all, delete-orphan")


class QuoteLine(Base):
    __tablename__ = "quote_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"),
                                          index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal] = money()


class Order(Base):
    """A purchase; ``campaign_id`` attributes it to the campaign that brought it."""

    __tablename__ = "orders"
    #: by contact in time, with what RFM and the scores read of each order (migration 0011)
    __table_args__ = (Index("ix_orders_contact_ordered_status_total", "contact_id",
                            "ordered_at", "status", "total"),
                      Index("ix_orders_ordered", "ordered_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int | None] = ref("accounts.id")
    contact_id: Mapped[int | None] = ref("contacts.id", index=False)
    opportunity_id: Mapped[int | None] = ref("opportunities.id")
    quote_id: Mapped[int | None] = ref("quotes.id", index=False)
    campaign_id: Mapped[int | None] = ref("campaigns.id")
    status: Mapped[str] = mapped_column(String(16), default="placed")
    total: Mapped[Decimal] = money()
    ordered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    fulfilled_at: Mapped[dt.datetime | None] = when()
    lines: Mapped[list[OrderLine]] = relationship(cascade="all, delete-orphan")


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                          index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal] = money()


class Invoice(Base):
    __tablename__ = "invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    order_id: Mapped[int | None] = ref("orders.id")
    account_id: Mapped[int | None] = ref("accounts.id")
    amount: Mapped[Decimal] = money()
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, paid, void
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[dt.datetime | None] = when()
    paid_at: Mapped[dt.datetime | None] = when()
