"""A contact's timeline: their calls, cases and activities, newest first, merged by time.

Each kind of entry has its own time: a call when it started, a case when it was
opened, an activity when it was done (or, not done yet, when it was written
down). Each kind is read by an index whose leading column is the contact, in
the timeline's own order, and the three are merged here: the first
``offset + limit`` entries of the timeline are among the first ``offset +
limit`` of each kind, so a page costs three bounded queries, however long the
customer's history. Entries at the same moment come calls first, then cases,
then activities, newest id first, so that pages never overlap or skip. A call of
a dialer campaign names the campaign, its attempt and the list record it dialed.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from crm_core.audit import jsonable, utc
from crm_core.models import Activity, Campaign, Case, Interaction

MAX_LIMIT = 200
#: deeper than this, a customer's history is a report, not a page
MAX_OFFSET = 10_000
#: the kinds of entry, in the order they come at the same moment
KINDS = ("interaction", "case", "activity")
Entry = dict[str, Any]

_ACTIVITY_TIME = func.coalesce(Activity.done_at, Activity.created_at)
_QUERIES: dict[str, Select[*tuple[Any, ...]]] = {
    "interaction": (
        select(Interaction.started_at.label("at"), Interaction.id, Interaction.call_id,
               Interaction.channel, Interaction.direction, Interaction.caller,
               Interaction.dialed, Interaction.started_at, Interaction.ended_at,
               Interaction.queue, Interaction.agent, Interaction.outcome,
               Interaction.disposition, Interaction.wait_seconds, Interaction.talk_seconds,
               Interaction.wrap_seconds, Interaction.hold_seconds, Interaction.recording,
               Interaction.ivr_path, Interaction.answers, Interaction.notes,
               Interaction.parties, Interaction.case_id, Interaction.lead_id,
               Interaction.campaign_id, Campaign.name.label("campaign"),
               Interaction.attempt, Interaction.record_id, Interaction.engine)
        .outerjoin(Campaign, Campaign.id == Interaction.campaign_id)
        .order_by(Interaction.started_at.desc(), Interaction.id.desc())),
    "case": (
        select(Case.opened_at.label("at"), Case.id, Case.subject, Case.description,
               Case.status, Case.priority, Case.type, Case.channel, Case.opened_at,
               Case.resolution_due, Case.resolved_at, Case.closed_at)
        .order_by(Case.opened_at.desc(), Case.id.desc())),
    "activity": (
        select(_ACTIVITY_TIME.label("at"), Activity.id, Activity.kind.label("activity"),
               Activity.subject, Activity.body, Activity.due_at, Activity.done_at,
               Activity.created_at, Activity.case_id, Activity.opportunity_id)
        .order_by(_ACTIVITY_TIME.desc(), Activity.id.desc())),
}
_CONTACT = {"interaction": Interaction.contact_id, "case": Case.contact_id,
            "activity": Activity.contact_id}


@dataclass(frozen=True)
class TimelinePage:
    items: list[Entry] = field(default_factory=list)
    offset: int = 0
    limit: int = 50
    #: the offset of the next page; None when this page is the last
    next_offset: int | None = None


def _entries(kind: str, rows: list[dict[str, Any]]) -> Iterator[tuple[Any, Entry]]:
    """Each row as an entry, with its place in the timeline: (time, -rank, id), which
    the timeline sorts in descending order (newest, then calls before cases, then the
    newest id)."""
    rank = KINDS.index(kind)
    for row in rows:
        entry = {key: jsonable(value) for key, value in row.items()}
        yield (utc(row["at"]), -rank, int(row["id"])), {"kind": kind, **entry}


async def timeline(connection: AsyncConnection, contact_id: int, *, limit: int = 50,
                   offset: int = 0) -> TimelinePage:
    """One page of the contact's timeline, newest first."""
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, min(offset, MAX_OFFSET))
    wanted = offset + limit + 1  # one more tells whether there is a next page
    streams = []
    for kind, query in _QUERIES.items():
        bounded = query.where(_CONTACT[kind] == contact_id).limit(wanted)
        rows = [dict(row) for row in (await connection.execute(bounded)).mappings()]
        streams.append(list(_entries(kind, rows)))
    merged = [entry for _place, entry in heapq.merge(*streams, key=lambda pair: pair[0],
                                                     reverse=True)]
    items = merged[offset:offset + limit]
    more = len(merged) > offset + limit
    return TimelinePage(items=items, offset=offset, limit=limit,
                        next_offset=offset + limit if more else None)
