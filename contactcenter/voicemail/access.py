"""Who sees which voicemail message, and who may assign, take or handle one.

- An agent sees their own box, the boxes of the queues they work, and any message
  assigned to them; they take a message of those boxes, and handle one that is
  theirs (in their own box, or assigned to them).
- A supervisor sees the boxes of the queues they oversee and of the agents who
  work in one of them, and any message one of those agents has (``contactcenter.
  web.scope``; without a list of queues: every box), and their own agent's box;
  they assign and handle what they see.
- An admin sees, assigns and handles every message.
- Nobody else sees any (managers, sales and marketing read no messages).

The event stream tells each agent of a change to every message they see
(``desks``): an agent's stream passes only events naming them, so each agent
who sees a message gets a notice of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from contactcenter.voicemail.boxes import Action


class Viewer(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def agent(self) -> str | None: ...


class Scope(Protocol):
    @property
    def members(self) -> Mapping[str, frozenset[str]]: ...

    def queues(self, principal: Any) -> frozenset[str] | None: ...
    def sees_queue(self, principal: Any, queue: str | None) -> bool: ...
    def sees_agent(self, principal: Any, agent: str | None) -> bool: ...


@dataclass(frozen=True, slots=True)
class Desk:
    """An agent as a viewer: what their desktop shows."""

    agent: str | None
    role: str = "agent"


@dataclass(frozen=True, slots=True, kw_only=True)
class Owned:
    """What the rule reads of a message: its box's owner and its assignee."""

    queue: str | None
    agent: str | None  #: the agent whose box it is
    assignee: str | None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Owned:
        return cls(queue=row.get("queue"), agent=row.get("agent"),
                   assignee=row.get("assignee"))


def _supervises(viewer: Viewer, message: Owned, scope: Scope) -> bool:
    """Their queues' boxes, their agents' boxes, what their agents have: any one of
    them, exactly as the list's query keeps (``visible_filter``)."""
    if scope.queues(viewer) is None:
        return True  # every box, the general one too
    return bool(message.queue and scope.sees_queue(viewer, message.queue)) \
        or any(agent and scope.sees_agent(viewer, agent)
               for agent in (message.agent, message.assignee))


def may_see(viewer: Viewer, message: Owned, scope: Scope) -> bool:
    if viewer.role == "admin":
        return True
    mine = viewer.agent
    if mine and mine in (message.agent, message.assignee):
        return True
    if viewer.role == "agent":
        return bool(message.queue) and message.queue in scope.members.get(mine or "", ())
    return viewer.role == "supervisor" and _supervises(viewer, message, scope)


def desks(message: Owned, members: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The agents whose desktop lists ``message`` (``may_see`` for each of them):
    the agents of its box's queue, the agent whose box it is, and its assignee."""
    candidates = {name for name, queues in members.items()
                  if message.queue and message.queue in queues}
    candidates.update(a for a in (message.agent, message.assignee) if a)
    scope = _Members(members)
    return frozenset(name for name in candidates if may_see(Desk(name), message, scope))


@dataclass(frozen=True, slots=True)
class _Members:
    """The part of a scope an agent's rule reads: who works which queue."""

    members: Mapping[str, frozenset[str]]

    def queues(self, principal: Any) -> frozenset[str] | None:
        return frozenset()

    def sees_queue(self, principal: Any, queue: str | None) -> bool:
        return False

    def sees_agent(self, principal: Any, agent: str | None) -> bool:
        return False


def may(viewer: Viewer, action: Action, message: Owned, scope: Scope) -> bool:
    """Whether ``viewer`` may take ``action`` on a message they see."""
    if not may_see(viewer, message, scope):
        return False
    if viewer.role in ("admin", "supervisor"):
        return action is not Action.TAKE or bool(viewer.agent)
    if action is Action.ASSIGN:
        return False
    if action is Action.TAKE:
        return True
    return viewer.agent is not None and viewer.agent in (message.agent, message.assignee)


def visible_filter(viewer: Viewer, scope: Scope) -> tuple[frozenset[str], frozenset[str],
                                                          bool] | None:
    """What a list query keeps for ``viewer``: (queues, agents, general boxes too), or
    None for every message. Messages assigned to the viewer's agent are kept as well."""
    if viewer.role == "admin":
        return None
    agent = viewer.agent
    own = frozenset({agent}) if agent else frozenset()
    if viewer.role == "agent":
        return scope.members.get(agent or "", frozenset()), own, False
    if viewer.role != "supervisor":
        return frozenset(), frozenset(), False
    queues = scope.queues(viewer)
    if queues is None:
        return None
    agents = frozenset(name for name, of in scope.members.items() if of & queues)
    return queues, agents | own, False
