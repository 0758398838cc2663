"""Voicemail messages in the CRM: written once per call from the call journal, listed for
those who may see them, assigned, handled with a disposition that goes on the
contact's timeline (docs/voicemail.md).

Writing is idempotent (``call_id`` is unique), so the outbox may offer a call again
after a crash. A change of state is written only if the message is still in the
state the caller read (``expected``): two people acting on one message at once get
one success and one ``Conflict``, never a message handled twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, false, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.audit import AuditLog, jsonable
from crm_core.models import Activity, Contact, ContactPhone, Interaction, VoicemailMessage
from crm_core.phones import try_e164

MAX_LIMIT = 200
#: the list's filter for the messages somebody still owes a call back (new, assigned)
OPEN = "open"
#: the audit log's entity of a message played (who heard which message, when)
PLAYED = "voicemail_play"


class Conflict(Exception):
    """The message changed since it was read (another person acted on it first)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewMessage:
    """A message a call left, as the journal says it."""

    call_id: str
    mailbox: str
    queue: str | None
    agent: str | None
    caller: str
    left_at: dt.datetime
    duration: float | None
    recording: str


@dataclass(frozen=True, slots=True)
class Visible:
    """Which messages a list keeps: of these queues' and agents' boxes, or assigned to
    one of ``agents``; and the viewer's ``own`` (agent id, since when it is theirs):
    their box's messages left since then and those assigned to them since then (agent
    ids are handed on: the former holder's are not the new one's)."""

    queues: frozenset[str]
    agents: frozenset[str]
    own: tuple[str, dt.datetime] | None = None


_FIELDS = (VoicemailMessage.id, VoicemailMessage.call_id, VoicemailMessage.mailbox,
           VoicemailMessage.queue, VoicemailMessage.agent, VoicemailMessage.caller,
           VoicemailMessage.contact_id, VoicemailMessage.left_at, VoicemailMessage.duration,
           VoicemailMessage.recording, VoicemailMessage.status, VoicemailMessage.assignee,
           VoicemailMessage.assigned_at, VoicemailMessage.assigned_by,
           VoicemailMessage.disposition, VoicemailMessage.notes,
           VoicemailMessage.handled_at, VoicemailMessage.handled_by,
           VoicemailMessage.overdue_at, Contact.first_name, Contact.last_name)
_QUERY = (select(*_FIELDS)
          .outerjoin(Contact, Contact.id == VoicemailMessage.contact_id))


def _row(row: Any) -> dict[str, Any]:
    data = {key: jsonable(value) for key, value in dict(row).items()}
    first, last = data.pop("first_name"), data.pop("last_name")
    data["contact_name"] = " ".join(part for part in (first, last) if part) or None
    return data


async def _contacts(session: AsyncSession, callers: set[str]) -> dict[str, int]:
    """Each caller's contact by their number (the newest contact wins, as for calls)."""
    numbers = {caller: e164 for caller in callers if (e164 := try_e164(caller))}
    if not numbers:
        return {}
    query = (select(ContactPhone.e164, ContactPhone.contact_id)
             .where(ContactPhone.e164.in_(set(numbers.values())))
             .order_by(ContactPhone.contact_id))
    found = {e164: contact for e164, contact in await session.execute(query)}
    return {caller: found[e164] for caller, e164 in numbers.items() if e164 in found}


async def record_messages(sessions: async_sessionmaker[AsyncSession],
                          messages: Sequence[NewMessage]) -> list[dict[str, Any]]:
    """Write the messages not written yet; return the new ones as the API shows them."""
    if not messages:
        return []
    async with sessions() as session, session.begin():
        ids = [message.call_id for message in messages]
        done = set(await session.scalars(select(VoicemailMessage.call_id)
                                         .where(VoicemailMessage.call_id.in_(ids))))
        fresh = {m.call_id: m for m in messages if m.call_id not in done}
        if not fresh:
            return []
        contacts = await _contacts(session, {m.caller for m in fresh.values()})
        await session.execute(insert(VoicemailMessage), [
            {"call_id": m.call_id, "mailbox": m.mailbox[:64], "queue": m.queue,
             "agent": m.agent, "caller": m.caller[:32], "contact_id": contacts.get(m.caller),
             "left_at": m.left_at, "duration": m.duration, "recording": m.recording[:255],
             "status": "new"} for m in fresh.values()])
        rows = await session.execute(_QUERY.where(VoicemailMessage.call_id.in_(list(fresh))))
        return [_row(row) for row in rows.mappings()]


