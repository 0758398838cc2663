"""Who may hear a call's recording: the agents who took the call, the supervisors of
its queue or of its agent's queues, and admins. Nobody else: not another agent, not a
supervisor of other queues, not a manager (who reads figures, not conversations), not
sales or marketing.

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
class RecordedCall:
    """What the rule reads of a call's record."""

    interaction_id: int
    recording: str
    queue: str | None
    #: every agent who had the call: the one who took it, and one it was transferred to
    agents: frozenset[str]
    call_id: str | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> RecordedCall:
        """From an interaction's row (``id``, ``recording``, ``queue``, ``agent``,
        ``parties``)."""
        return cls(int(row["id"]), str(row["recording"]), row.get("queue"),
                   frozenset(_agents(row.get("agent"), row.get("parties") or ())),
                   row.get("call_id"))


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
        return scope.sees_queue(viewer, call.queue) or any(
            scope.sees_agent(viewer, agent) for agent in call.agents)
    return False
