"""Dials with an agent held for them before they are placed: callbacks, early redials.

Theory of operation
-------------------
Two kinds of record are dialed only with an agent held for them (``PREVIEWING``)
from before the call gate is asked until the person answers, so that the person
cannot be abandoned for want of an agent:

- a *callback* (``CallbackAgreed``): the customer agreed with an agent to be
  called back at a time. From that time, if that agent is on the campaign (in
  any state but logged out), the callback is theirs: shown to them as a preview
  (``OfferPreview`` with ``reserved="callback"``) once they are ready, the person
  connected to them. While they are busy it waits for them up to
  ``callback_wait`` seconds past its time, then goes to the agent free the
  longest; with the agent not on the campaign, to that agent at once. An agreed
  callback is owed whatever the retry rules' maximum of attempts.
- an *early redial*: a number abandoned less than 72 hours ago (the campaign's
  retry delay for ``abandoned`` may be shorter) is dialed only so (Ofcom 2016:
  within 72 hours only with the guaranteed presence of a live operator). The gate
  checks it again at the moment of placing (``CheckDial.agent`` and
  ``abandoned_at``; ``law.may_redial``). Once the 72 hours are over, the record is
  an ordinary one again.

Reserved dials come before the pacer's: each takes a free line and its agent,
which the pacer then no longer counts. A callback is always shown to its agent
first (they dial it, skip it, or the preview's deadline dials it); an early
redial is shown in a preview campaign and otherwise asked of the gate at once.
A reserved dial cancelled before it rang (the agent left, the campaign paused)
or refused until the calling window opens keeps its reservation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from contactcenter.dialer import events as de
from contactcenter.dialer.states import (
    ABANDON_REDIAL,
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


@dataclass(slots=True)
class Reservation:
    """A record dialed only with an agent held for it: a callback the
    customer agreed to (waiting for ``agent`` while they are on the campaign), or a
    number abandoned less than 72 hours ago."""

    record: RecordEntry
    due: float
    agent: str | None = None  #: the agent who agreed the callback
    callback: bool = False

    @property
    def kind(self) -> str:
        return "callback" if self.callback else "redial"


def most_attempts(campaign: Campaign) -> int:
    """A record with this many attempts is done (the highest of the retry rules')."""
    return max((rule.max_attempts for rule in campaign.retry.values()), default=1)


class ReservedDials:
    """Callbacks and early redials; mixed into ``Dialer``."""

    campaign: Campaign
    state: CampaignState
    ignored: int
    _book: RecordBook
    _agents: AgentBoard
    _lines: list[int]
    _dials: dict[str, DialEntry]
    _abandoned: dict[str, float]
    _reserved: dict[str, Reservation]
    _now: float

    if TYPE_CHECKING:  # provided by Dialer, which mixes this in
        def _begin(self, record: RecordEntry, now: float, *, agent: AgentEntry | None = None,
                   reservation: Reservation | None = None) -> None:
            ...
        def _end(self, dial: DialEntry, outcome: Outcome, now: float, *,
                 retry_at: float | None = None, why: str = "") -> None:
            ...
        def _hold(self, agent: AgentEntry, state: AgentState, dial: DialEntry,
                  now: float) -> None:
            ...

    def _on_callback(self, event: de.CallbackAgreed, now: float) -> None:
        """The record is due at the agreed time, reserved to the agent who agreed it."""
        record = self._book.records.get(event.record_id)
        if record is not None and record.state is RecordState.DIALING:
            # the code given while the call is still up: owed once its dial ends
            dial = next((d for d in self._dials.values() if d.record is record), None)
            if dial is not None:
                dial.agreed = Reservation(record, event.at, event.agent, callback=True)
                return
        if record is None:
            record = RecordEntry(event.record_id, event.number, 0, 0, event.at)
            self._book.records[record.id] = record
        self._reserve(Reservation(record, event.at, event.agent, callback=True))

    def _reserve(self, reservation: Reservation) -> None:
        record = reservation.record
        if reservation.callback:  # owed whatever the retry rules' maximum
            record.attempts = min(record.attempts, most_attempts(self.campaign) - 1)
        record.due = reservation.due
        self._book.hold(record)
        self._reserved[record.id] = reservation

    def _reloaded(self, record: RecordEntry) -> None:
        """A record loaded again: a callback of it stays (on the new entry); an early
        redial is found again when the record is taken."""
        reservation = self._reserved.pop(record.id, None)
        if reservation is not None and reservation.callback:
            reservation.record = record
            self._reserve(reservation)

    def _unlisted(self, listed: set[str]) -> None:
        """A list loaded whole: the records it does not name are dropped, but one being
        dialed (its dial ends as it will) and a callback agreed (owed to the person)."""
        for record in list(self._book.records.values()):
            reservation = self._reserved.get(record.id)
            if record.id in listed or record.state is RecordState.DIALING or (
                    reservation is not None and reservation.callback):
                continue
            self._reserved.pop(record.id, None)
            self._book.drop(record)

    def _rest_ends(self, number: str) -> float:
        """When the 72 hours after the number's last abandon end."""
        return self._abandoned.get(number, -math.inf) + ABANDON_REDIAL

    def _take(self, now: float) -> RecordEntry | None:
        """The best due record for one of the pacer's dials (``DIALING``); one whose
        number was abandoned within 72 h is reserved instead (``WAITING``: dialed only
        with an agent held for it), in the place of that dial, since it takes one of the
        free agents the pacer counted."""
        record = self._book.take()
        if record is not None and now < self._rest_ends(record.number):
            self._reserve(Reservation(record, now))
        return record

    def _serve_reserved(self, now: float) -> None:
        """Reserved records due by now, the earliest first: each to its agent."""
        for reservation in sorted(self._reserved.values(), key=lambda r: r.due):
            if reservation.due > now or not self._lines:
                return
            record = reservation.record
            if not reservation.callback and now >= self._rest_ends(record.number):
                del self._reserved[record.id]
                self._book.file(record)  # past the 72 hours: an ordinary record again
                continue
            agent = self._agent_for(reservation, now)
            if agent is None:
                continue
            del self._reserved[record.id]
            record.state = RecordState.DIALING
            self._begin(record, now, agent=agent, reservation=reservation)

    def _agent_for(self, reservation: Reservation, now: float) -> AgentEntry | None:
        """The callback's agent when ready; while they are on the campaign and busy,
        nobody until ``callback_wait`` has passed; else the agent free the longest."""
        own = self._agents.get(reservation.agent)
        if own is not None and own.state is AgentState.READY:
            return own
        on_campaign = own is not None and own.state is not AgentState.LOGGED_OUT
        if on_campaign and now < reservation.due + self.campaign.callback_wait:
            return None
        return self._agents.free()

    def _reserved_deadline(self) -> float | None:
        """The next moment a reservation changes without news: one falls due, a
        callback stops waiting for its agent, an abandoned number's 72 hours end."""
        if self.state is not CampaignState.RUNNING:
            return None
        times = []
        for reservation in self._reserved.values():
            times.append(reservation.due)
            if reservation.callback and reservation.agent is not None:
                times.append(reservation.due + self.campaign.callback_wait)
            elif not reservation.callback:
                times.append(self._rest_ends(reservation.record.number))
        return min((t for t in times if t > self._now), default=None)

    def _agent_left(self, agent: AgentEntry, dial: DialEntry, now: float) -> None:
        """The agent held for a dial not yet answered is busy, paused or gone. A reserved
        dial never rings without an agent held: still at the gate it is cancelled (its
        reservation kept, served again); placed, another free agent is held for it when
        there is one. Any other dial's person finds an agent when they answer."""
        if dial.reservation is not None and dial.state is DialState.CHECKING:
            self._end(dial, Outcome.CANCELLED, now)
            return
        agent.dial = dial.agent = None
        other = self._agents.free() if dial.reservation is not None else None
        if other is not None:
            dial.agent = other.id
            self._hold(other, AgentState.PREVIEWING, dial, now)

    def _after_end(self, dial: DialEntry, outcome: Outcome, next_due: float | None) -> None:
        """A reserved dial that never rang keeps its reservation (a callback is owed); a
        callback agreed while the dial was under way is reserved now."""
        if dial.agreed is not None:
            self._reserve(dial.agreed)
            return
        reservation = dial.reservation
        if reservation is None or next_due is None or outcome not in _KEPT:
            return
        reservation.due = next_due
        self._reserve(reservation)


#: a reserved dial ending so keeps its reservation
_KEPT = frozenset({Outcome.CANCELLED, Outcome.REFUSED})
