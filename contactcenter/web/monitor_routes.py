"""Supervisors on live calls: ``POST /api/v1/calls/{call_id}/monitor``.

The user's own phone (the one their user is linked to, or its browser twin
``<id>-web``, as ``endpoint``) rings; answered, it listens to the agent's call,
whispers to the agent, or barges in (``contactcenter.engine.monitoring``, which
also holds the rule about whose phone may ring). Hanging up ends it. Every
session goes to the call journal and, with a CRM, to the audit log
(``contactcenter.web.monitor_audit``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from contactcenter.engine.monitoring import SNOOPS, MonitorRefused, Monitors
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import DATABASE, PRINCIPAL
from contactcenter.web.monitor_audit import MonitorAudit
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route
from contactcenter.web.scope import scopes

MONITORS: web.AppKey[Monitors] = web.AppKey("monitors")
MONITOR_AUDIT: web.AppKey[MonitorAudit] = web.AppKey("monitor_audit")


async def monitor_call(request: web.Request) -> web.Response:
    body = await json_object(request)
    principal = request[PRINCIPAL]
    call_id = request.match_info["call_id"]
    monitors = request.app[MONITORS]
    agent = monitors.agent_of(call_id)
    if agent is not None and not scopes(request).sees_agent(principal, agent):
        raise BadInput(403, f"the call is with {agent}, who works in none of your queues")
    try:
        monitor_id = monitors.start(call_id, body.get("mode"), supervisor=principal.username,
                                    own_phone=principal.agent, endpoint=body.get("endpoint"))
    except MonitorRefused as refused:
        raise BadInput(refused.status, refused.reason, refused.field) from None
    session = monitors.sessions[monitor_id]
    return web.json_response({"monitor_id": monitor_id, "mode": session.mode,
                              "endpoint": session.endpoint, "phone": session.phone},
                             status=202)


_OPERATION: dict[str, Any] = {
    "summary": "Listen to, whisper to (the agent hears), or barge into an agent's live call",
    "description": "Rings the supervisor's phone; answered, it joins the call in that mode. "
                   "Hanging the phone up ends the monitoring.",
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["mode"], "properties": {
            "mode": {"type": "string", "enum": list(SNOOPS)},
            "endpoint": {"type": "string",
                         "description": "the user's own phone (the agent id their user is "
                                        "linked to, or its browser phone <id>-web); "
                                        "default: the linked id. Any other phone: 403"}}}}}},
    "responses": {"202": json_content({"type": "object"}, "ringing the supervisor's phone"),
                  "401": ERROR, "403": ERROR, "409": ERROR, "422": ERROR},
}


def add_monitor_routes(app: web.Application, monitors: Monitors) -> None:
    """The route, and with the CRM's database the audit log of every session."""
    app[MONITORS] = monitors
    if DATABASE in app:
        audit = app[MONITOR_AUDIT] = MonitorAudit(app[DATABASE])
        monitors.observers.append(audit.report)
        app.cleanup_ctx.append(audit.context)
    add_route(app, "POST", "/api/v1/calls/{call_id}/monitor", monitor_call,
              resource="monitoring", action="create", operation=_OPERATION)
