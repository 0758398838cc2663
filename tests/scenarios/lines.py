"""What a scenario works with, whatever carries the calls: a ``Line``.

A line puts people on the phone network in front of the platform: callers who dial a
number, listen to prompts, press keys and hang up; agents' phones that ring and are
answered (or not); the people a campaign or a callback dials, who answer as a person or
a machine, are busy or do not answer. Each driver has its own line (``sim_line.py`` on
the simulated switch, ``twilio_line.py`` on the Twilio emulator); the scenarios use only
what is here, and judge the platform by what its users see: the domain events on its
event stream, the call records and CRM interactions through the API, the agents' states.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

from tests.integration.platform import EventWatcher
from tests.support import until

#: what a dialed number does: answers as a person or a machine, is busy, rings out
Kind = Literal["human", "machine", "no_answer", "busy"]
#: the seconds any wait of a scenario may take before it fails
PATIENCE = 15.0


class Caller(Protocol):
    """Someone who dialed in."""

    #: the platform's id of the call (what its events name)
    call_id: str

    async def heard(self, prompt: str, seconds: float = PATIENCE) -> None:
        """Wait until ``prompt`` (a sound's name, or spoken words) has been played."""

    async def press(self, digits: str) -> None:
        """Press the keys one after the other, each as the line can hear it."""

    async def hang_up(self) -> None:
        """Hang up."""

    async def gone(self, seconds: float = PATIENCE) -> None:
        """Wait until the call is over (the platform hung up, or the caller did)."""


class Phone(Protocol):
    """An agent's phone."""

    agent: str

    async def hang_up(self) -> None:
        """The agent hangs up the call they are on."""


class Platform(Protocol):
    """The platform as its users reach it (``served.Served``)."""

    base_url: str

    async def api(self, method: str, path: str, body: Any = None, *,
                  token: str | None = None, expect: int | None = 200) -> Any: ...

    async def login(self, username: str, password: str) -> str: ...


class Line(Protocol):
    """One driver's phone network with the platform behind it."""

    #: ``sim``, ``twilio`` or ``asterisk``
    name: str
    #: the main IVR's number as this network's callers dial it
    number: str
    platform: Platform
    #: the domain events the platform streamed since the line came up
    events: EventWatcher

    async def call_in(self, caller: str, number: str | None = None) -> Caller:
        """``caller`` dials ``number`` (the main IVR by default)."""

    async def phone(self, agent: str, *, answers: bool = True) -> Phone:
        """``agent``'s phone, registered (or the equivalent) and ready to ring."""

    def callee(self, number: str, kind: Kind) -> None:
        """What ``number`` does when the platform dials it (a person answers by default)."""


async def sign_in(line: Line, agent: str, state: str = "available") -> dict[str, Any]:
    """The agent's state set as the desktop sets it."""
    body: dict[str, Any] = {"state": state}
    if state == "paused":
        body["reason"] = "break"
    return dict(await line.platform.api("PUT", f"/api/v1/agents/{agent}/state", body))


async def event(line: Line, kind: str, seconds: float = PATIENCE,
                after: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """The first event of ``kind`` on the stream whose fields match ``fields`` (and that
    came after the event ``after``)."""
    found: list[dict[str, Any]] = []

    def streamed() -> bool:
        seen = line.events.events
        start = 0 if after is None else _index(seen, after) + 1
        found[:] = [e for e in seen[start:] if e.get("type") == kind
                    and all(e.get(k) == v for k, v in fields.items())][:1]
        return bool(found)

    await until(streamed, seconds=seconds,
                what=f"no {kind} {fields} on the stream; the last: {line.events.events[-8:]}")
    return found[0]


def _index(seen: list[dict[str, Any]], wanted: dict[str, Any]) -> int:
    return next(index for index, e in enumerate(seen) if e is wanted)


async def interaction(line: Line, call_id: str) -> dict[str, Any]:
    """The call's CRM interaction, once the outbox has written it."""
    found: list[dict[str, Any]] = []

    async def written() -> bool:
        found[:] = (await line.platform.api(
            "GET", f"/api/v1/interactions?call_id={call_id}"))["items"]
        return bool(found)

    await until(written, seconds=PATIENCE, what=f"{call_id} never reached the CRM",
                every=0.1)
    return found[0]


def events_of(line: Line, kind: str, **fields: Any) -> list[dict[str, Any]]:
    """The events of ``kind`` streamed so far whose fields match ``fields``."""
    return [e for e in line.events.events if e.get("type") == kind
            and all(e.get(k) == v for k, v in fields.items())]
