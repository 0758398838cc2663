"""The CRM's side of call recordings: the call a recording belongs to, its recorded
parts, and the audit log's entries for each recording played and each one deleted by
retention.

A call keeps every part that was recorded (``call_recordings``: one per agent who had
it on a queue that records, a transferred call's first part included), in order, with
the agent who took it and when. A call written before the parts were kept has one
part: the interaction's ``recording``, with its agent and queue, from the call's start
(``started_at``, with the call's facts). Those times are what the rule compares with
when a user was given their agent id (``users.agent_since``).

A deleted recording keeps its name; the audit log says when it was deleted and why,
so that the call's record shows "deleted by retention" for that part rather than a
link to nothing, and the deletion itself is on the record. A play is an entry too
(entity ``recording_play``): who heard which recording of which call, when.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.audit import AuditLog, utc
from crm_core.models import AuditEntry, CallRecording, Interaction

#: the audit log's entities: a recording deleted, a recording played
DELETED, PLAYED = "recording", "recording_play"
#: why a recording was deleted (the only reason the platform deletes one)
RETENTION = "retention"

_CALL = (Interaction.id, Interaction.call_id, Interaction.recording, Interaction.queue,
         Interaction.agent, Interaction.parties, Interaction.started_at,
         Interaction.engine)
_PART = (CallRecording.interaction_id, CallRecording.part, CallRecording.name,
         CallRecording.agent, CallRecording.queue, CallRecording.started_at)
Part = dict[str, Any]


async def recorded_call(sessions: async_sessionmaker[AsyncSession],
                        interaction_id: int) -> dict[str, Any] | None:
    """The interaction's facts a recording's rule needs, with its ``parts``; None if it
    has no recording."""
    async with sessions() as session:
        row = (await session.execute(select(*_CALL).where(
            Interaction.id == interaction_id))).mappings().first()
    if row is None or not row["recording"]:
        return None
    call = dict(row)
    parts = await recorded_parts(sessions, [call])
    return {**call, "parts": parts.get(interaction_id, [])}


async def recorded_parts(sessions: async_sessionmaker[AsyncSession],
                         calls: Sequence[Mapping[str, Any]]) -> dict[int, list[Part]]:
    """Each call's recorded parts, first to last (``part``, ``name``, ``agent``,
    ``queue``, ``started_at``), for rows of interactions (``id``, ``recording``,
    ``agent``, ``queue``); a call written before parts were kept has its one."""
    ids = sorted({int(call["id"]) for call in calls if call.get("recording")})
    found: dict[int, list[Part]] = {}
    for start in range(0, len(ids), 500):
        query = (select(*_PART).where(CallRecording.interaction_id.in_(ids[start:start + 500]))
                 .order_by(CallRecording.interaction_id, CallRecording.part))
        async with sessions() as session:
            for row in (await session.execute(query)).mappings():
                part = {key: row[key] for key in ("part", "name", "agent", "queue")}
                at = row["started_at"]
                part["started_at"] = None if at is None else utc(at).isoformat()
                found.setdefault(int(row["interaction_id"]), []).append(part)
    for call in calls:
        if call.get("recording") and int(call["id"]) not in found:
            found[int(call["id"])] = [{"part": 1, "name": call["recording"],
                                       "agent": call.get("agent"), "queue": call.get("queue"),
                                       "started_at": None}]
    return found


async def write_parts(session: AsyncSession,
                      parts: Mapping[str, Sequence[Mapping[str, object]]]) -> None:
    """The recorded parts of calls just written (call id -> its parts, in order: ``name``,
    ``agent``, ``queue``, ``started`` in ISO 8601), in the caller's transaction."""
    if not parts:
        return
    ids = dict((await session.execute(select(Interaction.call_id, Interaction.id).where(
        Interaction.call_id.in_(list(parts))))).all())
    rows = [{"interaction_id": ids[call_id], "part": number, "name": str(part["name"])[:255],
             "agent": _text(part.get("agent")), "queue": _text(part.get("queue")),
             "started_at": _moment(part.get("started"))}
            for call_id, recorded in parts.items() if call_id in ids
            for number, part in enumerate(recorded, start=1)]
    if rows:
        await session.execute(insert(CallRecording), rows)


def _text(value: object) -> str | None:
    return str(value)[:64] if value else None


def _moment(value: object) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    return dt.datetime.fromisoformat(value) if isinstance(value, str) and value else None


async def deleted_parts(sessions: async_sessionmaker[AsyncSession],
                        interaction_ids: Iterable[int]) -> dict[int, dict[str, dt.datetime]]:
    """Which of these interactions' recordings were deleted, by name, and when."""
    ids = sorted(set(interaction_ids))
    if not ids:
        return {}
    query = (select(AuditEntry.entity_id, AuditEntry.at, AuditEntry.changes)
             .where(AuditEntry.entity == DELETED, AuditEntry.action == "delete",
                    AuditEntry.entity_id.in_(ids)))
    async with sessions() as session:
        rows = (await session.execute(query)).all()
    found: dict[int, dict[str, dt.datetime]] = {}
    for entity_id, at, changes in rows:
        name = ((changes or {}).get("recording") or {}).get("before")
        if entity_id is not None and isinstance(name, str):
            found.setdefault(int(entity_id), {})[name] = utc(at)
    return found


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
        owners = await _owners(session, names)
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


async def _owners(session: AsyncSession, names: list[str]) -> dict[str, int]:
    """The interaction each recording is a part of (or, written before parts were
    kept, the last recording of)."""
    owners: dict[str, int] = {}
    for start in range(0, len(names), 500):
        some = names[start:start + 500]
        owners.update((str(name), int(id_)) for name, id_ in (await session.execute(
            select(Interaction.recording, Interaction.id)
            .where(Interaction.recording.in_(some)))).all())
        owners.update((await session.execute(
            select(CallRecording.name, CallRecording.interaction_id)
            .where(CallRecording.name.in_(some)))).all())
    return owners


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).isoformat()


async def record_play(sessions: async_sessionmaker[AsyncSession], *, username: str,
                      interaction_id: int, recording: str, call_id: str | None,
                      now: dt.datetime) -> None:
    """Who played which recording of a call, and when."""
    async with sessions() as session, session.begin():
        await AuditLog(session).record(
            username=username, action="create", entity=PLAYED, entity_id=interaction_id,
            at=now, changes={"recording": {"before": None, "after": recording},
                             "call_id": {"before": None, "after": call_id}})
