"""Rows to Parquet, row group by row group, for an answer that streams.

``ParquetChunks`` owns a ``pyarrow.parquet.ParquetWriter`` whose file is a list of
byte strings: each ``add(rows)`` encodes one row group and hands back the bytes it
added, which the route sends at once. So a table of a million contacts goes out
in slices of ``ROW_GROUP`` rows and is never held whole, in Python or in Arrow.
The footer (the schema and where each row group is) comes last, from ``close()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

#: rows per row group: big enough for BI tools to read well, small enough to stream
ROW_GROUP = 50_000


class _Sink:
    """A write-only file that keeps what is written until ``take()`` is called."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._written = 0
        self.closed = False

    def write(self, data: Any) -> int:
        chunk = bytes(data)
        self._parts.append(chunk)
        self._written += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._written

    def flush(self) -> None:
        """Nothing to flush: the bytes wait in memory for ``take``."""

    def close(self) -> None:
        self.closed = True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def utc(moment: dt.datetime | None) -> dt.datetime | None:
    """A stored time in UTC (SQLite gives it back without its zone, which is UTC)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


class ParquetChunks:
    """A Parquet file of ``schema`` made row group by row group; ``convert`` turns one
    database row into the column values, in the schema's order."""

    def __init__(self, schema: pa.Schema,
                 convert: Callable[[Sequence[Any]], Sequence[Any]] = tuple) -> None:
        self._schema = schema
        self._convert = convert
        self._sink = _Sink()
        self._writer = pq.ParquetWriter(self._sink, schema, compression="zstd")

    def add(self, rows: Sequence[Sequence[Any]]) -> bytes:
        """One row group of ``rows``; the bytes it added to the file."""
        converted = [self._convert(row) for row in rows]
        columns = list(zip(*converted, strict=True)) or [() for _ in self._schema.names]
        table = pa.Table.from_arrays(
            [pa.array(values, type=field.type) for values, field in zip(
                columns, self._schema, strict=True)], schema=self._schema)
        self._writer.write_table(table, row_group_size=max(len(rows), 1))
        return self._sink.take()

    def close(self) -> bytes:
        """The file's end (its footer), after the last row group."""
        self._writer.close()
        return self._sink.take()
