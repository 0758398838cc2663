"""Calls into the CRM: each ended call becomes one interaction on the customer's timeline.

The platform's call journal is the outbox: a call's record is durable there
before anything is written here, and writing is idempotent (``call_id`` is
unique), so the same calls can be offered again after a crash or an outage of
the database and each still lands exactly once. A dialer campaign's call also
links its campaign and list record and is one campaign response, written in the
same transaction (``crm_core.dial_campaigns``), so that too is exactly once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import JSON, String, Text, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.dial_campaigns import DialLinks, attempt_number, dial_links, record_responses
from crm_core.models import ContactPhone, Interaction
from crm_core.phones import try_e164
from crm_core.recordings import write_parts


@dataclass(frozen=True)
class CallSummary:
    """What the contact center knows of a finished call."""

    call_id: str
    caller: str
    dialed: str
    started: dt.datetime
    ended: dt.datetime | None
    outcome: str | None
    direction: str = "inbound"
    queue: str | None = None
    agent: str | None = None
    wait_seconds: float | None = None
    talk_seconds: float | None = None
    wrap_seconds: float | None = None
    #: seconds the caller was on hold (None: no agent had the call)
    hold_seconds: float | None = None
    #: the last recording's name (``recordings`` has every part)
    recording: str | None = None
    #: every recorded part, in order: ``name``, ``agent`` (who had the call in it),
    #: ``queue``, ``started`` (ISO 8601); None: ``recording`` alone, as its agent's
    recordings: list[dict[str, object]] | None = None
    ivr_path: list[str] = field(default_factory=list)
    #: the agent's code, notes and the call script's answers: they may come after the end
    disposition: str | None = None
    notes: str | None = None
    answers: dict[str, object] | None = None
    #: who was on the call and when: role, who, joined and left (ISO 8601), took_over
    parties: list[dict[str, object]] | None = None
    #: a dialer campaign's call: the campaign's name (a CRM campaign of channel ``phone``),
    #: which attempt at the list record it was, and the record (``contact:<id>``,
    #: ``lead:<id>``, or an uploaded list's own id)
    campaign: str | None = None
    attempt: int | None = None
    record_id: str | None = None
    #: the engine that carried the call (``asterisk``, ``twilio``, ``sim``)
    engine: str | None = None


_NO_DIAL = DialLinks()


async def _already_recorded(session: AsyncSession, call_ids: list[str]) -> set[str]:
    query = select(Interaction.call_id).where(Interaction.call_id.in_(call_ids))
    return {call_id for call_id in (await session.scalars(query)) if call_id}


async def _contacts_by_phone(session: AsyncSession, phones: set[str]) -> dict[str, int]:
    """Each number's contact; the newest contact wins when several share one."""
    if not phones:
        return {}
    query = (select(ContactPhone.e164, ContactPhone.contact_id)
             .where(ContactPhone.e164.in_(phones)).order_by(ContactPhone.contact_id))
    return {e164: contact_id for e164, contact_id in await session.execute(query)}


def _number(call: CallSummary) -> str | None:
    """The customer's number: whom the platform called (outbound), or who called in."""
    if call.direction == "outbound":
        return try_e164(call.dialed) or try_e164(call.caller)
    return try_e164(call.caller)


def _row(call: CallSummary, contact_id: int | None, dial: DialLinks) -> dict[str, object]:
    return {"call_id": call.call_id, "contact_id": dial.contact_id or contact_id,
            "lead_id": dial.lead_id, "campaign_id": dial.campaign_id,
            "attempt": attempt_number(call),
            "record_id": str(call.record_id)[:64] if call.record_id else None,
            "channel": "voice", "direction": call.direction, "caller": call.caller[:32],
            "dialed": call.dialed[:32], "started_at": call.started, "ended_at": call.ended,
            "queue": call.queue, "agent": call.agent, "outcome": call.outcome,
            "wait_seconds": call.wait_seconds, "talk_seconds": call.talk_seconds,
            "wrap_seconds": call.wrap_seconds, "hold_seconds": call.hold_seconds,
            "recording": call.recording, "ivr_path": call.ivr_path,
            "disposition": call.disposition, "notes": call.notes, "answers": call.answers,
            "parties": call.parties, "engine": call.engine[:16] if call.engine else None}


