"""The click-to-talk core: calls agents place themselves, sans-I/O.

See ``states.py`` for the theory of operation. ``refusal_of`` is the rule of
who may place a call; ``PlacedCalls`` takes the agent's request, the legs'
news and call control's. ``_ON_EVENT`` at the end of this module is the
transition table: which news each call state takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contactcenter.acd.states import AgentState
from contactcenter.calls.click_to_talk import commands as kc
from contactcenter.calls.click_to_talk import events as ke
from contactcenter.calls.click_to_talk.states import AGENT_RING, PlacedState

#: calls remembered after they ended, so that their legs' late news is known as theirs
MEMORY = 10_000
#: the agent states a call may be placed from (not ringing, on a call or in wrap-up)
MAY_PLACE = frozenset({AgentState.AVAILABLE, AgentState.PAUSED, AgentState.LOGGED_OUT})


class ClickToTalkUsageError(Exception):
    """An event the click-to-talk core does not know: the engine's bug, not the agent's."""


def refusal_of(agent: str, *, registered: bool, state: AgentState | None,
               busy: bool) -> str | None:
    """Why ``agent`` cannot place a call now, or None if they can."""
    if not registered:
        return f"{agent}'s phone is not registered"
    if state is None:
        return f"no agent {agent!r}"
    if state not in MAY_PLACE:
        return f"{agent} is {state.value}: finish that call first"
    if busy:
        return f"{agent} is already placing a call"
    return None


@dataclass(slots=True)
class Placed:
    """One call an agent placed: its legs, and what each has done."""

    call_id: str
    agent: str  #: the agent in charge (a consulted agent, once handed over)
    number: str
    paused_us: bool  #: the core paused the agent for it: available again after it
    agent_leg: str
    customer_leg: str
    state: PlacedState = PlacedState.AGENT_RINGING
    up: set[str] = field(default_factory=set)  #: legs rung or dialed, not gone nor hung up
    agent_answered: bool = False
    customer_answered: bool = False
    released: bool = False  #: the agent's part is over
    bridged: bool = False  #: its bridge was made
    #: the legs of the agents it was handed over to: a handover told twice changes nothing
    handed: set[str] = field(default_factory=set)

    @property
    def bridge(self) -> str:
        return f"bridge-{self.call_id}"


class PlacedCalls:
    """Agents' own calls: requests and news in, commands out; see ``states.py``."""

    def __init__(self) -> None:
        self._calls: dict[str, Placed] = {}
        self._legs: dict[str, str] = {}  #: leg -> its call (under way or lately ended)
        self._ended: dict[str, tuple[str, ...]] = {}  #: calls lately ended -> their legs
        self._out: list[kc.ClickCommand] = []
        self._ignored = 0

    def handle(self, event: ke.ClickEvent, now: float) -> list[kc.ClickCommand]:
        self._out = []
        if isinstance(event, ke.CallAsked):
            self._on_asked(event, now)
        elif isinstance(event, ke.AgentAnswered | ke.CustomerAnswered):
            self._on_answered(event, now)
        elif isinstance(event, ke.LegGone):
            self._on_news(self._legs.get(event.leg), event, now)
        elif isinstance(event, _CONTROL):
            self._on_news(event.call_id, event, now)
        else:
            raise ClickToTalkUsageError(f"not an event of click-to-talk: {event!r}")
        out, self._out = self._out, []
        return out

    # -- queries ------------------------------------------------------------------------

    @property
    def ignored(self) -> int:
        """News that fitted no call's state (late, doubled): counted, not acted on."""
        return self._ignored

    def knows(self, call_id: str) -> bool:
        """A call under way or lately ended: its news is this core's."""
        return call_id in self._calls or call_id in self._ended

    def owns(self, leg: str) -> bool:
        return leg in self._legs

    def live(self, call_id: str) -> bool:
        return call_id in self._calls

    def state_of(self, call_id: str) -> PlacedState | None:
        """Where a call under way is; None for one over, or unknown."""
        call = self._calls.get(call_id)
        return call.state if call is not None else None

    def busy(self, agent: str) -> bool:
        """The agent is placing, or on, a call of their own."""
        return any(call.agent == agent for call in self._calls.values())

    def calls(self) -> set[str]:
        """The calls under way (each has its record in the journal)."""
        return set(self._calls)

    def channels(self) -> set[str]:
        """The legs of its calls that should be up (an agent who left a call is not)."""
        out = set()
        for call in self._calls.values():
            out |= call.up - ({call.agent_leg} if call.released else set())
        return out

    # -- the agent asks -----------------------------------------------------------------

    def _on_asked(self, event: ke.CallAsked, now: float) -> None:
        call_id, agent = event.call_id, event.agent
        reason = refusal_of(agent, registered=event.registered, state=event.agent_state,
                            busy=self.busy(agent))
        if reason is None and self.knows(call_id):
            reason = f"{call_id} was placed already"
        if reason is None and not event.cleared:
            reason = f"{call_id} was not cleared by the calling rules"
        if reason is not None:
            self._out.append(kc.Refusal(call_id=call_id, reason=reason))
            return
        call = Placed(call_id=call_id, agent=agent, number=event.number,
                      paused_us=event.agent_state is AgentState.AVAILABLE,
                      agent_leg=f"{call_id}-agent", customer_leg=f"{call_id}-customer")
        self._calls[call_id] = call
        self._legs[call.agent_leg] = self._legs[call.customer_leg] = call_id
        if call.paused_us:
            self._out.append(kc.PauseAgent(agent=agent))
        call.up.add(call.agent_leg)
        self._out += [
            kc.OpenRecord(call_id=call_id, agent=agent, number=event.number),
            kc.Report(type="call.offered", data={"call_id": call_id, "agent": agent,
                                                 "queue": None, "direction": "outbound",
                                                 "time": now}),
            kc.RingAgent(call_id=call_id, leg=call.agent_leg, endpoint=event.endpoint,
                         caller_id=event.number, timeout=AGENT_RING)]

    # -- the legs' news -----------------------------------------------------------------

    def _on_answered(self, event: ke.AgentAnswered | ke.CustomerAnswered, now: float) -> None:
        call = self._calls.get(event.call_id)
        if call is None:
            if event.call_id in self._ended:  # late: nobody waits for it
                self._ignored += 1
                self._out.append(kc.HangUp(leg=event.leg))
            return
        expected = call.agent_leg if isinstance(event, ke.AgentAnswered) else call.customer_leg
        handler = _ON_EVENT[call.state].get(type(event))
        if event.leg == expected and handler is not None:
            handler(self, call, event, now)
            return
        self._ignored += 1
        if event.leg != expected or event.leg not in call.up:  # (else: told twice)
            self._out.append(kc.HangUp(leg=event.leg))

    def _on_news(self, call_id: str | None, event: Any, now: float) -> None:
        """A leg's end, or call control's news: by the call's state."""
        call = self._calls.get(call_id) if call_id is not None else None
        handler = _ON_EVENT[call.state].get(type(event)) if call is not None else None
        if call is None or handler is None:
            if call_id is not None:
                self._ignored += 1  # late, doubled, or out of place
            return
        handler(self, call, event, now)

    def _agent_answered(self, call: Placed, event: ke.AgentAnswered, now: float) -> None:
        """The agent is on: the bridge is made and the customer dialed, not before."""
        call.agent_answered, call.bridged = True, True
        call.state = PlacedState.DIALING
        call.up.add(call.customer_leg)
        self._out += [kc.OpenBridge(call_id=call.call_id, bridge=call.bridge),
                      kc.DialCustomer(call_id=call.call_id, agent=call.agent,
                                      agent_leg=call.agent_leg, bridge=call.bridge)]

    def _customer_answered(self, call: Placed, event: ke.CustomerAnswered,
                           now: float) -> None:
        call.customer_answered = True
        self._out.append(kc.BridgeCustomer(call_id=call.call_id))
        if not event.under_control:
            call.state = PlacedState.TALKING
            return
        call.state = PlacedState.CONTROLLED
        self._out.append(kc.ToControl(call_id=call.call_id, number=call.number,
                                      agent=call.agent, agent_leg=call.agent_leg,
                                      customer_leg=call.customer_leg, bridge=call.bridge))

    def _leg_gone(self, call: Placed, event: ke.LegGone, now: float) -> None:
        """Either leg going ends the call: the other is hung up."""
        if event.leg not in call.up:
            self._ignored += 1  # told twice, or a leg never rung
            return
        call.up.discard(event.leg)
        if event.leg != call.agent_leg:
            cause = event.cause  # the customer hung up, was busy, or never answered
        elif call.customer_answered:
            cause = ""
        else:
            cause = "cancelled" if call.agent_answered else "agent_missed"
        self._end(call, cause, hang_up=True)

    def _let_go(self, call: Placed, event: ke.LegGone, now: float) -> None:
        """A leg call control let go (a transfer): control has the call, not this leg."""
        call.up.discard(event.leg)

    # -- call control's news --------------------------------------------------------------

    def _released(self, call: Placed, event: ke.AgentReleased, now: float) -> None:
        self._release(call)

    def _handed_over(self, call: Placed, event: ke.HandedOver, now: float) -> None:
        """The consulted agent's call now, paused for it as its placer was; a handover
        told again (late, or twice) changes nothing."""
        if event.leg in call.handed:
            self._ignored += 1
            return
        call.handed.add(event.leg)
        self._release(call)  # (control released the first agent already)
        call.up.discard(call.agent_leg)
        call.agent, call.agent_leg, call.released, call.paused_us = \
            event.agent, event.leg, False, True
        call.up.add(event.leg)
        self._legs[event.leg] = call.call_id
        self._out.append(kc.PauseAgent(agent=event.agent))

    def _hang_up_customer(self, call: Placed, event: ke.CustomerHangUpAsked,
                          now: float) -> None:
        if call.customer_leg in call.up:
            call.up.discard(call.customer_leg)
            self._out.append(kc.HangUp(leg=call.customer_leg))

    def _control_ended(self, call: Placed, event: ke.ControlEnded, now: float) -> None:
        self._end(call, "", hang_up=False)  # (control hung its legs up)

    # -- the end ---------------------------------------------------------------------------

    def _end(self, call: Placed, cause: str, *, hang_up: bool) -> None:
        """Once: the legs still up hung up, the record ended, the bridge closed, the agent
        released."""
        if hang_up:
            self._out += [kc.HangUp(leg=leg) for leg in sorted(call.up)]
        call.up.clear()
        self._out.append(kc.EndRecord(call_id=call.call_id, cause=cause))
        if call.bridged:
            self._out.append(kc.CloseBridge(call_id=call.call_id, bridge=call.bridge))
        self._release(call)
        call.state = PlacedState.ENDED
        del self._calls[call.call_id]
        self._ended[call.call_id] = tuple(leg for leg, of in self._legs.items()
                                          if of == call.call_id)
        while len(self._ended) > MEMORY:
            oldest = next(iter(self._ended))
            for leg in self._ended.pop(oldest):
                self._legs.pop(leg, None)

    def _release(self, call: Placed) -> None:
        """The agent's part is over, once."""
        if not call.released:
            call.released = True
            self._out.append(kc.ReleaseAgent(call_id=call.call_id, agent=call.agent,
                                             unpause=call.paused_us))


