"""The agent desktop's browser phones: which the page offers, and what its
Content-Security-Policy must let them reach.

The desktop has one phone per engine that can ring an agent in the browser: the SIP
phone (JsSIP, registered to Asterisk over its WebSocket) when the app serves its account
(``/api/v1/agents/{agent}/softphone``), the Twilio one (the Voice JavaScript SDK) when
the app mints its access token (``/api/v1/agents/{agent}/twilio-token``, only when
Twilio is one of the engines). Both run when Asterisk runs beside a ``twilio`` section:
its numbers ring agents through Twilio, every other number through Asterisk.

The Twilio phone talks to Twilio from the browser, another origin: its signalling
WebSocket (``wss://voice-js.<edge>.twilio.com/signal``, the ``roaming`` edge unless
another is chosen), Twilio's Insights gateway (``https://eventgw[.<home region>]
.twilio.com``) and the SDK's sounds (``sdk.twilio.com``, ``media.twiliocdn.com``), as
the SDK's README ("Content Security Policy (CSP)") lists them; ``*.twilio.com`` covers
every edge and home region. Its script is our own bundle, so ``script-src`` stays
``'self'``.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from contactcenter.web.softphone_routes import SOFTPHONES, allow_softphone
from contactcenter.web.twilio_token_routes import TWILIO_PHONES

SIP, TWILIO = "sip", "twilio"
#: what the Voice SDK connects to: signalling (wss), Insights and sounds (https)
TWILIO_CONNECT = ("wss://*.twilio.com", "https://*.twilio.com", "https://media.twiliocdn.com")
#: what it plays: the far end's stream (mediastream:) and its sounds
TWILIO_MEDIA = ("'self'", "mediastream:", "https://sdk.twilio.com",
                "https://media.twiliocdn.com")


def desk_phones(app: web.Application) -> list[str]:
    """The desktop's browser phones, in the panel's order: ``sip`` (Asterisk's calls)
    and ``twilio`` (the Twilio numbers' calls), as the app serves each one's account."""
    phones = []
    if SOFTPHONES in app:
        phones.append(SIP)
    if TWILIO_PHONES in app:
        phones.append(TWILIO)
    return phones


def with_sources(policy: str, directive: str, sources: Iterable[str]) -> str:
    """``policy`` with ``sources`` added to ``directive`` (which is made if missing)."""
    parts = [part.strip() for part in policy.split(";") if part.strip()]
    wanted = list(sources)
    for index, part in enumerate(parts):
        name, *present = part.split()
        if name == directive:
            parts[index] = " ".join([name, *present, *(s for s in wanted if s not in present)])
            break
    else:
        parts.append(" ".join([directive, *wanted]))
    return "; ".join(parts)


def allow_phones(request: web.Request, response: web.Response) -> web.Response:
    """Let the agent page reach its phones: Asterisk's WebSocket (``allow_softphone``)
    and, when Twilio runs, what the Voice SDK connects to and plays."""
    allow_softphone(request, response)
    policy = response.headers.get("Content-Security-Policy")
    if policy is None or TWILIO not in desk_phones(request.app):
        return response
    policy = with_sources(policy, "connect-src", TWILIO_CONNECT)
    response.headers["Content-Security-Policy"] = with_sources(policy, "media-src",
                                                               TWILIO_MEDIA)
    return response
