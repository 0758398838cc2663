"""Web visitors' calls over the API: ``POST /api/v1/web-calls`` and ``/embed/talk.js``.

The grant route is public, as the help page is: a visitor calls without an account. A
page of the platform's own origin may always ask; a page of another site only when
``web_calls.allowed_origins`` lists its origin, which the answer then names in
``Access-Control-Allow-Origin`` (CORS: the browser lets that page read the grant, and
no other). A browser always sends ``Origin`` with a cross-origin POST, so a grant asked
from an unlisted site is refused with 403 before anything is made; a client that is
not a browser sends none and is held to the rate limit per address like anyone.

``/embed/talk.js`` is the button for a company's own pages: a classic script (no CORS
needed to load it) that asks this platform for a grant and calls with JsSIP.
"""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from contactcenter.web.http import BadInput, error, json_object
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.origins import allowed_origin, own_origin, parse_origin
from contactcenter.web.pages.help_talk import HELP_TARGET
from contactcenter.web.pages.render import STATIC
from contactcenter.web.routing import add_route
from contactcenter.web.softphone_routes import Softphones
from contactcenter.webcall.grants import extension
from contactcenter.webcall.service import GrantError, WebCalls

WEB_CALLS: web.AppKey[WebCalls] = web.AppKey("web_calls")
PHONES: web.AppKey[Softphones] = web.AppKey("web_call_phones")
#: the embeddable button, built with the browser phone (``make softphone``)
SCRIPT = STATIC / "webcall.js"
LIMITS = {"target": 24, "page": 500, "email": 200}
_FIELDS = frozenset(LIMITS)


def _cors(request: web.Request) -> dict[str, str]:
    """CORS headers for a listed foreign origin; none for our own pages (or no Origin).
    Refuses any other origin with 403."""
    origin = request.headers.get("Origin")
    if origin is None:
        return {}
    if _own(request):
        return {}
    parsed = parse_origin(origin)
    listed = {parse_origin(item) for item in request.app[WEB_CALLS].settings.allowed_origins}
    if parsed is None or parsed not in listed:
        raise BadInput(403, f"pages of {origin[:100]!r} may not place web calls here",
                       "Origin")
    return {"Access-Control-Allow-Origin": origin.strip(), "Vary": "Origin"}


def _own(request: web.Request) -> bool:
    """Whether the page is the platform's own: the origin the request came in on, or one
    the settings name as the platform's (``allowed_origins``: a TLS proxy's address)."""
    origin = request.headers.get("Origin")
    return origin is not None and (parse_origin(origin) == own_origin(request)
                                   or allowed_origin(request))


def _text(body: dict[str, Any], name: str, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()) \
            or len(value) > LIMITS[name]:
        raise BadInput(422, f"{name}: a text of at most {LIMITS[name]} characters", name)
    if any(unicodedata.category(char) == "Cc" for char in value):  # forged log lines
        raise BadInput(422, f"{name}: no control characters (line breaks, tabs)", name)
    return value.strip()


def page_of(page: str) -> str:
    """The page as the record keeps it: a URL without its query, fragment or password,
    which may hold a reset link's token or a sign-in's answer; other text as it is."""
    try:
        parts = urlsplit(page)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return page
    if parts.scheme.lower() not in ("http", "https") or not host:
        return page
    netloc = f"[{host}]" if ":" in host else host
    return f"{parts.scheme.lower()}://{netloc}{f':{port}' if port else ''}{parts.path}"


def _email(body: dict[str, Any]) -> str | None:
    email = _text(body, "email")
    if not email:
        return None
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in email):
        raise BadInput(422, f"email: {email!r} is not an e-mail address", "email")
    return email


async def grant(request: web.Request) -> web.Response:
    headers = _cors(request)
    try:
        return await _grant(request, headers)
    except BadInput as exc:  # a listed site's page may read why (422, 429, 503)
        response = error(exc.status, exc.reason, exc.field)
        response.headers.update(headers)
        response.headers["Cache-Control"] = "no-store"
        return response


