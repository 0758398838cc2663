"""The agents' open lines in a campaign: how a human who answers reaches an agent at once.

Theory of operation
-------------------
A person who answers a campaign's call must be talking with an agent within
2 seconds of their greeting's end (16 CFR 310.4(b)(4)); ringing the agent's
phone for each call cannot promise that. So an agent who joins a campaign is
rung once (``RingSeat``) and, answered, stays on the line in a bridge of their
own (their *seat*) between calls, hearing nothing; a human who answers is
added to that bridge (``BridgeHuman``): a fraction of a second.

A seat is ``RINGING`` (the agent's phone rings), then ``READY`` (waiting for a
human), ``TALKING`` (a human in the bridge), ``WRAP_UP`` (the human gone, the
agent finishing; ``wrap_up`` seconds, or until the agent says they are done)
or ``PAUSED`` (on the line, taking no calls). The seat ends (``GONE``) when the
agent's leg ends (they hung up, or asked to leave): the bridge is closed,
a human still in it is hung up.

The seats tell the dialer core what it must know of its agents
(``TellDialer`` with the core's ``AgentReady``, ``AgentTalking``,
``AgentWrappingUp``, ``AgentPaused``, ``AgentLoggedOut``), and whether a human
it asked for was bridged (``HumanBridged``) or could not be (``HumanNotBridged``:
the seat was gone). Like the other cores: ``handle(event, now)``,
``handle_timer(now)``, ``next_deadline()``; no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from contactcenter.dialer import events as de


class SeatState(str, Enum):
    RINGING = "ringing"
    READY = "ready"
    TALKING = "talking"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"
    GONE = "gone"


# -- events ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatAsked:
    """The agent joins the campaign from ``endpoint`` (their phone); ``leg``: its id."""

    agent: str
    endpoint: str
    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatAnswered:
    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SeatLeft:
    """The agent asks to leave the campaign (their line is hung up)."""

    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LegGone:
    """A leg ended: an agent's seat, or a human's in a seat."""

    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HumanGiven:
    """The dialer core connects the human of ``dial`` (their leg) to ``agent``."""

    dial: str
    leg: str
    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentDone:
    """The agent ends their wrap-up (a disposition given, or Ready pressed)."""

    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentBreak:
    """The agent pauses (``paused``, with a reason) or takes calls again."""

    agent: str
    paused: bool
    reason: str = "break"


SeatEvent = SeatAsked | SeatAnswered | SeatLeft | LegGone | HumanGiven | AgentDone | AgentBreak

# -- commands ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RingSeat:
    agent: str
    leg: str
    endpoint: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenSeat:
    """Create the seat's bridge and put the agent's leg in it."""

    bridge: str
    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeHuman:
    dial: str
    bridge: str
    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HangUp:
    leg: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CloseSeat:
    bridge: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TellDialer:
    event: de.DialerEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class HumanNotBridged:
    """The human of ``dial`` has no seat to go to (the agent just left)."""

    dial: str


SeatCommand = RingSeat | OpenSeat | BridgeHuman | HangUp | CloseSeat | TellDialer \
    | HumanNotBridged


@dataclass(slots=True)
class Seat:
    agent: str
    endpoint: str
    leg: str
    state: SeatState = SeatState.RINGING
    dial: str | None = None  #: the human's dial while talking
    human_leg: str | None = None
    wrap_until: float | None = None
    opened: float | None = None  #: when the line opened (the agent answered)
    talked: float = 0.0  #: seconds with humans so far, the talks that ended
    talk_began: float | None = None  #: the talk under way's start

    def talk_so_far(self, now: float) -> float:
        """Seconds with humans, the talk under way included."""
        running = now - self.talk_began if self.talk_began is not None else 0.0
        return self.talked + max(0.0, running)

    @property
    def bridge(self) -> str:
        return f"seat-{self.leg}"


class Seats:
    """Every agent's open line in one campaign."""

    def __init__(self, *, wrap_up: float = 10.0) -> None:
        self.wrap_up = wrap_up
        self.seats: dict[str, Seat] = {}  #: by agent
        self._by_leg: dict[str, Seat] = {}  #: agent legs and human legs
        #: seconds of lines open, and of talk, on the lines already closed
        self.closed_open = 0.0
        self.closed_talk = 0.0

    def seat(self, agent: str) -> Seat | None:
        return self.seats.get(agent)

    def legs(self) -> set[str]:
        return set(self._by_leg)

    def handle(self, event: SeatEvent, now: float) -> list[SeatCommand]:
        out = self.handle_timer(now)
        match event:
            case SeatAsked():
                out += self._asked(event)
            case SeatAnswered(leg=leg):
                out += self._answered(leg, now)
            case SeatLeft(agent=agent):
                seat = self.seats.get(agent)
                out += [HangUp(leg=seat.leg)] if seat is not None else []
            case LegGone(leg=leg):
                out += self._gone(leg, now)
            case HumanGiven():
                out += self._given(event, now)
            case AgentDone(agent=agent):
                out += self._done(agent, wrapping_only=True)
            case AgentBreak():
                out += self._break(event)
        return out

    def adopt(self, *, agent: str, endpoint: str, leg: str, opened: float,
              human: tuple[str, str] | None, now: float) -> list[SeatCommand]:
        """A line open before a restart (its bridge still there), with the human
        ``(dial, leg)`` bridged into it then, if any: ready, or talking."""
        if agent in self.seats:
            return []
        seat = self.seats[agent] = Seat(agent=agent, endpoint=endpoint, leg=leg,
                                        state=SeatState.READY, opened=opened)
        self._by_leg[leg] = seat
        if human is None:
            return [TellDialer(event=de.AgentReady(agent=agent))]
        seat.state, (seat.dial, seat.human_leg), seat.talk_began = SeatState.TALKING, human, now
        self._by_leg[seat.human_leg] = seat
        return [TellDialer(event=de.AgentTalking(agent=agent))]

    def next_deadline(self) -> float | None:
        times = [s.wrap_until for s in self.seats.values() if s.wrap_until is not None]
        return min(times, default=None)

    def handle_timer(self, now: float) -> list[SeatCommand]:
        out: list[SeatCommand] = []
        for seat in list(self.seats.values()):
            if seat.wrap_until is not None and seat.wrap_until <= now:
                out += self._done(seat.agent, wrapping_only=True)
        return out

    # -- the agent's line ------------------------------------------------------------------

    def _asked(self, event: SeatAsked) -> list[SeatCommand]:
        if event.agent in self.seats:
            return []  # already on (or joining) the campaign
        seat = self.seats[event.agent] = Seat(agent=event.agent, endpoint=event.endpoint,
                                              leg=event.leg)
        self._by_leg[event.leg] = seat
        return [RingSeat(agent=event.agent, leg=event.leg, endpoint=event.endpoint)]

    def _answered(self, leg: str, now: float) -> list[SeatCommand]:
        seat = self._by_leg.get(leg)
        if seat is None or seat.leg != leg or seat.state is not SeatState.RINGING:
            return [HangUp(leg=leg)] if seat is None else []
        seat.state, seat.opened = SeatState.READY, now
        return [OpenSeat(bridge=seat.bridge, leg=leg),
                TellDialer(event=de.AgentReady(agent=seat.agent))]

    def _gone(self, leg: str, now: float) -> list[SeatCommand]:
        seat = self._by_leg.pop(leg, None)
        if seat is None:
            return []
        if leg == seat.human_leg:  # the human's call is over: the agent wraps up
            seat.talked, seat.talk_began = seat.talk_so_far(now), None
            seat.dial, seat.human_leg = None, None
            seat.state, seat.wrap_until = SeatState.WRAP_UP, now + self.wrap_up
            return [TellDialer(event=de.AgentWrappingUp(agent=seat.agent))]
        del self.seats[seat.agent]
        if seat.opened is not None:
            self.closed_open += now - seat.opened
            self.closed_talk += seat.talk_so_far(now)
        out: list[SeatCommand] = []
        if seat.human_leg is not None:  # the agent left a human on the line
            self._by_leg.pop(seat.human_leg, None)
            out.append(HangUp(leg=seat.human_leg))
        if seat.state is not SeatState.RINGING:
            out.append(CloseSeat(bridge=seat.bridge))
        return out + [TellDialer(event=de.AgentLoggedOut(agent=seat.agent))]

    # -- humans ----------------------------------------------------------------------------

    def _given(self, event: HumanGiven, now: float) -> list[SeatCommand]:
        seat = self.seats.get(event.agent)
        if seat is None or seat.state is not SeatState.READY:
            return [HumanNotBridged(dial=event.dial)]
        seat.state, seat.dial, seat.human_leg = SeatState.TALKING, event.dial, event.leg
        seat.talk_began = now
        self._by_leg[event.leg] = seat
        return [BridgeHuman(dial=event.dial, bridge=seat.bridge, leg=event.leg)]

    def _done(self, agent: str, *, wrapping_only: bool) -> list[SeatCommand]:
        seat = self.seats.get(agent)
        if seat is None or (wrapping_only and seat.state is not SeatState.WRAP_UP):
            return []
        seat.state, seat.wrap_until = SeatState.READY, None
        return [TellDialer(event=de.AgentReady(agent=agent))]

    def _break(self, event: AgentBreak) -> list[SeatCommand]:
        seat = self.seats.get(event.agent)
        if seat is None or seat.state in (SeatState.RINGING, SeatState.TALKING):
            return []
        if not event.paused:
            if seat.state is not SeatState.PAUSED:
                return []
            seat.state = SeatState.WRAP_UP  # then ready at once
            return self._done(event.agent, wrapping_only=True)
        seat.state, seat.wrap_until = SeatState.PAUSED, None
        return [TellDialer(event=de.AgentPaused(agent=event.agent, reason=event.reason))]
