"""Agents in control of their calls: ``POST /api/v1/calls/{call_id}/control``.

One route for every request (``hold``, ``resume``, ``mute``, ``unmute``,
``transfer``, ``consult``, ``complete``, ``cancel``, ``conference``,
``leave``), each turned into a call control event and nothing more: the
rules are the core's (``contactcenter.calls.control``), which answers with the
call's state or a refusal and its reason (409). What only the web can check
comes first: that the call is the agent's own (or a supervisor's agent's),
and that an outside number passes the call gate before anything rings; whether
a target can take the call now is the core's (``calls.control.targets``).
"""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

from aiohttp import web

from contactcenter.calls import LOOKUP_TIMEOUT, Decision
from contactcenter.calls.control import events as ce
from contactcenter.calls.control.talk import TalkView
from contactcenter.calls.control.targets import REQUESTED_KINDS
from contactcenter.engine.control import AcdFloor, Controller, ControlRefused
from contactcenter.web.acd_routes import DISTRIBUTOR
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import PRINCIPAL
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.outbound_routes import GATE
from contactcenter.web.routing import add_route
from contactcenter.web.scope import scopes
from crm_core.phones import try_e164

CONTROL: web.AppKey[Controller] = web.AppKey("call_control")
SUPERVISING = ("admin", "supervisor")
_SIMPLE: dict[str, Any] = {
    "hold": lambda call_id: ce.HoldAsked(call_id=call_id),
    "resume": lambda call_id: ce.ResumeAsked(call_id=call_id),
    "mute": lambda call_id: ce.MuteAsked(call_id=call_id, muted=True),
    "unmute": lambda call_id: ce.MuteAsked(call_id=call_id, muted=False),
    "complete": lambda call_id: ce.CompleteAsked(call_id=call_id),
    "cancel": lambda call_id: ce.CancelAsked(call_id=call_id),
    "conference": lambda call_id: ce.ConferenceAsked(call_id=call_id),
    "leave": lambda call_id: ce.LeaveAsked(call_id=call_id),
}
ACTIONS = (*_SIMPLE, "transfer", "consult")
_placements = itertools.count(1)


def _controlled(request: web.Request) -> TalkView:
    """The call the path names (by its id, or a callback's by its record's), if it is
    under control and the user may control it."""
    control = request.app[CONTROL]
    view = control.view(control.resolve(request.match_info["call_id"]))
    if view is None:
        raise BadInput(404, "no call under way with that id (it may have ended, or gone "
                            "back to a queue)")
    _may_control(request, view)
    return view


async def show_control(request: web.Request) -> web.Response:
    """The call's state now: for a desktop or a board opened in the middle of a call."""
    return web.json_response(_shown(_controlled(request)))


async def control_call(request: web.Request) -> web.Response:
    body = await json_object(request)
    control = request.app[CONTROL]
    before = _controlled(request)
    call_id = before.call_id
    action = body.get("action")
    if action in _SIMPLE:
        event = _SIMPLE[action](call_id)
    elif action in ("transfer", "consult"):
        target = await _target(request, body, call_id, blind=action == "transfer")
        if _controlled(request).agent != before.agent:  # (the gate took a moment)
            raise BadInput(409, "the call changed hands meanwhile: nothing was done")
        event = (ce.TransferAsked(call_id=call_id, to=target) if action == "transfer"
                 else ce.ConsultAsked(call_id=call_id, to=target))
    else:
        raise BadInput(422, f"action: one of {', '.join(ACTIONS)}", "action")
    try:
        after = control.ask(event)
    except ControlRefused as refused:
        raise BadInput(refused.status, refused.reason) from None
    return web.json_response(_shown(after))


def _may_control(request: web.Request, view: TalkView) -> None:
    """The agent on the call, or a supervisor of theirs, or an admin."""
    principal = request[PRINCIPAL]
    if principal.role in SUPERVISING:
        if not scopes(request).sees_agent(principal, view.agent):
            raise BadInput(403, f"the call is with {view.agent}, who works in none of "
                                "your queues")
        return
    if principal.agent is None or principal.agent != view.agent:
        raise BadInput(403, "only the agent on the call (or their supervisor) controls it")


