"""A segment's definition: the fields a saved ``segments.definition`` may hold, and the
check that turns one into ``Criteria`` or refuses it naming the field at fault (the API
answers 422 with that name). ``crm_core.segments`` compiles the criteria to SQL.

The fields, all optional, all of them must hold (AND):

- ``age``: ``[min, max]``, whole years on the given ``today``; either may be null.
  Contacts without a birth date are left out.
- ``country``, ``region``, ``city``: lists; one address must match all that are given
  (country codes as ISO 3166 alpha-2, places compared without regard to case).
- ``gender``: a value or a list (without regard to case).
- ``tags``: ``{"all": [...]}`` and/or ``{"any": [...]}`` (habits, as stored).
- ``bought_category``, ``bought_product`` (SKUs): lists; any order line matches.
- ``min_orders``, ``min_spent``: at least this many orders, or this total.
- ``ordered_since``: a date; alone, at least one order since. It also limits the
  orders the other purchase fields look at ("bought a tent since March").
- ``no_order_for_days``: lapsed customers: at least one order ever, and none in
  the last this many days (counted back from the given ``today``).
- ``consent_marketing``: true or false; ``exclude_do_not_call``: true leaves out
  contacts who asked not to be called.
- ``rfm_segment`` (names, or ``none``), ``rfm_r``, ``rfm_f``, ``rfm_m`` (``[min, max]``
  scores 1-5): the last RFM run's stored scores (``crm_core.rfm_filters``, docs/rfm.md),
  fields like any other: they combine with the rest, and their errors name them.

Orders that were cancelled never count.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from crm_core import rfm_filters

#: the longest lapse ``no_order_for_days`` may ask for (100 years)
MAX_DAYS = 36_500


class InvalidSegment(ValueError):
    """A definition that cannot be run; the message starts with the field at fault."""


@dataclass(frozen=True, kw_only=True)
class Criteria:
    """A validated definition; empty tuples and None mean "any"."""

    age: tuple[int | None, int | None] | None = None
    country: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    city: tuple[str, ...] = ()
    gender: tuple[str, ...] = ()
    tags_all: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    bought_category: tuple[str, ...] = ()
    bought_product: tuple[str, ...] = ()
    min_orders: int = 0
    min_spent: Decimal = Decimal(0)
    ordered_since: dt.date | None = None
    no_order_for_days: int = 0
    consent_marketing: bool | None = None
    exclude_do_not_call: bool = False
    rfm_segment: tuple[str, ...] = ()
    rfm_r: tuple[int, int] | None = None
    rfm_f: tuple[int, int] | None = None
    rfm_m: tuple[int, int] | None = None


def _texts(name: str, value: object) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        raise InvalidSegment(f"{name}: expected a non-empty list of text, got {value!r}")
    if not all(isinstance(item, str) and item.strip() for item in items):
        raise InvalidSegment(f"{name}: every item must be non-empty text, got {value!r}")
    return tuple(str(item).strip() for item in items)


def _lowered(name: str, value: object) -> dict[str, Any]:
    return {name: tuple(item.lower() for item in _texts(name, value))}


def _country(name: str, value: object) -> dict[str, Any]:
    codes = tuple(item.upper() for item in _texts(name, value))
    if not all(len(code) == 2 and code.isalpha() for code in codes):
        raise InvalidSegment(f"{name}: expected two-letter country codes, got {value!r}")
    return {name: codes}


def _exact(name: str, value: object) -> dict[str, Any]:
    return {name: _texts(name, value)}


def _whole(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidSegment(f"{name}: expected a whole number of at least 0, got {value!r}")
    return value


def _age(name: str, value: object) -> dict[str, Any]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise InvalidSegment(f"{name}: expected [min, max], got {value!r}")
    low, high = (None if end is None else _whole(name, end) for end in value)
    if low is not None and high is not None and low > high:
        raise InvalidSegment(f"{name}: min {low} is above max {high}")
    return {name: (low, high)}


def _tags(name: str, value: object) -> dict[str, Any]:
    if not isinstance(value, Mapping) or not value or set(value) - {"all", "any"}:
        raise InvalidSegment(f'{name}: expected {{"all": [...]}} or {{"any": [...]}}, '
                             f"got {value!r}")
    return {f"tags_{mode}": _texts(f"{name}.{mode}", tags) for mode, tags in value.items()}


def _count(name: str, value: object) -> dict[str, Any]:
    return {name: _whole(name, value)}


def _days(name: str, value: object) -> dict[str, Any]:
    """A number of days back from today: a date the calendar has (100 years at most)."""
    days = _whole(name, value)
    if days > MAX_DAYS:
        raise InvalidSegment(f"{name}: expected at most {MAX_DAYS} days, got {value!r}")
    return {name: days}


def _money(name: str, value: object) -> dict[str, Any]:
    try:
        amount = Decimal(str(value)) if not isinstance(value, bool) else Decimal("NaN")
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount < 0:
        raise InvalidSegment(f"{name}: expected an amount of at least 0, got {value!r}")
    return {name: amount}


_YMD = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _date(name: str, value: object) -> dict[str, Any]:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {name: value}
    try:  # YYYY-MM-DD only: fromisoformat also reads 2026-W01-1 and 20260101
        if not isinstance(value, str) or not _YMD.fullmatch(value):
            raise ValueError(value)
        return {name: dt.date.fromisoformat(value)}
    except ValueError:
        raise InvalidSegment(f"{name}: expected a date (YYYY-MM-DD), got {value!r}") from None


def _flag(name: str, value: object) -> dict[str, Any]:
    if not isinstance(value, bool):
        raise InvalidSegment(f"{name}: expected true or false, got {value!r}")
    return {name: value}


#: each field of a definition and the check that turns it into ``Criteria`` fields
FIELDS: dict[str, Callable[[str, object], dict[str, Any]]] = {
    "age": _age, "country": _country, "region": _lowered, "city": _lowered,
    "gender": _lowered, "tags": _tags, "bought_category": _exact, "bought_product": _exact,
    "min_orders": _count, "min_spent": _money, "ordered_since": _date,
    "no_order_for_days": _days,
    "consent_marketing": _flag, "exclude_do_not_call": _flag,
    # the last RFM run's stored scores, checked and compiled in ``rfm_filters``
    **rfm_filters.checks(InvalidSegment),
}


def validate(definition: object) -> Criteria:
    """The criteria of a definition; InvalidSegment naming the first field at fault."""
    if not isinstance(definition, Mapping):
        raise InvalidSegment(f"definition: expected an object, got {definition!r}")
    fields: dict[str, Any] = {}
    for name, value in definition.items():
        check = FIELDS.get(name)
        if check is None:
            raise InvalidSegment(f"{name}: not a segment field (fields: {', '.join(FIELDS)})")
        fields.update(check(name, value))
    return Criteria(**fields)
