"""What call control asks of the engine: legs, the bridge, music, the ACD, reports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from contactcenter.calls.control.events import Target


@dataclass(frozen=True, slots=True, kw_only=True)
class RingParty:
    """Ring ``to`` on a new leg ``leg`` (an agent's or a person's phone, or an outside
    number through the outbound peer); it answers with ``PartyAnswered`` or ``LegGone``."""

    call_id: str
    leg: str
    to: Target
    caller_id: str
    timeout: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Bridge:
    """Put ``legs`` in the call's bridge."""

    call_id: str
    bridge: str
    legs: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Unbridge:
    call_id: str
    bridge: str
    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Music:
    """Music on hold for ``leg`` (``on``), or off."""

    call_id: str
    leg: str
    on: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Mute:
    """What ``leg`` says reaches nobody (``on``), or does again."""

    call_id: str
    leg: str
    on: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class HangUp:
    call_id: str
    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseBridge:
    call_id: str
    bridge: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseAgent:
    """The agent's part of the call is over (the ACD's wrap-up starts)."""

    call_id: str
    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Requeue:
    """The caller goes back to the ACD: ``queue``, to ``agent`` first if named."""

    call_id: str
    queue: str
    priority: int
    agent: str | None = None
    #: who had the call, for the next agent's screen-pop
    handled_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Reserve:
    """A consulted ACD agent is offered no other call meanwhile."""

    call_id: str
    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Unreserve:
    call_id: str
    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HandOver:
    """A consulted ACD agent takes the call over, in ``queue``, on their leg ``leg``."""

    call_id: str
    agent: str
    leg: str
    queue: str
    priority: int


@dataclass(frozen=True, slots=True, kw_only=True)
class EndCall:
    """Call control is done with the call: every leg of it is gone or hung up."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """A domain event (``call.held``, ``call.transferred``...) for the bus and the record."""

    type: str
    data: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """A request that cannot be done now: nothing changed. ``status``: 404 for a call
    not under control, 409 for a request that does not fit the call's state."""

    call_id: str
    status: int
    reason: str


ControlCommand = (RingParty | Bridge | Unbridge | Music | Mute | HangUp | CloseBridge
                  | ReleaseAgent | Requeue | Reserve | Unreserve | HandOver | EndCall | Report
                  | Refusal)
