"""The audit log: who changed which row, when, and each field before and after.

Entries are written by the same session, inside the same transaction, as the
change they describe, so a change and its entry are kept or rolled back
together. Secret fields (password hashes) are never written: their values
show as ``***``, so that the log still says that they changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.models import AuditEntry

#: fields whose values never reach the log, whatever the entity
SECRET_FIELDS = frozenset({"password", "password_hash"})
MASK = "***"
ACTIONS = ("create", "update", "delete", "import")

Snapshot = Mapping[str, Any]
Changes = dict[str, dict[str, Any]]


def utc(value: dt.datetime) -> dt.datetime:
    """Aware and in UTC; SQLite hands back naive datetimes that were stored in UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def jsonable(value: Any) -> Any:
    """A column's value as JSON: exact decimals as strings, times in ISO 8601 UTC."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return utc(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    return value


def _comparable(value: Any) -> Any:
    """Equal values compare equal: 2.5 and 2.50, a naive UTC time and an aware one."""
    return utc(value) if isinstance(value, dt.datetime) else value


def diff(before: Snapshot, after: Snapshot) -> Changes:
    """The fields whose values differ; a field missing on one side counts as None."""
    changes: Changes = {}
    for field in sorted(set(before) | set(after)):
        old, new = before.get(field), after.get(field)
        if _comparable(old) != _comparable(new):
            changes[field] = {"before": jsonable(old), "after": jsonable(new)}
    return changes


def masked(changes: Changes) -> Changes:
    """The same changes with the values of secret fields replaced by ``***``."""
    out: Changes = {}
    for field, values in changes.items():
        if field in SECRET_FIELDS:
            values = {side: None if value is None else MASK for side, value in values.items()}
        out[field] = values
    return out


class AuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, *, username: str | None, action: str, entity: str,
                     entity_id: int | None, changes: Changes,
                     at: dt.datetime | None = None) -> AuditEntry:
        """Add an entry to the caller's transaction (flushed with it, committed with it)."""
        if action not in ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        entry = AuditEntry(at=at or dt.datetime.now(dt.UTC), username=username, action=action,
                           entity=entity, entity_id=entity_id, changes=masked(changes))
        self.session.add(entry)
        return entry