def _visible(visible: Visible) -> ColumnElement[bool]:
    """``contactcenter.voicemail.access.may_see`` as a query (a NULL time keeps nothing)."""
    clauses: list[ColumnElement[bool]] = []
    if visible.queues:
        clauses.append(VoicemailMessage.queue.in_(visible.queues))
    if visible.agents:
        clauses += [VoicemailMessage.agent.in_(visible.agents),
                    VoicemailMessage.assignee.in_(visible.agents)]
    if visible.own is not None:
        agent, since = visible.own
        since = since.astimezone(dt.UTC)  # SQLite compares the times as UTC text
        clauses += [and_(VoicemailMessage.agent == agent, VoicemailMessage.left_at >= since),
                    and_(VoicemailMessage.assignee == agent,
                         VoicemailMessage.assigned_at >= since)]
    return or_(*clauses) if clauses else false()


async def list_messages(sessions: async_sessionmaker[AsyncSession], *,
                        visible: Visible | None, status: str | None = None,
                        mailbox: str | None = None, limit: int = 50,
                        offset: int = 0) -> list[dict[str, Any]]:
    """Newest first (handled ones: the last handled first); ``status`` ``open``: new
    and assigned; ``visible`` None: every message."""
    query = _QUERY
    if visible is not None:
        query = query.where(_visible(visible))
    if status == OPEN:
        query = query.where(VoicemailMessage.status != "handled")
    elif status is not None:
        query = query.where(VoicemailMessage.status == status)
    if mailbox is not None:
        query = query.where(VoicemailMessage.mailbox == mailbox)
    first = (VoicemailMessage.handled_at.desc(),) if status == "handled" else ()
    query = (query.order_by(*first, VoicemailMessage.left_at.desc(),
                            VoicemailMessage.id.desc())
             .limit(max(1, min(limit, MAX_LIMIT))).offset(max(0, offset)))
    async with sessions() as session:
        return [_row(row) for row in (await session.execute(query)).mappings()]


async def get_message(sessions: async_sessionmaker[AsyncSession],
                      message_id: int) -> dict[str, Any] | None:
    async with sessions() as session:
        row = (await session.execute(
            _QUERY.where(VoicemailMessage.id == message_id))).mappings().first()
    return None if row is None else _row(row)


async def _change(session: AsyncSession, message_id: int, expected: str,
                  holder: str | None, values: dict[str, Any]) -> None:
    """Write ``values`` only if the message is still as read: in state ``expected``
    and with ``holder`` (a reassignment meanwhile is a change too)."""
    result = await session.execute(
        update(VoicemailMessage)
        .where(VoicemailMessage.id == message_id, VoicemailMessage.status == expected,
               VoicemailMessage.assignee.is_(None) if holder is None
               else VoicemailMessage.assignee == holder)
        .values(**values))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(f"message {message_id} changed meanwhile")


async def assign(sessions: async_sessionmaker[AsyncSession], message_id: int, *,
                 expected: str, holder: str | None, assignee: str, by: str,
                 now: dt.datetime) -> dict[str, Any]:
    """Give the message to ``assignee`` (a supervisor's assignment, or an agent taking
    it: ``by`` is then the agent's user); ``holder``: its assignee when read."""
    async with sessions() as session, session.begin():
        await _change(session, message_id, expected, holder, {
            "status": "assigned", "assignee": assignee, "assigned_at": now,
            "assigned_by": by})
    found = await get_message(sessions, message_id)
    assert found is not None
    return found


