"""CSV import and export of contacts, on the streamed import that leads use too.

A contact may have several phone numbers: a row whose phone is new to a known
contact adds it. Do-not-call takes only the spellings of ``csv_cells.flag``; an
empty cell (or no such column) says nothing: a new contact is not barred, as one
made anywhere else is not, and a stored bar is never lifted by an import, whatever
the cell says.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.csv_cells import flag
from crm_core.exporting import export_rows
from crm_core.import_merge import Owners, Record, merge_person
from crm_core.import_rows import PersonRow, person
from crm_core.importing import BATCH, Importer, ImportReport, ProgressCallback, run_import
from crm_core.models import Contact, ContactPhone

COLUMNS = ("first_name", "last_name", "phone", "email", "language", "do_not_call")
#: the contact's own columns an import fills (its phones are rows of their own)
_CONTACT = ("first_name", "last_name", "email", "language", "do_not_call")


@dataclass(frozen=True)
class ContactRow(PersonRow):
    language: str | None
    #: None when the cell is empty: it says nothing either way
    do_not_call: bool | None


class ContactImporter(Importer[ContactRow]):
    columns = COLUMNS
    noun = "contact"

    def parse(self, line: int, value: dict[str, str]) -> ContactRow:
        return ContactRow(**person(line, value, Contact.__table__),
                          language=value["language"] or None,
                          do_not_call=flag("do_not_call", value["do_not_call"]))

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
                       "do_not_call": bool(row.do_not_call)}, [row.phone] if row.phone else [])

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
    """Import a contacts CSV (``COLUMNS``); see ``importing`` and this module's docstring."""
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
