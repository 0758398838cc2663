"""Who may hear a call's recordings: the agents who took the call, the supervisors of
its queues or of its agents' queues, and admins. Nobody else: not another agent, not a
supervisor of other queues, not a manager (who reads figures, not conversations), not
sales or marketing.

A call is heard whole: after a transfer, the agent who took the first part hears the
second (what became of their customer) and the one who took the second hears the
first (what the customer already said), as the supervisors of either queue do.

A supervisor without a list of queues oversees every queue (``contactcenter.web.
scope``), and so may hear every recording, as an admin does.

An agent is known by their agent id (``agent101``), and agent ids are handed on: when
one leaves, a new hire may be given theirs. A user is "the agent who took the call"
only for a part (or a takeover) that began under their agent id while it was theirs:
at or after their ``agent_since``. A call whose time is not known, or a user whose
start is not, counts as not theirs: the rule errs towards refusing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


class Viewer(Protocol):
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def agent(self) -> str | None: ...
    @property
    def agent_since(self) -> dt.datetime | None: ...


class Scope(Protocol):
    def sees_queue(self, principal: Any, queue: str | None) -> bool: ...
    def sees_agent(self, principal: Any, agent: str | None) -> bool: ...


@dataclass(frozen=True)
class RecordedPart:
    """One recorded part of a call: the file, and the agent who had the call in it."""

    part: int  #: 1 for the first, in the order they were recorded
    name: str
    agent: str | None = None
    queue: str | None = None
    started_at: str | None = None  #: ISO 8601; None for a call written before parts were kept

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> RecordedPart:
        return cls(int(row["part"]), str(row["name"]), row.get("agent"), row.get("queue"),
                   row.get("started_at"))


@dataclass(frozen=True)
class RecordedCall:
    """What the rule reads of a call's record: the call is heard as a whole, so whoever
    may hear it may hear each of its parts."""

    interaction_id: int
    recording: str  #: the last part's name
    queue: str | None
    #: every agent who had the call: the one who took it, and one it was transferred to
    agents: frozenset[str]
    call_id: str | None = None
    #: every recorded part, first to last (one: ``recording``, when nothing else is known)
    parts: tuple[RecordedPart, ...] = ()
    #: who had the call under which agent id, from when (``agents``, with their times)
    takings: tuple[Taking, ...] = ()

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> RecordedCall:
        """From an interaction's row (``id``, ``recording``, ``queue``, ``agent``,
        ``started_at``, ``parties``, and ``parts`` as ``crm_core.recordings.
        recorded_parts`` reads them)."""
        started = moment(row.get("started_at"))
        parts = tuple(RecordedPart.of(part) for part in row.get("parts") or ()) or (
            RecordedPart(1, str(row["recording"]), row.get("agent"), row.get("queue")),)
        takings = _takings(row.get("agent"), row.get("parties") or (), parts, started)
        return cls(int(row["id"]), str(row["recording"]), row.get("queue"),
                   frozenset(taking.agent for taking in takings), row.get("call_id"), parts,
                   takings)

    @property
    def queues(self) -> tuple[str | None, ...]:
        """The call's queue and those its parts came through (a transfer to another)."""
        found = [self.queue] + [part.queue for part in self.parts if part.queue]
        return tuple(dict.fromkeys(found))

    def part(self, number: int) -> RecordedPart | None:
        return next((part for part in self.parts if part.part == number), None)

    def named(self, name: str) -> RecordedPart | None:
        return next((part for part in self.parts if part.name == name), None)


@dataclass(frozen=True)
class Taking:
    """An agent id that had the call, and when it began to (None: not known)."""

    agent: str
    at: dt.datetime | None


def moment(value: object) -> dt.datetime | None:
    """An aware time from a row: a datetime (naive ones are UTC, as SQLite hands them
    back), ISO 8601 text, or seconds since the epoch (a party's ``joined``)."""
    if isinstance(value, str) and value:
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(value, dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
    return None


def _takings(agent: str | None, parties: Iterable[Any], parts: Iterable[RecordedPart],
             started: dt.datetime | None) -> tuple[Taking, ...]:
    """Every agent id that had the call, each with when: a part from its start, a
    party from when they joined, the interaction's agent from the call's start (the
    earliest each could be, so that a time not known never lets a later holder in)."""
    found = [Taking(agent, started)] if agent else []
    for party in parties:
        if isinstance(party, dict) and (party.get("role") == "agent" or party.get("took_over")):
            who = party.get("who")
            if isinstance(who, str) and who:
                found.append(Taking(who, started or moment(party.get("joined"))))
    found.extend(Taking(part.agent, moment(part.started_at) or started)
                 for part in parts if part.agent)
    return tuple(found)


def took_it(viewer: Viewer, call: RecordedCall) -> bool:
    """Whether the viewer had the call under their agent id while it was theirs."""
    since = viewer.agent_since
    if not viewer.agent or since is None:
        return False
    since = since.replace(tzinfo=dt.UTC) if since.tzinfo is None else since
    return any(taking.agent == viewer.agent and taking.at is not None and taking.at >= since
               for taking in call.takings)


def may_hear(viewer: Viewer, call: RecordedCall, scope: Scope) -> bool:
    if viewer.role == "admin":
        return True
    if viewer.role in ("agent", "supervisor") and took_it(viewer, call):
        return True  # they took the call themselves (a supervisor may, from the desktop)
    if viewer.role == "supervisor":
        return any(scope.sees_queue(viewer, queue) for queue in call.queues) or any(
            scope.sees_agent(viewer, agent) for agent in call.agents)
    return False
