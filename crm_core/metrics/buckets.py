"""Time buckets in SQL: a timestamp floored to its 15 minutes, half hour, hour, day or week.

The call history groups calls by the bucket of their start, in the database
(``GROUP BY``), so the bucket has to be one SQL expression on both engines.
``epoch_bucket`` gives the bucket's start as whole seconds since 1970 (UTC):

* SQLite keeps a timestamp as ``YYYY-MM-DD HH:MM:SS.ffffff`` text in UTC (see
  ``period.py``). ``strftime('%s', ...)`` rounds the fraction to the nearest
  second (``...:59.9999`` would fall in the next bucket), so the text is cut to
  its whole seconds first; the rest is integer arithmetic.
* PostgreSQL's ``EXTRACT(EPOCH FROM timestamptz)`` is the UTC epoch whatever
  the session's time zone, and exact (``numeric``), so ``floor`` is safe.

Weeks start on Monday 00:00 UTC (ISO 8601), hence the origin of 4 days: the
epoch, 1970-01-01, was a Thursday.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

#: the intervals a history can be read by, in seconds
INTERVALS: dict[str, int] = {"15min": 900, "30min": 1800, "hour": 3600, "day": 86_400,
                             "week": 604_800}
#: 1970-01-05, the first Monday after the epoch: where weeks start
_MONDAY = 4 * 86_400


def origin_of(width: int) -> int:
    """Where buckets of ``width`` seconds are counted from: Mondays for weeks, else 1970."""
    return _MONDAY if width == INTERVALS["week"] else 0


class epoch_bucket(FunctionElement[int]):
    """The start of the column's bucket, epoch seconds; build it with ``bucket_of``."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_bucket"


def bucket_of(column: Any, width: int) -> epoch_bucket:
    """The bucket expression of ``column`` for buckets of ``width`` seconds.

    Width and origin go into the SQL as literal numbers (whole seconds, never user
    text), so that each width is its own statement in SQLAlchemy's cache.
    """
    if width not in INTERVALS.values():
        raise ValueError(f"a bucket is one of {sorted(INTERVALS.values())} seconds, not {width}")
    return epoch_bucket(column, literal_column(str(width)),
                        literal_column(str(origin_of(width))))


def _parts(element: epoch_bucket, compiler: SQLCompiler, **kw: Any) -> tuple[str, str, str]:
    column, width, origin = (compiler.process(clause, **kw) for clause in element.clauses)
    return column, width, origin


@compiles(epoch_bucket, "sqlite")
def _bucket_sqlite(element: epoch_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    column, width, origin = _parts(element, compiler, **kw)
    seconds = f"CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER)"
    return f"((({seconds} - {origin}) / {width}) * {width} + {origin})"


@compiles(epoch_bucket, "postgresql")
def _bucket_postgresql(element: epoch_bucket, compiler: SQLCompiler, **kw: Any) -> str:
    column, width, origin = _parts(element, compiler, **kw)
    seconds = f"EXTRACT(EPOCH FROM {column})"
    return f"CAST(floor(({seconds} - {origin}) / {width}) * {width} + {origin} AS BIGINT)"


def bucket_start(epoch: float) -> dt.datetime:
    """A bucket's start, from the database's epoch seconds, as an aware UTC datetime."""
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC)


def floor_to(moment: dt.datetime, width: int) -> dt.datetime:
    """The start of the bucket ``moment`` falls in (the same rule as the SQL)."""
    origin = origin_of(width)
    seconds = int(moment.timestamp() // 1)
    return bucket_start((seconds - origin) // width * width + origin)