async def _target(request: web.Request, body: dict[str, Any], call_id: str, *,
                  blind: bool) -> ce.Target:
    """The request's ``to`` as a target the core checked (an outside number: once the
    call gate decided)."""
    to = body.get("to")
    if not isinstance(to, dict) or len(to) != 1 or next(iter(to)) not in REQUESTED_KINDS \
            or not isinstance(next(iter(to.values())), str):
        raise BadInput(422, f"to: an object with one of {', '.join(REQUESTED_KINDS)} as a "
                            "string", "to")
    kind, name = next(iter(to.items()))
    control = request.app[CONTROL]
    try:
        if kind == "number":
            number, decision = await _gate(request, name, call_id)
            return control.number_target(call_id, number, decision,
                                         asked_by=request[PRINCIPAL].agent)
        return control.target(kind, name, blind=blind,
                              floor=AcdFloor(request.app[DISTRIBUTOR]))
    except ControlRefused as refused:
        raise BadInput(refused.status, refused.reason, "to") from None


async def _gate(request: web.Request, raw: str, call_id: str) -> tuple[str, Decision]:
    """The call gate's decision on an outside number (do-not-call, calling hours)."""
    number = try_e164(raw)
    if number is None:
        raise BadInput(422, f"to: {raw!r} is not a phone number", "to")
    request.app[CONTROL].may_dial_out()  # (before the gate: its refusal is the core's)
    if GATE not in request.app:
        raise BadInput(409, "no calling rules set up: outside numbers cannot be called", "to")
    placement = f"{call_id}-transfer-{next(_placements)}"
    try:
        decision = await asyncio.wait_for(
            request.app[GATE].ask(placement, "transfer", number,
                                  asked_by=request[PRINCIPAL].agent),
            LOOKUP_TIMEOUT + 5)  # the gate refuses on its own first; this is a backstop
    except TimeoutError:
        raise BadInput(503, "the calling rules could not be checked in time: nothing "
                            "was done; try again") from None
    return number, decision


def _shown(view: TalkView) -> dict[str, Any]:
    return {"call_id": view.call_id, "record": view.record, "state": view.state.value, "agent": view.agent,
            "queue": view.queue, "held_total": view.held_total, "muted": view.muted,
            "parties": [{"role": role, "who": who, "state": state}
                        for role, who, state in view.parties]}


_OPERATION: dict[str, Any] = {
    "summary": "Hold, resume, mute, transfer, consult, complete, cancel, conference, leave",
    "description": "The agent on the call (or a supervisor of theirs) controls it. "
                   "`transfer` is blind: to an agent (who must be available), a queue (the "
                   "caller keeps their priority) or an outside number (which must pass the "
                   "do-not-call and calling-hours rules). `consult` puts the caller on hold "
                   "and rings an agent, a supervisor's phone or a number; then `complete` "
                   "hands the caller over, `cancel` goes back to them, `conference` brings "
                   "all three together, and `leave` lets the agent go from a conference. "
                   "A request that does not fit the call's state is refused with 409.",
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["action"], "properties": {
            "action": {"type": "string", "enum": list(ACTIONS)},
            "to": {"type": "object", "description": "transfer and consult: one of "
                   "agent, queue, number, supervisor (their phone id)",
                   "properties": {kind: {"type": "string"} for kind in REQUESTED_KINDS}}}}}}},
    "responses": {"200": json_content({"type": "object"}, "the call's state after it"),
                  "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR,
                  "503": ERROR},
}


_SHOW: dict[str, Any] = {
    "summary": "A call's control state now: holding, consulting, its parties, hold time",
    "responses": {"200": json_content({"type": "object"}, "the call's state"),
                  "401": ERROR, "403": ERROR, "404": ERROR},
}


def add_control_routes(app: web.Application, control: Controller) -> None:
    app[CONTROL] = control
    add_route(app, "GET", "/api/v1/calls/{call_id}/control", show_control,
              resource="call_control", action="read", operation=_SHOW)
    add_route(app, "POST", "/api/v1/calls/{call_id}/control", control_call,
              resource="call_control", action="update", operation=_OPERATION)