async def handle(sessions: async_sessionmaker[AsyncSession], message_id: int, *,
                 expected: str, holder: str | None, disposition: str, label: str,
                 notes: str | None, by: str, agent: str | None,
                 now: dt.datetime) -> dict[str, Any]:
    """Mark it handled; the contact's timeline gets an activity saying so, and the call
    that left the message its disposition (when it has none)."""
    async with sessions() as session, session.begin():
        await _change(session, message_id, expected, holder, {
            "status": "handled", "disposition": disposition, "notes": notes,
            "handled_at": now, "handled_by": by,
            **({"assignee": agent} if agent else {}),
            # who handles an unassigned message has it from now (the assignee's rule)
            **({"assigned_at": now} if agent and agent != holder else {})})
        message = (await session.execute(
            select(VoicemailMessage).where(VoicemailMessage.id == message_id))).scalar_one()
        if message.contact_id is None:  # unknown when left: perhaps entered since
            message.contact_id = (await _contacts(session, {message.caller})).get(
                message.caller)
        session.add(Activity(
            kind="call", contact_id=message.contact_id, done_at=now, created_at=now,
            subject=f"Voicemail from {message.caller} handled: {label}"[:200],
            body=_body(message, by, notes)))
        await session.execute(
            update(Interaction)
            .where(Interaction.call_id == message.call_id, Interaction.disposition.is_(None))
            .values(disposition=disposition))
    found = await get_message(sessions, message_id)
    assert found is not None
    return found


def _body(message: VoicemailMessage, by: str, notes: str | None) -> str:
    left = message.left_at.isoformat() if message.left_at else "?"
    lines = [(f"Message of {message.duration or 0:.0f} s left for mailbox {message.mailbox} "
             f"at {left} (call {message.call_id}); handled by {by}.")]
    if notes:
        lines.append(notes)
    return "\n".join(lines)


async def unflagged(sessions: async_sessionmaker[AsyncSession], *, before: dt.datetime,
                    queue: str | None = None,
                    other_than: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Unhandled messages left before ``before`` not yet flagged overdue, oldest first:
    of ``queue``'s box, or (no ``queue``) of every box but those of ``other_than``."""
    query = _QUERY.where(VoicemailMessage.status != "handled",
                         VoicemailMessage.overdue_at.is_(None),
                         VoicemailMessage.left_at < before)
    if queue is not None:
        query = query.where(VoicemailMessage.queue == queue)
    elif other_than:
        query = query.where(or_(VoicemailMessage.queue.is_(None),
                                VoicemailMessage.queue.not_in(list(other_than))))
    query = query.order_by(VoicemailMessage.left_at, VoicemailMessage.id).limit(1000)
    async with sessions() as session:
        return [_row(row) for row in (await session.execute(query)).mappings()]


async def flag_overdue(sessions: async_sessionmaker[AsyncSession], ids: Sequence[int], *,
                       now: dt.datetime) -> list[int]:
    """Mark these messages overdue (once: those flagged or handled meanwhile are not);
    the ids marked now."""
    if not ids:
        return []
    async with sessions() as session, session.begin():
        marked = list(await session.scalars(
            update(VoicemailMessage)
            .where(VoicemailMessage.id.in_(list(ids)), VoicemailMessage.overdue_at.is_(None),
                   VoicemailMessage.status != "handled")
            .values(overdue_at=now).returning(VoicemailMessage.id)))
    return marked


async def record_play(sessions: async_sessionmaker[AsyncSession], *, username: str,
                      message_id: int, recording: str, now: dt.datetime) -> None:
    """Who played which message, and when (as a call's recording's play is kept)."""
    async with sessions() as session, session.begin():
        await AuditLog(session).record(
            username=username, action="create", entity=PLAYED, entity_id=message_id,
            at=now, changes={"recording": {"before": None, "after": recording}})


async def held_recordings(sessions: async_sessionmaker[AsyncSession],
                          names: Sequence[str]) -> set[str]:
    """Which of these recordings are messages nobody has handled yet: retention keeps
    them (a message waiting for a call back must not vanish before it is heard)."""
    held: set[str] = set()
    async with sessions() as session:
        for start in range(0, len(names), 500):
            held.update(await session.scalars(
                select(VoicemailMessage.recording)
                .where(VoicemailMessage.recording.in_(list(names[start:start + 500])),
                       VoicemailMessage.status != "handled")))
    return held
