"""What the click-to-talk core asks of the engine: the agent's phone and ACD state, the
customer's attempt, the bridge, call control, reports, refusals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class PauseAgent:
    """Pause ``agent`` (reason ``outbound``): the ACD offers them nothing meanwhile."""

    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenRecord:
    """The call's outbound record begins (``call.dialed``): the customer's attempt."""

    call_id: str
    agent: str
    number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RingAgent:
    """Ring the agent's ``endpoint`` on ``leg``, ``caller_id`` (the number) on its display."""

    call_id: str
    leg: str
    endpoint: str
    caller_id: str
    timeout: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenBridge:
    call_id: str
    bridge: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DialCustomer:
    """The agent is on ``agent_leg``: ringback in their ear, the customer dialed."""

    call_id: str
    agent: str
    agent_leg: str
    bridge: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeCustomer:
    """The customer answered: ringback off, both in the bridge, the record answered."""

    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ToControl:
    """Call control takes the call: the customer (``customer_leg``) and the agent bridged."""

    call_id: str
    number: str
    agent: str
    agent_leg: str
    customer_leg: str
    bridge: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HangUp:
    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseBridge:
    call_id: str
    bridge: str


@dataclass(frozen=True, slots=True, kw_only=True)
class EndRecord:
    """The record ends (once): answered, or ``cause`` (busy, cancelled, agent_missed...)."""

    call_id: str
    cause: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseAgent:
    """``agent``'s part of the call is over. ``unpause``: the core paused them for it, so
    they are available again, unless they chose another state since (the ACD says)."""

    call_id: str
    agent: str
    unpause: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """A domain event of the call (``call.offered``) for the bus and its record."""

    type: str
    data: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """The call cannot be placed now (no phone, busy, not cleared): nothing rang."""

    call_id: str
    reason: str


ClickCommand = (PauseAgent | OpenRecord | RingAgent | OpenBridge | DialCustomer
                | BridgeCustomer | ToControl | HangUp | CloseBridge | EndRecord | ReleaseAgent
                | Report | Refusal)
