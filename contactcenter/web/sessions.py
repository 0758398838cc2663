"""Signing in: a bearer token for programs, a session cookie for pages.

The cookie is HttpOnly (scripts cannot read it), SameSite=Strict (other sites
cannot make the browser send it) and Secure over HTTPS. Because a browser
sends it by itself, a request it authenticates must also prove it comes from
our own page: every request but GET carries the session's CSRF token in
``X-CSRF-Token`` (the synchroniser-token pattern of the OWASP CSRF cheat sheet).
The token is an HMAC of the session id, so nothing is stored per session.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from contactcenter.web.auth import SESSION, SESSION_LIFETIME, Principal
from contactcenter.web.http import BadInput, json_object
from contactcenter.web.keys import AUTH

COOKIE = "cc_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_CREDENTIAL_LENGTH = 1024
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def _credentials(body: Any) -> tuple[str, str]:
    for field in ("username", "password"):
        value = body.get(field)
        if not isinstance(value, str) or not value:
            raise BadInput(400, f"{field}: required string", field)
        if len(value) > MAX_CREDENTIAL_LENGTH:
            raise BadInput(400, f"{field}: longer than {MAX_CREDENTIAL_LENGTH} characters",
                           field)
    return body["username"], body["password"]


async def _sign_in(request: web.Request, body: Any) -> Principal:
    username, password = _credentials(body)
    # scrypt takes tens of milliseconds by design: off the loop that drives the calls
    principal = await asyncio.to_thread(request.app[AUTH].check_password, username, password)
    if principal is None:
        raise BadInput(401, "wrong username or password")
    return principal


async def issue_token(request: web.Request) -> web.Response:
    principal = await _sign_in(request, await json_object(request))
    token = request.app[AUTH].issue(principal, time.time())
    return web.json_response({"token": token, "role": principal.role})


def _same_origin(request: web.Request) -> bool:
    """A browser names the page that sent a form; a sign-in from another site is refused."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc == request.host


async def open_session(request: web.Request) -> web.Response:
    if not _same_origin(request):
        raise BadInput(403, "sign-in from another site refused")
    if request.content_type in FORMS:
        body: Any = await request.post()
    else:
        body = await json_object(request)
    principal = await _sign_in(request, body)
    session_id = secrets.token_urlsafe(16)
    now = time.time()
    token = request.app[AUTH].issue(principal, now, kind=SESSION, session_id=session_id)
    response = web.json_response({
        "csrf_token": request.app[AUTH].csrf_token(session_id), "user": principal.username,
        "role": principal.role, "expires": int(now + SESSION_LIFETIME)})
    response.set_cookie(COOKIE, token, max_age=SESSION_LIFETIME, path="/", httponly=True,
                        samesite="Strict", secure=request.secure)
    return response


async def close_session(request: web.Request) -> web.Response:
    """Log out: the session's token is refused from now on and the cookie is cleared."""
    cookie = request.cookies.get(COOKIE)
    now = time.time()
    claims = request.app[AUTH].claims(cookie, now, kind=SESSION) if cookie else None
    if claims is not None:
        check_csrf(request, claims["sid"])
        request.app[AUTH].end_session(claims["sid"], claims["exp"], now)
    response = web.Response(status=204)
    response.del_cookie(COOKIE, path="/", httponly=True, samesite="Strict",
                        secure=request.secure)
    return response


def check_csrf(request: web.Request, session_id: str) -> None:
    """A cookie-authenticated change must carry the session's CSRF token, or it is a 403."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        raise BadInput(403, f"missing {CSRF_HEADER} header: a session cookie needs it on "
                            "every request but GET")
    expected = request.app[AUTH].csrf_token(session_id)
    if not hmac.compare_digest(sent.encode(), expected.encode()):
        raise BadInput(403, f"{CSRF_HEADER} does not match this session")


def session_principal(request: web.Request, cookie: str) -> Principal:
    """Who the session cookie names, after the CSRF check; a 401 for an expired session."""
    auth = request.app[AUTH]
    claims = auth.claims(cookie, time.time(), kind=SESSION)
    if claims is None:
        raise BadInput(401, "session expired or ended: sign in again")
    check_csrf(request, claims["sid"])
    return auth.principal(claims)
