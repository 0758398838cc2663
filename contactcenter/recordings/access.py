"""Who may hear a call's recordings: the agents who took the call, the supervisors of
its queues or of its agents' queues, and admins. Nobody else: not another agent, not a
supervisor of other queues, not a manager (who reads figures, not conversations), not
sales or marketing.

A call is heard whole: after a transfer, the agent who took the first part hears the
second (what became of their customer) and the one who took the second hears the
first (what the customer already said), as the supervisors of either queue do.

A supervisor without a list of queues oversees every queue (``contactcenter.web.
scope``), and so may hear every recording, as an admin does.
"""

from __future__ import annotations

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

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> RecordedCall:
        """From an interaction's row (``id``, ``recording``, ``queue``, ``agent``,
        ``parties``, and ``parts`` as ``crm_core.recordings.recorded_parts`` reads them)."""
        parts = tuple(RecordedPart.of(part) for part in row.get("parts") or ()) or (
            RecordedPart(1, str(row["recording"]), row.get("agent"), row.get("queue")),)
        agents = _agents(row.get("agent"), row.get("parties") or ())
        agents.update(part.agent for part in parts if part.agent)
        return cls(int(row["id"]), str(row["recording"]), row.get("queue"),
                   frozenset(agents), row.get("call_id"), parts)

    @property
    def queues(self) -> tuple[str | None, ...]:
        """The call's queue and those its parts came through (a transfer to another)."""
        found = [self.queue] + [part.queue for part in self.parts if part.queue]
        return tuple(dict.fromkeys(found))

    def part(self, number: int) -> RecordedPart | None:
        return next((part for part in self.parts if part.part == number), None)

    def named(self, name: str) -> RecordedPart | None:
        return next((part for part in self.parts if part.name == name), None)


def _agents(agent: str | None, parties: Iterable[Any]) -> set[str]:
    found = {agent} if agent else set()
    for party in parties:
        if isinstance(party, dict) and (party.get("role") == "agent" or party.get("took_over")):
            who = party.get("who")
            if isinstance(who, str) and who:
                found.add(who)
    return found


def may_hear(viewer: Viewer, call: RecordedCall, scope: Scope) -> bool:
    if viewer.role == "admin":
        return True
    if viewer.role in ("agent", "supervisor") and viewer.agent in call.agents:
        return True  # they took the call themselves (a supervisor may, from the desktop)
    if viewer.role == "supervisor":
        return any(scope.sees_queue(viewer, queue) for queue in call.queues) or any(
            scope.sees_agent(viewer, agent) for agent in call.agents)
    return False
