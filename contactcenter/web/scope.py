"""Which queues a supervisor oversees: their boards, stream and calls are those.

A supervisor user may name their queues in the config (``users: [{..., role:
supervisor, queues: [sales]}]``); without a list they oversee every queue, as
admins do. A scoped supervisor sees the figures of their queues, the agents who
work in one of them, and the events that name one of those queues or agents;
they set the state of, and listen to, only those agents. Events that name no
queue and no agent (a call still in the IVR, a call's end) are not a board's
news of another queue, and pass. A voicemail message's news follows the message's
rule (docs/voicemail.md): its queue's or its agent's, and the general box's only
for supervisors of every queue.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from contactcenter.voicemail.access import Owned, may_see
from contactcenter.web.auth import Principal

#: the events of a voicemail message's life (not those of the call recording it)
MESSAGE_NEWS = frozenset({"voicemail.message", "voicemail.assigned", "voicemail.handled",
                          "voicemail.overdue", "voicemail.notice"})


@dataclass(frozen=True)
class Scopes:
    queues_of: Mapping[str, frozenset[str]] = field(default_factory=dict)  #: user -> queues
    members: Mapping[str, frozenset[str]] = field(default_factory=dict)  #: agent -> queues

    @classmethod
    def of(cls, users: Iterable[Any], agents: Mapping[str, Any]) -> Scopes:
        """From the settings' users and the ACD's agents (their ``queues`` tiers)."""
        return cls({user.username: frozenset(user.queues) for user in users
                    if user.role == "supervisor" and user.queues is not None},
                   {name: frozenset(agent.queues) for name, agent in agents.items()})

    def queues(self, principal: Principal) -> frozenset[str] | None:
        """The supervisor's queues; None: every queue."""
        return self.queues_of.get(principal.username) if principal.role == "supervisor" else None

    def sees_queue(self, principal: Principal, queue: str | None) -> bool:
        mine = self.queues(principal)
        return mine is None or queue in mine

    def sees_agent(self, principal: Principal, agent: str | None) -> bool:
        mine = self.queues(principal)
        return mine is None or bool(self.members.get(agent or "", frozenset()) & mine)

    def sees_event(self, principal: Principal, event: Mapping[str, Any]) -> bool:
        if self.queues(principal) is None:
            return True
        if event.get("type") in MESSAGE_NEWS:
            return self._sees_message(principal, event)
        if event.get("queue"):
            return self.sees_queue(principal, event["queue"])
        agent = event.get("agent") or event.get("monitored_agent")
        return agent is None or self.sees_agent(principal, agent)

    def agent_sees(self, principal: Principal, event: Mapping[str, Any]) -> bool:
        """An event naming the agent's id: a voicemail message's news only while the
        rule lets this holder of the id see the message (a reused id does not bring its
        former holder's messages, ``contactcenter.voicemail.access.mine``)."""
        return event.get("type") not in MESSAGE_NEWS or self._sees_message(principal, event)

    def _sees_message(self, principal: Principal, event: Mapping[str, Any]) -> bool:
        """A voicemail message's news, by its rule (``contactcenter.voicemail.access``):
        its box's queue, the agent whose box it is, or the one who has it, is theirs
        (so a message of their agent's box assigned elsewhere still reaches them); the
        general box's (none) is only for supervisors of every queue."""
        owner = event["owner"] if "owner" in event else event.get("agent")
        return may_see(principal, Owned.of({**event, "agent": owner}), self)


SCOPES: web.AppKey[Scopes] = web.AppKey("scopes")


def scopes(request: web.Request) -> Scopes:
    return request.app.get(SCOPES) or Scopes()
