"""The signed-in pages: the agent desktop, the supervisor board and the wallboard, and
the sign-in page in front of them.

Each handler renders a shell: the page's skeleton, the metric definitions, and the
data its script needs to start (who is signed in, the queues and agents of the
config, the server's clock). Everything live comes afterwards from the API and the
event stream, so the shell holds nothing that goes stale.
"""

from __future__ import annotations

import re
import time
from typing import Any

from aiohttp import web

from contactcenter.acd.states import CALL_PAUSES
from contactcenter.engine.distribution import Distributor
from contactcenter.web.acd_routes import DISTRIBUTOR
from contactcenter.web.auth import SESSION
from contactcenter.web.keys import AUTH, PRINCIPAL
from contactcenter.web.pages.metrics import (
    AGENT_METRICS,
    AGENT_STATES,
    PAUSE_REASONS,
    QUEUE_METRICS,
    Metric,
)
from contactcenter.web.pages.phones import allow_phones, desk_phones
from contactcenter.web.pages.render import Markup, fill, join, page, tag
from contactcenter.web.permissions import allowed
from contactcenter.web.scope import scopes
from contactcenter.web.sessions import COOKIE

#: the page each role lands on after signing in
HOME = {"agent": "/agent", "supervisor": "/supervisor", "admin": "/supervisor",
        "sales": "/crm/contacts", "marketing": "/campaigns", "manager": "/analytics"}
#: the pages a ``next`` parameter may send the browser back to (never another site)
PAGES = ("/agent", "/supervisor", "/wallboard", "/campaigns", "/help", "/analytics",
         "/analytics/customers")
#: and the CRM pages (``crm``), which name a record
CRM_PAGE = re.compile(r"/crm/(?:contacts|contacts/\d{1,10}|accounts/\d{1,10})")


def is_page(path: str) -> bool:
    """Whether ``path`` is one of our pages (a sign-in may lead back to it)."""
    return path in PAGES or CRM_PAGE.fullmatch(path) is not None


def _distributor(request: web.Request) -> Distributor | None:
    """The ACD's adapter, when the app runs one."""
    return request.app.get(DISTRIBUTOR)


def csrf_for(request: web.Request) -> str:
    """The CSRF token of the session the cookie names ("" for a bearer-token visit)."""
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        return ""
    claims = request.app[AUTH].claims(cookie, time.time(), kind=SESSION)
    return "" if claims is None else request.app[AUTH].csrf_token(claims["sid"])


def nav(request: web.Request, current: str) -> Markup:
    principal = request[PRINCIPAL]
    links = [("/agent", "Desktop", "desktop"), ("/supervisor", "Board", "boards"),
             ("/wallboard", "Wallboard", "boards"), ("/campaigns", "Campaigns", "dialer"),
             ("/crm/contacts", "Contacts", "crm_pages"),
             ("/analytics", "Analytics", "call_history"),
             ("/analytics/customers", "Customers", "analytics")]
    items = [tag("a", label, href=path, aria_current="page" if path == current else None)
             for path, label, resource in links if allowed(principal.role, resource, "read")]
    items.append(tag("a", "Help centre", href="/help"))
    who = tag("span", f"{principal.username} ({principal.role})", class_="who")
    signout = tag("button", "Sign out", type="button", id="sign-out")
    return fill("nav.html", links=join(items, " "), who=who, signout=signout)


def _definitions(metrics: tuple[Metric, ...]) -> Markup:
    return join(Markup(tag("dt", m.label, id=f"def-{m.key}") + tag("dd", m.definition))
                for m in metrics)


def _headers(metrics: tuple[Metric, ...], first: str) -> Markup:
    cells = [tag("th", first, scope="col")]
    cells += [tag("th", m.label, scope="col", title=m.definition, data_metric=m.key)
              for m in metrics]
    return join(cells)


