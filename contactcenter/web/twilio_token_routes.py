"""An agent's browser phone on Twilio: ``GET /api/v1/agents/{agent}/twilio-token``.

On Twilio the ACD rings an agent at ``client:{agent}`` (``Setup.agent_uri``): a browser
with Twilio's Voice JavaScript SDK, signed in with an access token whose identity is the
agent. The platform mints that token with the ``twilio`` library (``AccessToken`` and a
``VoiceGrant`` that lets the phone take calls), signed with the account's API key: the
key's secret never leaves the platform, and a token lasts ``ttl`` seconds (an hour at
most). Only the agent's own user (a supervisor is linked to their phone like an agent)
or an admin gets one, and the answer is never cached.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import VoiceGrant

from contactcenter.telephony.twilio.credentials import TwilioCredentials
from contactcenter.web.http import BadInput
from contactcenter.web.openapi import ERROR, json_content
from contactcenter.web.routing import add_route
from contactcenter.web.softphone_routes import own_phone

#: Twilio's own limit on an access token's life is 24 h; an agent's shift gets a new one
TOKEN_TTL = 3600


@dataclass(frozen=True)
class TwilioPhones:
    """What a browser phone on Twilio needs: the account's key, and whose phones there are."""

    credentials: TwilioCredentials
    agents: Collection[str]
    ttl: int = TOKEN_TTL

    def token(self, agent: str, now: float) -> dict[str, Any]:
        """A Voice access token for ``agent``'s phone, valid from ``now`` for ``ttl``."""
        key, secret = self.credentials.api_key, self.credentials.api_secret
        if key is None or secret is None:
            raise BadInput(409, "the Twilio credentials hold no API key (api_key, "
                                "api_secret): access tokens are signed with one")
        token = AccessToken(self.credentials.account_sid.reveal(), key.reveal(),
                            secret.reveal(), identity=agent, ttl=self.ttl, nbf=int(now))
        token.add_grant(VoiceGrant(incoming_allow=True))
        return {"token": token.to_jwt(), "identity": agent, "expires": int(now) + self.ttl}


TWILIO_PHONES: web.AppKey[TwilioPhones] = web.AppKey("twilio_phones")


async def get_twilio_token(request: web.Request) -> web.Response:
    agent = own_phone(request, "token")
    phones = request.app[TWILIO_PHONES]
    if agent not in phones.agents:
        raise BadInput(404, f"no agent {agent!r}")
    return web.json_response(phones.token(agent, time.time()),
                             headers={"Cache-Control": "no-store"})


_TOKEN: dict[str, Any] = {"type": "object", "required": ["token", "identity", "expires"],
                          "properties": {
    "token": {"type": "string", "description": "the access token (a JWT) for Twilio's "
                                               "Voice JavaScript SDK"},
    "identity": {"type": "string", "description": "the agent: calls to client:<agent> "
                                                  "ring this phone"},
    "expires": {"type": "integer", "description": "when it stops working (Unix seconds)"}}}

_OPERATION: dict[str, Any] = {
    "summary": "An access token for an agent's browser phone on Twilio",
    "description": "A Voice access token for Twilio's JavaScript SDK, identity the agent, "
                   "allowed to take calls, signed with the account's API key; it lasts an "
                   "hour. Only the agent's own user or an admin; never cached. 409 when "
                   "the Twilio credentials hold no API key.",
    "parameters": [{"name": "agent", "in": "path", "required": True,
                    "schema": {"type": "string"}}],
    "responses": {"200": json_content(_TOKEN, "the token"), "401": ERROR, "403": ERROR,
                  "404": ERROR, "409": ERROR},
}


def add_twilio_token_routes(app: web.Application, phones: TwilioPhones) -> None:
    app[TWILIO_PHONES] = phones
    add_route(app, "GET", "/api/v1/agents/{agent}/twilio-token", get_twilio_token,
              resource="softphone", action="read", operation=_OPERATION)
