"""The dialer over the API: campaign managers start, pause, resume and stop campaigns;
agents join one from their phone (their line stays open between calls), leave it, and
dial or skip the records a preview campaign shows them.

``GET /api/v1/dialer/campaigns`` lists the campaigns with their boards;
``POST /api/v1/dialer/campaigns/{name}/{action}`` (start, pause, resume, stop) moves
one, a ``409`` saying why when the campaign does not move (a start without caller
ID); ``POST /api/v1/dialer/campaigns/{name}/seats`` rings the agent's phone to join
it, ``DELETE .../seats/{agent}`` hangs it up, ``POST .../seats/{agent}/ready`` ends
the agent's wrap-up, ``POST`` (``DELETE``) ``.../seats/{agent}/pause`` pauses them
(takes calls again). ``GET /api/v1/dialer/seats/mine`` is the agent's own view: the
campaigns of their queues, their seat in each, the records shown to them.
``POST .../{name}/previews/{dial_id}/dial`` and ``.../skip`` answer a preview.
The pages follow the campaigns live on ``GET /api/v1/dialer/events``
(``contactcenter.web.pages.campaign_stream``). Campaigns are made and changed by the
routes of ``contactcenter.web.campaign_admin_routes``.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from contactcenter.dialer.states import CampaignState, DialState
from contactcenter.engine.campaigns import CampaignRunner
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.outbound_campaigns import Campaigns, SeatRefused
from contactcenter.server.campaign_admin import CampaignAdmin
from contactcenter.web.campaign_admin_routes import add_campaign_admin_routes
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import BUS, PRINCIPAL
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.pages.campaign_stream import (
    CAMPAIGNS,
    PHONES,
    PREVIEW_SECONDS,
    PREVIEWS,
    PreviewClock,
    board_of,
    dialer_events,
    seat_view,
)
from contactcenter.web.routing import add_route

#: each campaign manager's move and the state it leads to
_ACTIONS = {"start": CampaignState.RUNNING, "pause": CampaignState.PAUSED,
            "resume": CampaignState.RUNNING, "stop": CampaignState.STOPPED}
_SUPERVISING = ("admin", "supervisor")


def _runner(request: web.Request) -> CampaignRunner:
    name = request.match_info["name"]
    runner = request.app[CAMPAIGNS].get(name)
    if runner is None:
        raise BadInput(404, f"no campaign {name!r}", "name")
    return runner


async def list_campaigns(request: web.Request) -> web.Response:
    runners = request.app[CAMPAIGNS].runners.values()
    return web.json_response({"campaigns": [board_of(runner) for runner in runners]})


async def move_campaign(request: web.Request) -> web.Response:
    """The move, or a 409 with the reason when the campaign stays where it was (the core
    refuses a start without caller ID and ignores a move its state does not take)."""
    runner, action = _runner(request), request.match_info["action"]
    target = _ACTIONS.get(action)
    if target is None:
        raise BadInput(404, f"no action {action!r} (one of {', '.join(_ACTIONS)})", "action")
    before = runner.core.state
    getattr(runner, action)()
    now = runner.core.state
    if now is not target:
        why = ("the campaign has no caller ID" if action == "start" and now is before
               and before is CampaignState.IDLE and not runner.core.campaign.caller_id
               else f"the campaign is {now.value}: it cannot {action}")
        raise BadInput(409, f"not done: {why}", "action")
    return web.json_response(board_of(runner), status=202)


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


def _queues_of(request: web.Request, agent: str) -> frozenset[str]:
    config = request.app[PHONES].acd.config.agents.get(agent)
    return frozenset(config.queues) if config is not None else frozenset()


def _may_work(request: web.Request, runner: CampaignRunner, agent: str) -> bool:
    """An agent works the campaigns of their queues (a campaign that names its agents in
    the campaigns file, not a queue, is open to any: the runner does not hold that list)."""
    return runner.queue is None or runner.queue in _queues_of(request, agent)


async def join(request: web.Request) -> web.Response:
    runner = _runner(request)
    body = await json_object(request)
    agent = _agent(request, body.get("agent"))
    if request[PRINCIPAL].role == "agent" and not _may_work(request, runner, agent):
        raise BadInput(403, f"{runner.name} is worked by queue {runner.queue}, not yours")
    endpoint = request.app[PHONES].registered.ring(agent)
    if endpoint is None:
        raise BadInput(409, f"{agent} has no phone registered to work the campaign", "agent")
    try:  # an agent works one campaign at a time
        request.app[CAMPAIGNS].join(runner.name, agent, endpoint)
    except SeatRefused as refused:
        raise BadInput(409, str(refused), "agent") from None
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


#: the longest pause reason taken
MAX_REASON = 40


async def pause(request: web.Request) -> web.Response:
    """POST: the agent stays on the line but takes no call (``{"reason"}``, default
    ``break``); DELETE: they take calls again. A seat ringing or talking stays as it is."""
    runner = _runner(request)
    agent = _agent(request, request.match_info["agent"])
    paused = request.method == "POST"
    body = await json_object(request) if paused and request.body_exists else {}
    why = body.get("reason", "break")
    if not isinstance(why, str) or not 0 < len(why) <= MAX_REASON:
        raise BadInput(422, f"reason: text of 1 to {MAX_REASON} characters", "reason")
    if runner.seats.seat(agent) is None:
        raise BadInput(409, f"{agent} is not working {runner.name}", "agent")
    runner.agent_break(agent, paused, why)
    return web.json_response({"campaign": runner.name, "agent": agent, "paused": paused,
                              "reason": why if paused else None}, status=202)


async def my_seats(request: web.Request) -> web.Response:
    """The agent's campaigns (their queues', and any they sit in), each with their seat,
    and the records shown to them now; a user with no agent has none."""
    agent = request[PRINCIPAL].agent
    runners = request.app[CAMPAIGNS].runners.values()
    mine = [runner for runner in runners if agent is not None and (
        runner.seats.seat(agent) is not None or _may_work(request, runner, agent))]
    previews = request.app[PREVIEWS].of_agent(agent) if agent is not None else []
    return web.json_response({
        "agent": agent, "preview_seconds": PREVIEW_SECONDS,
        "campaigns": [seat_view(runner, str(agent)) for runner in mine],
        "previews": previews})


async def answer_preview(request: web.Request) -> web.Response:
    """Dial or skip a record shown in preview: 404 unknown, 403 another agent's, 409 no
    longer offered (dialed, skipped, timed out, or the campaign paused)."""
    runner, dial_id = _runner(request), request.match_info["dial_id"]
    action = request.match_info["answer"]
    if action not in ("dial", "skip"):
        raise BadInput(404, f"no action {action!r} (dial or skip)", "answer")
    dial = runner.core.dial(dial_id)
    shown_to = dial.agent if dial is not None else request.app[PREVIEWS].shown_to(dial_id)
    if shown_to is None:
        raise BadInput(404, f"no record {dial_id!r} was shown in {runner.name}", "dial_id")
    principal = request[PRINCIPAL]
    if principal.role not in _SUPERVISING and shown_to != principal.agent:
        raise BadInput(403, "this record was shown to another agent", "dial_id")
    if dial is None or dial.state is not DialState.PREVIEW:
        raise BadInput(409, "this record is no longer offered (dialed, skipped or "
                            "withdrawn)", "dial_id")
    if action == "dial":
        runner.preview_dialed(dial_id)
    else:
        runner.preview_skipped(dial_id)
    request.app[PREVIEWS].answered(dial_id)
    return web.json_response({"campaign": runner.name, "dial_id": dial_id,
                              "agent": shown_to, "answer": action}, status=202)


def _operation(summary_text: str, status: str) -> dict[str, Any]:
    return {"summary": summary_text, "responses": {
        status: json_content({"type": "object"}, summary_text),
        "401": ERROR, "403": ERROR, "404": ERROR, "409": ERROR, "422": ERROR}}


def add_dialer_routes(app: web.Application, campaigns: Campaigns,
                      phones: Distributor, admin: CampaignAdmin | None = None) -> None:
    """The dialer's routes; with ``admin``, campaigns are made and changed too."""
    app[CAMPAIGNS], app[PHONES] = campaigns, phones
    previews = app[PREVIEWS] = PreviewClock(campaigns)
    app.cleanup_ctx.append(lambda running: previews.context(running[BUS]))
    base = "/api/v1/dialer/campaigns"
    add_route(app, "GET", base, list_campaigns, resource="dialer", action="read",
              operation=_operation("The dialer's campaigns, their state and tallies", "200"))
    add_route(app, "GET", "/api/v1/dialer/seats/mine", my_seats, resource="dialer_seats",
              action="read", operation=_operation(
                  "The signed-in agent's campaigns, their seat in each, and the records "
                  "shown to them in preview", "200"))
    stream = _operation("WebSocket: campaign boards for campaign managers, an agent's own "
                        "seats and previews (docs/api.md, the dialer)", "101")
    stream["responses"]["200"] = json_content(
        {"type": "object"}, "without the WebSocket handshake: what the stream would send "
                            "now, once (boards, seats, previews)")
    add_route(app, "GET", "/api/v1/dialer/events", dialer_events, resource="events",
              action="read", operation=stream)
    add_route(app, "POST", base + "/{name}/seats", join, resource="dialer_seats",
              action="create", operation=_operation("Ring the agent's phone to work the "
                                                    "campaign (their line stays open)", "202"))
    add_route(app, "DELETE", base + "/{name}/seats/{agent}", leave, resource="dialer_seats",
              action="delete", operation=_operation("The agent leaves the campaign", "202"))
    add_route(app, "POST", base + "/{name}/seats/{agent}/ready", ready,
              resource="dialer_seats", action="update",
              operation=_operation("The agent ends their wrap-up", "202"))
    for method, summary in (("POST", "The agent pauses: on the line, taking no call"),
                            ("DELETE", "The agent takes calls again")):
        add_route(app, method, base + "/{name}/seats/{agent}/pause", pause,
                  resource="dialer_seats", action="update",
                  operation=_operation(summary, "202"))
    add_route(app, "POST", base + "/{name}/previews/{dial_id}/{answer}", answer_preview,
              resource="dialer_seats", action="update", operation=_operation(
                  "Dial (dial) or skip (skip) a record shown to the agent in preview",
                  "202"))
    if admin is not None:  # before the moves: ``.../{name}/list`` is no move
        add_campaign_admin_routes(app, admin)
    add_route(app, "POST", base + "/{name}/{action}", move_campaign, resource="dialer",
              action="update", operation=_operation("Start, pause, resume or stop the "
                                                    "campaign", "202"))
