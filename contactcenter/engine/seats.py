"""The ACD's side of call control: agents who leave a call, callers back in a queue,
consulted agents kept free and taking calls over, a connected call picked up again
after a restart.

The layer under ``Distributor`` (``distribution.py``) that call control's
adapter (``control.py``) works through: the core there decides, this only
tells the ACD core and the caller's task what it decided.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from contactcenter.acd import events as ae
from contactcenter.acd.core import Acd
from contactcenter.acd.model import AgentId, CallId
from contactcenter.calls.offers import Offers
from contactcenter.calls.offers import events as oe
from contactcenter.engine.agent_store import CONSULT_PAUSE
from contactcenter.engine.callback_line import CallbackSide
from contactcenter.engine.control import Controller
from contactcenter.engine.parties import CallSide, Leg, bridge_of
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

log = logging.getLogger(__name__)

#: how many of the agents who had a call go with it to the next one's screen-pop
TRANSFERRED_BY = 10


@runtime_checkable
class Requeueable(Protocol):
    """A caller's side that can go back to waiting in a queue (a caller's task)."""

    def requeued(self, queue: str) -> dict[str, str]:
        """Waiting again, in ``queue``; the call's variables, for the ACD."""
        ...


class ControlSeats:
    """What the distributor does for call control; its state is the distributor's."""

    acd: Acd
    offers: Offers
    _sides: dict[str, CallSide]
    _recorded: dict[str, int]
    _handle: Callable[[ae.AcdEvent], None]
    _offer: Callable[[oe.OfferEvent], None]
    _queue: Callable[[dc.DriverCommand], None]
    talking_leg: Callable[[str], Leg | None]
    control: Controller | None

    def adopt(self, call_id: str, side: CallSide, leg: de.AgentAnswered, *, queue: str,
              agent: str, answered_at: float, caller: str, priority: int) -> None:
        """A call connected before a restart, with its agent's leg: both are ours again,
        so that either side hanging up ends the other and the agent's wrap-up starts."""
        self._sides[call_id] = side
        self._offer(oe.CallAdopted(call_id=call_id, caller=caller, agent=agent,
                                   leg_id=leg.leg_id, queue=queue, priority=priority,
                                   answered_at=answered_at))
        if self.control is not None:  # talking again, whatever it was doing before
            bridge = bridge_of(call_id)  # (a hold's music, a consultation: gone with us)
            self._queue(dc.StopHold(call_id=call_id))
            self._queue(dc.MuteChannel(call_id=leg.leg_id, on=False))  # as the core thinks
            self._queue(dc.AddToBridge(call_id=call_id, bridge_id=bridge,
                                       channels=(call_id, leg.leg_id)))
            self.control.connected(call_id=call_id, caller=caller, agent=agent,
                                   agent_leg=leg.leg_id, queue=queue, priority=priority,
                                   bridge=bridge)

    def queue(self, command: dc.DriverCommand) -> None:
        """A command on a leg or a bridge, in order with the ACD's own."""
        self._queue(command)

    def release_agent(self, call_id: str) -> None:
        """The agent's part of the call is over: their wrap-up starts; the caller stays."""
        self._offer(oe.AgentReleased(call_id=call_id))

    def requeue(self, call_id: str, *, queue: str, priority: int, agent: str | None,
                handled_by: tuple[str, ...]) -> None:
        """The caller waits in ``queue`` again (for ``agent`` first), with their priority;
        ``handled_by`` goes with the call for the next agent's screen-pop."""
        side = self._sides.get(call_id)
        caller = self.offers.caller_of(call_id)
        if caller is None or not isinstance(side, Requeueable):
            log.warning("call %s cannot go back to a queue; hung up", call_id)
            self._offer(oe.CallerReleased(call_id=call_id, reason="normal"))
            return
        before = self.acd.call_state(call_id)
        queue = self._queue_for(queue, agent)
        variables = {**side.requeued(queue),  # (the last few: a pop shows no more)
                     "transferred_by": ",".join(handled_by[-TRANSFERRED_BY:])}
        # the skill the caller chose still holds in the queue they chose it for
        same = before is not None and before.queue == queue
        self._offer(oe.CallerWaiting(call_id=call_id, caller=caller))  # waiting afresh
        self._handle(ae.CallJoined(call_id=CallId(call_id), queue=queue, priority=priority,
                                   skill=before.skill if same and before else None,
                                   caller=caller, variables=variables,
                                   transfer=True,
                                   agent=AgentId(agent) if agent is not None else None))

    def _queue_for(self, queue: str, agent: str | None) -> str:
        """The call's queue, unless the agent it goes to does not work it: then the
        agent's first queue (the one they answer first), so that it can ring them."""
        config = self.acd.config.agents.get(agent) if agent is not None else None
        if config is None or queue in config.queues or not config.queues:
            return queue
        return min(config.queues, key=lambda name: config.queues[name])

    def reserve(self, agent: str, reserved: bool) -> None:
        """A consulted agent paused while consulted (no offer reaches them), then free."""
        if reserved:
            self._handle(ae.AgentPaused(agent=AgentId(agent), reason=CONSULT_PAUSE))
        elif self.acd.agent_state(agent).reason == CONSULT_PAUSE:
            self._handle(ae.AgentAvailable(agent=AgentId(agent)))

    def hand_over(self, call_id: str, *, agent: str, leg_id: str, queue: str,
                  priority: int) -> None:
        """A consulted agent took the call over: their leg is the call's agent leg now."""
        self._offer(oe.HandedOver(call_id=call_id, agent=agent, leg_id=leg_id, queue=queue,
                                  priority=priority))

    def hang_up_caller(self, call_id: str) -> bool:
        """Through the caller's own task, which ends their record; False if none."""
        side = self._sides.get(call_id)
        if side is None:
            return False
        side.hang_up("normal")
        return True

    def end_call(self, call_id: str) -> None:
        """Call control is done with it: a callback's attempt ends its record now."""
        side = self._sides.pop(call_id, None)
        self._offer(oe.CallerReleased(call_id=call_id))
        self._recorded.pop(call_id, None)
        if isinstance(side, CallbackSide):
            side.finish("")