_CONTROL = (ke.AgentReleased, ke.HandedOver, ke.CustomerHangUpAsked, ke.ControlEnded)
#: each handler takes its own event type, hence ``Any``
_Handler = Callable[[PlacedCalls, Placed, Any, float], None]
#: call state -> the news it takes; any other is late, doubled or out of place: ignored
#: (an answer nobody waits for is hung up). An ended call is forgotten.
_ON_EVENT: dict[PlacedState, dict[type, _Handler]] = {
    PlacedState.AGENT_RINGING: {ke.AgentAnswered: PlacedCalls._agent_answered,
                                ke.LegGone: PlacedCalls._leg_gone},
    PlacedState.DIALING: {ke.CustomerAnswered: PlacedCalls._customer_answered,
                          ke.LegGone: PlacedCalls._leg_gone},
    PlacedState.TALKING: {ke.LegGone: PlacedCalls._leg_gone},
    PlacedState.CONTROLLED: {ke.LegGone: PlacedCalls._let_go,
                             ke.AgentReleased: PlacedCalls._released,
                             ke.HandedOver: PlacedCalls._handed_over,
                             ke.CustomerHangUpAsked: PlacedCalls._hang_up_customer,
                             ke.ControlEnded: PlacedCalls._control_ended},
    PlacedState.ENDED: {},
}
