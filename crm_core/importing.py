"""CSV import and export of contacts, streamed: a million rows never sit in memory.

Rows are read with ``csv.DictReader`` and written in batches. Phone numbers
become E.164; a row whose phone or e-mail belongs to a contact already known (in
the database or earlier in the file) is merged into that contact instead of
making a duplicate. A bad row is reported with its line number and reason, and
the good rows around it are kept.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from crm_core.models import Contact, ContactPhone
from crm_core.phones import InvalidPhoneNumber, to_e164

COLUMNS = ("first_name", "last_name", "phone", "email", "language", "do_not_call")
BATCH = 1000
_TRUE = {"1", "true", "yes", "y"}


@dataclass
class ImportReport:
    added: int = 0
    merged: int = 0
    bad: list[tuple[int, str]] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.added + self.merged + len(self.bad)


@dataclass(frozen=True)
class _Row:
    line: int
    first_name: str
    last_name: str
    phone: str | None
    email: str | None
    language: str | None
    do_not_call: bool


def _parse(line: int, raw: dict[str, str | None]) -> _Row:
    value = {key: (raw.get(key) or "").strip() for key in COLUMNS}
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
    return _Row(line, value["first_name"], value["last_name"], phone, email,
                value["language"] or None, value["do_not_call"].lower() in _TRUE)


def _rows(path: Path, report: ImportReport) -> Iterator[_Row]:
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.DictReader(file)
        missing = {"first_name", "last_name"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}:1: the header lacks {', '.join(sorted(missing))}")
        for raw in reader:
            line = reader.line_num
            try:
                yield _parse(line, raw)
            except ValueError as exc:
                report.bad.append((line, str(exc)))


def _batches(rows: Iterator[_Row], size: int) -> Iterator[list[_Row]]:
    batch: list[_Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


async def _known(session: AsyncSession, batch: list[_Row]) -> tuple[dict[str, Contact],
                                                                      dict[str, Contact]]:
    phones = {row.phone for row in batch if row.phone}
    emails = {row.email for row in batch if row.email}
    # two indexed lookups, not one OR across a join (which scans as the table grows)
    ids = set(await session.scalars(
        select(ContactPhone.contact_id).where(ContactPhone.e164.in_(phones))))
    ids.update(await session.scalars(select(Contact.id).where(Contact.email.in_(emails))))
    query = select(Contact).where(Contact.id.in_(ids)).options(selectinload(Contact.phones))
    by_phone: dict[str, Contact] = {}
    by_email: dict[str, Contact] = {}
    for contact in (await session.scalars(query)).unique():
        by_phone.update({phone.e164: contact for phone in contact.phones})
        if contact.email:
            by_email[contact.email] = contact
    return by_phone, by_email


def _merge(contact: Contact, row: _Row) -> None:
    """Fill what the contact lacks; never overwrite what it has."""
    contact.first_name = contact.first_name or row.first_name
    contact.last_name = contact.last_name or row.last_name
    contact.email = contact.email or row.email
    contact.language = contact.language or row.language
    contact.do_not_call = contact.do_not_call or row.do_not_call
    if row.phone and row.phone not in {phone.e164 for phone in contact.phones}:
        contact.phones.append(ContactPhone(e164=row.phone))


@dataclass
class _New:
    """A contact this batch creates; later rows of the batch may merge into it."""

    values: dict[str, object]
    phones: list[str]


def _merge_new(new: _New, row: _Row, *, take_email: bool) -> None:
    keys = ("first_name", "last_name", "email", "language") if take_email else (
        "first_name", "last_name", "language")
    for key in keys:
        new.values[key] = new.values[key] or getattr(row, key)
    new.values["do_not_call"] = bool(new.values["do_not_call"]) or row.do_not_call
    if row.phone and row.phone not in new.phones:
        new.phones.append(row.phone)


async def _insert(session: AsyncSession, news: list[_New]) -> None:
    """One INSERT for the batch's contacts and one for their phones (not one per row)."""
    # Rows with an e-mail (unique in the batch) are matched to their ids by it, so the
    # INSERT needs no ordered RETURNING, which SQLAlchemy would run row by row on SQLite.
    with_email = [new for new in news if new.values["email"]]
    without = [new for new in news if not new.values["email"]]
    created: list[tuple[int, _New]] = []
    if with_email:
        returned = (await session.execute(insert(Contact).returning(Contact.id, Contact.email),
                                          [new.values for new in with_email])).all()
        id_of = {email: contact_id for contact_id, email in returned}
        created += [(id_of[str(new.values["email"])], new) for new in with_email]
    if without:
        ids = (await session.scalars(
            insert(Contact).returning(Contact.id, sort_by_parameter_order=True),
            [new.values for new in without])).all()
        created += list(zip(ids, without, strict=True))
    phones = [{"contact_id": contact_id, "e164": phone, "kind": "mobile"}
              for contact_id, new in created for phone in new.phones]
    if phones:
        await session.execute(insert(ContactPhone), phones)


async def _store(session: AsyncSession, batch: list[_Row], report: ImportReport) -> None:
    by_phone, by_email = await _known(session, batch)
    new_by_phone: dict[str, _New] = {}
    new_by_email: dict[str, _New] = {}
    news: list[_New] = []
    for row in batch:
        known = (by_phone.get(row.phone) if row.phone else None) or (
            by_email.get(row.email) if row.email else None)
        pending = (new_by_phone.get(row.phone) if row.phone else None) or (
            new_by_email.get(row.email) if row.email else None)
        if known is not None:
            _merge(known, row)
            report.merged += 1
            continue
        if pending is not None:
            # an e-mail already taken by another new contact of the batch stays there
            owner = new_by_email.get(row.email) if row.email else None
            _merge_new(pending, row, take_email=owner in (None, pending))
            report.merged += 1
        else:
            pending = _New({"first_name": row.first_name, "last_name": row.last_name,
                            "email": row.email, "language": row.language,
                            "do_not_call": row.do_not_call, "vip": False,
                            "consent_marketing": False},
                           [row.phone] if row.phone else [])
            news.append(pending)
            report.added += 1
        if row.phone:
            new_by_phone[row.phone] = pending
        if row.email and row.email not in new_by_email:
            new_by_email[row.email] = pending
    await session.flush()  # the merges into known contacts
    await _insert(session, news)


async def import_contacts(sessions: async_sessionmaker[AsyncSession], path: Path, *,
                          progress: Callable[[int], None] | None = None,
                          batch_size: int = BATCH) -> ImportReport:
    """Import a contacts CSV; each batch commits, so a failure keeps what went before."""
    report = ImportReport()
    for batch in _batches(_rows(path, report), batch_size):
        async with sessions() as session, session.begin():
            await _store(session, batch, report)
        if progress is not None:
            progress(report.rows)
    if progress is not None:
        progress(report.rows)
    return report


async def export_contacts(sessions: async_sessionmaker[AsyncSession], path: Path) -> int:
    """Write every contact (one row per phone number, or one without) to a CSV."""
    written = 0
    async with sessions() as session:
        query = select(Contact).options(selectinload(Contact.phones)).order_by(Contact.id)
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(COLUMNS)
            async for contact in await session.stream_scalars(query.execution_options(
                    yield_per=BATCH)):
                for phone in [p.e164 for p in contact.phones] or [""]:
                    writer.writerow((contact.first_name, contact.last_name, phone,
                                     contact.email or "", contact.language or "",
                                     "yes" if contact.do_not_call else "no"))
                written += 1
    return written
