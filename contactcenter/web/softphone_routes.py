"""The agent desktop's browser phone: ``GET /api/v1/agents/{agent}/softphone``.

The page asks for its phone's account when the agent turns the phone on: the
WebSocket URL of Asterisk's SIP transport (``ws://<asterisk host>:<ari port>/ws``
on loopback, ``asterisk.webrtc_url`` beyond it), the SIP URI and the digest
credentials of the ``<agent>-web`` PJSIP endpoint (the agent's SIP password, see
``contactcenter.telephony.asterisk.render``). Only the agent's own user (a
supervisor is linked to their phone like an agent) or an admin gets them, and the
answer is never cached. The page that opens the WebSocket is allowed to in its
Content-Security-Policy (``allow_softphone``), as the socket is another origin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from contactcenter.config.settings import Settings
from contactcenter.engine.phones import WEB_PHONE_SUFFIX
from contactcenter.web.http import BadInput
from contactcenter.web.keys import PRINCIPAL
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route

#: addresses a browser cannot connect to: Asterisk listening on every interface
_ANY = frozenset({"0.0.0.0", "::"})


@dataclass(frozen=True)
class Softphones:
    """What a browser phone needs to register, for every agent of the settings."""

    ws_url: str
    """The SIP WebSocket's URL; its host may be an any-address, replaced per request."""
    accounts: Mapping[str, tuple[str, str]]
    """agent id -> (display name, SIP password)"""

    @classmethod
    def from_settings(cls, settings: Settings) -> Softphones:
        ast = settings.asterisk
        host = f"[{ast.host}]" if ":" in ast.host else ast.host
        url = ast.webrtc_url or f"ws://{host}:{ast.ari_port}/ws"
        accounts = {agent.id: (agent.name or agent.id, agent.sip_password)
                    for agent in settings.agents}
        return cls(ws_url=url, accounts=accounts)

    def url_for(self, request: web.Request) -> str:
        """The URL as this browser can reach it (the host it reached us at, if Asterisk
        listens on every interface)."""
        parts = urlsplit(self.ws_url)
        if parts.hostname not in _ANY:
            return self.ws_url
        host = request.url.raw_host or "127.0.0.1"
        host = f"[{host}]" if ":" in host else host
        port = f":{parts.port}" if parts.port else ""
        return parts._replace(netloc=f"{host}{port}").geturl()

    def origin(self, request: web.Request) -> str:
        """``scheme://host:port`` of the WebSocket, for a CSP source list."""
        parts = urlsplit(self.url_for(request))
        return f"{parts.scheme}://{parts.netloc}"

    def account(self, agent: str, request: web.Request) -> dict[str, str] | None:
        if agent not in self.accounts:
            return None
        name, password = self.accounts[agent]
        username = f"{agent}{WEB_PHONE_SUFFIX}"
        url = self.url_for(request)
        host = urlsplit(url).hostname or "127.0.0.1"
        domain = f"[{host}]" if ":" in host else host  # Asterisk's, as the browser knows it
        return {"ws_url": url, "uri": f"sip:{username}@{domain}",
                "username": username, "password": password, "display_name": name}


SOFTPHONES: web.AppKey[Softphones] = web.AppKey("softphones")


def own_phone(request: web.Request, what: str) -> str:
    """The path's agent, when the user is that agent's own (a supervisor: their phone's) or
    an admin: a phone's secrets are nobody else's (403 naming ``what`` otherwise)."""
    agent = request.match_info["agent"]
    principal = request[PRINCIPAL]
    if principal.role != "admin" and principal.agent != agent:
        raise BadInput(403, f"only {agent}'s own user (or an admin) gets their phone's {what}")
    return agent


async def get_softphone(request: web.Request) -> web.Response:
    agent = own_phone(request, "account")
    account = request.app[SOFTPHONES].account(agent, request)
    if account is None:
        raise BadInput(404, f"no agent {agent!r}")
    return web.json_response(account, headers={"Cache-Control": "no-store"})


def allow_softphone(request: web.Request, response: web.Response) -> web.Response:
    """Let a page open the phone's WebSocket: its origin joins the CSP's connect-src."""
    phones = request.app.get(SOFTPHONES)
    policy = response.headers.get("Content-Security-Policy")
    if phones is not None and policy is not None:
        source = f"connect-src 'self' {phones.origin(request)}"
        response.headers["Content-Security-Policy"] = policy.replace("connect-src 'self'",
                                                                     source, 1)
    return response


_ACCOUNT: dict[str, Any] = {"type": "object", "required": [
    "ws_url", "uri", "username", "password"], "properties": {
    "ws_url": {"type": "string", "description": "Asterisk's SIP WebSocket (ws:// or wss://)"},
    "uri": {"type": "string", "description": "the phone's SIP URI, sip:<agent>-web@<host>"},
    "username": {"type": "string", "description": "digest user name: <agent>-web"},
    "password": {"type": "string", "description": "digest password (the agent's SIP one)"},
    "display_name": {"type": "string"}}}

_OPERATION: dict[str, Any] = {
    "summary": "The SIP account of an agent's browser phone in the agent desktop",
    "description": "What the desktop's phone registers with over WebRTC: Asterisk's SIP "
                   "WebSocket and the <agent>-web endpoint's credentials. Only the agent's "
                   "own user or an admin; never cached.",
    "parameters": [{"name": "agent", "in": "path", "required": True,
                    "schema": {"type": "string"}}],
    "responses": {"200": json_content(_ACCOUNT, "the account"), "401": ERROR, "403": ERROR,
                  "404": ERROR},
}


def add_softphone_routes(app: web.Application, phones: Softphones) -> None:
    app[SOFTPHONES] = phones
    add_route(app, "GET", "/api/v1/agents/{agent}/softphone", get_softphone,
              resource="softphone", action="read", operation=_OPERATION)
