"""Every channel's life and bridge moves on one Asterisk, with Asterisk's own stamps.

The transfer benchmark's view of Asterisk: like ``acd_observer`` a second ARI
application subscribed to everything (``subscribeAll=true``), but it also keeps
each channel's state changes (``Ringing`` when the phone sends 180, ``Up`` when it
answers) and ``StasisStart`` should Asterisk send it to this app, and it lets the
bench wait for one event as it comes. Each event carries the time Asterisk stamped
on it (milliseconds, the host's clock: the chroot shares it), so the delay of
delivering it to Python does not enter the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from acd_observer import asterisk_time, endpoint_of
from ari_socket import AriSocket

APP = "cctransfer"
EVENTS = ("ChannelCreated", "ChannelStateChange", "StasisStart", "ChannelEnteredBridge",
          "ChannelLeftBridge", "ChannelDestroyed")


T = TypeVar("T")


class Kept(Generic[T]):
    """Items as they come, kept in order; ``wait_for`` one that matches from a mark."""

    def __init__(self) -> None:
        self.items: list[T] = []
        self._changed = asyncio.Event()

    def add(self, item: T) -> None:
        self.items.append(item)
        self._changed.set()

    def mark(self) -> int:
        return len(self.items)

    def find(self, match: Callable[[T], bool], since: int = 0) -> T | None:
        return next((item for item in self.items[since:] if match(item)), None)

    async def wait_for(self, match: Callable[[T], bool], since: int = 0,
                       timeout: float = 30) -> T:
        """The first item from index ``since`` on that ``match``es; TimeoutError if none
        came in ``timeout`` seconds. (Several may wait at once: ``set`` wakes them all,
        and each scans what came before it clears.)"""
        deadline = asyncio.get_running_loop().time() + timeout
        seen = since
        while True:
            for item in self.items[seen:]:
                if match(item):
                    return item
            seen = len(self.items)
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                raise TimeoutError(f"nothing matching in {timeout} s; the last: "
                                   f"{self.items[-8:]}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)


@dataclass(frozen=True, slots=True)
class Seen:
    """One ARI event; ``at`` is Asterisk's stamp (epoch seconds)."""

    at: float
    kind: str
    channel: str  #: the channel's id
    endpoint: str  #: ``callers``, ``agent101``... (from the channel's name)
    state: str = ""  #: the channel's state then (``Down``, ``Ringing``, ``Up``)
    bridge: str = ""
    members: tuple[str, ...] = ()  #: the bridge's channels after a bridge event


def reduce(message: Mapping[str, Any]) -> Seen | None:
    """An ARI event -> ``Seen``, or None for anything but a PJSIP channel's event."""
    kind = str(message.get("type", ""))
    channel = message.get("channel") or {}
    endpoint = endpoint_of(str(channel.get("name", "")))
    if kind not in EVENTS or not endpoint:
        return None
    bridge = message.get("bridge") or {}
    return Seen(at=asterisk_time(str(message["timestamp"])), kind=kind,
                channel=str(channel["id"]), endpoint=endpoint,
                state=str(channel.get("state", "")), bridge=str(bridge.get("id", "")),
                members=tuple(str(c) for c in bridge.get("channels", ())))


class ChannelWatch(Kept[Seen]):
    """Collects ``Seen`` events (``items``), also by channel."""

    def __init__(self) -> None:
        super().__init__()
        self.by_channel: dict[str, list[Seen]] = defaultdict(list)
        self.kinds: set[str] = set()  #: the kinds Asterisk did send (StasisStart or not)
        self._socket = AriSocket(APP, EVENTS, self._on_message)

    async def start(self, ari_url: str, user: str, password: str) -> None:
        await self._socket.start(ari_url, user, password)

    async def stop(self) -> None:
        await self._socket.stop()

    def _on_message(self, message: dict[str, Any]) -> None:
        seen = reduce(message)
        if seen is not None:
            self.by_channel[seen.channel].append(seen)
            self.kinds.add(seen.kind)
            self.add(seen)

    def of(self, channel: str, kind: str, state: str = "") -> Seen | None:
        """The first ``kind`` event of ``channel`` (in ``state``, for a state change)."""
        return next((e for e in self.by_channel.get(channel, ())
                     if e.kind == kind and (not state or e.state == state)), None)
