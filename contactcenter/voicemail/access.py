"""Who sees which voicemail message, and who may assign, take or handle one.

- An agent sees their own box, the boxes of the queues they work, and any message
  assigned to them; they take a message of those boxes, and handle one that is
  theirs (in their own box, or assigned to them).
- A supervisor sees the boxes of the queues they oversee and of the agents who
  work in one of them, and any message one of those agents has (``contactcenter.
  web.scope``; without a list of queues: every box), and their own agent's box;
  they assign and handle what they see.
- An admin sees, assigns and handles every message.
- Nobody else sees any (managers, sales and marketing read no messages, not even
  those of an agent id they were given).

Agent ids are handed on (a new hire may be given ``agent107`` when its holder
leaves), so a message is the viewer's own, through their agent id, only from when
the id is theirs (``agent_since``, as for a call's recordings: ``contactcenter.
recordings.access``): left in their box at or after it, or assigned to them at or
after it. The former holder's messages stay with the supervisors of their box and
with the admins; a time that is not known counts as not theirs.

The event stream tells each agent of a change to every message they see
(``desks``): an agent's stream passes only events naming them, so each agent id
whose desktop lists a message gets a notice of their own, and the stream then
applies the rule to whoever holds that id (``contactcenter.web.scope``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from contactcenter.recordings.access import moment
from contactcenter.voicemail.boxes import Action

#: the start of a desk's agent id: ``desks`` asks which ids list a message, whoever
#: holds them; the holder's own start is applied on their stream
EVER = dt.datetime.min.replace(tzinfo=dt.UTC)


class Viewer(Protocol):
    @property
    def role(self) -> str: ...
    @property
    def agent(self) -> str | None: ...
    @property
    def agent_since(self) -> dt.datetime | None: ...


class Scope(Protocol):
    @property
    def members(self) -> Mapping[str, frozenset[str]]: ...

    def queues(self, principal: Any) -> frozenset[str] | None: ...
    def sees_queue(self, principal: Any, queue: str | None) -> bool: ...
    def sees_agent(self, principal: Any, agent: str | None) -> bool: ...


@dataclass(frozen=True, slots=True)
class Desk:
    """An agent id as a viewer: what its desktop shows, whoever holds it."""

    agent: str | None
    role: str = "agent"
    agent_since: dt.datetime | None = EVER


@dataclass(frozen=True, slots=True, kw_only=True)
class Owned:
    """What the rule reads of a message: its box's owner and its assignee, and when it
    was left and assigned (None: not known)."""

    queue: str | None
    agent: str | None  #: the agent whose box it is
    assignee: str | None
    left_at: dt.datetime | None = None
    assigned_at: dt.datetime | None = None

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Owned:
        return cls(queue=row.get("queue"), agent=row.get("agent"),
                   assignee=row.get("assignee"), left_at=moment(row.get("left_at")),
                   assigned_at=moment(row.get("assigned_at")))


def own(viewer: Viewer) -> tuple[str, dt.datetime] | None:
    """The viewer's agent id and since when it is theirs; None without either."""
    since = moment(viewer.agent_since)
    return (viewer.agent, since) if viewer.agent and since is not None else None


def _since(at: dt.datetime | None, since: dt.datetime) -> bool:
    return at is not None and at >= since


def mine(viewer: Viewer, message: Owned) -> bool:
    """In the viewer's box since the id is theirs, or assigned to them since then."""
    held = own(viewer)
    if held is None:
        return False
    agent, since = held
    return (message.agent == agent and _since(message.left_at, since)) or (
        message.assignee == agent and _since(message.assigned_at, since))


def _supervises(viewer: Viewer, message: Owned, scope: Scope) -> bool:
    """Their queues' boxes, their agents' boxes, what their agents have: any one of
    them, exactly as the list's query keeps (``visible_filter``). A supervised agent's
    messages are theirs whoever held the id."""
    if scope.queues(viewer) is None:
        return True  # every box, the general one too
    return bool(message.queue and scope.sees_queue(viewer, message.queue)) \
        or any(agent and scope.sees_agent(viewer, agent)
               for agent in (message.agent, message.assignee))


#: the roles that read voicemail at all; a manager or a sales user given an agent id
#: (to take calls) still reads none, their box's included (``web.permissions``)
READERS = frozenset({"admin", "supervisor", "agent"})


def may_see(viewer: Viewer, message: Owned, scope: Scope) -> bool:
    if viewer.role not in READERS:
        return False
    if viewer.role == "admin":
        return True
    if mine(viewer, message):
        return True
    if viewer.role == "agent":
        return bool(message.queue) and message.queue in scope.members.get(
            viewer.agent or "", ())
    return viewer.role == "supervisor" and _supervises(viewer, message, scope)


def desks(message: Owned, members: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """The agent ids whose desktop lists ``message`` (``may_see`` for each of them,
    whoever holds it): the agents of its box's queue, the agent whose box it is, and
    its assignee."""
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
    return mine(viewer, message)


class Kept(NamedTuple):
    """What a list query keeps: the boxes of ``queues`` and of ``agents``, what one of
    ``agents`` has, and, through ``own`` (agent id, since), the viewer's box's
    messages left since and those assigned to them since."""

    queues: frozenset[str]
    agents: frozenset[str]
    general: bool  #: the general box too
    own: tuple[str, dt.datetime] | None


def visible_filter(viewer: Viewer, scope: Scope) -> Kept | None:
    """What a list query keeps for ``viewer`` (``may_see`` as a query), or None for
    every message."""
    if viewer.role == "admin":
        return None
    held = own(viewer)
    if viewer.role == "agent":
        return Kept(scope.members.get(viewer.agent or "", frozenset()), frozenset(), False,
                    held)
    if viewer.role != "supervisor":
        return Kept(frozenset(), frozenset(), False, None)
    queues = scope.queues(viewer)
    if queues is None:
        return None
    agents = frozenset(name for name, of in scope.members.items() if of & queues)
    return Kept(queues, agents, False, held)
