"""Lifetime value and churn scores per customer, and the figures of each run that made them.

``crm_core.scores`` replaces ``contact_scores`` whole in one transaction (delete, then
insert), so a reader sees the previous run or the new one, never a mix; ``score_runs``
keeps one row per run: the fitted parameters, the held-out AUCs and the timings. Contacts
without a counted order have no scores: the models start at a customer's first order.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.models.base import Base


class ScoreRunRecord(Base):
    """One recompute: as of which day, over which horizon, and what the models found."""

    __tablename__ = "score_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[dt.date] = mapped_column(Date)
    horizon_days: Mapped[int] = mapped_column(Integer)
    window_days: Mapped[int] = mapped_column(Integer)
    customers: Mapped[int] = mapped_column(Integer)
    #: the fitted models' parameters: {"bgnbd": {...}, "gamma_gamma": {...}, "survival": {...}}
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: held-out AUCs, the churn model's sizes, Kaplan-Meier check, seconds per phase
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class ContactScore(Base):
    """A customer's expected purchases and value over the run's horizon, P(alive), the
    chance of no order in the next window, and the median days until attrition."""

    __tablename__ = "contact_scores"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    as_of: Mapped[dt.date] = mapped_column(Date)
    #: BG/NBD: expected purchase days over the horizon
    expected_purchases: Mapped[float] = mapped_column(Float)
    #: BG/NBD: the chance the customer has not left for good
    p_alive: Mapped[float] = mapped_column(Float)
    #: BG/NBD x Gamma-Gamma, discounted: an estimate, so a float, not an amount
    clv: Mapped[float] = mapped_column(Float)
    #: the attrition model: P(no counted order in the next ``window_days``)
    churn_probability: Mapped[float] = mapped_column(Float)
    #: the survival model: median days from ``as_of`` to attrition; 0 when already lapsed
    median_days_to_churn: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
