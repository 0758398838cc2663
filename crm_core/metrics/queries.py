"""SQL building blocks the metrics share, written once so that both engines agree.

Date arithmetic is where SQLite and PostgreSQL part ways: SQLite keeps a
timestamp as ``YYYY-MM-DD HH:MM:SS.ffffff`` text (UTC, see ``period.py``),
PostgreSQL as ``timestamptz`` whose calendar day depends on the session's time
zone. ``utc_day`` and ``seconds_between`` compile to the right SQL for each.
The rest turns database figures into the JSON-friendly values the metrics
return: money as a string with two decimals, ratios as floats or None.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, Float, and_, exists, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from crm_core.metrics.period import Period
from crm_core.models import Order

_CENT = Decimal("0.01")


class utc_day(FunctionElement[Any]):
    """The UTC calendar day of a timestamp; only compare it with another ``utc_day``."""

    inherit_cache = True
    name = "utc_day"


class seconds_between(FunctionElement[float]):
    """``later - earlier`` in seconds, as a float."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(utc_day, "sqlite")
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(timezone('UTC', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    earlier, later = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    earlier, later = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION)"


def within(column: Any, period: Period) -> ColumnElement[bool]:
    """``start <= column < end``: the half-open period."""
    return and_(column >= period.start, column < period.end)


def live_order(order: Any = Order) -> ColumnElement[bool]:
    """An order that counts: a cancelled order is neither revenue nor a purchase."""
    return order.status != "cancelled"  # type: ignore[no-any-return]


def first_order(order: Any = Order) -> ColumnElement[bool]:
    """``order`` is its contact's first live order ever (ties go to the lower id).

    A NOT EXISTS on the ``(contact_id, ordered_at)`` index, so that it stays a
    cheap probe per order rather than a grouping of the whole orders table.
    """
    earlier = aliased(Order)
    return ~exists().where(
        earlier.contact_id == order.contact_id,
        earlier.status != "cancelled",
        or_(earlier.ordered_at < order.ordered_at,
            and_(earlier.ordered_at == order.ordered_at, earlier.id < order.id)))


def money(value: Decimal | float | None) -> str:
    """An amount as a string with two decimals, half up ("0.00" for none): exact in JSON."""
    return str(Decimal(str(value or 0)).quantize(_CENT, rounding=ROUND_HALF_UP))


def ratio(part: float | Decimal | None, whole: float | Decimal | None) -> float | None:
    """``part / whole``, or None when there is nothing to divide by."""
    if not whole:
        return None
    return float(part or 0) / float(whole)


def as_float(value: float | Decimal | None) -> float | None:
    """A database average (Decimal on PostgreSQL, float on SQLite) as a float."""
    return None if value is None else float(value)
