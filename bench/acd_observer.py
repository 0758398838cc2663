"""Watch every channel and bridge of one Asterisk over ARI, with Asterisk's own clock.

The ACD benchmark times both of its paths (the platform's ARI ACD and Asterisk's
``Queue()``) from one source that neither path controls: a second ARI application
that subscribes to everything (``subscribeAll=true`` on the events WebSocket) and
keeps only the channel lifecycle and bridge events. Each event carries the time
Asterisk stamped on it (milliseconds), so the delay of delivering it to Python
does not enter the figures. A caller is a channel of the ``callers`` endpoint, an
agent one of an endpoint named in ``agents``; a call is *connected* when a bridge
holds a caller and an agent (the event that makes it so), whichever path made it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ari_socket import AriSocket

APP = "ccbench"
CALLER_ENDPOINT = "callers"
#: channel lifecycle and bridge membership; Asterisk sends this app nothing else
EVENTS = ("ChannelCreated", "ChannelEnteredBridge", "ChannelLeftBridge",
          "ChannelHangupRequest", "ChannelDestroyed")


@dataclass(frozen=True, slots=True)
class Seen:
    """One ARI event, reduced to what the analysis reads; ``at`` is Asterisk's stamp."""

    at: float  #: seconds since the epoch, as Asterisk stamped the event
    kind: str
    channel: str  #: the channel's id
    endpoint: str  #: ``callers``, ``agent101``... (from the channel's name)
    members: tuple[str, ...] = ()  #: the bridge's channels after a bridge event


def dump(path: Path, events: Iterable[Seen]) -> None:
    """The events of a trial as JSON lines, to check the figures against (``--keep``)."""
    path.write_text("".join(json.dumps(asdict(seen)) + "\n" for seen in events))


def read_dump(path: Path) -> list[Seen]:
    lines = (json.loads(line) for line in path.read_text().splitlines() if line)
    return [Seen(**{**line, "members": tuple(line["members"])}) for line in lines]


def endpoint_of(name: str) -> str:
    """``PJSIP/agent101-0000001f`` -> ``agent101``; other technologies -> ``''``."""
    tech, _, rest = name.partition("/")
    return rest.rsplit("-", 1)[0] if tech == "PJSIP" and rest else ""


def asterisk_time(stamp: str) -> float:
    """ARI's ``2026-12-02T14:05:00.123+0000`` -> epoch seconds."""
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def reduce(message: Mapping[str, Any]) -> Seen | None:
    """An ARI event -> ``Seen``, or None for anything but a PJSIP channel's event."""
    kind = str(message.get("type", ""))
    channel = message.get("channel") or {}
    endpoint = endpoint_of(str(channel.get("name", "")))
    if kind not in EVENTS or not endpoint:
        return None
    members = tuple(str(c) for c in (message.get("bridge") or {}).get("channels", ()))
    return Seen(at=asterisk_time(str(message["timestamp"])), kind=kind,
                channel=str(channel["id"]), endpoint=endpoint, members=members)


class Observer:
    """Collects ``Seen`` events and tells ``on_connected(agent, channel)`` live, so that
    the bench can end each call a fixed time after the caller reached the agent."""

    def __init__(self, agents: Iterable[str],
                 on_connected: Callable[[str, str], None]) -> None:
        self.agents = frozenset(agents)
        self.events: list[Seen] = []
        self._on_connected = on_connected
        self._endpoints: dict[str, str] = {}  #: live channel id -> endpoint
        self._waiting: dict[str, float] = {}  #: caller channel -> when it came, until connected
        self._connected: set[str] = set()
        self._socket = AriSocket(APP, EVENTS, self._on_message)

    async def start(self, ari_url: str, user: str, password: str) -> None:
        await self._socket.start(ari_url, user, password)

    async def stop(self) -> None:
        await self._socket.stop()

    def _on_message(self, message: dict[str, Any]) -> None:
        seen = reduce(message)
        if seen is not None and (seen.endpoint == CALLER_ENDPOINT
                                 or seen.endpoint in self.agents):
            self.events.append(seen)
            self._track(seen)

    def _track(self, seen: Seen) -> None:
        """Live view: who waits since when, and which agent channels got a caller."""
        if seen.kind == "ChannelCreated":
            self._endpoints[seen.channel] = seen.endpoint
            if seen.endpoint == CALLER_ENDPOINT:
                self._waiting[seen.channel] = seen.at
        elif seen.kind == "ChannelDestroyed":
            self._endpoints.pop(seen.channel, None)
            self._waiting.pop(seen.channel, None)
            self._connected.discard(seen.channel)
        elif seen.kind == "ChannelEnteredBridge":
            kinds = {self._endpoints.get(c, "") for c in seen.members}
            if CALLER_ENDPOINT not in kinds or not kinds & self.agents:
                return
            for channel in seen.members:
                self._waiting.pop(channel, None)
                endpoint = self._endpoints.get(channel, "")
                if endpoint in self.agents and channel not in self._connected:
                    self._connected.add(channel)
                    self._on_connected(endpoint, channel)

    def longest_wait(self, now: float) -> float:
        """How long the caller waiting longest has waited so far (0 if nobody waits)."""
        return max((now - since for since in self._waiting.values()), default=0.0)

    def waiting(self) -> int:
        return len(self._waiting)

    def mark(self) -> int:
        """Where the next trial's events start."""
        return len(self.events)
