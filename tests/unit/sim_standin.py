"""A first-come-first-served ACD with the core's interface, for the simulator's own tests.

One queue, longest-idle agents, a ring timeout and a fixed wrap-up: just enough to drive
the simulator while checking it against Erlang A and against hand-worked scenarios.
"""

from __future__ import annotations

from collections import deque

from contactcenter.acd.commands import AcdCommand, CancelOffer, ConnectCall, OfferCall, Report
from contactcenter.acd.events import (
    AcdEvent,
    AgentLoggedIn,
    CallFinished,
    CallJoined,
    CallLeft,
    OfferAnswered,
)
from contactcenter.acd.model import AgentId, CallId


class FifoAcd:
    def __init__(self, *, wrap_up: float = 0.0, ring_timeout: float = 15.0) -> None:
        self._wrap_up, self._ring_timeout = wrap_up, ring_timeout
        self._waiting: deque[CallId] = deque()
        self._idle: deque[AgentId] = deque()  # longest idle first
        self._ringing: dict[CallId, tuple[AgentId, float]] = {}  # call -> agent, ring deadline
        self._talking: dict[CallId, AgentId] = {}
        self._wrapping: dict[AgentId, float] = {}  # agent -> end of wrap-up

    def handle(self, event: AcdEvent, now: float) -> list[AcdCommand]:
        out = self._due(now)
        match event:
            case AgentLoggedIn(agent=agent) if agent not in self._idle:
                self._idle.append(agent)
            case CallJoined(call_id=call):
                self._waiting.append(call)
                out.append(Report(type="call.queued", data={"call_id": call}))
            case CallLeft(call_id=call) if call in self._waiting:
                self._waiting.remove(call)
            case CallLeft(call_id=call) if call in self._ringing:
                agent, _ = self._ringing.pop(call)
                self._idle.appendleft(agent)
                out.append(CancelOffer(call_id=call, agent=agent, reason="caller_left"))
            case OfferAnswered(call_id=call, agent=agent) if self._ringing.get(call, ("",))[0] == agent:
                del self._ringing[call]
                self._talking[call] = agent
                out.append(ConnectCall(call_id=call, agent=agent))
            case CallFinished(call_id=call) if call in self._talking:
                self._wrapping[self._talking.pop(call)] = now + self._wrap_up
                out += self._due(now)
        return out + self._offer(now)

    def handle_timer(self, now: float) -> list[AcdCommand]:
        return self._due(now) + self._offer(now)

    def next_deadline(self) -> float | None:
        times = [t for _, t in self._ringing.values()] + list(self._wrapping.values())
        return min(times, default=None)

    def _due(self, now: float) -> list[AcdCommand]:
        out: list[AcdCommand] = []
        for agent, end in list(self._wrapping.items()):
            if end <= now:
                del self._wrapping[agent]
                self._idle.append(agent)
        for call, (agent, deadline) in list(self._ringing.items()):
            if deadline <= now:
                del self._ringing[call]
                self._waiting.appendleft(call)
                self._idle.append(agent)
                out.append(CancelOffer(call_id=call, agent=agent, reason="ring_timeout"))
        return out

    def _offer(self, now: float) -> list[AcdCommand]:
        out: list[AcdCommand] = []
        while self._waiting and self._idle:
            call, agent = self._waiting.popleft(), self._idle.popleft()
            self._ringing[call] = (agent, now + self._ring_timeout)
            out.append(OfferCall(call_id=call, agent=agent, ring_timeout=self._ring_timeout))
        return out
