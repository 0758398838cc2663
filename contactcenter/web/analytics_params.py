"""The query parameters of the call-history and staffing routes, and their CSV answers.

A parameter that is not what the API document says (missing, not a number, out of
its bounds, not one of its values) is a 400 naming it; a request the document
allows but whose parameters do not fit together (``from`` after ``to``, too many
buckets, a day too far ahead) is a 422 naming the field, as the fuzz test expects.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiohttp import web

from contactcenter.web.http import BadInput
from crm_core.csv_cells import escape

FORMATS = ("json", "csv")

#: a day as the API document writes it
_YMD = re.compile(r"\d{4}-\d{2}-\d{2}")


def choice(request: web.Request, name: str, choices: Sequence[str], default: str) -> str:
    """One of ``choices`` (400 otherwise)."""
    value = request.query.get(name, default)
    if value not in choices:
        raise BadInput(400, f"{name}: one of {', '.join(choices)}", name)
    return value


def number(request: web.Request, name: str, default: float | None, low: float, high: float,
           *, above_low: bool = False, below_high: bool = False) -> float | None:
    """A finite number within ``[low, high]`` (ends open when asked); the default when
    absent; 400 naming the parameter otherwise."""
    text = request.query.get(name)
    if text is None or text == "" and default is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    bad_low = value <= low if above_low else value < low
    bad_high = value >= high if below_high else value > high
    if not math.isfinite(value) or bad_low or bad_high:
        opening = "(" if above_low else "["
        closing = ")" if below_high else "]"
        raise BadInput(400, f"{name}: a number in {opening}{low:g}, {high:g}{closing}", name)
    return value


def whole(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    """A whole number within ``[low, high]``; 400 naming the parameter otherwise."""
    text = request.query.get(name, str(default))
    if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
        raise BadInput(400, f"{name}: a whole number from {low} to {high}", name)
    return int(text)


def date(request: web.Request, name: str) -> dt.date:
    """A required ISO date (YYYY-MM-DD)."""
    text = request.query.get(name)
    if not text:
        raise BadInput(400, f"{name}: required query parameter (an ISO date)", name)
    try:  # fromisoformat also takes 20261123 and 2026-W48-1: not what the API says
        if not _YMD.fullmatch(text):
            raise ValueError(text)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(400, f"{name}: an ISO date (YYYY-MM-DD)", name) from None


def moment(request: web.Request, name: str, zone: dt.tzinfo = dt.UTC) -> dt.datetime:
    """A required ISO date (midnight in ``zone``) or datetime (its wall clock in ``zone``
    unless it gives its offset)."""
    text = request.query.get(name)
    if not text:
        raise BadInput(400, f"{name}: required query parameter (an ISO date)", name)
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadInput(400, f"{name}: an ISO date or datetime", name) from None
    return value if value.tzinfo is not None else value.replace(tzinfo=zone)


def text(request: web.Request, name: str, longest: int) -> str | None:
    """An optional string of at most ``longest`` characters."""
    value = request.query.get(name)
    if value is not None and len(value) > longest:
        raise BadInput(400, f"{name}: at most {longest} characters", name)
    return value or None


def finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such a figure is unknown, None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def csv_response(rows: Iterable[Mapping[str, Any]], columns: Sequence[str],
                 filename: str) -> web.Response:
    """The rows as CSV, one column per figure; text cells escaped against formulas."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return web.Response(text=out.getvalue(), content_type="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})


def _cell(value: Any) -> str:
    value = finite(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return escape(value)
    return repr(value) if isinstance(value, float) else str(value)
