"""The dialer core: one outbound campaign's records, dials, lines and agents, sans-I/O.

See ``states.py`` for the theory of operation and ``pacing.py`` for the
strategies. The tables at the end of this module are the transitions as data:
which events the campaign, each dial state and each agent state act on.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from contactcenter.dialer import commands as dc
from contactcenter.dialer import events as de
from contactcenter.dialer.answers import DialOutcomes
from contactcenter.dialer.pacing import (
    Pacer,
    Tally,
    cap,
    decision,
    make_pacer,
    situation_of,
)
from contactcenter.dialer.reserved import Reservation, ReservedDials, most_attempts
from contactcenter.dialer.states import (
    DIAL_GRACE,
    MIN_RING,
    PENDING,
    AgentBoard,
    AgentEntry,
    AgentState,
    Campaign,
    CampaignState,
    DialEntry,
    DialState,
    Outcome,
    RecordBook,
    RecordEntry,
    RecordState,
)

log = logging.getLogger(__name__)


class DialerUsageError(Exception):
    """An event the core does not know: the engine's bug, unlike late or doubled news."""


class Dialer(DialOutcomes, ReservedDials):
    """One campaign: feed it events and due timers, carry out the commands it returns."""

    def __init__(self, campaign: Campaign, *, pacer: Pacer | None = None,
                 abandon_budget: float = math.inf, dials_before: int = 0) -> None:
        """``pacer``: the strategy (else the campaign's by name); ``abandon_budget``: the
        law's cap on humans that may be abandoned now (``AbandonBudgetSet`` moves it);
        ``dials_before``: dials the campaign placed before (a restart), so that no dial id
        is given twice."""
        self.campaign = campaign
        self.pacer = pacer if pacer is not None else make_pacer(campaign)
        self.state = CampaignState.IDLE
        self.tally = Tally()
        self.ignored = 0  #: events ignored as late, doubled or out of place
        self._book = RecordBook()
        self._dials: dict[str, DialEntry] = {}
        self._lines = list(range(campaign.max_lines))  # a heap: the lowest free line first
        self._agents = AgentBoard()
        self._abandoned: dict[str, float] = {}  # number -> when a call to it was abandoned
        self._reserved: dict[str, Reservation] = {}  # record id -> (``reserved.py``)
        self._budget = abandon_budget
        self._recheck: float | None = None
        self._seq = dials_before
        self._now = -math.inf
        self._out: list[dc.DialerCommand] = []

    # -- the API the engine uses ------------------------------------------------------------

    def handle(self, event: de.DialerEvent, now: float) -> list[dc.DialerCommand]:
        """Act on one event at ``now``; deadlines already due fire first, since they came
        first. Then a running campaign's pacer is asked how many dials to place."""
        handler = _ON_EVENT.get(type(event))
        if handler is None:
            raise DialerUsageError(f"not a dialer event: {event!r}")
        out: list[dc.DialerCommand] = []
        self._out = out
        now = self._fire_due(now)
        handler(self, event, now)
        self._pace(now)
        return out

    def handle_timer(self, now: float) -> list[dc.DialerCommand]:
        """Fire what is due by ``now`` and pace; an early or stale call does no harm."""
        out: list[dc.DialerCommand] = []
        self._out = out
        now = self._fire_due(now)
        self._pace(now)
        return out

    def next_deadline(self) -> float | None:
        """When to call ``handle_timer``; None when only an event can move anything."""
        times = [d.deadline for d in self._dials.values() if d.deadline is not None]
        if self._recheck is not None:
            times.append(self._recheck)
        if self.state is CampaignState.RUNNING and (due := self._book.next_due()) is not None:
            times.append(due)
        if (reserved := self._reserved_deadline()) is not None:
            times.append(reserved)
        return min(times, default=None)

    def record(self, record_id: str) -> RecordEntry | None:
        return self._book.records.get(record_id)

    def records(self) -> Mapping[str, RecordEntry]:
        """Every record of the list, by id (read only: for boards and restarts)."""
        return MappingProxyType(self._book.records)

    def dials(self) -> Mapping[str, DialEntry]:
        """The dials under way, by id (read only: for boards)."""
        return MappingProxyType(self._dials)

    def dial(self, dial_id: str) -> DialEntry | None:
        """A dial under way (None once it ended)."""
        return self._dials.get(dial_id)

    def agent(self, agent: str) -> AgentState:
        entry = self._agents.get(agent)
        return entry.state if entry is not None else AgentState.LOGGED_OUT

    @property
    def lines_busy(self) -> int:
        return self.campaign.max_lines - len(self._lines)

    # -- time -------------------------------------------------------------------------------

    def _fire_due(self, now: float) -> float:
        """Each dial's deadline that passed, in order (``DialOutcomes._deadline_passed``:
        a preview dialed, a human not bridged abandoned, a message cut off, a dial
        nobody heard of given up)."""
        now = max(now, self._now)
        self._now = now
        late = sorted((d for d in self._dials.values()
                       if d.deadline is not None and d.deadline <= now),
                      key=lambda d: d.deadline or 0.0)
        for dial in late:
            self._deadline_passed(dial, now)
        if self._recheck is not None and self._recheck <= now:
            self._recheck = None
        return now

    # -- the campaign -----------------------------------------------------------------------

    def _on_campaign(self, event: Any, now: float) -> None:
        handler = _CAMPAIGN[self.state].get(type(event))
        if handler is None:
            self.ignored += 1
        else:
            handler(self, event, now)

    def _start(self, event: Any, now: float) -> None:
        """A campaign must say who calls: without a caller ID it never starts."""
        if not self.campaign.caller_id:
            reason = "the campaign has no caller ID"
            self._out += [dc.Refuse(action="start", reason=reason),
                          self._report("dialer.refused", action="start", reason=reason)]
            return
        self._set_campaign(CampaignState.RUNNING, now)

    def _refuse_start(self, event: Any, now: float) -> None:
        self._out.append(dc.Refuse(action="start", reason="the campaign was stopped"))

    def _move(self, event: Any, now: float) -> None:
        self._set_campaign(_CAMPAIGN_TARGET[type(event)], now)

    def _set_campaign(self, state: CampaignState, now: float) -> None:
        """Pausing or stopping cancels the records shown to agents, not the dials placed."""
        log.info("campaign %s: %s -[%s]", self.campaign.name, self.state.value, state.value)
        self.state = state
        self._out.append(self._report(f"dialer.{state.value}", lines_busy=self.lines_busy))
        if state is not CampaignState.RUNNING:
            self._recheck = None
            for dial in [d for d in self._dials.values() if d.state is DialState.PREVIEW]:
                self._end(dial, Outcome.CANCELLED, now)

    def _on_loaded(self, event: de.RecordsLoaded, now: float) -> None:
        """Records in (or replaced); one being dialed is left alone, never dialed twice."""
        most = most_attempts(self.campaign)
        rule = self.campaign.retry.get(Outcome.ABANDONED)
        loaded = 0
        for spec in event.records:
            record = self._book.load(spec, most, rule.delay if rule is not None else 0.0)
            if record is None:
                self.ignored += 1
                continue
            self._reloaded(record)
            if spec.abandoned_at is not None:
                self._abandoned[spec.number] = spec.abandoned_at
            loaded += record.state is RecordState.WAITING
        if event.whole:
            self._unlisted({spec.record_id for spec in event.records})
        self._out.append(self._report("dialer.records_loaded", records=loaded,
                                      given=len(event.records)))

    def _on_budget(self, event: de.AbandonBudgetSet, now: float) -> None:
        self._budget = event.budget

    # -- pacing -----------------------------------------------------------------------------

    def _pace(self, now: float) -> None:
        """Ask the pacer, cap its answer by the rules, and start that many dials."""
        if self.state is not CampaignState.RUNNING:
            return
        self._serve_reserved(now)
        self._book.promote(now)
        situation = situation_of(
            now, self.campaign, self._agents.agents.values(), self._dials.values(),
            lines_free=len(self._lines), records_due=self._book.due_count, tally=self.tally,
            abandon_budget=self._budget)
        pace = self.pacer.decide(situation)
        self._recheck = pace.recheck if pace.recheck is not None and pace.recheck > now else None
        dialed, reserved = 0, len(self._reserved)
        for _ in range(cap(pace.dial, situation, previews=self.pacer.previews)):
            record = self._take(now)
            if record is None:
                break
            if record.state is RecordState.DIALING:  # else reserved, in a dial's place
                self._begin(record, now)
                dialed += 1
        if len(self._reserved) > reserved:  # numbers abandoned within 72 h met on the way
            self._serve_reserved(now)
        if dialed:
            self._out.append(self._report(
                "dialer.pace", **decision(situation, pace, dialed, self.pacer.name)))

    def _begin(self, record: RecordEntry, now: float, *, agent: AgentEntry | None = None,
               reservation: Reservation | None = None) -> None:
        """A line for the record, and an agent held for it if it has one (a preview, a
        reservation): shown to them (preview, callback), or asked of the gate."""
        self._seq += 1
        dial = DialEntry(f"{self.campaign.name}-{self._seq}", record, heapq.heappop(self._lines),
                         DialState.CHECKING, now, reservation=reservation)
        self._dials[dial.id] = dial
        if agent is None and self.pacer.previews:
            agent = self._agents.free()
            assert agent is not None  # (capped by the free agents)
        if agent is not None:
            dial.agent = agent.id
            self._hold(agent, AgentState.PREVIEWING, dial, now)
        callback = reservation is not None and reservation.callback
        if agent is None or not (self.pacer.previews or callback):
            self._check(dial)
            return
        dial.state, dial.deadline = DialState.PREVIEW, now + self.campaign.preview_seconds
        self._out.append(dc.OfferPreview(
            dial_id=dial.id, agent=agent.id, record_id=record.id, number=record.number,
            attempt=record.attempts + 1, deadline=dial.deadline,
            reserved=reservation.kind if reservation is not None else ""))

    # -- dials ------------------------------------------------------------------------------

    def _on_dial(self, event: Any, now: float) -> None:
        dial = self._dials.get(event.dial_id)
        handler = _DIAL_EVENTS[dial.state].get(type(event)) if dial is not None else None
        if dial is None or handler is None:
            self.ignored += 1  # a dial that ended, or news its state is past
        else:
            handler(self, dial, event, now)

    def _preview_dialed(self, dial: DialEntry, event: Any, now: float) -> None:
        self._check(dial)

    def _skipped(self, dial: DialEntry, event: Any, now: float) -> None:
        self._end(dial, Outcome.SKIPPED, now)

    def _checked(self, dial: DialEntry, event: de.DialChecked, now: float) -> None:
        """Only a dial the gate cleared rings, and only while the campaign runs."""
        if not event.cleared:
            self._end(dial, Outcome.REFUSED, now, retry_at=event.retry_at, why=event.rule)
        elif self.state is not CampaignState.RUNNING:
            self._end(dial, Outcome.CANCELLED, now)
        else:
            self._place(dial, now)

    def _place(self, dial: DialEntry, now: float) -> None:
        caller_id = self.campaign.caller_id
        assert caller_id  # a campaign without one never starts
        ring = max(self.campaign.ring_timeout, MIN_RING)
        record = dial.record
        record.attempts += 1
        self.tally.placed += 1
        dial.state, dial.placed, dial.deadline = DialState.DIALING, now, now + ring + DIAL_GRACE
        self._out += [
            dc.Dial(dial_id=dial.id, record_id=record.id, number=record.number, line=dial.line,
                    caller_id=caller_id, ring_timeout=ring, attempt=record.attempts),
            self._report("dialer.attempt", dial_id=dial.id, record_id=record.id,
                         line=dial.line, attempt=record.attempts, agent=dial.agent)]

    def _ringing(self, dial: DialEntry, event: Any, now: float) -> None:
        dial.state = DialState.RINGING

    def _placed(self, dial: DialEntry, event: Any, now: float) -> None:
        """The network took it: nothing changes (ringing or an answer comes next)."""

    def _unanswered(self, dial: DialEntry, event: Any, now: float) -> None:
        """Busy, no answer, failed (a call that ended before an answer failed too)."""
        outcome = _NOT_ANSWERED[type(event)]
        setattr(self.tally, outcome.value, getattr(self.tally, outcome.value) + 1)
        self._end(dial, outcome, now)

    # -- agents -----------------------------------------------------------------------------

    def _on_agent(self, event: Any, now: float) -> None:
        agent = self._agents.enter(event.agent, now)
        if type(event) not in _AGENT_EVENTS[agent.state]:
            self.ignored += 1
            return
        dial = self._dials.get(agent.dial) if agent.dial is not None else None
        if dial is not None and dial.state is DialState.PREVIEW:
            self._end(dial, Outcome.CANCELLED, now)  # gone before dialing or skipping
        elif dial is not None and dial.state in PENDING:
            self._agent_left(agent, dial, now)
        self._set_agent(agent, _AGENT_TARGET[type(event)], now)