def _config(request: web.Request) -> dict[str, Any]:
    """Queues (target, wrap-up, members) and agents (name, queues) of the ACD's config."""
    distributor = _distributor(request)
    if distributor is None:
        return {"queues": {}, "agents": {}, "acd": False}
    config = distributor.acd.config
    members: dict[str, list[str]] = {name: [] for name in config.queues}
    agents = {}
    for agent_id, agent in config.agents.items():
        agents[agent_id] = {"name": agent.name or agent_id, "queues": sorted(agent.queues)}
        for queue in agent.queues:
            members.setdefault(queue, []).append(agent_id)
    queues = {name: {"wrap_up": q.wrap_up, "members": members[name],
                     "target_percent": round(q.service_level_target[0] * 100),
                     "target_seconds": q.service_level_target[1]}
              for name, q in config.queues.items()}
    return {"queues": queues, "agents": agents, "acd": True}


def _who(request: web.Request) -> dict[str, Any]:
    principal = request[PRINCIPAL]
    return {"user": principal.username, "role": principal.role, "agent": principal.agent,
            "server_time": time.time()}


async def login_page(request: web.Request) -> web.Response:
    target = request.query.get("next", "")
    data = {"next": target if is_page(target) else "", "home": HOME}
    return page(title="Sign in", body_class="login", main=fill("login.html"),
                script="login.js", data=data)


async def agent_page(request: web.Request) -> web.Response:
    data = _who(request) | _config(request) | {"pause_reasons": list(PAUSE_REASONS),
                                               "phones": desk_phones(request.app)}
    agent = request[PRINCIPAL].agent
    name = data["agents"].get(agent, {}).get("name", agent) if agent else ""
    reasons = join(tag("option", reason, value=reason) for reason in PAUSE_REASONS)
    main = fill("agent.html", agent=agent or "(no agent endpoint)", name=name or "",
                reasons=reasons)
    response = page(title="Agent desktop", body_class="desktop", main=main, script="agent.js",
                    data=data, nav=nav(request, "/agent"), csrf=csrf_for(request))
    return allow_phones(request, response)  # the browser phones' WebSockets


def _board_data(request: web.Request) -> dict[str, Any]:
    """The board's config, cut to the queues (and their agents) the user oversees."""
    config = _config(request)
    scope, principal = scopes(request), request[PRINCIPAL]
    config["queues"] = {name: queue for name, queue in config["queues"].items()
                        if scope.sees_queue(principal, name)}
    config["agents"] = {name: agent for name, agent in config["agents"].items()
                        if scope.sees_agent(principal, name)}
    mine = scope.queues(principal)
    return _who(request) | config | {
        "states": [list(pair) for pair in AGENT_STATES],
        "call_pauses": sorted(CALL_PAUSES),  # shown and counted as on a call
        "scope": "all queues" if mine is None else ", ".join(sorted(mine))}


async def supervisor_page(request: web.Request) -> web.Response:
    data = _board_data(request)
    main = fill("supervisor.html",
                queue_headers=_headers(QUEUE_METRICS, "Queue"),
                agent_headers=_headers(AGENT_METRICS, "Agent") + tag("th", "Monitor",
                                                                     scope="col"),
                queue_definitions=_definitions(QUEUE_METRICS),
                agent_definitions=_definitions(AGENT_METRICS),
                endpoints=join(tag("option", value=phone) for phone in _own_phones(data)))
    return page(title="Supervisor board", body_class="board", main=main, script="board.js",
                data=data, nav=nav(request, "/supervisor"),
                csrf=csrf_for(request))


def _own_phones(data: dict[str, Any]) -> list[str]:
    """Monitoring rings only the user's own phones: their SIP phone and browser phone."""
    mine = data.get("agent")
    return [mine, f"{mine}-web"] if mine else []


async def wallboard_page(request: web.Request) -> web.Response:
    main = fill("wallboard.html", queue_definitions=_definitions(QUEUE_METRICS))
    return page(title="Wallboard", body_class="wallboard", main=main, script="board.js",
                data=_board_data(request), nav=nav(request, "/wallboard"),
                csrf=csrf_for(request))
