"""One attempt to reach a customer for an agent: the agent first, then the customer
dialed with ringback in the agent's ear, both bridged when the customer answers.

A callback's attempt (``core.py``) and click-to-talk's alike. It is a call of
its own in the journal (``call.dialed``, outbound), so the CRM gets an
outbound interaction on the customer's timeline. See ``states.py``;
``_ON_EVENT`` at the end is its transition table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contactcenter.calls.callback import commands as bc
from contactcenter.calls.callback import events as be
from contactcenter.calls.callback.states import CUSTOMER_RING, RINGBACK, AttemptState
from contactcenter.telephony import commands as dc


class Attempt:
    """Attempt events in, driver commands and the record's events out."""

    def __init__(self, *, call_id: str, record_id: str, number: str, queue: str | None,
                 started: float, outcome_prefix: str = "callback_",
                 agent: str | None = None) -> None:
        """``outcome_prefix``: what the outcomes of a call not answered start with;
        ``agent``: whose call it is, when known from the start (click-to-talk)."""
        self.call_id = call_id  #: the virtual caller in the ACD (or the click's call)
        self.record_id = record_id  #: this outbound call's own record in the journal
        self.number = number
        self.queue = queue
        self.started = started
        self.agent = agent
        self.prefix = outcome_prefix
        self.customer_leg = f"{call_id}-customer"
        self.agent_leg: str | None = None
        self.bridge = ""
        self.state = AttemptState.READY
        self.opened = False  #: its record in the journal began
        self.answered = False  #: the customer answered (the attempt may have ended since)
        self.ignored = 0
        self._out: list[bc.AttemptCommand] = []

    @property
    def ended(self) -> bool:
        return self.state is AttemptState.ENDED

    def handle(self, event: be.AttemptEvent, now: float) -> list[bc.AttemptCommand]:
        """Act on one event; the commands to carry out, in order."""
        self._out = []
        handler = _ON_EVENT[self.state].get(type(event))
        if handler is None:
            self.ignored += 1  # a duplicate, or news the attempt is past
        else:
            handler(self, event, now)
        out, self._out = self._out, []
        return out

    # -- transitions -----------------------------------------------------------------------

    def _begin(self, event: be.AttemptBegun, now: float) -> None:
        """The record begins, once: a callback's when its customer is dialed (a ring the
        agent let pass is no attempt), click-to-talk's at the click."""
        if not self.opened:
            self.opened = True
            origin = {"origin": self.call_id} if self.record_id != self.call_id else {}
            self._emit("call.dialed", now, caller=self.number, dialed=self.number,
                       direction="outbound", queue=self.queue, **origin)

    def _dial(self, event: be.AgentConnected, now: float) -> None:
        """The agent answered: ringing in their ear while the customer is dialed."""
        self.agent_leg, self.bridge, self.agent = event.leg_id, event.bridge, event.agent
        self.state = AttemptState.DIALING
        self._begin(be.AttemptBegun(call_id=self.call_id), now)
        self._out += [
            dc.PlayMedia(call_id=event.leg_id, playback_id=f"{event.leg_id}:ringback",
                         media=RINGBACK),
            dc.DialCustomer(call_id=self.call_id, leg_id=self.customer_leg,
                            number=self.number, timeout=CUSTOMER_RING)]

    def _bridge(self, event: be.CustomerAnswered, now: float) -> None:
        assert self.agent_leg is not None, "DIALING has the agent's leg"
        self.state, self.answered = AttemptState.TALKING, True
        self._out += [
            dc.StopMedia(call_id=self.agent_leg, playback_id=f"{self.agent_leg}:ringback"),
            dc.AddToBridge(call_id=self.call_id, bridge_id=self.bridge,
                           channels=(self.agent_leg, self.customer_leg))]
        self._emit("callback.connected", now, number=self.number)
        # talk time counts from here, not from the agent's pick-up (the ringing before)
        self._emit("call.answered", now, queue=self.queue, wait=round(now - self.started, 3))

    def _not_now(self, event: be.CustomerAnswered, now: float) -> None:
        """An answer before the agent answered, or once the attempt is over: hung up."""
        self._out.append(dc.HangupCall(call_id=self.customer_leg))

    def _left(self, event: be.AgentLeft, now: float) -> None:
        """The agent hung up (or the call was withdrawn): the customer's leg goes too."""
        self._out.append(dc.HangupCall(call_id=self.customer_leg, reason=event.reason))
        self._over(be.AttemptOver(call_id=self.call_id,
                                  cause="" if self.answered else "cancelled"), now)

    def _over(self, event: be.AttemptOver, now: float) -> None:
        """``answered``, or why not (busy, no answer, cancelled); a record never begun has
        nothing to end."""
        if not self.opened or self.ended:
            return
        self.state = AttemptState.ENDED
        outcome = "answered" if self.answered else self.prefix + outcome_word(event.cause)
        self._emit("call.ended", now, cause=event.cause, outcome=outcome,
                   duration=round(now - self.started, 3))

    def _emit(self, kind: str, now: float, /, **data: Any) -> None:
        """One of this call's events; with its agent, once known, for the agent's stream."""
        who = {"agent": self.agent} if self.agent else {}
        self._out.append(bc.Publish(type=kind, data={
            **who, **data, "call_id": self.record_id, "time": now}))


def outcome_word(cause: str) -> str:
    """A hang-up cause's text -> a short outcome word: Asterisk's words ("No answer") or
    Twilio's status ("no-answer (SIP 480)") for the same fact give the same word."""
    text = cause.lower().replace("-", " ")
    if text in ("cancelled", "agent_missed"):
        return text
    if "busy" in text:
        return "busy"
    if text in ("", "left", "normal", "normal clearing") or "no answer" in text \
            or "no user" in text:
        return "no_answer"
    return "failed"


_Handler = Callable[[Attempt, Any, float], None]

#: attempt state -> the events it takes; any other is a duplicate or late, ignored.
#: The agent's leaving always hangs the customer's leg up (it may be ringing still).
_ON_EVENT: dict[AttemptState, dict[type, _Handler]] = {
    AttemptState.READY: {be.AttemptBegun: Attempt._begin, be.AgentConnected: Attempt._dial,
                         be.CustomerAnswered: Attempt._not_now, be.AgentLeft: Attempt._left,
                         be.AttemptOver: Attempt._over},
    AttemptState.DIALING: {be.AttemptBegun: Attempt._begin,
                           be.CustomerAnswered: Attempt._bridge,
                           be.AgentLeft: Attempt._left, be.AttemptOver: Attempt._over},
    AttemptState.TALKING: {be.AttemptBegun: Attempt._begin, be.AgentLeft: Attempt._left,
                           be.AttemptOver: Attempt._over},
    AttemptState.ENDED: {be.CustomerAnswered: Attempt._not_now, be.AgentLeft: Attempt._left},
}