_Handler = Callable[[Dialer, Any, float], None]
_DialHandler = Callable[[Dialer, DialEntry, Any, float], None]

#: event type -> how ``handle`` dispatches it
_ON_EVENT: dict[type, _Handler] = {
    **dict.fromkeys((de.CampaignStarted, de.CampaignPaused, de.CampaignResumed,
                     de.CampaignStopped), Dialer._on_campaign),
    de.RecordsLoaded: Dialer._on_loaded,
    de.AbandonBudgetSet: Dialer._on_budget,
    **dict.fromkeys((de.AgentReady, de.AgentTalking, de.AgentWrappingUp, de.AgentPaused,
                     de.AgentLoggedOut), Dialer._on_agent),
    de.CallbackAgreed: Dialer._on_callback,
    **dict.fromkeys((de.PreviewDialed, de.PreviewSkipped, de.DialChecked, de.DialPlaced,
                     de.DialRinging, de.HumanAnswered, de.MachineAnswered, de.DialBusy,
                     de.DialNoAnswer, de.DialFailed, de.HumanConnected, de.HumanAbandoned,
                     de.CallEnded), Dialer._on_dial),
}

#: campaign state -> event type -> handler; anything else is ignored
_CAMPAIGN: dict[CampaignState, dict[type, _Handler]] = {
    CampaignState.IDLE: {de.CampaignStarted: Dialer._start, de.CampaignStopped: Dialer._move},
    CampaignState.RUNNING: {de.CampaignPaused: Dialer._move, de.CampaignStopped: Dialer._move},
    CampaignState.PAUSED: {de.CampaignResumed: Dialer._move, de.CampaignStopped: Dialer._move},
    CampaignState.STOPPED: {de.CampaignStarted: Dialer._refuse_start},
}
_CAMPAIGN_TARGET: dict[type, CampaignState] = {
    de.CampaignPaused: CampaignState.PAUSED, de.CampaignResumed: CampaignState.RUNNING,
    de.CampaignStopped: CampaignState.STOPPED,
}

