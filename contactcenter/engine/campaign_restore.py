"""A campaign after a restart of the app: where it was, from its book (``campaign_book.py``).

No attempt is lost and no record is dialed twice:

- the list is loaded with each record's attempts and next due time from the
  book; a record done with (reached, out of attempts, refused for good) stays done;
- a dial placed before the stop that never ended is *in doubt*: its record is
  held out of the list until the dial is settled. Found in the app at the
  reconnect, a human bridged to an agent goes on talking (the agent's line is
  adopted too); a callee in the app with no agent hears the abandon message
  and counts as abandoned (nobody can say whether they were a person). Not
  found, a dial bridged to an agent ended while the app was down: a human
  reached. The detector's verdict, on the book as soon as it is known, settles
  the rest: a machine found up is hung up on and a machine gone was a machine
  (never an abandoned person); a person gone with no agent was abandoned. A dial
  with no verdict was ringing and may still be answered: it is settled by its
  news (a late answer hears the abandon message), or as failed once its ring
  timeout and grace have passed;
- a callback agreed and not yet dialed is reserved to its agent again;
- the agents' open lines found again are theirs again, ready or talking, and each
  such agent paused ``outbound`` in the ACD again (its restore made them available);
- the law's ledger is read back, so the rolling windows go on counting;
- a campaign that was running runs again once the phones can ring.

``RestoreSteps`` is mixed into ``CampaignRunner``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from contactcenter.dialer import events as de_
from contactcenter.dialer import seats as st
from contactcenter.dialer.abandons import AbandonLedger
from contactcenter.dialer.core import Dialer
from contactcenter.dialer.reserved import most_attempts  # the core's rule, re-exported
from contactcenter.dialer.states import DIAL_GRACE, Campaign, Outcome, retry_due
from contactcenter.engine.campaign_board import BoardInputs
from contactcenter.engine.campaign_book import CampaignLog, DialLog
from contactcenter.engine.sender import OrderedSender
from contactcenter.telephony import commands as dc


def callbacks_owed(records: Collection[de_.Record], log: CampaignLog,
                   ) -> list[de_.CallbackAgreed]:
    """The callbacks agreed before a restart and not yet dialed, of the records listed."""
    owed = []
    for record in records:
        entry = log.records.get(record.record_id)
        if entry is not None and entry.callback_agent and entry.next_due is not None:
            owed.append(de_.CallbackAgreed(record_id=record.record_id, number=record.number,
                                           at=entry.next_due, agent=entry.callback_agent))
    return owed


def overlay(records: Collection[de_.Record], log: CampaignLog, campaign: Campaign,
            ) -> tuple[de_.Record, ...]:
    """The list as given, with what the book says of each record; records of dials in
    doubt are left out until those are settled."""
    doubtful = {dial.record_id for dial in log.in_doubt.values()}
    done = most_attempts(campaign)
    out = []
    for record in records:
        entry = log.records.get(record.record_id)
        if record.record_id in doubtful:
            continue
        if entry is None:
            out.append(record)
            continue
        attempts = done if entry.next_due is None else max(record.attempts, entry.attempts)
        earliest = max(record.earliest, entry.next_due or 0.0)
        out.append(de_.Record(record_id=record.record_id, number=record.number,
                              priority=record.priority, attempts=attempts, earliest=earliest,
                              abandoned_at=entry.abandoned_at or record.abandoned_at))
    return tuple(out)


class RestoreSteps:
    """What a runner does with its book at a restart."""

    name: str
    core: Dialer
    seats: st.Seats
    ledger: AbandonLedger
    board: BoardInputs
    _campaign: Campaign
    _clock: Callable[[], float]
    _publish: Callable[[dict[str, Any]], None]
    _sender: OrderedSender
    #: dials placed before the restart, not yet settled, by dial id
    _doubt: dict[str, DialLog]
    _doubt_legs: dict[str, str]  #: their callee's leg -> dial id
    _doubt_answered: set[str]  #: those found answered: settled when their leg ends
    _doubt_outcome: dict[str, Outcome]  #: how those will be settled, when known
    _was: str  #: the campaign's state before the restart
    _resync_seen: bool  #: the reconnect's view came: dials in doubt may time out
    _legs: dict[str, Any]
    #: an agent's line opened (True) or closed: the ACD pauses them ``outbound`` meanwhile
    on_seat: Callable[[str, bool], None]

    if TYPE_CHECKING:  # provided by CampaignRunner, which mixes this in
        def _play_message(self, leg: str, message: str) -> bool:
            ...
        def _feed(self, event: de_.DialerEvent) -> None:
            ...
        def _seat_commands(self, commands: list[st.SeatCommand]) -> None:
            ...
        def _note(self, kind: str, **data: Any) -> None:
            ...

    def _init_restore(self) -> None:
        """Nothing in doubt until a book is restored."""
        self._doubt, self._doubt_legs = {}, {}
        self._doubt_answered, self._doubt_outcome = set(), {}
        self._was, self._resync_seen = "idle", True

    def restore(self, log: CampaignLog) -> None:
        """Take up the book's state (before the driver connects: the resync then finds
        the lines and calls it expects, or says they are gone)."""
        for at, abandoned in log.answers:
            (self.ledger.abandoned if abandoned else self.ledger.connected)(at)
            self.board.today.add(at, abandoned=abandoned)
        self.board.reached.update(r for r, entry in log.records.items() if entry.reached)
        self._doubt = dict(log.in_doubt)
        self._doubt_legs = {dial.leg: dial.dial_id for dial in self._doubt.values()}
        self._was = log.state
        self._resync_seen = not self._doubt  # nothing in doubt: nothing to wait for
        now = self._clock()
        for seat in log.seats.values():
            talking = next((d for d in self._doubt.values() if d.agent == seat.agent), None)
            human = (talking.dial_id, talking.leg) if talking is not None else None
            adopted = self.seats.adopt(
                agent=seat.agent, endpoint=seat.endpoint, leg=seat.leg, opened=seat.opened,
                human=human, now=now)
            self._seat_commands(adopted)
            if adopted:  # on the line again: the ACD's restore made them available
                self.on_seat(seat.agent, True)

    def resume_after_restart(self) -> None:
        """Run again if the campaign was running (the phones can ring now). One paused or
        stopped stays idle: the core would pace between a start and the pause."""
        if self._was == "running":
            self._feed(de_.AbandonBudgetSet(budget=float(self.ledger.budget(self._clock()))))
            self._feed(de_.CampaignStarted())

    def resynced(self, present: Collection[str],
                 mine: Callable[[str], bool] = lambda _leg: True) -> None:
        """The reconnect's view: which dials in doubt are still up in the app; and a dial
        of this run whose answer was missed while the app was away from Asterisk (up in
        the app, never said answered) is taken for a person now. ``mine``: the legs the
        reconnecting driver carries; another engine's dials are not its news."""
        self._resync_seen = True
        for leg in list(self._legs.values()):
            if leg.answered is None and leg.leg in present and mine(leg.leg):
                leg.answered = self._clock()
                self._feed(de_.HumanAnswered(dial_id=leg.dial_id))
        for dial in list(self._doubt.values()):
            if not mine(dial.leg):
                continue
            if dial.leg in present:
                self._found_up(dial)
            elif dial.agent is not None:
                self._settle_doubt(dial.dial_id, Outcome.HUMAN)
            elif dial.human is not None:  # answered, and gone while the app was away
                self._settle_doubt(dial.dial_id,
                                   Outcome.ABANDONED if dial.human else Outcome.MACHINE)

    def _found_up(self, dial: DialLog) -> None:
        """A dial in doubt still up: talking with its agent (settled at its end), a
        machine (hung up on), or a person nobody here can take (the abandon message)."""
        if dial.agent is not None:
            self._doubt_answered.add(dial.dial_id)
        elif dial.human is False:
            self.doubt_answered(dial.dial_id, human=False)
        else:
            self._abandon_in_doubt(dial)

    def _ringing_in_doubt(self) -> list[DialLog]:
        """Dials in doubt that may still ring: none before the reconnect's view, and
        never one bridged to an agent (its talk is settled by its leg)."""
        if not self._resync_seen:
            return []
        return [d for d in self._doubt.values()
                if d.dial_id not in self._doubt_answered and d.agent is None]

    def doubt_deadline(self) -> float | None:
        ringing = [d.placed + self._campaign.ring_timeout + DIAL_GRACE
                   for d in self._ringing_in_doubt()]
        return min(ringing, default=None)

    def doubt_timers(self, now: float) -> None:
        for dial in self._ringing_in_doubt():
            if dial.placed + self._campaign.ring_timeout + DIAL_GRACE <= now:
                self._settle_doubt(dial.dial_id, Outcome.FAILED)

    # -- the news of dials in doubt ---------------------------------------------------------

    def doubt_answered(self, dial_id: str, human: bool) -> bool:
        dial = self._doubt.get(dial_id)
        if dial is None:
            return False
        if human:  # a person nobody here can take: told so at once (the 2-second rule)
            self._abandon_in_doubt(dial)
        else:
            self._doubt_answered.add(dial_id)
            self._doubt_outcome[dial_id] = Outcome.MACHINE
            self._sender.put(dc.HangupCall(call_id=dial.leg))
        return True

    def doubt_leg_ended(self, leg: str) -> bool:
        dial_id = self._doubt_legs.get(leg)
        if dial_id is None:
            return False
        if not dial_id:  # a stray callee's leg: nothing else to settle
            del self._doubt_legs[leg]
            return True
        if dial_id in self._doubt_answered:
            dial = self._doubt[dial_id]
            talked = Outcome.HUMAN if dial.agent is not None else Outcome.ABANDONED
            self._settle_doubt(dial_id, self._doubt_outcome.pop(dial_id, talked))
        return True  # a ringing dial's channel: its outcome comes with its news

    def doubt_unanswered(self, dial_or_leg: str, reason: str) -> bool:
        dial_id = self._doubt_legs.get(dial_or_leg, dial_or_leg)
        dial = self._doubt.get(dial_id)
        if dial is None or dial_id in self._doubt_answered or dial.agent is not None:
            return dial is not None  # an answered call ends with its leg, not a hang-up
        outcome = {"busy": Outcome.BUSY, "no_answer": Outcome.NO_ANSWER}.get(
            reason, Outcome.FAILED)
        self._settle_doubt(dial_id, outcome)
        return True

    def stray_answered(self, leg: str, human: bool) -> None:
        """A callee of this campaign that nobody here knows answered (its dial given up,
        an originate sent again after AMI came back): a person hears the abandon message
        and counts as abandoned; a machine is hung up on."""
        if self._play_message(leg, self._campaign.abandon_message if human else ""):
            self._doubt_legs.setdefault(leg, "")  # its playback's end hangs it up
        if human:
            now = self._clock()
            self.ledger.abandoned(now)
            self.board.today.add(now, abandoned=True)

    def _abandon_in_doubt(self, dial: DialLog) -> None:
        self._doubt_answered.add(dial.dial_id)
        self._play_message(dial.leg, self._campaign.abandon_message)

    def _settle_doubt(self, dial_id: str, outcome: Outcome) -> None:
        """A dial from before the restart is over: on its record, the book, the ledger;
        its record goes back in the list with the attempt counted."""
        dial = self._doubt.pop(dial_id)
        self._doubt_legs.pop(dial.leg, None)
        self._doubt_answered.discard(dial_id)
        now = self._clock()
        due = retry_due(self._campaign, outcome, dial.attempt, now) \
            if outcome is not Outcome.HUMAN else None
        self._note("settled", dial=dial_id, record=dial.record_id, attempts=dial.attempt,
                   next_due=due, outcome=outcome.value, at=now)
        if outcome in (Outcome.HUMAN, Outcome.ABANDONED):
            (self.ledger.connected if outcome is Outcome.HUMAN else self.ledger.abandoned)(now)
            self.board.today.add(now, abandoned=outcome is Outcome.ABANDONED)
        if outcome is Outcome.HUMAN:
            self.board.reached.add(dial.record_id)
        agent = {"agent": dial.agent} if dial.agent else {}
        self._publish({"type": "call.ended", "call_id": dial_id, "time": now,
                       "cause": outcome.value, "outcome": outcome.value,
                       "duration": round(now - dial.placed, 3), **agent})
        record = de_.Record(
            record_id=dial.record_id, number=dial.number,
            attempts=dial.attempt if due is not None else most_attempts(self._campaign),
            earliest=due or 0.0,
            abandoned_at=now if outcome is Outcome.ABANDONED else None)
        self._feed(de_.RecordsLoaded(records=(record,)))
