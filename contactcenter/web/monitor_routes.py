"""Supervisors on live calls: ``POST /api/v1/calls/{call_id}/monitor``.

The supervisor's phone (``endpoint``, else the phone their user is linked to)
rings; answered, it listens to the agent's call, whispers to the agent, or
barges in (``contactcenter.engine.monitoring``). Hanging up ends it.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from contactcenter.engine.monitoring import SNOOPS, MonitorRefused, Monitors
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import PRINCIPAL
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route
from contactcenter.web.scope import scopes

MONITORS: web.AppKey[Monitors] = web.AppKey("monitors")


async def monitor_call(request: web.Request) -> web.Response:
    body = await json_object(request)
    principal = request[PRINCIPAL]
    mode = body.get("mode")
    if mode not in SNOOPS:
        raise BadInput(422, f"mode: one of {', '.join(SNOOPS)}", "mode")
    endpoint = body.get("endpoint", principal.agent)
    if not isinstance(endpoint, str) or not endpoint:
        raise BadInput(422, "endpoint: the supervisor's phone (their user has none linked)",
                       "endpoint")
    monitors = request.app[MONITORS]
    agent = monitors.agent_of(request.match_info["call_id"])
    if agent is not None and not scopes(request).sees_agent(principal, agent):
        raise BadInput(403, f"the call is with {agent}, who works in none of your queues")
    try:
        monitor_id = monitors.start(request.match_info["call_id"], mode,
                                                 endpoint, principal.username)
    except MonitorRefused as refused:
        raise BadInput(refused.status, refused.reason) from None
    return web.json_response({"monitor_id": monitor_id, "mode": mode, "endpoint": endpoint},
                             status=202)


_OPERATION: dict[str, Any] = {
    "summary": "Listen to, whisper to (the agent hears), or barge into an agent's live call",
    "description": "Rings the supervisor's phone; answered, it joins the call in that mode. "
                   "Hanging the phone up ends the monitoring.",
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["mode"], "properties": {
            "mode": {"type": "string", "enum": list(SNOOPS)},
            "endpoint": {"type": "string",
                         "description": "the phone to ring; default: the user's own"}}}}}},
    "responses": {"202": json_content({"type": "object"}, "ringing the supervisor's phone"),
                  "401": ERROR, "403": ERROR, "409": ERROR, "422": ERROR},
}


def add_monitor_routes(app: web.Application, monitors: Monitors) -> None:
    app[MONITORS] = monitors
    add_route(app, "POST", "/api/v1/calls/{call_id}/monitor", monitor_call,
              resource="monitoring", action="create", operation=_OPERATION)