_UNANSWERED: dict[type, _DialHandler] = {
    de.HumanAnswered: Dialer._human, de.MachineAnswered: Dialer._machine,
    **dict.fromkeys((de.DialBusy, de.DialNoAnswer, de.DialFailed, de.CallEnded),
                    Dialer._unanswered),
}
_NOT_ANSWERED: dict[type, Outcome] = {
    de.DialBusy: Outcome.BUSY, de.DialNoAnswer: Outcome.NO_ANSWER,
    de.DialFailed: Outcome.FAILED, de.CallEnded: Outcome.FAILED,
}
#: dial state -> event type -> handler; news missing here (late, doubled) is ignored
_DIAL_EVENTS: dict[DialState, dict[type, _DialHandler]] = {
    DialState.PREVIEW: {de.PreviewDialed: Dialer._preview_dialed,
                        de.PreviewSkipped: Dialer._skipped},
    DialState.CHECKING: {de.DialChecked: Dialer._checked},
    DialState.DIALING: {**_UNANSWERED, de.DialPlaced: Dialer._placed,
                        de.DialRinging: Dialer._ringing},
    DialState.RINGING: {**_UNANSWERED, de.DialPlaced: Dialer._placed},
    DialState.CONNECTING: {de.HumanConnected: Dialer._connected,
                           de.HumanAbandoned: Dialer._not_connected,
                           de.CallEnded: Dialer._call_ended},
    DialState.TALKING: {de.CallEnded: Dialer._call_ended},
    DialState.ABANDONING: {de.CallEnded: Dialer._call_ended},
    DialState.MACHINE: {de.CallEnded: Dialer._call_ended},
    DialState.ENDED: {},
}

#: agent event -> the state it puts the agent in
_AGENT_TARGET: dict[type, AgentState] = {
    de.AgentReady: AgentState.READY, de.AgentTalking: AgentState.TALKING,
    de.AgentWrappingUp: AgentState.WRAP_UP, de.AgentPaused: AgentState.PAUSED,
    de.AgentLoggedOut: AgentState.LOGGED_OUT,
}
_ALL = frozenset(_AGENT_TARGET)
#: agent state -> the agent events it takes; a ready agent told "ready" again, or one
#: being connected told "ready" (stale), changes nothing
_AGENT_EVENTS: dict[AgentState, frozenset[type]] = {
    AgentState.LOGGED_OUT: _ALL - {de.AgentLoggedOut},
    AgentState.READY: _ALL - {de.AgentReady},
    AgentState.PREVIEWING: _ALL - {de.AgentReady},
    AgentState.CONNECTING: _ALL - {de.AgentReady},
    AgentState.TALKING: _ALL - {de.AgentTalking},
    AgentState.WRAP_UP: _ALL - {de.AgentWrappingUp},
    AgentState.PAUSED: _ALL,
}
