"""Who is on a call the ACD hands out: the waiting caller's side, the agents' legs.

The distributor keeps one ``Waiting`` per caller it was handed (or callback it
dials) and one ``Leg`` per ring of an agent's phone; these are their records,
and the names of the Asterisk objects they map to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


class CallSide(Protocol):
    """What the distributor needs of a waiting caller's task."""

    def connected(self, agent: str, leg_id: str, bridge_id: str) -> None: ...

    def overflow(self, kind: str, target: str | None) -> None: ...

    def hang_up(self, reason: str) -> None: ...


@dataclass
class Leg:
    """One ring of an agent's phone for one caller."""

    leg_id: str
    call_id: str
    agent: str
    answered: bool = False
    connected: bool = False


@dataclass
class Waiting:
    """A caller (or callback) in the distributor's hands."""

    caller: str
    side: CallSide
    announcing: str | None = None  # the playback id of an announcement under way
    said: dict[str, Any] = field(default_factory=dict)  # what that announcement tells
    legs: list[str] = field(default_factory=list)


def bridge_of(call_id: str) -> str:
    return f"bridge-{call_id}"


def position_media(position: int, expected_wait: float | None) -> tuple[str, ...]:
    """"You are caller number N. The estimated hold time is M minutes."""
    media: tuple[str, ...] = ("sound:queue-youarenext",) if position == 1 else (
        "sound:queue-thereare", f"number:{position - 1}", "sound:queue-callswaiting")
    if expected_wait is not None:
        minutes = max(1, round(expected_wait / 60))
        media += ("sound:queue-holdtime", f"number:{minutes}", "sound:queue-minutes")
    return media
