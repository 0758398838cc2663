"""A fake engine for the ACD core on a fake clock: for tests, benches and what-ifs.

It feeds events at the current time, fires timers as the clock moves on, and
records every command. It checks nothing itself; tests assert on what it
recorded.
"""

from __future__ import annotations

from typing import Any

from contactcenter.acd.commands import AcdCommand, OfferCall, Report
from contactcenter.acd.core import Acd
from contactcenter.acd.events import (
    AcdEvent,
    AgentAvailable,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    CallFinished,
    CallJoined,
    CallLeft,
    OfferAnswered,
    OfferFailed,
    WrapUpEnded,
)
from contactcenter.acd.model import AcdConfig, AgentId, CallId

#: timers one ``advance`` may fire before it decides the core is spinning
_MAX_TIMERS = 100_000


class AcdHarness:
    """One ACD, with the clock in the caller's hands."""

    def __init__(self, config: AcdConfig, *, now: float = 0.0) -> None:
        self.acd = Acd(config, now=now)
        self.now = now
        self.commands: list[AcdCommand] = []

    def send(self, event: AcdEvent) -> list[AcdCommand]:
        """Hand one event to the core at the current time."""
        out = self.acd.handle(event, self.now)
        self.commands += out
        return out

    def advance(self, seconds: float) -> list[AcdCommand]:
        """Move the clock on, firing each timer at its deadline on the way."""
        end = self.now + seconds
        out: list[AcdCommand] = []
        for _ in range(_MAX_TIMERS):
            deadline = self.acd.next_deadline()
            if deadline is None or deadline > end:
                break
            self.now = max(self.now, deadline)
            out += self.acd.handle_timer(self.now)
        else:
            raise AssertionError("timers keep firing: the core is spinning")
        self.now = end
        self.commands += out
        return out

    # -- events by name -----------------------------------------------------------

    def login(self, *agents: str) -> list[AcdCommand]:
        out: list[AcdCommand] = []
        for agent in agents:
            out += self.send(AgentLoggedIn(agent=AgentId(agent)))
        return out

    def logout(self, agent: str) -> list[AcdCommand]:
        return self.send(AgentLoggedOut(agent=AgentId(agent)))

    def pause(self, agent: str, reason: str = "break") -> list[AcdCommand]:
        return self.send(AgentPaused(agent=AgentId(agent), reason=reason))

    def ready(self, agent: str) -> list[AcdCommand]:
        return self.send(AgentAvailable(agent=AgentId(agent)))

    def done(self, agent: str) -> list[AcdCommand]:
        return self.send(WrapUpEnded(agent=AgentId(agent)))

    def join(self, call: str, queue: str, **fields: Any) -> list[AcdCommand]:
        return self.send(CallJoined(call_id=CallId(call), queue=queue, **fields))

    def leave(self, call: str, reason: str = "abandoned") -> list[AcdCommand]:
        return self.send(CallLeft(call_id=CallId(call), reason=reason))

    def answer(self, call: str, agent: str) -> list[AcdCommand]:
        return self.send(OfferAnswered(call_id=CallId(call), agent=AgentId(agent)))

    def fail(self, call: str, agent: str, reason: str = "busy") -> list[AcdCommand]:
        return self.send(OfferFailed(call_id=CallId(call), agent=AgentId(agent), reason=reason))

    def finish(self, call: str) -> list[AcdCommand]:
        return self.send(CallFinished(call_id=CallId(call)))

    # -- reading what came out ----------------------------------------------------

    def reports(self, kind: str, out: list[AcdCommand] | None = None) -> list[dict[str, Any]]:
        """The data of every report of ``kind`` (in ``out``, or all recorded)."""
        source = self.commands if out is None else out
        return [dict(c.data) for c in source if isinstance(c, Report) and c.type == kind]


def offers(out: list[AcdCommand]) -> list[tuple[str, str]]:
    """(call, agent) of every OfferCall in ``out``, in order."""
    return [(c.call_id, c.agent) for c in out if isinstance(c, OfferCall)]


def of_type(out: list[AcdCommand], kind: type[Any]) -> list[Any]:
    """The commands of one class in ``out``."""
    return [c for c in out if isinstance(c, kind)]
