"""The offers core: agents' ring legs and the connection of a waiting caller, sans-I/O.

See ``states.py`` for the theory of operation. ``Offers`` turns the ACD's
decisions into rings, hang-ups and a bridge, and the legs' news into the ACD's
events; the callers' own news is in ``callers.py``. The tables at the end of
this module are its transitions as data: what each event is, and which leg
news each leg state takes.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from contactcenter.acd import events as ae
from contactcenter.acd.model import AgentId, CallId
from contactcenter.calls.offers import commands as oc
from contactcenter.calls.offers import events as oe
from contactcenter.calls.offers.callers import CallerRules
from contactcenter.calls.offers.records import Leg, bridge_of
from contactcenter.calls.offers.states import RING_BACKSTOP, LegState
from contactcenter.telephony import commands as dc

log = logging.getLogger(__name__)


class OffersUsageError(Exception):
    """An event the offers core does not know: the engine's bug, not the phones' news."""


class Offers(CallerRules):
    """The ACD's offers and the legs' news in, driver commands and ACD events out."""

    def handle(self, event: oe.OfferEvent, now: float) -> list[oc.OfferCommand]:
        """Act on one event; the commands to carry out, in order."""
        self._out = []
        handler = _ON_EVENT.get(type(event))
        if handler is None:
            raise OffersUsageError(f"not an event of the offers core: {event!r}")
        handler(self, event, now)
        out, self._out = self._out, []
        return out

    def is_waiting(self, call_id: str) -> bool:
        """Whether a caller is in the offers' hands for ``call_id`` (one to ring for)."""
        return call_id in self._callers

    # -- the ACD's decisions ---------------------------------------------------------------

    def _on_offered(self, event: oe.Offered, now: float) -> None:
        """A new leg rings the agent; it is the current one for the call and the agent."""
        caller = self._callers.get(event.call_id)
        if caller is None:
            self._ignored += 1  # nobody to connect: the engine withdraws such a call
            return
        leg = Leg(leg_id=f"{event.call_id}-{event.agent}-{next(self._ids)}",
                  call_id=event.call_id, agent=event.agent)
        self._legs[leg.leg_id] = leg
        self._current[(event.call_id, event.agent)] = leg.leg_id
        caller.legs.append(leg.leg_id)
        self._out.append(dc.RingAgent(
            call_id=event.call_id, leg_id=leg.leg_id, endpoint=event.endpoint,
            caller_id=caller.caller if event.caller_id is None else event.caller_id,
            timeout=math.ceil(event.ring_timeout) + RING_BACKSTOP, via=caller.via))

    def _on_cancelled(self, event: oe.OfferCancelled, now: float) -> None:
        self._current.pop((event.call_id, event.agent), None)
        for leg in list(self._legs.values()):
            if leg.call_id == event.call_id and leg.agent == event.agent \
                    and not leg.connected:
                self._out.append(dc.HangupCall(call_id=leg.leg_id))

    def _on_assigned(self, event: oe.Assigned, now: float) -> None:
        """The caller off hold (the announcement stopped) and in a bridge with the agent."""
        call_id = event.call_id
        caller = self._callers.get(call_id)
        leg = self._legs.get(self._current.pop((call_id, event.agent), ""))
        if caller is None or leg is None or leg.state is not LegState.ANSWERED:
            log.warning("ACD connects %s to %s, but one of them is gone", call_id, event.agent)
            self._ignored += 1
            return
        leg.state = LegState.CONNECTED
        bridge = bridge_of(call_id)
        if not event.customer_dialed:
            self._stop_announcement(call_id, caller)
            self._out.append(dc.StopHold(call_id=call_id))
        self._out.append(dc.CreateBridge(call_id=call_id, bridge_id=bridge))
        if not event.customer_dialed:  # (a customer joins the bridge when they answer)
            self._out.append(dc.AddToBridge(call_id=call_id, bridge_id=bridge,
                                            channels=(call_id, leg.leg_id)))
        self._out.append(oc.ConnectCaller(call_id=call_id, agent=event.agent,
                                          leg_id=leg.leg_id, bridge=bridge))

    # -- the legs' news --------------------------------------------------------------------

    def _on_leg_answered(self, event: oe.LegAnswered, now: float) -> None:
        leg = self._legs.get(event.leg_id)
        if leg is None or event.call_id not in self._callers:
            self._out.append(dc.HangupCall(call_id=event.leg_id))  # for a caller already gone
            return
        self._on_leg(leg, event, now)

    def _on_leg_news(self, event: oe.AnswerDecided | oe.LegEnded, now: float) -> None:
        leg = self._legs.get(event.leg_id)
        if leg is None:
            self._ignored += 1
            return
        self._on_leg(leg, event, now)

    def _on_leg(self, leg: Leg, event: Any, now: float) -> None:
        handler = _LEG_EVENTS[leg.state].get(type(event))
        if handler is None:
            self._ignored += 1  # a duplicate, or news the leg's state is past
            return
        handler(self, leg, event, now)

    def _answered(self, leg: Leg, event: oe.LegAnswered, now: float) -> None:
        leg.state = LegState.ANSWERED
        if self._current.get((leg.call_id, leg.agent)) != leg.leg_id:
            self._out.append(dc.HangupCall(call_id=leg.leg_id))  # an earlier ring, late
            return
        self._out.append(oc.TellAcd(
            event=ae.OfferAnswered(call_id=CallId(leg.call_id), agent=AgentId(leg.agent)),
            then=oe.AnswerDecided(leg_id=leg.leg_id)))

    def _not_taken(self, leg: Leg, event: oe.AnswerDecided, now: float) -> None:
        """The ACD did not give this leg the call (it cancelled meanwhile): hung up."""
        self._out.append(dc.HangupCall(call_id=leg.leg_id))

    def _taken(self, leg: Leg, event: oe.AnswerDecided, now: float) -> None:
        """The ACD gave this leg the call: nothing more to do."""

    def _ring_ended(self, leg: Leg, event: oe.LegEnded, now: float) -> None:
        """The current ring failed (busy, unreachable): the ACD's ``OfferFailed``; an older
        ring's end changes nothing."""
        self._forget(leg)
        key = (leg.call_id, leg.agent)
        if self._current.get(key) == leg.leg_id:
            del self._current[key]
            self._out.append(oc.TellAcd(event=ae.OfferFailed(
                call_id=CallId(leg.call_id), agent=AgentId(leg.agent),
                reason=event.cause or "no answer")))

    def _dropped(self, leg: Leg, event: oe.LegEnded, now: float) -> None:
        """An answered leg the ACD did not connect (or not yet) went: nothing follows."""
        self._forget(leg)

    def _agent_hung_up(self, leg: Leg, event: oe.LegEnded, now: float) -> None:
        """The agent hung up: the call is over, the caller goes too."""
        self._forget(leg)
        call_id = leg.call_id
        caller = self._callers.pop(call_id, None)
        self._out += [oc.TellAcd(event=ae.CallFinished(call_id=CallId(call_id))),
                      dc.DestroyBridge(call_id=call_id, bridge_id=bridge_of(call_id))]
        if caller is not None:
            self._out.append(oc.HangUpCaller(call_id=call_id, reason="normal"))

    def _forget(self, leg: Leg) -> None:
        del self._legs[leg.leg_id]
        caller = self._callers.get(leg.call_id)
        if caller is not None and leg.leg_id in caller.legs:
            caller.legs.remove(leg.leg_id)


