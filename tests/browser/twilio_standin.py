"""A stand-in for Twilio's end of the Voice SDK's signalling, for the desktop's Twilio
phone in headless Chromium (there is no Twilio to reach here).

Every signalling WebSocket to Twilio is intercepted (Playwright's ``route_web_socket``)
and answered as ``ENDS`` says: unreachable, answering as the SDK expects (the message
shapes of its own pstream and device code, not a documented protocol), or signing the
phone in but never confirming its registration. Every other request to Twilio (Insights,
the SDK's sounds) is aborted: nothing leaves the machine.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from playwright.async_api import Page, Route, WebSocketRoute

SIGNAL = re.compile(r"^wss://voice-js\.[a-z0-9-]+\.twilio\.com/signal")
ELSEWHERE = re.compile(r"^https://([a-z0-9.-]+\.)?(twilio\.com|twiliocdn\.com)/")
#: a WebSocket that ended abnormally, as a browser reports one whose host cannot be reached
UNREACHABLE = 1006


@dataclass
class Twilio:
    """What the page sent towards Twilio: every signalling message, and the other
    requests that were stopped."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    socket: WebSocketRoute | None = None  # the last signalling socket, to say more on it

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [message for message in self.messages if message["type"] == kind]


async def _unreachable(twilio: Twilio, socket: WebSocketRoute) -> None:
    """Twilio out of reach: the socket ends abnormally once the SDK has spoken."""
    async def heard(message: str | bytes) -> None:
        twilio.messages.append(json.loads(message))
        await socket.close(code=UNREACHABLE, reason="")
    socket.on_message(heard)


def _answering(twilio: Twilio, socket: WebSocketRoute) -> None:
    """Twilio's signalling as the SDK expects it (its pstream and device code): each
    ``listen`` is answered ``connected`` with the token's life (the first one short, so
    that the SDK asks for a fresh token at once), a ``register`` ``ready``."""
    twilio.socket = socket

    def heard(message: str | bytes) -> None:
        sent = json.loads(message)
        twilio.messages.append(sent)
        if sent["type"] == "listen":
            ttl = 60 if len(twilio.of_type("listen")) == 1 else 3600  # the SDK refreshes
            socket.send(json.dumps({"type": "connected", "version": sent["version"],
                                    "payload": {"token": {"identity": "agent101", "ttl": ttl},
                                                "region": "gll", "edge": "roaming"}}))
        elif sent["type"] == "register":
            socket.send(json.dumps({"type": "ready", "version": sent["version"],
                                    "payload": {}}))
    socket.on_message(heard)


def _unconfirmed(twilio: Twilio, socket: WebSocketRoute) -> None:
    """Twilio's end signs the phone in (``connected``) but never confirms its
    ``register``; the test's heartbeats keep the socket open."""
    twilio.socket = socket

    def heard(message: str | bytes) -> None:
        text = message if isinstance(message, str) else message.decode()
        if not text.strip():
            return  # the SDK's answer to a heartbeat
        sent = json.loads(text)
        twilio.messages.append(sent)
        if sent["type"] == "listen":
            socket.send(json.dumps({"type": "connected", "version": sent["version"],
                                    "payload": {"token": {"identity": "agent101", "ttl": 3600},
                                                "region": "gll", "edge": "roaming"}}))
    socket.on_message(heard)


#: how the far end behaves: unreachable, answering as Twilio would, or registering never
ENDS = {"unreachable": _unreachable, "answering": _answering, "unconfirmed": _unconfirmed}


async def towards_twilio(page: Page, twilio: Twilio, end: str) -> None:
    """Every signalling socket to Twilio goes to this test (``end``: how it behaves);
    any other request to Twilio is aborted."""
    async def signalling(socket: WebSocketRoute) -> None:
        behaves = ENDS[end](twilio, socket)
        if behaves is not None:
            await behaves

    async def stop(route: Route) -> None:
        twilio.stopped.append(route.request.url)
        await route.abort("internetdisconnected")

    await page.route_web_socket(SIGNAL, signalling)
    await page.route(ELSEWHERE, stop)