async def _grant(request: web.Request, headers: dict[str, str]) -> web.Response:
    body = await json_object(request)
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise BadInput(422, f"{unknown[0]}: not a field of a web call", unknown[0])
    target = _text(body, "target", required=True)
    page, email = page_of(_text(body, "page") or ""), _email(body)
    assert target is not None
    origin = request.headers.get("Origin", "")
    own = _own(request)
    try:
        made = await request.app[WEB_CALLS].grant(
            target=target, address=request.remote or "?", origin="" if own else origin,
            page=page, email=email)
    except GrantError as exc:
        raise BadInput(exc.status, exc.reason, exc.field) from None
    ws_url = request.app[PHONES].url_for(request)
    host = urlsplit(ws_url).hostname or "127.0.0.1"
    domain = f"[{host}]" if ":" in host else host  # Asterisk's, as the browser knows it
    return web.json_response({
        "ws_url": ws_url, "uri": f"sip:{made.id}@{domain}", "username": made.id,
        "password": made.password, "call": f"sip:{extension(made.target)}@{domain}",
        "target": made.target, "label": request.app[WEB_CALLS].settings.targets[
            made.target].label, "expires_in": round(made.expires - made.issued)},
        status=201,
        headers={**headers, "Cache-Control": "no-store"})


async def preflight(request: web.Request) -> web.Response:
    """The browser's CORS preflight of a foreign page's JSON POST."""
    headers = _cors(request)
    return web.Response(status=204, headers={
        **headers, "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"})


async def talk_js(request: web.Request) -> web.Response:
    try:
        text = SCRIPT.read_bytes()
    except OSError:
        raise BadInput(404, "the button's script is not built (make softphone)") from None
    return web.Response(body=text, content_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})


_GRANT = {"type": "object", "required": ["ws_url", "uri", "username", "password", "call"],
          "properties": {
              "ws_url": {"type": "string", "description": "Asterisk's SIP WebSocket"},
              "uri": {"type": "string", "description": "the grant's own SIP URI"},
              "username": {"type": "string", "description": "digest user (webcall-...)"},
              "password": {"type": "string", "description": "digest password, this grant's"},
              "call": {"type": "string", "description": "the one URI it may call"},
              "target": {"type": "string"}, "label": {"type": "string"},
              "expires_in": {"type": "integer", "description": "seconds to place the call"}}}
_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["target"], "additionalProperties": False, "properties": {
        "target": {"type": "string", "maxLength": 24,
                   "description": "a target of web_calls.targets"},
        "page": {"type": "string", "maxLength": 500, "description": "the visitor's page"},
        "email": {"type": "string", "maxLength": 200,
                  "description": "what the visitor typed, looked up in the CRM"}}}}}}
OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/web-calls"): {
        "summary": "A web visitor's one-time SIP identity to call one target",
        "description": "Public and rate limited per client address; from another site "
                       "only where web_calls.allowed_origins lists it (CORS). The identity "
                       "places one call, to the target's extension only, within "
                       "expires_in seconds (docs/web-calls.md).",
        "requestBody": _BODY,
        "responses": {"201": json_content(_GRANT, "the grant"), "400": ERROR, "403": ERROR,
                      "413": ERROR, "422": ERROR, "429": ERROR, "503": ERROR}},
    ("OPTIONS", "/api/v1/web-calls"): {
        "summary": "CORS preflight of the web-call grant",
        "responses": {"204": {"description": "a listed origin may post"}, "403": ERROR}},
    ("GET", "/embed/talk.js"): {
        "summary": "The embeddable Talk-to-us button (a script for a company's own pages)",
        "responses": {"200": {"description": "the script", "content": {
            "text/javascript": {"schema": {"type": "string"}}}}, "404": ERROR}},
}


def add_web_call_routes(app: web.Application, calls: WebCalls, phones: Softphones) -> None:
    app[WEB_CALLS] = calls
    app[PHONES] = phones
    help_target = calls.settings.help_target
    if help_target is not None:  # the help page's button
        app[HELP_TARGET] = (help_target, calls.settings.targets[help_target].label)
    for (method, path), handler in ((("POST", "/api/v1/web-calls"), grant),
                                    (("OPTIONS", "/api/v1/web-calls"), preflight),
                                    (("GET", "/embed/talk.js"), talk_js)):
        add_route(app, method, path, handler, resource=None,
                  operation=OPERATIONS[(method, path)])
