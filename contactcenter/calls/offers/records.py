"""What the offers core keeps: agents' ring legs, waiting callers, and the names of the
Asterisk objects they map to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contactcenter.calls.offers.states import LegState


@dataclass
class Leg:
    """One ring of an agent's phone for one caller."""

    leg_id: str
    call_id: str
    agent: str
    state: LegState = LegState.RINGING

    @property
    def answered(self) -> bool:
        return self.state is not LegState.RINGING

    @property
    def connected(self) -> bool:
        return self.state is LegState.CONNECTED


@dataclass
class Caller:
    """A caller (or a callback's customer) in the offers' hands."""

    caller: str  #: the number shown on the agents' phones
    via: str = ""  #: the company's number it is on behalf of (``CallerWaiting.via``)
    announcing: str | None = None  #: the playback id of an announcement under way
    said: dict[str, Any] = field(default_factory=dict)  #: what that announcement tells
    legs: list[str] = field(default_factory=list)  #: the legs rung for them, still there


def bridge_of(call_id: str) -> str:
    """The call's own bridge: one per call, so that its name is known from the call."""
    return f"bridge-{call_id}"


COMFORT_MEDIA = ("sound:queue-periodic-announce",)


def position_media(position: int, expected_wait: float | None) -> tuple[str, ...]:
    """"You are caller number N. The estimated hold time is M minutes." (Asterisk's
    own queue sounds, as app_queue says it.)"""
    media: tuple[str, ...] = ("sound:queue-youarenext",) if position == 1 else (
        "sound:queue-thereare", f"number:{position - 1}", "sound:queue-callswaiting")
    if expected_wait is not None:
        minutes = max(1, round(expected_wait / 60))
        media += ("sound:queue-holdtime", f"number:{minutes}", "sound:queue-minutes")
    return media
