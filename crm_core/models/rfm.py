"""RFM scores: one row per contact with a counted order, replaced whole on each run.

``crm_core.rfm`` fills the table in one transaction (delete, then insert from one
grouped and ranked select), so a reader sees the previous run or the new one, never
a mix. Contacts with no counted order have no row: their RFM segment is ``none``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Numeric, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from crm_core.models.base import Base


class RfmScore(Base):
    """A contact's recency, frequency and monetary figures as of a day, their 1-5 scores
    (quintiles over the contacts with orders) and the named segment of R and F."""

    __tablename__ = "rfm_scores"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False)
    as_of: Mapped[dt.date] = mapped_column(Date)
    #: whole days from the last counted order's day (UTC) to ``as_of``
    recency_days: Mapped[int] = mapped_column(Integer)
    #: counted orders (not cancelled) up to and including ``as_of``
    frequency: Mapped[int] = mapped_column(Integer)
    #: the total of those orders
    monetary: Mapped[Decimal] = mapped_column(Numeric(18, 2))
    r_score: Mapped[int] = mapped_column(SmallInteger)
    f_score: Mapped[int] = mapped_column(SmallInteger)
    m_score: Mapped[int] = mapped_column(SmallInteger)
    segment: Mapped[str] = mapped_column(String(24), index=True)
    computed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
