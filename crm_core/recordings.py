"""The CRM's side of call recordings: the call a recording belongs to, and the audit
log's entries for each recording played and each one deleted by retention.

A deleted recording keeps its name on the interaction; the audit log says when it
was deleted and why, so that the call's record shows "deleted by retention" rather
than a link to nothing, and the deletion itself is on the record. A play is an
entry too (entity ``recording_play``): who heard which call's recording, when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.audit import AuditLog, utc
from crm_core.models import AuditEntry, Interaction

#: the audit log's entities: a recording deleted, a recording played
DELETED, PLAYED = "recording", "recording_play"
#: why a recording was deleted (the only reason the platform deletes one)
RETENTION = "retention"

_CALL = (Interaction.id, Interaction.call_id, Interaction.recording, Interaction.queue,
         Interaction.agent, Interaction.parties, Interaction.started_at,
         Interaction.engine)


async def recorded_call(sessions: async_sessionmaker[AsyncSession],
                        interaction_id: int) -> dict[str, Any] | None:
    """The interaction's facts a recording's rule needs; None if it has no recording."""
    async with sessions() as session:
        row = (await session.execute(select(*_CALL).where(
            Interaction.id == interaction_id))).mappings().first()
    return dict(row) if row is not None and row["recording"] else None


async def deleted_at(sessions: async_sessionmaker[AsyncSession],
                     interaction_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each of these interactions' recordings was deleted, for those that were."""
    ids = sorted(set(interaction_ids))
    if not ids:
        return {}
    query = (select(AuditEntry.entity_id, AuditEntry.at)
             .where(AuditEntry.entity == DELETED, AuditEntry.action == "delete",
                    AuditEntry.entity_id.in_(ids)))
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    return {int(entity_id): utc(at) for entity_id, at in rows if entity_id is not None}


async def record_deletions(sessions: async_sessionmaker[AsyncSession],
                           deleted: Sequence[tuple[str, float]], *,
                           now: dt.datetime, days: int,
                           remove: Callable[[str], bool]) -> list[str]:
    """Delete recordings with ``remove`` and write one audit entry for each one it
    deleted (its name and when it was last written), linked to its interaction where
    one names it; the names deleted.

    The entries are flushed first, so a database that refuses them leaves every file
    in place; a file ``remove`` could not delete (False: gone already, or refused)
    gets no entry, so the log never says a recording was deleted that is still
    there, nor says it twice."""
    if not deleted:
        return []
    names = [name for name, _written in deleted]
    async with sessions() as session, session.begin():
        owners = dict((await session.execute(
            select(Interaction.recording, Interaction.id)
            .where(Interaction.recording.in_(names)))).all())
        log = AuditLog(session)
        entries = [await log.record(
            username=None, action="delete", entity=DELETED, entity_id=owners.get(name),
            at=now, changes={
                "recording": {"before": name, "after": None},
                "written_at": {"before": _iso(written), "after": None},
                "reason": {"before": None, "after": f"{RETENTION}: {days} days"}})
            for name, written in deleted]
        await session.flush()
        gone = []
        for (name, _written), entry in zip(deleted, entries, strict=True):
            if remove(name):
                gone.append(name)
            else:
                await session.delete(entry)
    return gone


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


async def record_play(sessions: async_sessionmaker[AsyncSession], *, username: str,
                      interaction_id: int, recording: str, call_id: str | None,
                      now: dt.datetime) -> None:
    """Who played which call's recording, and when."""
    async with sessions() as session, session.begin():
        await AuditLog(session).record(
            username=username, action="create", entity=PLAYED, entity_id=interaction_id,
            at=now, changes={"recording": {"before": None, "after": recording},
                             "call_id": {"before": None, "after": call_id}})
