"""The ACD's routes: agents' states (set by the desktop, a supervisor, or the phone)
and the live figures of the queues and agents.

An agent may set only their own state; supervisors and admins anyone's. An
agent whose phone is not registered cannot go available: the platform would
offer calls to a phone that cannot ring. The pauses for a call of the agent's own
(``CALL_PAUSES``: ``outbound``, ``consult``) are the platform's to set while such a call
lasts: they count as busy, so a pause by hand with one of them would count an idle agent
busy in the occupancy and on the boards.
"""

from __future__ import annotations

import dataclasses
from enum import Enum
from typing import Any

from aiohttp import web

from contactcenter.acd import events as ae
from contactcenter.acd.model import AgentId
from contactcenter.acd.states import CALL_PAUSES
from contactcenter.engine.click_to_talk import ClickToTalk
from contactcenter.engine.distribution import Distributor
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import PRINCIPAL
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route
from contactcenter.web.scope import scopes

DISTRIBUTOR: web.AppKey[Distributor] = web.AppKey("distributor")
#: the calls agents place themselves (click-to-talk), when the platform places calls
CALLS_PLACED: web.AppKey[ClickToTalk] = web.AppKey("click_to_talk")
STATES = ("available", "paused", "logged_out")
MAX_REASON = 40
#: why each of ``CALL_PAUSES`` is refused: when the platform sets it
_SET_WHILE = {"outbound": "while the agent is on a call they placed",
              "consult": "while a colleague consults the agent"}


def _plain(value: Any) -> Any:
    """A view of the core as JSON-ready values (its states are enums)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {key: _plain(item) for key, item in dataclasses.asdict(value).items()}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _clock(request: web.Request) -> float:
    return request.app[DISTRIBUTOR].now()


async def list_queues(request: web.Request) -> web.Response:
    stats = request.app[DISTRIBUTOR].acd.queue_stats(_clock(request))
    scope, principal = scopes(request), request[PRINCIPAL]
    return web.json_response({"queues": {name: _plain(value) for name, value in stats.items()
                                         if scope.sees_queue(principal, name)}})


async def list_agents(request: web.Request) -> web.Response:
    distributor = request.app[DISTRIBUTOR]
    principal = request[PRINCIPAL]
    stats = distributor.acd.agent_stats(_clock(request))
    agents = {name: {**_plain(value), **_plain(distributor.acd.agent_state(name)),
                     "registered": name in distributor.registered}
              for name, value in stats.items()
              if (principal.role in ("admin", "supervisor")
                  and scopes(request).sees_agent(principal, name))
              or principal.agent == name}
    return web.json_response({"agents": agents})


def _events(agent: str, current: str, state: str, reason: str | None) -> list[ae.AcdEvent]:
    """The core's events that take the agent from ``current`` to ``state``: a logged-out
    agent logs in first (which makes them available)."""
    who = AgentId(agent)
    if state == "logged_out":
        return [ae.AgentLoggedOut(agent=who)]
    events: list[ae.AcdEvent] = []
    if current == "logged_out":
        events.append(ae.AgentLoggedIn(agent=who))
    if state == "paused":
        events.append(ae.AgentPaused(agent=who, reason=reason or "break"))
    elif current != "logged_out":
        events.append(ae.AgentAvailable(agent=who))
    return events


async def set_agent_state(request: web.Request) -> web.Response:
    distributor = request.app[DISTRIBUTOR]
    agent = request.match_info["agent"]
    principal = request[PRINCIPAL]
    if principal.role not in ("admin", "supervisor") and principal.agent != agent:
        raise BadInput(403, f"an agent may set only their own state, not {agent!r}")
    if principal.agent != agent and not scopes(request).sees_agent(principal, agent):
        raise BadInput(403, f"{agent!r} works in none of your queues")
    if agent not in distributor.acd.config.agents:  # not every agent's figures: a lookup
        raise BadInput(404, f"no agent {agent!r}")
    body = await json_object(request)
    state, reason = body.get("state"), body.get("reason")
    if state not in STATES:
        raise BadInput(422, f"state: one of {', '.join(STATES)}", "state")
    if reason is not None and (not isinstance(reason, str) or not 0 < len(reason) <= MAX_REASON):
        raise BadInput(422, f"reason: text of 1 to {MAX_REASON} characters", "reason")
    if state == "paused" and reason in CALL_PAUSES:
        when = _SET_WHILE.get(reason, "during a call of the agent's own")
        raise BadInput(422, f"reason: {reason!r} is set by the platform {when}", "reason")
    now = _plain(distributor.acd.agent_state(agent))
    _refuse_during_own_call(request, agent, state, now)
    if state != "logged_out" and agent not in distributor.registered:
        raise BadInput(409, f"{agent}'s phone is not registered; register it first", "state")
    for event in _events(agent, now["state"], state, reason):
        distributor.agent_event(event)
    return web.json_response(_plain(distributor.acd.agent_state(agent)))


def _refuse_during_own_call(request: web.Request, agent: str, state: str,
                            now: dict[str, Any]) -> None:
    """An agent on a call of their own (one they placed, a campaign's line, a colleague's
    consultation: the platform's ``CALL_PAUSES``) goes available after it, not during
    it: the ACD would offer them callers while they are on the phone. A pause chosen
    meanwhile stays theirs to choose."""
    if state != "available":
        return
    outbound = request.app.get(CALLS_PLACED)
    reason = now.get("reason") if now.get("state") == "paused" else None
    if (outbound is not None and outbound.busy(agent)) or reason == "outbound":
        raise BadInput(409, f"{agent} is on a call they placed; available after it", "state")
    if reason in CALL_PAUSES:
        raise BadInput(409, f"{agent} is on a call of their own ({reason}); available "
                            "after it", "state")


def _operation(summary: str, body: bool = False) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": {
        "200": json_content({"type": "object"}), "401": ERROR, "403": ERROR}}
    if body:
        operation["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"type": "object", "required": ["state"], "properties": {
                "state": {"type": "string", "enum": list(STATES)},
                "reason": {"type": "string", "maxLength": MAX_REASON, "description": (
                    f"why paused; not {' or '.join(sorted(CALL_PAUSES))}, which the "
                    "platform sets while a call of the agent's own lasts (422)")}}}}}}
        operation["responses"].update({"404": ERROR, "409": ERROR, "422": ERROR})
    return operation


def add_acd_routes(app: web.Application, distributor: Distributor) -> None:
    app[DISTRIBUTOR] = distributor
    add_route(app, "GET", "/api/v1/queues", list_queues, resource="queues",
              operation=_operation("Live figures of every queue"))
    add_route(app, "GET", "/api/v1/agents", list_agents, resource="agents",
              operation=_operation("Agents' states and figures (an agent sees only their own)"))
    add_route(app, "PUT", "/api/v1/agents/{agent}/state", set_agent_state, resource="agents",
              action="update", operation=_operation(
                  "Set an agent's state: available, paused (with a reason) or logged_out",
                  body=True))
