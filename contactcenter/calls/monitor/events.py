"""What the engine tells the monitoring core: a supervisor's request, the legs' news.

Events are "asked" or past-tense facts, frozen and keyword-only. A request
carries what the engine knows when it is made; the legs' news may come late
or twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from contactcenter.calls.monitor.states import Mode


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorAsked:
    """``supervisor`` asks to monitor ``call_id`` in ``mode`` on ``endpoint`` (already
    one of their own phones, ``phone_of``)."""

    call_id: str
    mode: Mode
    supervisor: str  #: the user who asked
    endpoint: str  #: the phone asked for (a person's id rings their latest phone)
    #: the registered phone ``endpoint`` reaches; None if none is registered
    phone: str | None
    #: the agent the call is connected to, and their leg; None if it is not connected
    agent: str | None
    agent_leg: str | None
    bridge: str  #: the call's own bridge (a barge joins it)


@dataclass(frozen=True, slots=True, kw_only=True)
class PhoneAnswered:
    """A supervisor's phone rung for ``monitor_id`` answered on ``leg``. ``call_connected``:
    the call is still connected to its agent."""

    monitor_id: str
    leg: str
    call_connected: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class LegGone:
    """A channel ended (hung up, never answered, or could not start): a supervisor's phone,
    a snoop, or an agent's leg (the call is over); any other is none of monitoring's."""

    leg: str
    cause: str = ""


MonitorEvent = MonitorAsked | PhoneAnswered | LegGone
