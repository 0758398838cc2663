"""Time buckets in SQL: a timestamp floored to its 15 minutes, half hour, hour, day or week.

The call history groups calls by the bucket of their start, in the database
(``GROUP BY``), so the bucket has to be one SQL expression on both engines.
``epoch_bucket`` gives the bucket as whole seconds since 1970, in UTC or on the local
clock of a time zone (``local_buckets.Grid``: the zone's offsets over the period, one
``CASE`` branch per stretch of one offset):

* SQLite keeps a timestamp as ``YYYY-MM-DD HH:MM:SS.ffffff`` text in UTC (see
  ``period.py``). ``strftime('%s', ...)`` rounds the fraction to the nearest
  second (``...:59.9999`` would fall in the next bucket), so the text is cut to
  its whole seconds first; the rest is integer arithmetic.
* PostgreSQL's ``EXTRACT(EPOCH FROM timestamptz)`` is the UTC epoch whatever
  the session's time zone, and exact (``numeric``), so ``floor`` is safe.

Weeks start on Monday 00:00 (ISO 8601), UTC or local, hence the origin of 4 days:
the epoch, 1970-01-01, was a Thursday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

if TYPE_CHECKING:
    from crm_core.metrics.local_buckets import Grid

#: the intervals a history can be read by, in seconds
INTERVALS: dict[str, int] = {"15min": 900, "30min": 1800, "hour": 3600, "day": 86_400,
                             "week": 604_800}
#: 1970-01-05, the first Monday after the epoch: where weeks start
_MONDAY = 4 * 86_400


def origin_of(width: int) -> int:
    """Where buckets of ``width`` seconds are counted from: Mondays for weeks, else 1970."""
    return _MONDAY if width == INTERVALS["week"] else 0


class epoch_bucket(FunctionElement[int]):
    """The column's bucket, epoch seconds; build it with ``bucket_of``."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_bucket"


def bucket_of(column: Any, width: int, grid: Grid | None = None) -> epoch_bucket:
    """The bucket expression of ``column`` for buckets of ``width`` seconds, in UTC or on
    ``grid``'s local clock (``local_buckets``).

    Its value: for 15 min to an hour, the bucket's start; for days and weeks, the local
    date's midnight counted as if it were UTC (``Grid.start_of`` turns it into the
    start). With one offset (UTC, or a zone without changes in the period) both are
    the start. Width, origin and the zone's offsets go into the SQL as literal numbers
    (whole seconds, never user text): GROUP BY repeats the expression, which PostgreSQL
    matches with the SELECT's only when they are the same text, not bound parameters.
    """
    if width not in INTERVALS.values():
        raise ValueError(f"a bucket is one of {sorted(INTERVALS.values())} seconds, not {width}")
    calendar = grid is None or grid.calendar
    stretches = ((0, 0),) if grid is None else grid.segments
    numbers = [width, origin_of(width), int(calendar)]
    numbers += [number for stretch in stretches for number in stretch]
    return epoch_bucket(column, *(literal_column(str(number)) for number in numbers))


def _parts(element: epoch_bucket, compiler: SQLCompiler,
           **kw: Any) -> tuple[str, int, int, bool, list[tuple[int, int]]]:
    column, *numbers = (compiler.process(clause, **kw) for clause in element.clauses)
    width, origin, calendar, *flat = (int(number) for number in numbers)
    return column, width, origin, bool(calendar), list(zip(flat[::2], flat[1::2], strict=True))


def _bucket_sql(seconds: str, width: int, origin: int, calendar: bool,
                stretches: list[tuple[int, int]], floor: Callable[[str], str],
                greatest: str) -> str:
    """One CASE over the stretches of one offset: the local clock's (or calendar's)
    bucket of ``seconds``; ``floor(x)`` floors ``x`` to a multiple of the width."""
    def bucket(index: int) -> str:
        start, offset = stretches[index]
        local = f"{floor(f'{seconds} + {offset - origin}')} + {origin}"
        if calendar:
            return local
        value = f"{local} - {offset}"
        # a bucket never starts before its stretch: cut at a change off the clock's edges
        return value if index == 0 else f"{greatest}({value}, {start})"

    if len(stretches) == 1:
        return bucket(0)
    whens = " ".join(f"WHEN {seconds} < {start} THEN {bucket(index)}"
                     for index, (start, _) in enumerate(stretches[1:]))
    return f"(CASE {whens} ELSE {bucket(len(stretches) - 1)} END)"


#: added before SQLite's integer division, which truncates towards 0 rather than
#: flooring: 4,000 weeks (a multiple of every width) keeps times after 1894 positive
_SHIFT = 4000 * 604_800


@compiles(epoch_bucket, "sqlite")
def _bucket_sqlite(element: epoch_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    column, width, origin, calendar, stretches = _parts(element, compiler, **kw)
    seconds = f"CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER)"

    def floor(value: str) -> str:
        return f"((({value} + {_SHIFT}) / {width}) * {width} - {_SHIFT})"

    return f"({_bucket_sql(seconds, width, origin, calendar, stretches, floor, 'max')})"


@compiles(epoch_bucket, "postgresql")
def _bucket_postgresql(element: epoch_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    column, width, origin, calendar, stretches = _parts(element, compiler, **kw)
    seconds = f"EXTRACT(EPOCH FROM {column})"

    def floor(value: str) -> str:
        return f"floor(({value}) / {width}) * {width}"

    sql = _bucket_sql(seconds, width, origin, calendar, stretches, floor, "GREATEST")
    return f"CAST({sql} AS BIGINT)"


def bucket_start(epoch: float) -> dt.datetime:
    """A bucket's start, from the database's epoch seconds, as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC)


def floor_to(moment: dt.datetime, width: int) -> dt.datetime:
    """The start of the bucket ``moment`` falls in (the same rule as the SQL)."""
    origin = origin_of(width)
    seconds = int(moment.timestamp() // 1)
    return bucket_start((seconds - origin) // width * width + origin)
