"""A filter's value from a query string, as the column's type, written the one way the
API document gives for it (``true``, ``42``, ``12.50``, ``2026-11-01``,
``2026-11-01T09:00:00Z``) and within what both databases can compare with (a
decimal within its column's digits).

Python's own parsers take more than that (``int(" 5")``, ``5_000``, ``bool("1")``,
a date from ``0.5`` seconds since 1970), which would make the document wrong about
what is refused; and some values parse but cannot be sent to the database
(``1e999999`` overflows PostgreSQL's NUMERIC). A value that is written another
way, or out of range, raises ``ValueError`` with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

#: integer columns are 32-bit in both databases
MAX_INT = 2**31 - 1
#: a decimal column's digits when it does not say: (before the point, after it)
DECIMAL_PLACES = (14, 14)


def decimal_pattern(places: tuple[int, int] = DECIMAL_PLACES) -> str:
    """How a decimal that fits NUMERIC(p, s) is written: p - s digits before the point
    at most, s after (PostgreSQL refuses to compare with a wider one: "numeric field
    overflow")."""
    whole, fraction = places
    after = rf"(?:\.[0-9]{{1,{fraction}}})?" if fraction else ""
    return rf"^[+-]?[0-9]{{1,{whole}}}{after}$"


DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
#: RFC 3339, its offset optional (a time without one is taken as UTC)
DATETIME_PATTERN = (r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}"
                    r"(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2})?$")


@dataclass(frozen=True, slots=True)
class Beyond:
    """A time before (``side`` -1) or after (+1) every time a column can hold: an
    offset moved it past year 1 or 9999 (``0001-01-01T00:00:00+01:00``)."""

    side: int


def _whole(text: str) -> int:
    value = int(text)
    if not -MAX_INT <= value <= MAX_INT:
        raise ValueError(f"{text} is out of range")
    return value


def _number(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range")
    return value


def _moment(text: str) -> dt.datetime | Beyond:
    value = dt.datetime.fromisoformat(text.upper())  # t and z are RFC 3339 too
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        return Beyond(-1 if value.year == dt.MINYEAR else 1)


#: type -> (how it is written, how it is read; ValueError for what is out of range)
_FORMS: dict[type, tuple[str, str, Callable[[str], Any]]] = {
    bool: ("true or false", r"^(?:true|false)$", lambda text: text == "true"),
    int: ("a whole number", r"^[+-]?[0-9]+$", _whole),
    float: ("a number", r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,3})?$",
            _number),
    Decimal: ("a decimal such as 12.50", decimal_pattern(), Decimal),
    dt.date: ("a date such as 2026-11-01", DATE_PATTERN, dt.date.fromisoformat),
    dt.datetime: ("a time such as 2026-11-01T09:00:00Z", DATETIME_PATTERN, _moment),
}


def parse_value(kind: type, text: str, places: tuple[int, int] | None = None) -> Any:
    """``text`` as a value of ``kind`` (a column's Python type; ``places``: a decimal
    column's digits before and after the point); ValueError says why not."""
    if "\x00" in text:  # PostgreSQL refuses NUL in text: an error, not a 500
        raise ValueError("contains a NUL character")
    form = _FORMS.get(kind)
    if form is None:
        return text
    described, pattern, read = form
    if places is not None and kind is Decimal:
        described = f"a decimal of at most {places[0]} digits before the point and " \
                    f"{places[1]} after"
        pattern = decimal_pattern(places)
    if re.fullmatch(pattern, text) is None:
        raise ValueError(f"{text!r} is not {described}")
    try:
        return read(text)
    except ValueError as exc:  # a 13th month, a 32-digit whole number...
        reason = str(exc) if "out of range" in str(exc) else f"{text!r} is not {described}"
        raise ValueError(reason) from None
