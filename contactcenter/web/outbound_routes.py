"""Click-to-talk over the API: an agent asks, the call gate decides, the phones ring.

``POST /api/v1/click-to-talk`` with ``{"number": ...}`` rings the agent's phone
and then the number. Before anything rings, the placement passes the call gate
(``contactcenter.calls``): the do-not-call list (the CRM contact's flag) and the
callee's calling hours (their time zone in the CRM, else the zones of the
number's numbering plan); a refusal says which rule and why, for the desktop
to show, and is on the record as an outbound call that was refused.
"""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from contactcenter.calls import LOOKUP_TIMEOUT, Refused
from contactcenter.engine.click_to_talk import ClickToTalk, OutboundRefused
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.web.acd_routes import CALLS_PLACED
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import PRINCIPAL
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route
from crm_core.phones import try_e164

CLICK_TO_TALK = CALLS_PLACED  # one key: the ACD's routes ask it whether an agent is busy
GATE: web.AppKey[Gatekeeper] = web.AppKey("call_gate")
SUPERVISING = ("admin", "supervisor")


def _agent(request: web.Request, body: dict[str, Any]) -> str:
    principal = request[PRINCIPAL]
    asked = body.get("agent")
    if asked is not None and principal.role in SUPERVISING:
        if not isinstance(asked, str):
            raise BadInput(422, "agent: an agent's id", "agent")
        return asked
    if principal.agent is None:
        raise BadInput(403, "click-to-talk needs a user linked to an agent")
    return principal.agent


async def click_to_talk(request: web.Request) -> web.Response:
    body = await json_object(request)
    raw = body.get("number")
    if not isinstance(raw, str) or not raw.strip():
        raise BadInput(422, "number: the phone number to call", "number")
    number = try_e164(raw)
    if number is None:
        raise BadInput(422, f"number: {raw!r} is not a phone number", "number")
    agent = _agent(request, body)
    outbound = request.app[CLICK_TO_TALK]
    if agent not in outbound.known_agents():
        raise BadInput(404, f"no agent {agent!r}", "agent")
    try:
        outbound.check(agent)  # a phone to ring, not busy: before the gate looks anything up
        call_id = outbound.new_id()
        decision = await asyncio.wait_for(
            request.app[GATE].ask(call_id, "click_to_talk", number, asked_by=agent),
            LOOKUP_TIMEOUT + 5)  # the gate refuses on its own first; this is a backstop
        if isinstance(decision, Refused):
            return web.json_response({"error": decision.reason, "rule": decision.rule,
                                      "field": "number"}, status=409)
        outbound.start(agent, number, call_id=call_id)
    except OutboundRefused as refused:
        raise BadInput(409, refused.reason, "agent") from None
    return web.json_response({"call_id": call_id, "agent": agent, "number": number},
                             status=202)


_OPERATION: dict[str, Any] = {
    "summary": "Ring the agent's phone, then the number, and bridge them (click-to-talk)",
    "description": "Refused (409, with `rule`: do_not_call, calling_hours, "
                   "unknown_time_zone or lookup_failed) for a number on the do-not-call list, "
                   "outside the callee's local calling hours, whose local time nobody knows, "
                   "or when the do-not-call list could not be read.",
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["number"], "properties": {
            "number": {"type": "string", "description": "any form; normalised to E.164"},
            "agent": {"type": "string", "description": "supervisors: whose phone rings"}}}}}},
    "responses": {"202": json_content({"type": "object", "properties": {
        "call_id": {"type": "string"}, "agent": {"type": "string"},
        "number": {"type": "string"}}}, "ringing the agent's phone"),
        "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR},
}


def add_outbound_routes(app: web.Application, outbound: ClickToTalk, gate: Gatekeeper) -> None:
    app[CLICK_TO_TALK] = outbound
    app[GATE] = gate
    add_route(app, "POST", "/api/v1/click-to-talk", click_to_talk, resource="click_to_talk",
              action="create", operation=_OPERATION)
