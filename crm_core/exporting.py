"""CSV export of people, streamed, in the columns their import reads back.

Every text cell goes through ``csv_cells.escape``: a value a spreadsheet would
evaluate as a formula is written with a quote in front, which the import takes
off again.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.csv_cells import escape

#: rows fetched from the database at a time
BATCH = 1000


def cells(values: Sequence[object]) -> list[object]:
    """A row's cells as written: empty for None, text escaped, numbers as they are."""
    return ["" if value is None else escape(value) if isinstance(value, str) else value
            for value in values]


async def export_rows(sessions: async_sessionmaker[AsyncSession], path: Path,
                      header: Sequence[str], query: Executable,
                      convert: Callable[[Sequence[Any]], Sequence[object]]) -> int:
    """Stream ``query`` (an id first, then the values) to a CSV; return how many ids it had.

    A record may take several lines (a contact with two phones): the count is of
    records, which the query must therefore return together, ordered by id.
    """
    records = 0
    last: object = None
    async with sessions() as session:
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(header)
            result = await session.stream(query.execution_options(yield_per=BATCH))
            async for row in result:
                if row[0] != last:
                    records += 1
                    last = row[0]
                writer.writerow(cells(convert(row[1:])))
    return records
