"""The declarative base and the column helpers every CRM table shares."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import DateTime, ForeignKey, Numeric, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def created() -> Mapped[dt.datetime]:
    """When the row was made; the database's clock unless the caller sets it (the seed does)."""
    return mapped_column(DateTime(timezone=True), server_default=func.now())


def when(*, index: bool = False) -> Mapped[dt.datetime | None]:
    return mapped_column(DateTime(timezone=True), index=index)


def money() -> Mapped[Decimal]:
    """An amount in the account's currency: exact, never a float."""
    return mapped_column(Numeric(14, 2), default=Decimal(0))


def ref(target: str, *, index: bool = True, cascade: bool = False) -> Mapped[int | None]:
    """An optional link to another table's id."""
    return mapped_column(ForeignKey(target, ondelete="CASCADE" if cascade else None),
                         index=index)


def owner() -> Mapped[int | None]:
    """The user responsible for the row (a salesperson, an agent)."""
    return mapped_column(ForeignKey("users.id"), index=True)
