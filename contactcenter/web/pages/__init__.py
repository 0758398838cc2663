"""The web pages: sign-in, the agent desktop, the supervisor board, the wallboard, the
outbound campaigns and the customers' help centre, served by the same aiohttp app as
the API.

Theory of operation. A page is a server-rendered shell (``views``) plus a small
ES module in ``static/`` that reads the API with the session cookie (sending the
CSRF token on every change) and listens to ``/api/v1/events``; every text taken
from data is put in the page with ``textContent``. The signed-in pages are routes
of the API's own table (``add_route``), so the guard checks them against the
permission table like any route: ``desktop`` for the agent desktop, ``boards``
for the board and the wallboard, ``dialer`` for the campaigns, ``call_history``
and ``analytics`` for the managers' analytics pages. The pages anyone may
open (sign-in, help, the static files) are listed apart in the guard's
``OPEN_ROUTES``, because the API's table holds only the API's public routes;
their entries go into the API document too, so that the document still describes
every route of the router.

A signed-in page that is refused answers as a page, not as JSON: a 401 sends
the browser to the sign-in page (and back afterwards), a 403 says whose page it is.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from contactcenter.web.keys import OPENAPI
from contactcenter.web.openapi import completed
from contactcenter.web.pages import analytics, campaigns, crm, selfservice, views
from contactcenter.web.pages.render import ASSET_NAME, CONTENT_TYPES, asset, fill, page
from contactcenter.web.routing import Handler, add_route
from contactcenter.web.security import OPEN_ROUTES

#: (path, handler, resource, summary) of the signed-in pages
SIGNED_IN: tuple[tuple[str, Handler, str, str], ...] = (
    ("/agent", views.agent_page, "desktop", "The agent desktop (HTML page)"),
    ("/supervisor", views.supervisor_page, "boards", "The supervisor board (HTML page)"),
    ("/wallboard", views.wallboard_page, "boards", "The wallboard for a big screen (HTML page)"),
    ("/campaigns", campaigns.campaigns_page, "dialer",
     "The outbound campaigns' boards, started, paused, resumed and stopped (HTML page)"),
    ("/analytics", analytics.calls_page, "call_history",
     "The contact center's history, forecast and staffing, charted (HTML page)"),
    ("/analytics/customers", analytics.customers_page, "analytics",
     "The customers' RFM segments, lifetime value and churn, charted (HTML page)"),
)


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {}}}


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description,
            "schema": {"type": "string"}}


def _form(fields: dict[str, int], required: tuple[str, ...]) -> dict[str, Any]:
    """A help form's body: each field with its longest length, and its CSRF token."""
    properties: dict[str, Any] = {name: {"type": "string", "maxLength": longest}
                                  for name, longest in fields.items()}
    properties["csrf"] = {"type": "string", "description": "the token the help page gave"}
    if "type" in fields:
        properties["type"] = {"type": "string", "enum": list(selfservice.CASE_TYPES)}
    schema = {"type": "object", "required": ["csrf", *required], "properties": properties}
    return {"required": True, "content": {"application/x-www-form-urlencoded": {
        "schema": schema}}}


#: what a help form answers: the help page again, or a page saying why not
_FORM_ANSWERS = {
    "303": {"description": "taken: back to the help page, which thanks the visitor",
            "headers": {"Location": {"schema": {"type": "string"}}}},
    "400": _html("a body that is not a form (a page)"),
    "403": _html("sent from another site, or without the page's token (a page)"),
    "415": _html("not sent as the page's form (application/x-www-form-urlencoded)"),
    "422": _html("a field missing or too long (a page naming it)"),
    "429": _html("too many forms from the address (a page)"),
    "503": _html("the CRM or the callback queue is not available (a page)")}
_LIMITS = selfservice.LIMITS

