"""The call gate: one place where every call the platform places is allowed or not.

See ``states.py`` for the theory of operation; the table at the end of this
module is its transitions as data: which events each placement state acts on.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contactcenter.calls.commands import (
    Cleared,
    Deferred,
    GateCommand,
    LookUpCallee,
    Refused,
    Report,
    Resume,
)
from contactcenter.calls.events import (
    CalleeFound,
    GateEvent,
    LookupFailed,
    PlacementAsked,
    PlacementFinished,
    TurnCame,
)
from contactcenter.calls.states import FINAL, LATER, PlacementState, Source
from contactcenter.calls.window import next_opening, utc
from contactcenter.dialer.compliance import (
    Callee,
    CallingWindow,
    callee_zones,
    check_call,
    costly,
)
from contactcenter.dialer.compliance import Refusal as RuleBroken
from contactcenter.dialer.law import DialFacts, DoNotCall, may_dial

#: seconds the CRM has to say what it knows of a callee before the call is refused
LOOKUP_TIMEOUT = 10.0
#: placements that ended, remembered so that a late event for one is known as late
ENDED_MEMORY = 10_000


class GateUsageError(Exception):
    """The engine used the gate wrongly (our bug, unlike late or doubled events)."""


@dataclass(slots=True)
class _Placement:
    id: str
    source: Source
    number: str
    asked_by: str | None
    consent_required: bool = False  #: a campaign's dial that needs the callee's consent
    window: CallingWindow | None = None  #: the campaign's calling hours, if its own
    last_abandoned_at: float | None = None  #: a campaign's dial: the number's last abandon
    agent_reserved: bool = False  #: a campaign's dial with an agent held for it
    state: PlacementState = PlacementState.LOOKING_UP
    callee: Callee | None = None
    deadline: float | None = None  #: the lookup's guard, or a deferral's end
    turn_waiting: bool = False  #: its turn came while the lookup was under way
    _order: int = field(default=0, repr=False)


class CallGate:
    """Placements in, decisions out: feed it events and due timers, carry out its commands."""

    def __init__(self, window: CallingWindow, *, lookup_timeout: float = LOOKUP_TIMEOUT,
                 do_not_call: DoNotCall | None = None) -> None:
        """``do_not_call``: the lists beyond the CRM's flag a campaign's dial is checked
        against (the national registry imported as a file)."""
        self.window = window
        self.do_not_call = do_not_call or DoNotCall()
        self.lookup_timeout = lookup_timeout
        self._placements: dict[str, _Placement] = {}
        self._ended: dict[str, PlacementState] = {}
        self._timers: list[tuple[float, int, str]] = []  # (deadline, seq, placement): lazy
        self._seq = 0
        self._out: list[GateCommand] = []
        self.ignored = 0

    # -- the API the engine uses ------------------------------------------------------------

    def handle(self, event: GateEvent, now: float) -> list[GateCommand]:
        """Act on one event at ``now``; timers already due fire first."""
        self._out = out = self._fire_due(now)
        if isinstance(event, PlacementAsked):
            self._asked(event, now)
            return out
        placement = self._placements.get(event.placement_id)
        handler = _ON_EVENT[placement.state].get(type(event)) if placement else None
        if placement is None or handler is None:
            self._stray(event)
        else:
            handler(self, placement, event, now)
        return out

    def handle_timer(self, now: float) -> list[GateCommand]:
        return self._fire_due(now)

    def next_deadline(self) -> float | None:
        timers = self._timers
        while timers and not self._live(timers[0]):
            heapq.heappop(timers)
        return timers[0][0] if timers else None

    def state(self, placement_id: str) -> PlacementState | None:
        placement = self._placements.get(placement_id)
        return placement.state if placement is not None else self._ended.get(placement_id)

    def __len__(self) -> int:
        return len(self._placements)

    # -- events ---------------------------------------------------------------------------

    def _asked(self, event: PlacementAsked, now: float) -> None:
        known = event.placement_id in self._placements or event.placement_id in self._ended
        if known:
            self.ignored += 1  # the same placement asked for twice: the first one stands
            return
        placement = _Placement(event.placement_id, event.source, event.number, event.asked_by,
                               consent_required=event.consent_required, window=event.window,
                               last_abandoned_at=event.last_abandoned_at,
                               agent_reserved=event.agent_reserved)
        self._placements[placement.id] = placement
        self._arm(placement, now + self.lookup_timeout)
        self._out.append(LookUpCallee(placement_id=placement.id, number=placement.number))

    def _stray(self, event: GateEvent) -> None:
        """An event for a placement that ended or that its state does not take: a turn
        the gate cannot clear is refused (nothing unchecked is dialed)."""
        self.ignored += 1
        if isinstance(event, TurnCame):
            reason = "this call is not cleared to be dialed now"
            self._out.append(Refused(placement_id=event.placement_id, rule="unchecked",
                                     reason=reason))
            self._out.append(Report(type="callback.refused", data={
                "call_id": event.placement_id, "number": "", "rule": "unchecked",
                "reason": reason, "source": "unknown", "asked_by": None}))

    def _found(self, placement: _Placement, event: CalleeFound, now: float) -> None:
        placement.callee = event.callee
        refusal = self._rules(placement, event.callee, now)
        zones = callee_zones(event.callee)
        if refusal is not None and (refusal.rule != "calling_hours" or not zones):
            rule = "unknown_time_zone" if refusal.rule == "calling_hours" else refusal.rule
            self._refuse(placement, rule, refusal.reason)
        elif placement.source not in LATER:  # a person waits to talk now
            if refusal is not None:
                self._refuse(placement, refusal.rule, refusal.reason)
            else:
                self._place(placement)
        else:
            self._accept_later(placement, now)

    def _rules(self, placement: _Placement, callee: Callee, now: float) -> RuleBroken | None:
        """The first rule the call breaks now. A callback is never placed to a number that
        costs more than a call (premium-rate, shared-cost, personal): whoever asks for one
        chooses the number the platform pays for. A campaign's dial is held to all of the
        law's (``dialer.law.may_dial``: the national list, consent, the 72 hours after an
        abandon without an agent held, its campaign's calling hours)."""
        if placement.source.startswith("callback") and costly(callee.number):
            return RuleBroken(rule="costly_number", reason=(
                f"{callee.number} is a premium-rate, shared-cost or personal number: "
                "no callback is placed to it"))
        if placement.source != "dialer":
            return check_call(callee, utc(now), self.window)
        last = placement.last_abandoned_at
        facts = DialFacts(consent_required=placement.consent_required, consent=callee.consent,
                          last_abandoned_at=utc(last) if last is not None else None,
                          agent_reserved=placement.agent_reserved)
        return may_dial(callee, utc(now), self._window(placement),
                        do_not_call=self.do_not_call, facts=facts)

    def _window(self, placement: _Placement) -> CallingWindow:
        """The placement's calling hours: its campaign's own within the platform's (the
        law's, TCPA 47 CFR 64.1200(c)(1): a campaign narrows them, never widens them),
        else the platform's."""
        own = placement.window
        if own is None:
            return self.window
        return CallingWindow(start=max(own.start, self.window.start),
                             end=min(own.end, self.window.end))

    def _accept_later(self, placement: _Placement, now: float) -> None:
        """A callback: accepted; dialed when its turn comes inside the window."""
        assert placement.callee is not None
        opening = next_opening(callee_zones(placement.callee), now, self._window(placement))
        if opening is None:
            self._refuse(placement, "calling_hours", _no_common_hour(placement.number))
            return
        turn_waiting, placement.turn_waiting = placement.turn_waiting, False
        if placement.source == "dialer":  # dialed now, or its record filed for the opening
            if opening > now:
                self._out.append(Cleared(placement_id=placement.id, earliest=opening))
                self._end(placement, PlacementState.CANCELLED)
            else:
                self._place(placement)
            return
        if opening > now:  # out of line until the window opens, then ``Resume``
            self._out.append(Cleared(placement_id=placement.id, earliest=opening))
            self._defer(placement, opening,
                        check_call(placement.callee, utc(now), self._window(placement)))
            return
        placement.state, placement.deadline = PlacementState.WAITING, None
        self._out.append(Cleared(placement_id=placement.id))
        if turn_waiting:  # its turn came before the answer: back in line now
            self._out.append(Resume(placement_id=placement.id))

    def _lookup_failed(self, placement: _Placement, event: LookupFailed, now: float) -> None:
        self._refuse(placement, "lookup_failed",
                     f"the do-not-call list could not be checked ({event.reason})")

    def _turn(self, placement: _Placement, event: TurnCame, now: float) -> None:
        """Before the agent's phone rings for a callback: the hours, on today's clock."""
        assert placement.callee is not None
        zones = callee_zones(placement.callee)
        opening = next_opening(zones, now, self._window(placement))
        if opening is None:
            self._refuse(placement, "calling_hours", _no_common_hour(placement.number))
        elif opening <= now:
            self._out.append(Cleared(placement_id=placement.id))  # for this turn
        else:
            window = self._window(placement)
            self._defer(placement, opening, check_call(placement.callee, utc(now), window))

    def _turn_while_deferred(self, placement: _Placement, event: TurnCame, now: float) -> None:
        """Offered again before its deferral ended (an offer in the same moment): still
        deferred, until the same time."""
        self._out.append(Deferred(placement_id=placement.id, until=placement.deadline,
                                  reason="outside calling hours"))

    def _turn_too_soon(self, placement: _Placement, event: TurnCame, now: float) -> None:
        placement.turn_waiting = True
        self._out.append(Deferred(placement_id=placement.id, until=None,
                                  reason="the rules are still being checked"))

    def _defer(self, placement: _Placement, until: float, refusal: Any) -> None:
        placement.state = PlacementState.DEFERRED
        reason = refusal.reason if refusal is not None else "outside calling hours"
        self._arm(placement, until)
        self._out.append(Deferred(placement_id=placement.id, until=until, reason=reason))
        self._out.append(Report(type="callback.deferred", data={
            "call_id": placement.id, "number": placement.number, "until": until,
            "reason": reason, "source": placement.source}))

    def _finished(self, placement: _Placement, event: PlacementFinished, now: float) -> None:
        dialed = event.dialed and placement.state is PlacementState.WAITING
        self._end(placement, PlacementState.PLACED if dialed else PlacementState.CANCELLED)

    # -- endings ----------------------------------------------------------------------------

    def _place(self, placement: _Placement) -> None:
        self._out.append(Cleared(placement_id=placement.id))
        self._end(placement, PlacementState.PLACED)

    def _refuse(self, placement: _Placement, rule: str, reason: str) -> None:
        self._out.append(Refused(placement_id=placement.id, rule=rule, reason=reason))
        # a campaign's dial refused is a record of its own, like a call a person asked for;
        # one the CRM could not be asked about is no refusal of the person (asked again)
        later = placement.source in LATER and placement.source != "dialer"
        kind = "callback.refused" if later else "call.refused"
        if placement.source == "dialer" and rule == "lookup_failed":
            self._end(placement, PlacementState.REFUSED)
            return
        self._out.append(Report(type=kind, data={
            "call_id": placement.id, "number": placement.number, "rule": rule,
            "reason": reason, "source": placement.source, "asked_by": placement.asked_by}))
        self._end(placement, PlacementState.REFUSED)

    def _end(self, placement: _Placement, state: PlacementState) -> None:
        assert state in FINAL
        placement.state, placement.deadline = state, None
        del self._placements[placement.id]
        self._ended[placement.id] = state
        if len(self._ended) > ENDED_MEMORY:
            del self._ended[next(iter(self._ended))]

    # -- timers -----------------------------------------------------------------------------

    def _arm(self, placement: _Placement, deadline: float) -> None:
        self._seq += 1
        placement.deadline, placement._order = deadline, self._seq
        heapq.heappush(self._timers, (deadline, self._seq, placement.id))

    def _live(self, timer: tuple[float, int, str]) -> bool:
        placement = self._placements.get(timer[2])
        return placement is not None and placement._order == timer[1] \
            and placement.deadline is not None

    def _fire_due(self, now: float) -> list[GateCommand]:
        self._out = []
        timers = self._timers
        while timers and timers[0][0] <= now:
            timer = heapq.heappop(timers)
            if self._live(timer):
                placement = self._placements[timer[2]]
                placement.deadline = None
                _ON_TIMER[placement.state](self, placement)
        return self._out

    def _lookup_timed_out(self, placement: _Placement) -> None:
        self._refuse(placement, "lookup_failed", "the do-not-call list could not be checked "
                                                 "(the CRM did not answer in time)")

    def _deferral_over(self, placement: _Placement) -> None:
        placement.state = PlacementState.WAITING
        self._out.append(Resume(placement_id=placement.id))


def _no_common_hour(number: str) -> str:
    return f"no hour of the calling window is inside it in every zone {number} may ring in"


_Handler = Callable[[CallGate, _Placement, Any, float], None]

#: placement state -> event type -> handler; an event missing here is late or doubled
_ON_EVENT: dict[PlacementState, dict[type, _Handler]] = {
    PlacementState.LOOKING_UP: {
        CalleeFound: CallGate._found,
        LookupFailed: CallGate._lookup_failed,
        TurnCame: CallGate._turn_too_soon,
        PlacementFinished: CallGate._finished,
    },
    PlacementState.WAITING: {TurnCame: CallGate._turn, PlacementFinished: CallGate._finished},
    PlacementState.DEFERRED: {
        TurnCame: CallGate._turn_while_deferred,
        PlacementFinished: CallGate._finished,
    },
}

#: placement state -> what its timer's deadline means there
_ON_TIMER: dict[PlacementState, Callable[[CallGate, _Placement], None]] = {
    PlacementState.LOOKING_UP: CallGate._lookup_timed_out,
    PlacementState.DEFERRED: CallGate._deferral_over,
}
