"""Signing in and out: a bearer token for programs, a session cookie for pages, a
short ticket for a page's WebSocket.

The cookie is HttpOnly (scripts cannot read it), SameSite=Strict (other sites
cannot make the browser send it) and Secure over HTTPS. Because a browser
sends it by itself, a request it authenticates must also prove it comes from
our own page: every request but GET carries the session's CSRF token in
``X-CSRF-Token`` (the synchroniser-token pattern of the OWASP CSRF cheat sheet).
The token is an HMAC of the session id, so nothing is stored per session.

Failed sign-ins are counted per username and per address
(``contactcenter.web.throttle``); past the limit the answer is a 429 with
``Retry-After``, and the password is not even checked.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from contactcenter.web.auth import BEARER, SESSION, SESSION_LIFETIME, Principal
from contactcenter.web.http import BadInput, error, form_object, json_object
from contactcenter.web.keys import AUTH
from contactcenter.web.origins import allowed_origin
from contactcenter.web.throttle import Refused

COOKIE = "cc_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_CREDENTIAL_LENGTH = 1024
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
#: the checked claims of the token, session or ticket a request came with
CLAIMS: web.RequestKey[dict[str, Any]] = web.RequestKey("claims", dict)


def bearer_token(request: web.Request) -> str | None:
    """The token of ``Authorization: Bearer``; never one from the query string, which
    ends up in access logs, proxies and browser history."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return None


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
    """The user these credentials name; a 401 if wrong, ``Refused`` past the throttle."""
    username, password = _credentials(body)
    auth = request.app[AUTH]
    attempt = auth.throttle.begin(username, request.remote)
    # scrypt takes tens of milliseconds by design: off the loop that drives the calls
    principal = await asyncio.to_thread(auth.check_password, username, password)
    if principal is None:
        raise BadInput(401, "wrong username or password")
    auth.throttle.succeeded(attempt)
    return principal


def _too_many(refused: Refused) -> web.Response:
    response = error(429, refused.reason)
    response.headers["Retry-After"] = str(refused.retry_after)
    return response


async def issue_token(request: web.Request) -> web.Response:
    body = await json_object(request)
    try:
        principal = await _sign_in(request, body)
    except Refused as refused:
        return _too_many(refused)
    token = request.app[AUTH].issue(principal, time.time())
    return web.json_response({"token": token, "role": principal.role})


async def revoke_token(request: web.Request) -> web.Response:
    """Sign a bearer token out: it is refused from now on (an ended one: nothing to do)."""
    token = bearer_token(request)
    if not token:
        raise BadInput(401, "missing bearer token: send the one to sign out in the "
                            "Authorization header")
    auth, now = request.app[AUTH], time.time()
    claims = auth.claims(token, now, kind=BEARER)
    if claims is None:
        raise BadInput(401, "invalid or expired token")
    auth.end(claims["sid"], claims["exp"], now)
    return web.Response(status=204)


def _same_origin(request: web.Request) -> bool:
    """A browser names the page that sent a form; a sign-in from another site is refused."""
    origin = request.headers.get("Origin")
    return (origin is None or urlsplit(origin).netloc == request.host
            or allowed_origin(request))


async def open_session(request: web.Request) -> web.Response:
    if not _same_origin(request):
        raise BadInput(403, "sign-in from another site refused")
    if request.content_type in FORMS:
        body: Any = await form_object(request)  # a form without its boundary: a 400
    else:
        body = await json_object(request)
    try:
        principal = await _sign_in(request, body)
    except Refused as refused:
        return _too_many(refused)
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
        request.app[AUTH].end(claims["sid"], claims["exp"], now)
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


def session_claims(request: web.Request, cookie: str) -> dict[str, Any]:
    """The session cookie's claims, after the CSRF check; a 401 for an ended session."""
    claims = request.app[AUTH].claims(cookie, time.time(), kind=SESSION)
    if claims is None:
        raise BadInput(401, "session expired or ended: sign in again")
    check_csrf(request, claims["sid"])
    return claims


async def events_ticket(request: web.Request) -> web.Response:
    """A ticket to open the events WebSocket with (``?ticket=``): 30 seconds, one use."""
    ticket, expires = request.app[AUTH].issue_ticket(request[CLAIMS], time.time())
    return web.json_response({"ticket": ticket, "expires": expires},
                             headers={"Cache-Control": "no-store"})