#: (method, path, handler, operation) of the pages anyone may open
OPEN: tuple[tuple[str, str, Handler, dict[str, Any]], ...] = (
    ("GET", "/login", views.login_page, {
        "summary": "The sign-in page (HTML)",
        "parameters": [_query("next", "the page to go back to afterwards")]}),
    ("GET", "/help", selfservice.help_page, {
        "summary": "The help centre: knowledge-base search and the case and callback forms "
                   "(HTML)",
        "parameters": [_query("q", "words to search the published articles for"),
                       _query("opened", "the case just opened, to thank for"),
                       _query("callback", "1: a callback was just booked"),
                       _query("booked", "the start (Unix seconds) of the slot just booked")]}),
    ("GET", "/help/articles/{id}", selfservice.article_page, {
        "summary": "A published article (HTML)",
        "parameters": [{"name": "id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": {"404": _html("no published article with this id (a page)")}}),
    ("POST", "/help/case", selfservice.open_case, {
        "summary": "Open a case from the help page (form with its CSRF token; redirects back)",
        "requestBody": _form({key: _LIMITS[key] for key in (
            "name", "email", "phone", "subject", "description")} | {"type": 20},
            ("name", "email", "subject", "description")),
        "responses": _FORM_ANSWERS}),
    ("POST", "/help/callback", selfservice.request_callback, {
        "summary": "Ask for a callback from the help page (form with its CSRF token; "
                   "redirects back)",
        "requestBody": _form({key: _LIMITS[key] for key in ("name", "phone", "topic")}
                             | {"slot": 12}, ("name", "phone")),
        "responses": {**_FORM_ANSWERS, "409": _html(
            "the calling rules refuse this number (do-not-call list, unknown local time, "
            "a slot outside its calling hours) or the slot chosen is taken: a page saying "
            "so")}}),
    ("GET", "/assets/{name}", asset, {
        "summary": "A static file of the pages (script, style sheet)",
        "parameters": [{"name": "name", "in": "path", "required": True, "schema": {
            "type": "string", "pattern": ASSET_NAME.pattern}}],
        "responses": {"200": {"description": "the file", "content": {
            kind: {} for kind in CONTENT_TYPES.values()}}}}),
)
_HTML = {"200": _html("the page")}
#: a refused signed-in page is a page too (``pages_answer_as_pages``)
_REFUSED = {"401": _html("not signed in: a page leading to the sign-in"),
            "403": _html("not for the user's role (a page)")}


def _operation(summary: str) -> dict[str, Any]:
    return {"summary": summary, "tags": ["pages"], "responses": {**_HTML, **_REFUSED}}


@web.middleware
async def pages_answer_as_pages(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A refused signed-in page is a page: 401 leads to the sign-in, 403 says why."""
    response = await handler(request)
    path = request.path
    if request.method != "GET" or not views.is_page(path) or response.status not in (401, 403):
        return response
    if response.status == 401:
        target = f"/login?next={path}"
        main = fill("signin_needed.html", target=target)
        refused = page(title="Sign in", body_class="refused", main=main, status=401)
        refused.headers["Refresh"] = f"0; url={target}"
        return refused
    main = fill("forbidden.html", page=path)
    return page(title="Not for your role", body_class="refused", main=main, status=403)


async def _document(app: web.Application) -> None:
    """The open pages in the API document beside the routes of the API's table."""
    paths = app[OPENAPI].setdefault("paths", {})
    for method, path, _handler, operation in OPEN:
        answers = {**(_HTML if method == "GET" else {}), **operation.get("responses", {})}
        paths.setdefault(path, {})[method.lower()] = completed(
            path, {**operation, "tags": ["pages"], "responses": answers})


def add_pages(app: web.Application) -> None:
    """The pages, their static files and the help centre's forms."""
    for path, handler, resource, summary in SIGNED_IN:
        add_route(app, "GET", path, handler, resource=resource, operation=_operation(summary))
    crm.add_crm_pages(app)  # contacts, their cards and timelines, accounts
    open_routes = app.setdefault(OPEN_ROUTES, set())
    for method, path, handler, _doc in OPEN:
        route = app.router.add_route(method, path, handler)
        assert route.resource is not None
        open_routes.add((method, route.resource.canonical))
    app[selfservice.LIMITER] = selfservice.RateLimit()
    # outermost: it sees the JSON refusal the inner middlewares made of the guard's 401/403
    app.middlewares.insert(0, pages_answer_as_pages)
    app.on_startup.append(_document)
