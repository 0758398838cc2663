"""Lists of rows as an API asks for them: filters, sort order, limit and offset.

``parse_query`` turns query-string pairs into a ``ListQuery``, accepting only
the columns a caller whitelists and parsing each value as the column's type,
so that a typo is a ``BadQuery`` naming it rather than an empty list or a
database error. ``fetch_page`` runs it: the page of rows and the total.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import ColumnElement, Numeric, Select, false, func, inspect, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.orm.interfaces import ORMOption

from crm_core.models import Base
from crm_core.query_values import MAX_INT, Beyond, parse_value

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
#: query parameters that are not filters (``token`` is the query-string bearer token)
RESERVED = frozenset({"limit", "offset", "sort", "token"})
#: types that have an order, and so take ``__gte`` and ``__lte`` (not ``bool``, an ``int``
#: to Python but not to SQL: ``vip >= true`` is an error in SQLAlchemy)
RANGED = (int, float, Decimal, dt.date, dt.datetime)

Op = Literal["eq", "gte", "lte"]
Row = TypeVar("Row", bound=Base)


class BadQuery(ValueError):
    """A query parameter that cannot be used; ``field`` is the parameter's name."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    op: Op
    value: Any


@dataclass(frozen=True, slots=True)
class ListQuery:
    conditions: tuple[Condition, ...] = ()
    #: (field, descending) in order of precedence; the id breaks ties
    sort: tuple[tuple[str, bool], ...] = ()
    limit: int = DEFAULT_LIMIT
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Page(Generic[Row]):
    rows: Sequence[Row]
    total: int


def column_type(model: type[Base], field: str) -> type:
    """The Python type of a column's values (``int``, ``Decimal``, ``datetime``...)."""
    python_type: type = inspect(model).columns[field].type.python_type
    return python_type


def decimal_places(model: type[Base], field: str) -> tuple[int, int] | None:
    """A NUMERIC(p, s) column's digits before and after the point; None for others."""
    column_type_ = inspect(model).columns[field].type
    precision = getattr(column_type_, "precision", None)
    if not isinstance(column_type_, Numeric) or precision is None:
        return None
    scale = column_type_.scale or 0
    return precision - scale, scale


def ranged(kind: type) -> bool:
    """Whether values of this Python type have an order a filter may use."""
    return issubclass(kind, RANGED) and not issubclass(kind, bool)


def digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also says yes to ``²``, which ``int`` refuses."""
    return text.isascii() and text.isdigit()


def _whole(name: str, text: str, low: int, high: int) -> int:
    if not digits(text) or not low <= int(text) <= high:
        raise BadQuery(name, f"must be a whole number from {low} to {high}")
    return int(text)


def _value(model: type[Base], field: str, name: str, text: str) -> Any:
    try:
        return parse_value(column_type(model, field), text, decimal_places(model, field))
    except ValueError as exc:
        raise BadQuery(name, str(exc)) from None


def _condition(model: type[Base], name: str, text: str,
               filterable: Collection[str]) -> Condition:
    field, _, suffix = name.partition("__")
    if field not in filterable or suffix not in ("", "gte", "lte"):
        raise BadQuery(name, f"unknown filter (filterable: {', '.join(sorted(filterable))})")
    if suffix and not ranged(column_type(model, field)):
        raise BadQuery(name, "only numbers and dates take __gte and __lte")
    op: Op = "gte" if suffix == "gte" else "lte" if suffix == "lte" else "eq"
    return Condition(field, op, _value(model, field, name, text))


def _sort(text: str, sortable: Collection[str]) -> tuple[tuple[str, bool], ...]:
    order = []
    for item in text.split(","):
        field = item.strip().removeprefix("-")
        if field not in sortable:
            raise BadQuery("sort", f"cannot sort by {field!r} "
                                   f"(sortable: {', '.join(sorted(sortable))})")
        order.append((field, item.strip().startswith("-")))
    return tuple(order)


def parse_query(params: Iterable[tuple[str, str]], model: type[Base], *,
                filterable: Collection[str], sortable: Collection[str]) -> ListQuery:
    """A ListQuery from query-string pairs; raise BadQuery naming the first bad one."""
    conditions: list[Condition] = []
    sort: tuple[tuple[str, bool], ...] = ()
    limit, offset = DEFAULT_LIMIT, 0
    for name, text in params:
        if name == "limit":
            limit = _whole(name, text, 1, MAX_LIMIT)
        elif name == "offset":
            offset = _whole(name, text, 0, MAX_INT)
        elif name == "sort":
            sort = _sort(text, sortable)
        elif name not in RESERVED:
            conditions.append(_condition(model, name, text, filterable))
    return ListQuery(tuple(conditions), sort, limit, offset)


def _where(model: type[Base], condition: Condition) -> ColumnElement[bool]:
    if isinstance(condition.value, Beyond):  # every row is on one side of it
        before = condition.value.side < 0
        holds = condition.op == ("gte" if before else "lte")
        return true() if holds else false()
    column: InstrumentedAttribute[Any] = getattr(model, condition.field)
    if condition.op == "gte":
        return column >= condition.value
    if condition.op == "lte":
        return column <= condition.value
    return column == condition.value


def statement(model: type[Row], query: ListQuery) -> Select[Row]:
    """The page's SELECT: filtered, sorted (then by id, for a stable order), sliced."""
    where = [_where(model, condition) for condition in query.conditions]
    # empty values sort as the largest, as PostgreSQL does (SQLite's default is the smallest)
    order = [getattr(model, field).desc().nulls_first() if descending
             else getattr(model, field).asc().nulls_last() for field, descending in query.sort]
    identity: InstrumentedAttribute[int] = getattr(model, "id")  # noqa: B009 - not on Base
    return (select(model).where(*where).order_by(*order, identity)
            .limit(query.limit).offset(query.offset))


async def fetch_page(session: AsyncSession, model: type[Row], query: ListQuery,
                     options: Sequence[ORMOption] = ()) -> Page[Row]:
    """The rows of one page and how many rows match in all."""
    where = [_where(model, condition) for condition in query.conditions]
    total = await session.scalar(select(func.count()).select_from(model).where(*where))
    rows = (await session.scalars(statement(model, query).options(*options))).all()
    return Page(rows=rows, total=int(total or 0))