#: each handler takes its own event type, hence ``Any``
_Handler = Callable[[Offers, Any, float], None]
_LegHandler = Callable[[Offers, Leg, Any, float], None]

#: event type -> what ``handle`` does with it
_ON_EVENT: dict[type, _Handler] = {
    oe.CallerWaiting: Offers._on_waiting,
    oe.CallerGone: Offers._on_gone,
    oe.CallerReleased: Offers._on_released,
    oe.AnnouncementDue: Offers._on_announcement,
    oe.PlaybackEnded: Offers._on_playback_ended,
    oe.Overflowed: Offers._on_overflowed,
    oe.Offered: Offers._on_offered,
    oe.OfferCancelled: Offers._on_cancelled,
    oe.Assigned: Offers._on_assigned,
    oe.LegAnswered: Offers._on_leg_answered,
    oe.AnswerDecided: Offers._on_leg_news,
    oe.LegEnded: Offers._on_leg_news,
    oe.CallAdopted: Offers._on_adopted,
    oe.AgentReleased: Offers._on_released_agent,
    oe.HandedOver: Offers._on_handed_over,
}

#: leg state -> the leg news it takes; any other (a duplicate answer, an answer of a leg
#: already talking) changes nothing. ``Assigned`` moves ANSWERED to CONNECTED; a leg's
#: end removes it.
_LEG_EVENTS: dict[LegState, dict[type, _LegHandler]] = {
    LegState.RINGING: {oe.LegAnswered: Offers._answered, oe.LegEnded: Offers._ring_ended},
    LegState.ANSWERED: {oe.AnswerDecided: Offers._not_taken, oe.LegEnded: Offers._dropped},
    LegState.CONNECTED: {oe.AnswerDecided: Offers._taken, oe.LegEnded: Offers._agent_hung_up},
}
