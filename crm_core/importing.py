"""CSV import and export of people (contacts here, leads in ``leads_import``), streamed.

Theory of operation: the file is read as bytes, line by line, so that the bytes
read so far drive the progress bar; ``csv.DictReader`` turns the lines into rows
and the kind's ``parse`` checks each one. A bad row is reported with its line
number and reason, and the good rows around it are kept. Good rows are stored in
batches, one transaction each: a million rows never sit in memory, and a failure
keeps what went before. Phone numbers become E.164. A row whose phone or e-mail
belongs to someone already known (in the database or earlier in the file) is
merged into that record instead of making a duplicate; a phone number or e-mail
goes to one record only, so merging never makes two records share one.
"""

from __future__ import annotations

import csv
import sys
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, ClassVar, Generic, TypeVar

from sqlalchemy import Executable, FromClause, String, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.models import Contact, ContactPhone
from crm_core.phones import InvalidPhoneNumber, to_e164

BATCH = 1000
#: the columns every kind's file must have
REQUIRED = frozenset({"first_name", "last_name"})


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


@dataclass(frozen=True)
class PersonRow:
    """What every imported person has: a name, and the phone and e-mail they are matched by."""

    line: int
    first_name: str
    last_name: str
    phone: str | None
    email: str | None

    def match_keys(self) -> list[str]:
        return _keys([self.phone] if self.phone else [], self.email)


def _keys(phones: Iterable[str], email: str | None) -> list[str]:
    return [f"phone:{phone}" for phone in phones] + ([f"email:{email}"] if email else [])


def person(line: int, value: dict[str, str], table: FromClause) -> dict[str, Any]:
    """The fields of ``PersonRow`` from a row's stripped values; ValueError for a bad row."""
    if not value["first_name"] and not value["last_name"]:
        raise ValueError("first_name or last_name is required")
    if not value["phone"] and not value["email"]:
        raise ValueError("phone or email is required")
    email = value["email"].lower() or None
    if email is not None and ("@" not in email or " " in email):
        raise ValueError(f"email {value['email']!r} is not an e-mail address")
    try:
        phone = to_e164(value["phone"]) if value["phone"] else None
    except InvalidPhoneNumber as exc:
        raise ValueError(str(exc)) from None
    _check_lengths({name: text for name, text in value.items() if name != "phone"}, table)
    return {"line": line, "first_name": value["first_name"], "last_name": value["last_name"],
            "phone": phone, "email": email}


def _check_lengths(value: dict[str, str], table: FromClause) -> None:
    """Refuse what a column cannot hold (PostgreSQL would fail the whole batch on it);
    the phone is left out, as it is stored in E.164, not as written."""
    for name, text in value.items():
        column = table.c.get(name)
        if column is None or not isinstance(column.type, String):
            continue
        limit = column.type.length
        if limit is not None and len(text) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")


@dataclass(eq=False)
class Record:
    """One person as a batch sees it: column values, phones, and the id once stored."""

    values: dict[str, Any]
    phones: list[str] = field(default_factory=list)
    id: int | None = None
    #: how many of ``phones`` the database has already
    stored_phones: int = 0
    changed: bool = False

    def match_keys(self) -> list[str]:
        return _keys(self.phones, self.values.get("email"))

    def fill(self, column: str, value: object) -> None:
        """Give the record a value it lacks; never overwrite one it has."""
        if value not in (None, "") and not self.values.get(column):
            self.values[column] = value
            self.changed = True


class Owners:
    """Which record each phone number and e-mail of a batch belongs to (one owner a key)."""

    def __init__(self) -> None:
        self._owner: dict[str, Record] = {}

    def add(self, record: Record) -> None:
        for key in record.match_keys():
            self._owner.setdefault(key, record)

    def match(self, keys: list[str]) -> Record | None:
        """The record a row is about: one the database knows first, then one new in the batch."""
        owners = [self._owner[key] for key in keys if key in self._owner]
        known = [record for record in owners if record.id is not None]
        return next(iter(known or owners), None)

    def claim(self, key: str, record: Record) -> bool:
        """Give ``key`` to ``record`` unless another record has it; True when it is the record's."""
        return self._owner.setdefault(key, record) is record