async def _fill_in_wrap_up(session: AsyncSession, calls: list[CallSummary]) -> None:
    """The wrap-up time comes after the call's end: it completes the interaction once."""
    wrapped = [{"id_": call.call_id, "wrap": call.wrap_seconds} for call in calls
               if call.wrap_seconds is not None]
    if wrapped:
        statement = (update(Interaction)
                     .where(Interaction.call_id == bindparam("id_"),
                            Interaction.wrap_seconds.is_(None))
                     .values(wrap_seconds=bindparam("wrap")))
        await (await session.connection()).execute(statement, wrapped)


#: what the agent adds to a call, during it or after its end; a value the call does not
#: have (None: SQL NULL, also for the JSON) leaves the interaction's as it is
_DESK_UPDATE = (update(Interaction)
                .where(Interaction.call_id == bindparam("id_"))
                .values(disposition=func.coalesce(bindparam("disposition", type_=String),
                                                  Interaction.disposition),
                        notes=func.coalesce(bindparam("notes", type_=Text), Interaction.notes),
                        answers=func.coalesce(
                            bindparam("answers", type_=JSON(none_as_null=True)),
                            Interaction.answers)))


async def _fill_in_desk(session: AsyncSession, calls: list[CallSummary]) -> None:
    """The disposition, the notes and the script's answers come in the wrap-up, after the
    interaction was written: each offer of the call brings the latest ones."""
    rows = [{"id_": call.call_id, "disposition": call.disposition, "notes": call.notes,
             "answers": call.answers} for call in calls
            if (call.disposition, call.notes, call.answers) != (None, None, None)]
    if rows:
        await (await session.connection()).execute(_DESK_UPDATE, rows)


async def record_calls(sessions: async_sessionmaker[AsyncSession],
                       calls: Sequence[CallSummary]) -> int:
    """Write the calls not written yet, and what came after the end of those that were
    (wrap-up time, disposition, notes, answers); return how many were new."""
    if not calls:
        return 0
    async with sessions() as session, session.begin():
        done = await _already_recorded(session, [call.call_id for call in calls])
        await _fill_in_wrap_up(session, [call for call in calls if call.call_id in done])
        await _fill_in_desk(session, [call for call in calls if call.call_id in done])
        fresh = {call.call_id: call for call in calls if call.call_id not in done}
        if not fresh:
            return 0
        await _write(session, list(fresh.values()))
        return len(fresh)


async def _write(session: AsyncSession, calls: list[CallSummary]) -> None:
    """The calls' interactions, each on its contact's timeline (a dial's list record
    names the contact, else the number does), and a campaign's calls' responses."""
    numbers = {call.call_id: _number(call) for call in calls}
    contacts = await _contacts_by_phone(session, {e164 for e164 in numbers.values() if e164})
    dials = await dial_links(session, calls)
    await session.execute(insert(Interaction), [
        _row(call, contacts.get(numbers[call.call_id] or ""),
             dials.get(call.call_id, _NO_DIAL)) for call in calls])
    await write_parts(session, {call.call_id: _parts(call) for call in calls
                                if call.recording or call.recordings})
    await record_responses(session, [call.call_id for call in calls
                                     if dials.get(call.call_id, _NO_DIAL).campaign_id])


def _parts(call: CallSummary) -> list[dict[str, object]]:
    """The call's recorded parts; one for a call that names only its recording."""
    if call.recordings:
        return call.recordings
    return [{"name": call.recording, "agent": call.agent, "queue": call.queue}]
