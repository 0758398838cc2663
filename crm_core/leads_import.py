"""CSV import and export of leads, on the streamed import that contacts use.

A lead has one phone number and one e-mail, matched like a contact's: a row
whose phone or e-mail is a known lead's fills what that lead lacks. Its score
keeps the higher value (someone who shows interest twice is not less likely to
buy), its status and source keep the first. The product is named by its SKU; an
unknown SKU makes the row bad, like a malformed phone number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.csv_cells import shown
from crm_core.exporting import export_rows
from crm_core.import_merge import Owners, Record, merge_person
from crm_core.import_rows import PersonRow, person
from crm_core.importing import BATCH, Importer, ImportReport, ProgressCallback, run_import
from crm_core.models import LEAD_STATUSES, Lead, Product

COLUMNS = ("first_name", "last_name", "company", "email", "phone", "source", "status",
           "score", "product")
DEFAULT_SOURCE = "import"
#: the lead's own columns an import fills (its phone is kept apart, as a matching key)
_LEAD = ("first_name", "last_name", "company", "email", "source", "status", "score",
         "product_id")


@dataclass(frozen=True)
class LeadRow(PersonRow):
    company: str | None
    source: str
    status: str
    score: int
    sku: str | None
    product_id: int | None = None


def _status(text: str) -> str:
    status = text.lower() or "new"
    if status not in LEAD_STATUSES:
        raise ValueError(f"status {shown(text)} is not one of {', '.join(LEAD_STATUSES)}")
    return status


def _score(text: str) -> int:
    if not text:
        return 0
    digits = text.isascii() and text.isdigit()
    if not digits or len(text.lstrip("0")) > 3 or int(text) > 100:  # no int() of 10k digits
        raise ValueError(f"score {shown(text)} is not a whole number from 0 to 100")
    return int(text)


class LeadImporter(Importer[LeadRow]):
    columns = COLUMNS
    noun = "lead"

    def __init__(self, imported_at: dt.datetime) -> None:
        self._imported_at = imported_at

    def parse(self, line: int, value: dict[str, str]) -> LeadRow:
        return LeadRow(**person(line, value, Lead.__table__), company=value["company"] or None,
                       source=value["source"] or DEFAULT_SOURCE, status=_status(value["status"]),
                       score=_score(value["score"]), sku=value["product"] or None)

    async def check(self, session: AsyncSession, batch: list[LeadRow],
                    report: ImportReport) -> list[LeadRow]:
        skus = {row.sku for row in batch if row.sku}
        product_of = {sku: product_id for sku, product_id in await session.execute(
            select(Product.sku, Product.id).where(Product.sku.in_(skus)))}
        good = []
        for row in batch:
            if row.sku is None:
                good.append(row)
            elif row.sku in product_of:
                good.append(replace(row, product_id=product_of[row.sku]))
            else:
                report.bad.append((row.line, f"product {shown(row.sku)} is not a known SKU"))
        return good

    async def known(self, session: AsyncSession, batch: list[LeadRow]) -> list[Record]:
        phones = {row.phone for row in batch if row.phone}
        emails = {row.email for row in batch if row.email}
        columns = [getattr(Lead, name) for name in _LEAD]
        query = (select(Lead.id, Lead.phone, *columns)
                 .where(or_(Lead.phone.in_(phones), Lead.email.in_(emails))).order_by(Lead.id))
        return [Record(dict(zip(_LEAD, row[2:], strict=True)), [row[1]] if row[1] else [],
                       id=row[0], stored_phones=1 if row[1] else 0)
                for row in await session.execute(query)]

    def new(self, row: LeadRow) -> Record:
        values: dict[str, Any] = {name: getattr(row, name) for name in _LEAD}
        return Record(values, [row.phone] if row.phone else [])

    def merge(self, record: Record, row: LeadRow, owners: Owners) -> None:
        merge_person(record, row, owners, max_phones=1)
        record.fill("company", row.company)
        record.fill("product_id", row.product_id)
        if row.score > record.values["score"]:
            record.values["score"] = row.score
            record.changed = True

    async def save(self, session: AsyncSession, changed: list[Record],
                   news: list[Record]) -> None:
        if changed:
            await session.execute(update(Lead), [_lead(record) | {"id": record.id}
                                                 for record in changed])
        if news:
            # set here: the migration's server default for created_at is PostgreSQL's now()
            await session.execute(insert(Lead), [_lead(record) | {
                "created_at": self._imported_at} for record in news])


def _lead(record: Record) -> dict[str, Any]:
    return {**record.values, "phone": record.phones[0] if record.phones else None}


async def import_leads(sessions: async_sessionmaker[AsyncSession], path: Path, *,
                       progress: ProgressCallback | None = None, batch_size: int = BATCH,
                       imported_at: dt.datetime | None = None) -> ImportReport:
    """Import a leads CSV (``COLUMNS``); new leads are created at ``imported_at`` (now)."""
    importer = LeadImporter(imported_at or dt.datetime.now(dt.UTC))
    return await run_import(sessions, path, importer, progress=progress, batch_size=batch_size)


async def export_leads(sessions: async_sessionmaker[AsyncSession], path: Path) -> int:
    """Write every lead to a CSV that ``import_leads`` reads back."""
    query = (select(Lead.id, Lead.first_name, Lead.last_name, Lead.company, Lead.email,
                    Lead.phone, Lead.source, Lead.status, Lead.score, Product.sku)
             .outerjoin(Product, Product.id == Lead.product_id).order_by(Lead.id))
    return await export_rows(sessions, path, COLUMNS, query, tuple)

