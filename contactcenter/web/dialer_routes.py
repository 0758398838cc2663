"""The dialer over the API: campaign managers start, pause, resume and stop campaigns;
agents join one from their phone (their line stays open between calls) and leave it.

``GET /api/v1/dialer/campaigns`` lists the campaigns with their state and tallies;
``POST /api/v1/dialer/campaigns/{name}/{action}`` (start, pause, resume, stop) moves
one; ``POST /api/v1/dialer/campaigns/{name}/seats`` rings the agent's phone to join
it, ``DELETE .../seats/{agent}`` hangs it up, ``POST .../seats/{agent}/ready`` ends
the agent's wrap-up.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from contactcenter.engine.campaigns import CampaignRunner
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.outbound_campaigns import Campaigns
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import PRINCIPAL
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route

CAMPAIGNS: web.AppKey[Campaigns] = web.AppKey("dialer_campaigns")
PHONES: web.AppKey[Distributor] = web.AppKey("dialer_phones")
_ACTIONS = ("start", "pause", "resume", "stop")
_SUPERVISING = ("admin", "supervisor")


def _runner(request: web.Request) -> CampaignRunner:
    name = request.match_info["name"]
    runner = request.app[CAMPAIGNS].get(name)
    if runner is None:
        raise BadInput(404, f"no campaign {name!r}", "name")
    return runner


async def list_campaigns(request: web.Request) -> web.Response:
    runners = request.app[CAMPAIGNS].runners.values()
    return web.json_response({"campaigns": [runner.snapshot() for runner in runners]})


async def move_campaign(request: web.Request) -> web.Response:
    runner, action = _runner(request), request.match_info["action"]
    if action not in _ACTIONS:
        raise BadInput(404, f"no action {action!r} (one of {', '.join(_ACTIONS)})", "action")
    getattr(runner, action)()
    return web.json_response(runner.snapshot(), status=202)


def _agent(request: web.Request, asked: object) -> str:
    principal = request[PRINCIPAL]
    if asked is not None and principal.role in _SUPERVISING:
        if not isinstance(asked, str):
            raise BadInput(422, "agent: an agent's id", "agent")
        return asked
    if principal.agent is None:
        raise BadInput(403, "working a campaign needs a user linked to an agent")
    if asked not in (None, principal.agent):
        raise BadInput(403, "agents join and leave campaigns for themselves only", "agent")
    return str(principal.agent)


async def join(request: web.Request) -> web.Response:
    runner = _runner(request)
    body = await json_object(request)
    agent = _agent(request, body.get("agent"))
    endpoint = request.app[PHONES].registered.ring(agent)
    if endpoint is None:
        raise BadInput(409, f"{agent} has no phone registered to work the campaign", "agent")
    runner.join(agent, endpoint)
    return web.json_response({"campaign": runner.name, "agent": agent,
                              "endpoint": endpoint}, status=202)


async def leave(request: web.Request) -> web.Response:
    runner = _runner(request)
    agent = _agent(request, request.match_info["agent"])
    runner.leave(agent)
    return web.json_response({"campaign": runner.name, "agent": agent}, status=202)


async def ready(request: web.Request) -> web.Response:
    runner = _runner(request)
    agent = _agent(request, request.match_info["agent"])
    runner.agent_done(agent)
    return web.json_response({"campaign": runner.name, "agent": agent}, status=202)


def _operation(summary_text: str, status: str) -> dict[str, Any]:
    return {"summary": summary_text, "responses": {
        status: json_content({"type": "object"}, summary_text),
        "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR}}


def add_dialer_routes(app: web.Application, campaigns: Campaigns,
                      phones: Distributor) -> None:
    app[CAMPAIGNS], app[PHONES] = campaigns, phones
    base = "/api/v1/dialer/campaigns"
    add_route(app, "GET", base, list_campaigns, resource="dialer", action="read",
              operation=_operation("The dialer's campaigns, their state and tallies", "200"))
    add_route(app, "POST", base + "/{name}/seats", join, resource="dialer_seats",
              action="create", operation=_operation("Ring the agent's phone to work the "
                                                    "campaign (their line stays open)", "202"))
    add_route(app, "DELETE", base + "/{name}/seats/{agent}", leave, resource="dialer_seats",
              action="delete", operation=_operation("The agent leaves the campaign", "202"))
    add_route(app, "POST", base + "/{name}/seats/{agent}/ready", ready,
              resource="dialer_seats", action="update",
              operation=_operation("The agent ends their wrap-up", "202"))
    add_route(app, "POST", base + "/{name}/{action}", move_campaign, resource="dialer",
              action="update", operation=_operation("Start, pause, resume or stop the "
                                                    "campaign", "202"))
