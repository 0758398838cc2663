"""CSV import of people (contacts in ``contacts_import``, leads in ``leads_import``), streamed.

Theory of operation: ``csv_reading`` turns the file into rows, each with its line
number, and the kind's ``parse`` checks each one (``import_rows`` has the checks
all kinds share). A bad row is reported with its line number and reason, and the
good rows around it are kept. Good rows are stored in batches, one transaction
each: a million rows never sit in memory, and a failure keeps what went before.
Phone numbers become E.164. A row whose phone or e-mail belongs to someone known
is merged into that record (``import_merge``); a row that matches nobody makes a
new record, and must then have both names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.csv_reading import Lines, read_rows
from crm_core.import_merge import Owners, Record
from crm_core.import_rows import REQUIRED, PersonRow

#: rows stored in one transaction
BATCH = 1000


@dataclass
class ImportReport:
    added: int = 0
    merged: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.added + self.merged + len(self.bad)


@dataclass(frozen=True)
class Progress:
    """How far an import has come: rows handled, and bytes read of the file's size."""

    rows: int
    bytes_read: int
    total_bytes: int

    @property
    def fraction(self) -> float:
        return min(self.bytes_read / self.total_bytes, 1.0) if self.total_bytes else 1.0


ProgressCallback = Callable[[Progress], None]
RowT = TypeVar("RowT", bound=PersonRow)


class Importer(ABC, Generic[RowT]):
    """What one kind of person (contacts, leads) adds to the shared streamed import."""

    #: the file's columns, in the order an export writes them
    columns: ClassVar[tuple[str, ...]]
    #: what one record is called in a reason ("contact")
    noun: ClassVar[str]

    @abstractmethod
    def parse(self, line: int, value: dict[str, str]) -> RowT:
        """A row from its stripped values; ValueError with the reason for a bad row."""

    async def check(self, session: AsyncSession, batch: list[RowT],
                    report: ImportReport) -> list[RowT]:
        """The rows that also pass checks needing the database; report the others."""
        return batch

    @abstractmethod
    async def known(self, session: AsyncSession, batch: list[RowT]) -> list[Record]:
        """The stored records that have a phone or e-mail of the batch."""

    @abstractmethod
    def new(self, row: RowT) -> Record:
        """A record for a row that matches nobody."""

    @abstractmethod
    def merge(self, record: Record, row: RowT, owners: Owners) -> None:
        """Fold a row into the record it matched."""

    @abstractmethod
    async def save(self, session: AsyncSession, changed: list[Record],
                   news: list[Record]) -> None:
        """Write the batch: the changed stored records and the new ones."""


def _parsed(lines: Lines, path: Path, importer: Importer[RowT],
            report: ImportReport) -> Iterator[RowT]:
    for line, value in read_rows(lines, path, importer.columns, REQUIRED, report.bad):
        try:
            yield importer.parse(line, value)
        except ValueError as exc:
            report.bad.append((line, str(exc)))


def _batches(rows: Iterator[RowT], size: int) -> Iterator[list[RowT]]:
    batch: list[RowT] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def _store(session: AsyncSession, importer: Importer[RowT], batch: list[RowT],
                 report: ImportReport) -> None:
    batch = await importer.check(session, batch, report)
    owners = Owners()
    known = await importer.known(session, batch)
    for record in known:
        owners.add(record)
    news: list[Record] = []
    for row in batch:
        found = owners.match(row.match_keys())
        if found is not None:
            importer.merge(found, row, owners)
            report.merged += 1
            continue
        missing = row.missing_name()
        if missing is not None:
            reason = f"{missing} is required for a new {importer.noun} (the row matches none)"
            report.bad.append((row.line, reason))
            continue
        record = importer.new(row)
        owners.add(record)
        news.append(record)
        report.added += 1
    await importer.save(session, [record for record in known if record.changed], news)


async def run_import(sessions: async_sessionmaker[AsyncSession], path: Path,
                     importer: Importer[RowT], *,
                     progress: ProgressCallback | None = None,
                     batch_size: int = BATCH) -> ImportReport:
    """Import a CSV file; each batch commits, so a failure keeps what went before."""
    report = ImportReport()
    total = path.stat().st_size
    with path.open("rb") as file:
        lines = Lines(file, path)
        for batch in _batches(_parsed(lines, path, importer, report), batch_size):
            async with sessions() as session, session.begin():
                await _store(session, importer, batch, report)
            if progress is not None:
                progress(Progress(report.rows, lines.bytes_read, total))
    report.bad.sort()  # checks against the database report a batch's rows after parsing
    if progress is not None:
        progress(Progress(report.rows, total, total))
    return report
