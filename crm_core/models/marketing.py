"""Marketing: campaigns, saved segments (the list generator), campaign lists,
responses, and the cross-sell and up-sell offers behind the next best offer.

A segment's ``definition`` is a saved query (ages, places, gender, tags,
purchase history) that ``crm_core.segments`` turns into SQL; materialising it
into a campaign fills ``campaign_members``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.models.base import Base, created, money, ref

CHANNELS = ("email", "phone", "sms", "social", "direct_mail", "web", "search")
#: ``contacted``: a phone campaign's dial that reached a person; ``attempt``: one that did
#: not (a machine, busy, no answer, failed, abandoned). An attempt is an interaction the
#: campaign paid for, not a response (``crm_core.metrics.marketing``)
RESPONSE_KINDS = ("open", "click", "reply", "call", "visit", "unsubscribe", "contacted",
                  "attempt")
#: the kind that is a campaign's interaction but not a response
ATTEMPT = "attempt"


class Segment(Base):
    __tablename__ = "segments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = created()


class Campaign(Base):
    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="planned")
    budget: Mapped[Decimal] = money()
    cost: Mapped[Decimal] = money()
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
    segment_id: Mapped[int | None] = ref("segments.id", index=False)
    product_id: Mapped[int | None] = ref("products.id", index=False)
    created_at: Mapped[dt.datetime] = created()
    #: a phone campaign's dialing settings made through the API (the dialer's
    #: ``CampaignSpec`` as JSON; None: not one, or defined in ``config/campaigns.yaml``)
    dialer: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class DialUpload(Base):
    """One number of a dialer campaign's uploaded list (a CSV, normalised and merged):
    kept so that the list survives a restart; ``record_id`` is what the dialer's book
    keys its attempts by, so a number dialed before is not dialed again."""

    __tablename__ = "dial_uploads"
    __table_args__ = (UniqueConstraint("campaign_id", "record_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    record_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    line: Mapped[int] = mapped_column(Integer)  #: the file's line it came from


class CampaignMember(Base):
    """A contact on a campaign's list."""

    __tablename__ = "campaign_members"
    __table_args__ = (UniqueConstraint("campaign_id", "contact_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"),
                                            index=True)
    #: ``treated`` (contacted) or ``control`` (held out at random, never contacted, so the
    #: campaign's effect can be measured against them)
    arm: Mapped[str] = mapped_column(String(8), default="treated", server_default="treated")
    added_at: Mapped[dt.datetime] = created()


class CampaignResponse(Base):
    """Someone answered a campaign: opened, clicked, replied, called, visited; or a phone
    campaign's dial (one per call, ``interaction_id`` unique: the outbox may offer a call
    twice)."""

    __tablename__ = "campaign_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"),
                                             index=True)
    contact_id: Mapped[int | None] = ref("contacts.id")
    lead_id: Mapped[int | None] = ref("leads.id")
    kind: Mapped[str] = mapped_column(String(16))
    #: the call a phone campaign's response is; a deleted call leaves the response counted
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL"), index=True, unique=True)
    responded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class Offer(Base):
    """A cross-sell or up-sell: whoever bought ``requires_product_id`` (or anyone,
    when it is empty) and not yet ``product_id`` may be offered it."""

    __tablename__ = "offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # cross_sell, up_sell
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    requires_product_id: Mapped[int | None] = ref("products.id", index=False)
    pitch: Mapped[str] = mapped_column(String(500))
    discount_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)
    starts_on: Mapped[dt.date | None] = mapped_column(Date)
    ends_on: Mapped[dt.date | None] = mapped_column(Date)
