"""One generic store for the CRM's tables: list, read, create, update, delete.

An ``Entity`` says what the store may touch in one table: the fields it reads
and audits, the foreign keys it checks before writing (so a missing row is an
error naming the field, on SQLite as on PostgreSQL, not an IntegrityError),
the unique fields, and the table's own rules (``crm_core.record_rules``).
Every write and its audit entry share one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, delete, exists, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm.interfaces import ORMOption

from crm_core.audit import AuditLog, diff
from crm_core.listing import ListQuery, fetch_page
from crm_core.models import Base


class NotFound(LookupError):
    """No row with that id."""


class Rejected(ValueError):
    """A write that cannot be made as asked; ``field`` names the input at fault."""

    def __init__(self, field: str, reason: str, *, status: int = 422) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.status = status  # 422 for bad input, 409 for a clash with other rows


@dataclass(frozen=True, slots=True)
class Write:
    """What a table's rule knows about the write it takes part in."""

    session: AsyncSession
    username: str | None
    now: dt.datetime
    action: str  # create or update


Rule = Callable[[Write, Any, dict[str, Any]], Awaitable[None]]


def assign(row: Base, values: Mapping[str, Any]) -> None:
    """The default rule: each value to the column of the same name."""
    for name, value in values.items():
        setattr(row, name, value)


@dataclass(frozen=True, kw_only=True)
class Entity:
    name: str
    model: type[Base]
    #: columns read by the API and recorded in the audit log
    fields: tuple[str, ...]
    #: columns recorded (masked) in the audit log but never read
    secret: tuple[str, ...] = ()
    #: input field -> the table whose id it must name
    references: Mapping[str, type[Base]] = field(default_factory=dict)
    unique: tuple[str, ...] = ()
    #: eager loads for the relationships that ``extra`` reads
    load: tuple[ORMOption, ...] = ()
    extra: Callable[[Any], dict[str, Any]] | None = None
    #: fields of ``extra`` left out of the audit log (a history that records itself)
    unaudited: tuple[str, ...] = ()
    #: sets the row from validated input; ``assign`` unless the table has rules
    rule: Rule | None = None

    def dump(self, row: Base) -> dict[str, Any]:
        values = {name: getattr(row, name) for name in self.fields}
        return values | (self.extra(row) if self.extra else {})

    def audited(self, row: Base) -> dict[str, Any]:
        values = self.dump(row) | {name: getattr(row, name) for name in self.secret}
        return {name: value for name, value in values.items() if name not in self.unaudited}


def _referrers(table: Table) -> list[tuple[Table, str, bool]]:
    """(table, column, cascades) for every foreign key that points at ``table``."""
    found = []
    for other in Base.metadata.tables.values():
        for key in other.foreign_keys:
            if key.column.table is table:
                found.append((other, key.parent.name, key.ondelete == "CASCADE"))
    return found


class RecordService:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def page(self, entity: Entity, query: ListQuery) -> tuple[list[dict[str, Any]], int]:
        async with self._sessions() as session:
            page = await fetch_page(session, entity.model, query, entity.load)
            return [entity.dump(row) for row in page.rows], page.total

    async def get(self, entity: Entity, row_id: int) -> dict[str, Any]:
        async with self._sessions() as session:
            return entity.dump(await self._row(session, entity, row_id))

    async def create(self, entity: Entity, values: dict[str, Any],
                     username: str | None) -> dict[str, Any]:
        async with self._sessions() as session, session.begin():
            await self._check(session, entity, values, None)
            row = entity.model()
            write = Write(session, username, dt.datetime.now(dt.UTC), "create")
            await (entity.rule or _assign)(write, row, values)
            session.add(row)
            await _flush(session)
            # server defaults (created_at) without touching the relationships the rule set
            await session.refresh(row, attribute_names=inspect(entity.model).columns.keys())
            await AuditLog(session).record(
                username=username, action="create", entity=entity.name,
                entity_id=_identity(row), changes=diff({}, entity.audited(row)), at=write.now)
            return entity.dump(row)

    async def update(self, entity: Entity, row_id: int, values: dict[str, Any],
                     username: str | None) -> dict[str, Any]:
        async with self._sessions() as session, session.begin():
            row = await self._row(session, entity, row_id)
            await self._check(session, entity, values, row_id)
            before = entity.audited(row)
            write = Write(session, username, dt.datetime.now(dt.UTC), "update")
            await (entity.rule or _assign)(write, row, values)
            await _flush(session)
            changes = diff(before, entity.audited(row))
            if changes:
                await AuditLog(session).record(
                    username=username, action="update", entity=entity.name, entity_id=row_id,
                    changes=changes, at=write.now)
            return entity.dump(row)

    async def delete(self, entity: Entity, row_id: int, username: str | None) -> None:
        async with self._sessions() as session, session.begin():
            row = await self._row(session, entity, row_id)
            table = entity.model.__table__
            assert isinstance(table, Table)
            cascades = await self._unreferenced(session, table, row_id)
            before = entity.audited(row)
            await session.delete(row)
            await _flush(session)
            # PostgreSQL cascades by itself; SQLite does not enforce foreign keys here
            for other, column in cascades:
                await session.execute(delete(other).where(other.c[column] == row_id))
            await AuditLog(session).record(username=username, action="delete",
                                           entity=entity.name, entity_id=row_id,
                                           changes=diff(before, {}))

    @staticmethod
    async def _row(session: AsyncSession, entity: Entity, row_id: int) -> Any:
        row = await session.get(entity.model, row_id, options=entity.load)
        if row is None:
            raise NotFound(f"no {entity.name} with id {row_id}")
        return row

    @staticmethod
    async def _check(session: AsyncSession, entity: Entity, values: Mapping[str, Any],
                     row_id: int | None) -> None:
        """Foreign keys name existing rows, and unique fields are not taken."""
        for name, target in entity.references.items():
            value = values.get(name)
            target_id = getattr(target, "id")  # noqa: B009 - not on Base
            if value is not None and not await session.scalar(
                    select(exists().where(target_id == value))):
                raise Rejected(name, f"no {target.__tablename__} row with id {value}")
        for name in entity.unique:
            if name not in values:
                continue
            column = getattr(entity.model, name)
            identity = getattr(entity.model, "id")  # noqa: B009 - not on Base
            query = exists().where(column == values[name], identity != (row_id or -1))
            if await session.scalar(select(query)):
                raise Rejected(name, f"{values[name]!r} is already taken", status=409)

    @staticmethod
    async def _unreferenced(session: AsyncSession, table: Table,
                            row_id: int) -> list[tuple[Table, str]]:
        """Refuse while other rows point here; return the tables that cascade."""
        cascades = []
        for other, column, cascade in _referrers(table):
            if cascade:
                cascades.append((other, column))
            elif await session.scalar(select(exists().where(other.c[column] == row_id))):
                raise Rejected("id", f"still referred to by {other.name}.{column}",
                               status=409)
        return cascades


async def _assign(write: Write, row: Any, values: dict[str, Any]) -> None:
    assign(row, values)


def _identity(row: Any) -> int:
    value: int = row.id
    return value


async def _flush(session: AsyncSession) -> None:
    """Flush; a constraint the checks could not foresee (a race) is a 409, not a 500."""
    try:
        await session.flush()
    except IntegrityError as exc:
        raise Rejected("id", "conflicts with other rows", status=409) from exc