def merge_person(record: Record, row: PersonRow, owners: Owners, *, max_phones: int) -> None:
    """Fill what the record lacks from the row, never taking another record's phone or e-mail."""
    record.fill("first_name", row.first_name)
    record.fill("last_name", row.last_name)
    email = row.email
    if email and not record.values.get("email") and owners.claim(f"email:{email}", record):
        record.fill("email", email)
    if (row.phone and row.phone not in record.phones and len(record.phones) < max_phones
            and owners.claim(f"phone:{row.phone}", record)):
        record.phones.append(row.phone)
        record.changed = True


RowT = TypeVar("RowT", bound=PersonRow)


class Importer(ABC, Generic[RowT]):
    """What one kind of person (contacts, leads) adds to the shared streamed import."""

    #: the file's columns, in the order an export writes them
    columns: ClassVar[tuple[str, ...]]

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


class _Lines:
    """A file's lines as text, counting the bytes read (text files cannot ``tell`` mid-read)."""

    def __init__(self, file: IO[bytes], path: Path) -> None:
        self._file = file
        self._path = path
        self.bytes_read = 0

    def __iter__(self) -> Iterator[str]:
        for number, raw in enumerate(self._file, start=1):
            self.bytes_read += len(raw)
            try:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError:
                raise ValueError(f"{self._path}:{number}: not UTF-8 text") from None


def _rows(lines: _Lines, path: Path, importer: Importer[RowT],
          report: ImportReport) -> Iterator[RowT]:
    reader = csv.DictReader(lines)
    missing = REQUIRED - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"{path}:1: the header lacks {', '.join(sorted(missing))}")
    for raw in reader:
        line = reader.line_num
        value = {key: (raw.get(key) or "").strip() for key in importer.columns}
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
        if found is None:
            record = importer.new(row)
            owners.add(record)
            news.append(record)
            report.added += 1
        else:
            importer.merge(found, row, owners)
            report.merged += 1
    await importer.save(session, [record for record in known if record.changed], news)


async def run_import(sessions: async_sessionmaker[AsyncSession], path: Path,
                     importer: Importer[RowT], *,
                     progress: ProgressCallback | None = None,
                     batch_size: int = BATCH) -> ImportReport:
    """Import a CSV file; each batch commits, so a failure keeps what went before."""
    report = ImportReport()
    total = path.stat().st_size
    with path.open("rb") as file:
        lines = _Lines(file, path)
        for batch in _batches(_rows(lines, path, importer, report), batch_size):
            async with sessions() as session, session.begin():
                await _store(session, importer, batch, report)
            if progress is not None:
                progress(Progress(report.rows, lines.bytes_read, total))
    report.bad.sort()  # checks against the database report a batch's rows after parsing
    if progress is not None:
        progress(Progress(report.rows, total, total))
    return report


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
                writer.writerow(["" if value is None else value for value in convert(row[1:])])
    return records


# -- contacts ----------------------------------------------------------------

COLUMNS = ("first_name", "last_name", "phone", "email", "language", "do_not_call")
_YES = frozenset({"1", "true", "yes", "y"})
#: the contact's own columns an import fills (its phones are rows of their own)
_CONTACT = ("first_name", "last_name", "email", "language", "do_not_call")


@dataclass(frozen=True)
class ContactRow(PersonRow):
    language: str | None
    do_not_call: bool


