"""A campaign's agents on the engine's side: their open lines (``dialer.seats``) rung,
bridged and closed, their codes for the calls, and the callbacks they agree with
customers.

``SeatSteps`` is mixed into ``CampaignRunner`` (``campaigns.py``), which holds the
cores, the sender and the book these steps share.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from contactcenter.dialer import events as de_
from contactcenter.dialer import seats as st
from contactcenter.dialer.core import Dialer
from contactcenter.dialer.states import Campaign
from contactcenter.engine.campaign_restore import most_attempts
from contactcenter.engine.sender import OrderedSender
from contactcenter.telephony import commands as dc


class SeatSteps:
    """The agents' side of a campaign."""

    name: str
    core: Dialer
    seats: st.Seats
    _campaign: Campaign
    _clock: Callable[[], float]
    _sender: OrderedSender
    _ids: Any
    _run_mark: str
    _dial_records: dict[str, tuple[str, str]]
    on_seat: Callable[[str, bool], None]

    if TYPE_CHECKING:  # provided by CampaignRunner, which mixes this in
        def _feed(self, event: de_.DialerEvent) -> None:
            ...
        def _seat(self, event: st.SeatEvent) -> None:
            ...
        def _note(self, kind: str, **data: Any) -> None:
            ...
        def _connected(self, dial_id: str) -> None:
            ...

    def join(self, agent: str, endpoint: str) -> None:
        """The agent works the campaign from ``endpoint``: their phone rings once."""
        leg = f"seat-{self._run_mark}-{agent}-{next(self._ids)}"
        self._seat(st.SeatAsked(agent=agent, endpoint=endpoint, leg=leg))

    def leave(self, agent: str) -> None:
        self._seat(st.SeatLeft(agent=agent))

    def agent_done(self, agent: str) -> None:
        """The agent ends their wrap-up (a disposition, or Ready)."""
        self._seat(st.AgentDone(agent=agent))

    def agent_break(self, agent: str, paused: bool, reason: str = "break") -> None:
        self._seat(st.AgentBreak(agent=agent, paused=paused, reason=reason))

    def disposed(self, dial_id: str, *, agent: str, callback_at: float | None) -> bool:
        """The agent's code for a call: their wrap-up ends (True if it did); a callback
        the customer agreed to puts the record back for that time."""
        seat = self.seats.seat(agent)
        wrapping = seat is not None and seat.state is st.SeatState.WRAP_UP
        if wrapping:
            self.agent_done(agent)
        record = self._dial_records.get(dial_id)
        if callback_at is not None and record is not None:
            self._call_back(record, callback_at, agent)
        return wrapping

    def _call_back(self, record: tuple[str, str], at: float, agent: str) -> None:
        """The record is due at ``at``, reserved to ``agent`` (the core's rule)."""
        record_id, number = record
        entry = self.core.record(record_id)
        # an agreed callback is owed whatever the retry rules' maximum (the core keeps
        # the count just under it; the book says the same for a restart)
        attempts = min(entry.attempts if entry is not None else 0,
                       most_attempts(self._campaign) - 1)
        self._note("settled", record=record_id, attempts=attempts, next_due=at,
                   outcome="callback", callback_agent=agent, at=self._clock())
        self._feed(de_.CallbackAgreed(record_id=record_id, number=number, at=at,
                                      agent=agent))

    def seat_answered(self, leg: str) -> bool:
        if leg not in self.seats.legs():
            return False
        self._seat(st.SeatAnswered(leg=leg))
        return True

    def _seat_commands(self, commands: list[st.SeatCommand]) -> None:
        put = self._sender.put
        for command in commands:
            match command:
                case st.RingSeat(leg=leg, endpoint=endpoint):
                    put(dc.RingAgent(call_id=leg, leg_id=leg, endpoint=endpoint,
                                     caller_id=f"campaign {self.name}", purpose="seat",
                                     via=self._campaign.caller_id or ""))  # its dials' engine
                case st.OpenSeat(bridge=bridge, leg=leg):
                    put(dc.CreateBridge(call_id=leg, bridge_id=bridge))
                    put(dc.AddToBridge(call_id=leg, bridge_id=bridge, channels=(leg,)))
                    self._book_seat(leg)
                case st.BridgeHuman(dial=dial, bridge=bridge, leg=leg):
                    put(dc.AddToBridge(call_id=dial, bridge_id=bridge, channels=(leg,)),
                        then=functools.partial(self._connected, dial))
                case st.HangUp(leg=leg):
                    put(dc.HangupCall(call_id=leg))
                case st.CloseSeat(bridge=bridge):
                    put(dc.DestroyBridge(call_id=bridge, bridge_id=bridge))
                case st.TellDialer(event=event):
                    if isinstance(event, de_.AgentLoggedOut):
                        self._note("unseated", agent=event.agent)
                        self.on_seat(event.agent, False)
                    self._feed(event)
                case st.HumanNotBridged(dial=dial):
                    self._feed(de_.HumanAbandoned(dial_id=dial))

    def _book_seat(self, leg: str) -> None:
        seat = next((s for s in self.seats.seats.values() if s.leg == leg), None)
        if seat is not None:
            self._note("seat", agent=seat.agent, endpoint=seat.endpoint, leg=leg,
                       at=self._clock())
            self.on_seat(seat.agent, True)

