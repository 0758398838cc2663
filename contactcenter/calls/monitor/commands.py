"""What the monitoring core asks of the engine: legs, snoops, bridges, reports, refusals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class RingPhone:
    """Ring the supervisor's ``endpoint`` on a new leg ``leg`` for session ``monitor_id``;
    it answers with ``PhoneAnswered`` or ends with ``LegGone``."""

    monitor_id: str
    leg: str
    endpoint: str
    caller_id: str  #: what their display shows: the mode and the agent
    timeout: int
    #: the agent's leg listened to: the phone is rung on the engine that carries it
    near: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Snoop:
    """A snoop ``snoop`` on ``target`` (the agent's leg): hears ``spy``, speaks ``whisper``."""

    monitor_id: str
    snoop: str
    target: str
    spy: str
    whisper: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenBridge:
    """A bridge of the session's own, for the supervisor and the snoop."""

    monitor_id: str
    bridge: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Bridge:
    """Put ``legs`` in ``bridge``, the bridge of ``call_id`` (the session's, or for a barge
    the monitored call's own)."""

    call_id: str
    bridge: str
    legs: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class HangUp:
    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseBridge:
    monitor_id: str
    bridge: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """``call.monitor``, ``call.monitor.started`` or ``call.monitor.ended``, for the bus,
    the call's record and the audit log; ``data`` has the time it happened."""

    type: str
    data: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    """A session that cannot start: nothing rang. ``status``: 403 another person's phone,
    409 not possible now, 422 a value that is none; ``field``: the one at fault."""

    status: int
    reason: str
    field: str | None = None


MonitorCommand = (RingPhone | Snoop | OpenBridge | Bridge | HangUp | CloseBridge | Report
                  | Refusal)