class ContactImporter(Importer[ContactRow]):
    columns = COLUMNS

    def parse(self, line: int, value: dict[str, str]) -> ContactRow:
        return ContactRow(**person(line, value, Contact.__table__),
                          language=value["language"] or None,
                          do_not_call=value["do_not_call"].lower() in _YES)

    async def known(self, session: AsyncSession, batch: list[ContactRow]) -> list[Record]:
        phones = {row.phone for row in batch if row.phone}
        emails = {row.email for row in batch if row.email}
        # two indexed lookups, not one OR across a join (which scans as the table grows)
        ids = set(await session.scalars(
            select(ContactPhone.contact_id).where(ContactPhone.e164.in_(phones))))
        ids.update(await session.scalars(select(Contact.id).where(Contact.email.in_(emails))))
        columns = [getattr(Contact, name) for name in _CONTACT]
        records = {row[0]: Record(dict(zip(_CONTACT, row[1:], strict=True)), id=row[0])
                   for row in await session.execute(
                       select(Contact.id, *columns).where(Contact.id.in_(ids))
                       .order_by(Contact.id))}
        for contact_id, e164 in await session.execute(
                select(ContactPhone.contact_id, ContactPhone.e164)
                .where(ContactPhone.contact_id.in_(ids)).order_by(ContactPhone.id)):
            records[contact_id].phones.append(e164)
            records[contact_id].stored_phones += 1
        return list(records.values())

    def new(self, row: ContactRow) -> Record:
        return Record({"first_name": row.first_name, "last_name": row.last_name,
                       "email": row.email, "language": row.language,
                       "do_not_call": row.do_not_call}, [row.phone] if row.phone else [])

    def merge(self, record: Record, row: ContactRow, owners: Owners) -> None:
        merge_person(record, row, owners, max_phones=sys.maxsize)
        record.fill("language", row.language)
        if row.do_not_call:  # a do-not-call flag is never lost
            record.fill("do_not_call", True)

    async def save(self, session: AsyncSession, changed: list[Record],
                   news: list[Record]) -> None:
        if changed:
            await session.execute(update(Contact), [
                {"id": record.id, **{name: record.values[name] for name in _CONTACT}}
                for record in changed])
        await _insert_contacts(session, news)
        phones = [{"contact_id": record.id, "e164": phone, "kind": "mobile"}
                  for record in (*changed, *news) for phone in record.phones[record.stored_phones:]]
        if phones:
            await session.execute(insert(ContactPhone), phones)


async def _insert_contacts(session: AsyncSession, news: list[Record]) -> None:
    """One INSERT for the batch's new contacts (not one per row); sets their ids."""
    # Rows with an e-mail (unique in the batch) are matched to their ids by it, so the
    # INSERT needs no ordered RETURNING, which SQLAlchemy would run row by row on SQLite.
    with_email = [record for record in news if record.values["email"]]
    without = [record for record in news if not record.values["email"]]
    extra = {"vip": False, "consent_marketing": False}
    if with_email:
        returned = await session.execute(insert(Contact).returning(Contact.id, Contact.email),
                                         [{**record.values, **extra} for record in with_email])
        id_of = {email: contact_id for contact_id, email in returned}
        for record in with_email:
            record.id = id_of[record.values["email"]]
    if without:
        ids = (await session.scalars(
            insert(Contact).returning(Contact.id, sort_by_parameter_order=True),
            [{**record.values, **extra} for record in without])).all()
        for record, contact_id in zip(without, ids, strict=True):
            record.id = contact_id


async def import_contacts(sessions: async_sessionmaker[AsyncSession], path: Path, *,
                          progress: ProgressCallback | None = None,
                          batch_size: int = BATCH) -> ImportReport:
    """Import a contacts CSV (``COLUMNS``); see the module's docstring."""
    return await run_import(sessions, path, ContactImporter(), progress=progress,
                            batch_size=batch_size)


async def export_contacts(sessions: async_sessionmaker[AsyncSession], path: Path) -> int:
    """Write every contact (one line per phone number, or one without) to a CSV."""
    query = (select(Contact.id, Contact.first_name, Contact.last_name, ContactPhone.e164,
                    Contact.email, Contact.language, Contact.do_not_call)
             .outerjoin(ContactPhone, ContactPhone.contact_id == Contact.id)
             .order_by(Contact.id, ContactPhone.id))
    return await export_rows(sessions, path, COLUMNS, query,
                             lambda row: (*row[:5], "yes" if row[5] else "no"))
