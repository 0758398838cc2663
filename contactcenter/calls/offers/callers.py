"""The waiting callers' side of the offers core: callers handed over and gone,
announcements between stretches of hold music, overflows, and calls with an
agent restored or handed on.

``Offers`` (``core.py``) takes the ACD's offers and the legs' news; this base
class holds the records both share and the callers' own news.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from contactcenter.acd import events as ae
from contactcenter.acd.model import AgentId, CallId
from contactcenter.calls.offers import commands as oc
from contactcenter.calls.offers import events as oe
from contactcenter.calls.offers.records import (
    COMFORT_MEDIA,
    Caller,
    Leg,
    bridge_of,
    position_media,
)
from contactcenter.calls.offers.states import LegState
from contactcenter.telephony import commands as dc


class CallerRules:
    def __init__(self) -> None:
        self._legs: dict[str, Leg] = {}
        self._callers: dict[str, Caller] = {}
        #: (call, agent) -> the leg of the ring under way; older legs' news is stale
        self._current: dict[tuple[str, str], str] = {}
        self._out: list[oc.OfferCommand] = []
        self._ids = itertools.count(1)
        self._ignored = 0

    # -- what the engine may read ------------------------------------------------------------

    @property
    def legs(self) -> Mapping[str, Leg]:
        """Every agent's leg still there (the channels Asterisk should have)."""
        return self._legs

    @property
    def ignored(self) -> int:
        """News that fitted nothing (late, doubled, unknown): counted, not acted on."""
        return self._ignored

    def caller_of(self, call_id: str) -> str | None:
        """The number of the caller waiting (or talking) on ``call_id``; None if not ours."""
        caller = self._callers.get(call_id)
        return caller.caller if caller is not None else None

    def talking_leg(self, call_id: str) -> Leg | None:
        """The agent's leg the call is connected to, if it is."""
        caller = self._callers.get(call_id)
        for leg_id in caller.legs if caller is not None else ():
            leg = self._legs.get(leg_id)
            if leg is not None and leg.connected:
                return leg
        return None

    # -- the callers' news -----------------------------------------------------------------

    def _on_waiting(self, event: oe.CallerWaiting, now: float) -> None:
        self._callers[event.call_id] = Caller(caller=event.caller, via=event.via)

    def _on_gone(self, event: oe.CallerGone, now: float) -> None:
        """The call ends for the agent talking, or the offers stop ringing."""
        call_id = event.call_id
        caller = self._callers.pop(call_id, None)
        for key in [key for key in self._current if key[0] == call_id]:
            del self._current[key]
        if caller is None:
            self._ignored += 1
            return
        talking = [leg for leg_id in caller.legs
                   if (leg := self._legs.get(leg_id)) is not None and leg.connected]
        if talking:
            self._out.append(oc.TellAcd(event=ae.CallFinished(call_id=CallId(call_id))))
            for leg in talking:
                self._out += [dc.HangupCall(call_id=leg.leg_id),
                              dc.DestroyBridge(call_id=call_id, bridge_id=bridge_of(call_id))]
        else:
            self._out.append(oc.TellAcd(event=ae.CallLeft(call_id=CallId(call_id),
                                                          reason="abandoned")))
        for leg_id in caller.legs:  # (the ACD's cancel stops them too; a ring must not go on)
            ringing = self._legs.get(leg_id)
            if ringing is not None and ringing.state is LegState.RINGING:
                self._out.append(dc.HangupCall(call_id=leg_id))

    def _on_released(self, event: oe.CallerReleased, now: float) -> None:
        if self._callers.pop(event.call_id, None) is not None and event.reason is not None:
            self._out.append(oc.HangUpCaller(call_id=event.call_id, reason=event.reason))

    def _on_overflowed(self, event: oe.Overflowed, now: float) -> None:
        if event.kind == "queue":
            return  # moved within the ACD: still waiting here
        caller = self._callers.pop(event.call_id, None)
        if caller is None:
            self._ignored += 1
            return
        self._stop_announcement(event.call_id, caller)
        self._out.append(oc.OverflowCaller(call_id=event.call_id, kind=event.kind,
                                           target=event.target))

    # -- announcements ---------------------------------------------------------------------

    def _on_announcement(self, event: oe.AnnouncementDue, now: float) -> None:
        caller = self._callers.get(event.call_id)
        if caller is None or caller.announcing is not None:
            return  # one announcement at a time; the next one comes round again
        media: tuple[str, ...] = COMFORT_MEDIA
        said: dict[str, Any] = {"kind": "comfort"}
        if event.position is not None:
            media = position_media(event.position, event.expected_wait)
            said = {"kind": "position", "position": event.position,
                    "expected_wait": event.expected_wait}
        caller.announcing = f"{event.call_id}:announce:{next(self._ids)}"
        caller.said = {**said, "started": now}
        self._out += [dc.StopHold(call_id=event.call_id),
                      dc.PlayMedia(call_id=event.call_id, playback_id=caller.announcing,
                                   media=media)]

    def _on_playback_ended(self, event: oe.PlaybackEnded, now: float) -> None:
        caller = self._callers.get(event.call_id)
        if caller is None or caller.announcing != event.playback_id:
            self._ignored += 1
            return
        caller.announcing = None
        # heard to the end (Asterisk's PlaybackFinished): a supervisor can see what
        self._out.append(oc.Publish(type="call.announced", data={
            "call_id": event.call_id, **caller.said, "time": now}))
        if not any(self._legs[leg].connected for leg in caller.legs if leg in self._legs):
            self._out.append(dc.StartHold(call_id=event.call_id))

    def _stop_announcement(self, call_id: str, caller: Caller) -> None:
        if caller.announcing is not None:
            self._out.append(dc.StopMedia(call_id=call_id, playback_id=caller.announcing))
            caller.announcing = None

    # -- calls with an agent, restored or handed on ------------------------------------------

    def _on_adopted(self, event: oe.CallAdopted, now: float) -> None:
        """Both sides are ours again: either hanging up ends the other, the agent wraps up."""
        self._callers[event.call_id] = Caller(caller=event.caller, legs=[event.leg_id])
        self._legs[event.leg_id] = Leg(leg_id=event.leg_id, call_id=event.call_id,
                                       agent=event.agent, state=LegState.CONNECTED)
        self._out.append(oc.TellAcd(event=ae.CallRestored(
            call_id=CallId(event.call_id), queue=event.queue, agent=AgentId(event.agent),
            answered_at=event.answered_at, caller=event.caller, priority=event.priority)))

    def _on_released_agent(self, event: oe.AgentReleased, now: float) -> None:
        """The agent's leg is no longer the call's (the caller stays); their wrap-up starts."""
        leg = self.talking_leg(event.call_id)
        caller = self._callers.get(event.call_id)
        if leg is not None:
            del self._legs[leg.leg_id]
            if caller is not None and leg.leg_id in caller.legs:
                caller.legs.remove(leg.leg_id)
        self._out.append(oc.TellAcd(event=ae.CallFinished(call_id=CallId(event.call_id))))

    def _on_handed_over(self, event: oe.HandedOver, now: float) -> None:
        caller = self._callers.get(event.call_id)
        if caller is None:
            self._ignored += 1
            return
        self._legs[event.leg_id] = Leg(leg_id=event.leg_id, call_id=event.call_id,
                                       agent=event.agent, state=LegState.CONNECTED)
        caller.legs.append(event.leg_id)
        self._out.append(oc.TellAcd(event=ae.CallRestored(
            call_id=CallId(event.call_id), queue=event.queue, agent=AgentId(event.agent),
            answered_at=now, caller=caller.caller, priority=event.priority, handover=True)))
