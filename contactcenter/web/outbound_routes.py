"""Click-to-talk over the API: an agent asks, the rules decide, the phones ring.

``POST /api/v1/click-to-talk`` with ``{"number": ...}`` rings the agent's phone
and then the number. Before anything rings, the number is checked against the
do-not-call list (the CRM contact's flag) and the callee's calling hours (their
time zone in the CRM, else the zones of the number's numbering plan), and a
refusal says which rule and why, for the desktop to show.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import phonenumbers
from aiohttp import web
from phonenumbers import timezone as number_timezones

from contactcenter.dialer.compliance import Callee, CallingWindow, check_call
from contactcenter.engine.click_to_talk import ClickToTalk, OutboundRefused
from contactcenter.web.acd_routes import CALLS_PLACED
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import CUSTOMERS, PRINCIPAL
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route
from crm_core.phones import try_e164

CLICK_TO_TALK = CALLS_PLACED  # one key: the ACD's routes ask it whether an agent is busy
WINDOW: web.AppKey[CallingWindow] = web.AppKey("calling_window")
SUPERVISING = ("admin", "supervisor")


def number_zones(number: str) -> tuple[str, ...]:
    """The time zones a number may ring in: its area's, else every zone of its country
    code (a number the plan cannot place, like the 555 ones, could be anywhere in it)."""
    parsed = phonenumbers.parse(number)
    zones = [zone for zone in number_timezones.time_zones_for_number(parsed)
             if zone != number_timezones.UNKNOWN_TIMEZONE]
    if not zones:  # phonenumbers' country-level table, the fallback it uses itself
        zones = list(number_timezones._country_level_time_zones_for_number(parsed))
    return tuple(zone for zone in zones if zone != number_timezones.UNKNOWN_TIMEZONE)


async def _callee(request: web.Request, number: str) -> Callee:
    """What the CRM and the numbering plan say of the person behind ``number``."""
    zones = number_zones(number)
    view = await request.app[CUSTOMERS].by_phone(number) if CUSTOMERS in request.app else None
    contact: dict[str, Any] = (view.contact or {}) if view is not None else {}
    account: dict[str, Any] = (view.account or {}) if view is not None else {}
    return Callee(number=number, do_not_call=bool(contact.get("do_not_call")),
                  time_zone=contact.get("time_zone") or account.get("time_zone"),
                  number_zones=zones)


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
    refusal = check_call(await _callee(request, number), dt.datetime.now(dt.UTC),
                         request.app[WINDOW])
    if refusal is not None:
        return web.json_response({"error": refusal.reason, "rule": refusal.rule,
                                  "field": "number"}, status=409)
    try:
        call_id = outbound.start(agent, number)
    except OutboundRefused as refused:
        raise BadInput(409, refused.reason, "agent") from None
    return web.json_response({"call_id": call_id, "agent": agent, "number": number},
                             status=202)


_OPERATION: dict[str, Any] = {
    "summary": "Ring the agent's phone, then the number, and bridge them (click-to-talk)",
    "description": "Refused (409, with `rule` do_not_call or calling_hours) for a number on "
                   "the do-not-call list or outside the callee's local calling hours.",
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["number"], "properties": {
            "number": {"type": "string", "description": "any form; normalised to E.164"},
            "agent": {"type": "string", "description": "supervisors: whose phone rings"}}}}}},
    "responses": {"202": json_content({"type": "object", "properties": {
        "call_id": {"type": "string"}, "agent": {"type": "string"},
        "number": {"type": "string"}}}, "ringing the agent's phone"),
        "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR},
}


def add_outbound_routes(app: web.Application, outbound: ClickToTalk,
                        window: CallingWindow) -> None:
    app[CLICK_TO_TALK] = outbound
    app[WINDOW] = window
    add_route(app, "POST", "/api/v1/click-to-talk", click_to_talk, resource="click_to_talk",
              action="create", operation=_OPERATION)
