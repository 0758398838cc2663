"""Whose mailbox a message is in, how old it may get unhandled, and the states a message
goes through (docs/voicemail.md). Sans-I/O: no clock, no database; times come in.

Theory of operation
-------------------
A call leaves a message for a *mailbox name*: an IVR ``voicemail`` node's
``mailbox``, or a queue's ``overflow: {kind: voicemail, target: NAME}``. The name
is resolved, in this order, to:

1. a box the voicemail config declares (``mailboxes: {NAME: {queue: Q}}`` or
   ``{agent: A}``): that queue's or that agent's box;
2. a queue of that name: the queue's box;
3. an agent of that name (their SIP endpoint): the agent's box;
4. anything else: a *general* box, which only admins and supervisors of every
   queue see (the config check refuses such a name where it is written down
   in full; only a name made from the caller's input can end here).

A message's state goes ``new -[assign|take]-> assigned -[handle]-> handled``, a
message may be handled straight from ``new`` by whoever may handle it, and an
assigned message may be assigned again (a supervisor hands it to someone
else); ``handled`` is final. A message left unhandled longer than its box's age
limit is *overdue*: flagged once on the board.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

#: a queue's box keeps a message this long unhandled before it is overdue (4 hours)
DEFAULT_MAX_AGE = 4 * 3600.0


class Status(enum.StrEnum):
    NEW = "new"  #: left, nobody has it yet
    ASSIGNED = "assigned"  #: an agent has it (a supervisor assigned it, or they took it)
    HANDLED = "handled"  #: dealt with, with a disposition


class Action(enum.StrEnum):
    ASSIGN = "assign"  #: a supervisor gives it to an agent
    TAKE = "take"  #: an agent takes it for themselves
    HANDLE = "handle"  #: marked handled with a disposition


#: state -> action -> next state; what is missing is refused (409)
TRANSITIONS: Mapping[Status, Mapping[Action, Status]] = {
    Status.NEW: {Action.ASSIGN: Status.ASSIGNED, Action.TAKE: Status.ASSIGNED,
                 Action.HANDLE: Status.HANDLED},
    Status.ASSIGNED: {Action.ASSIGN: Status.ASSIGNED, Action.TAKE: Status.ASSIGNED,
                      Action.HANDLE: Status.HANDLED},
    Status.HANDLED: {},
}


class Refused(Exception):
    """An action the message's state or its owner does not allow."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.field = reason, field


def next_status(status: Status, action: Action) -> Status:
    """The state after ``action``; ``Refused`` if the state does not take it."""
    after = TRANSITIONS[status].get(action)
    if after is None:
        raise Refused(f"the message is {status.value}: it cannot be {action.value}ed "
                      "any more" if status is Status.HANDLED
                      else f"a {status.value} message cannot be {action.value}ed")
    return after


@dataclass(frozen=True, slots=True, kw_only=True)
class Box:
    """A mailbox: its name and whose it is (a queue's, an agent's, or neither)."""

    name: str
    queue: str | None = None
    agent: str | None = None

    @property
    def kind(self) -> str:
        return "queue" if self.queue else "agent" if self.agent else "general"


@dataclass(frozen=True, slots=True, kw_only=True)
class Mailboxes:
    """The boxes of the config and the rule that finds one for any name."""

    declared: Mapping[str, Box] = field(default_factory=dict)
    queues: frozenset[str] = frozenset()
    agents: frozenset[str] = frozenset()
    #: agent -> the queues they work (whose boxes their desktop lists)
    members: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: queue -> seconds a message of its box may wait unhandled
    max_age: Mapping[str, float] = field(default_factory=dict)
    default_max_age: float = DEFAULT_MAX_AGE

    def box(self, name: str | None) -> Box:
        """The box a message for ``name`` goes to (the rule above)."""
        name = name or ""
        if name in self.declared:
            return self.declared[name]
        if name in self.queues:
            return Box(name=name, queue=name)
        if name in self.agents:
            return Box(name=name, agent=name)
        return Box(name=name)

    def known(self, name: str) -> bool:
        """Whether ``name`` is a queue's or an agent's box (not the general one)."""
        return self.box(name).kind != "general"

    def age_limit(self, queue: str | None) -> float:
        """Seconds a message may wait unhandled: its queue's setting, else the default."""
        return self.max_age.get(queue or "", self.default_max_age)

    def overdue(self, *, queue: str | None, left_at: float, status: Status,
                now: float) -> bool:
        """An unhandled message older than its box's age limit."""
        return status is not Status.HANDLED and now - left_at > self.age_limit(queue)

    def due_at(self, *, queue: str | None, left_at: float) -> float:
        """When a message left at ``left_at`` becomes overdue."""
        return left_at + self.age_limit(queue)
