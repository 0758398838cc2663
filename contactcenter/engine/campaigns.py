"""The asyncio side of one outbound campaign: the dialer core and its agents' seats.

``contactcenter.dialer`` decides whom to dial, when, and what becomes of each
answer (``core.py``, the pacing in ``pacing.py``); ``dialer.seats`` keeps the
agents' open lines. This module only translates: the campaign manager's and
the agents' moves and the driver's news of the dials become the cores'
events; their commands become driver commands (``PlaceDial``, the seat's
bridge), questions to the call gate (source ``dialer``), and the journal's
records: every dial placed is a call record of its own (``call.dialed`` with
the campaign, the record and the attempt, ``call.answered`` when a human is
bridged to an agent, ``call.ended`` with the outcome) that the CRM outbox
takes to the callee's timeline. The law's rolling abandoned-call windows are
kept here (``AbandonLedger``) and handed to the core as its budget.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from contactcenter.dialer import commands as dc_
from contactcenter.dialer import events as de_
from contactcenter.dialer import seats as st
from contactcenter.dialer.abandons import AbandonLedger
from contactcenter.dialer.compliance import CallingWindow
from contactcenter.dialer.core import Dialer
from contactcenter.dialer.states import ABANDON_WITHIN, Campaign, RecordState
from contactcenter.engine.campaign_board import BoardInputs, board, pace_reason
from contactcenter.engine.campaign_book import CampaignBook, CampaignLog
from contactcenter.engine.campaign_dials import DialLeg, DialSteps
from contactcenter.engine.campaign_restore import RestoreSteps, callbacks_owed, overlay
from contactcenter.engine.campaign_seats import SeatSteps
from contactcenter.engine.deadlines import run_deadlines
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.engine.sender import OrderedSender
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

log = logging.getLogger(__name__)

Send = Callable[[dc.DriverCommand], Awaitable[None]]
#: seconds a dial's bare "failed" waits for the channel's hang-up cause
CAUSE_WAIT = 1.0
#: the campaign's moves, kept on its book
_MOVES = frozenset({"dialer.running", "dialer.paused", "dialer.stopped"})
#: the board is published at most this often (seconds)
BOARD_EVERY = 1.0
#: the law's budget is handed to the core again at least this often (windows roll)
BUDGET_EVERY = 60.0

Publish = Callable[[dict[str, Any]], None]


class CampaignRunner(SeatSteps, DialSteps, RestoreSteps):
    """One campaign on the telephony driver; the engine hands it the news of its legs."""

    def __init__(self, campaign: Campaign, *, send: Send, publish: Publish,
                 gate: Gatekeeper | None, clock: Callable[[], float] = time.time,
                 abandon_target: float = 0.03, wrap_up: float = 10.0,
                 detect_machine: bool = True, queue: str | None = None,
                 book: CampaignBook | None = None, consent_required: bool = False,
                 script: str | None = None,
                 codes: tuple[dict[str, Any], ...] = ()) -> None:
        self.name = campaign.name
        #: the number its dials show, which says the engine they go out on
        self.caller_id = campaign.caller_id or ""
        self.script = script
        self.codes = codes  #: the campaign's own disposition codes (none: the queue's)
        self.consent_required = consent_required
        hours = campaign.calling_hours
        #: the campaign's own calling hours, for the call gate (None: the platform's)
        self.window = CallingWindow(start=hours[0], end=hours[1]) if hours else None
        self.book = book
        log = book.log(campaign.name) if book is not None else CampaignLog()
        self.core = Dialer(campaign, dials_before=log.dials)
        self.seats = st.Seats(wrap_up=wrap_up)
        self.ledger = AbandonLedger(target=abandon_target)
        self.queue = queue
        self.detect_machine = detect_machine
        self._campaign = campaign
        self._publish = publish
        self._gate = gate
        self._clock = clock
        self._sender = OrderedSender(send, name=f"campaign {campaign.name}",
                                     on_failure=self._failed)
        self._wake = asyncio.Event()
        self._legs: dict[str, DialLeg] = {}  #: by dial id
        self._by_leg: dict[str, str] = {}  #: callee's leg -> dial id
        self._ids = itertools.count(1)
        self._run_mark = f"{int(clock() * 1000) % 36**6:x}"
        self.board = BoardInputs(core=self.core, seats=self.seats, ledger=self.ledger)
        self._board_due: asyncio.TimerHandle | None = None
        self._init_restore()  # (``campaign_restore.py``)
        #: each dial's record and number, for the agents' codes that come after its end
        self._dial_records: dict[str, tuple[str, str]] = {}
        #: whether the telephony can place a dial now (``Campaigns``: its engine is up)
        self.can_dial: Callable[[], bool] = lambda: True
        #: told when an agent's open line opens (True) or closes (False): the ACD's part
        self.on_seat: Callable[[str, bool], None] = lambda agent, open_: None
        self._timers: set[asyncio.TimerHandle] = set()
        self._closed = False
        self._budget_at = -math.inf

    # -- the campaign manager, the agents ----------------------------------------------------

    def start(self) -> None:
        self._feed(de_.AbandonBudgetSet(budget=self._budget()))
        self._feed(de_.CampaignStarted())

    def pause(self) -> None:
        self._feed(de_.CampaignPaused())

    def resume(self) -> None:
        self._feed(de_.AbandonBudgetSet(budget=self._budget()))
        self._feed(de_.CampaignResumed())

    def stop(self) -> None:
        self._feed(de_.CampaignStopped())

    def load(self, records: tuple[de_.Record, ...], *, whole: bool = False) -> None:
        """The list, with what the campaign's book says of each record (and the callbacks
        agreed before a restart, reserved to their agents again). ``whole``: the list
        replaces the one before (records it lacks are no longer dialed)."""
        if self.book is None:
            self._feed(de_.RecordsLoaded(records=records, whole=whole))
            return
        log = self.book.log(self.name)
        records = overlay(records, log, self._campaign)
        self._feed(de_.RecordsLoaded(records=records, whole=whole))
        for callback in callbacks_owed(records, log):
            entry = self.core.record(callback.record_id)
            if entry is None or entry.state is not RecordState.DIALING:  # else being dialed
                self._feed(callback)

    def preview_dialed(self, dial_id: str) -> None:
        """The previewing agent dials the record shown (``dialer.preview``)."""
        self._feed(de_.PreviewDialed(dial_id=dial_id))

    def preview_skipped(self, dial_id: str) -> None:
        self._feed(de_.PreviewSkipped(dial_id=dial_id))

    def snapshot(self) -> dict[str, Any]:
        """The campaign's board now (``campaign_board.py``)."""
        return {"campaign": self.name, **board(self.board, self._clock())}

    # -- the driver's news, from the engine -------------------------------------------------

    def channels(self) -> set[str]:
        """The legs Asterisk should have now: seats, and answered callees."""
        answered = {leg.leg for leg in self._legs.values() if leg.answered is not None}
        return self.seats.legs() | answered | set(self._doubt_legs)

    def dials(self) -> set[str]:
        """The dials placed and not yet over (each a call record still open)."""
        return set(self._legs) | set(self._doubt)

    def dial_answered(self, event: de.DialAnswered) -> bool:
        leg = self._legs.get(event.call_id)
        if leg is None:
            return self.doubt_answered(event.call_id, event.human)
        leg.answered = self._clock()
        self._note("detected", dial=event.call_id, human=event.human)  # kept for a restart
        self._publish_call("dialer.detected", leg, campaign=self.name,
                           detection=event.detection, human=event.human)
        kind = de_.HumanAnswered if event.human else de_.MachineAnswered
        self._feed(kind(dial_id=event.call_id))
        return True

    def dial_unanswered(self, event: de.DialUnanswered) -> bool:
        """Why a dial ended unanswered: from AMI's answer to the originate (by dial), or
        the channel's hang-up cause (by leg), whichever comes first; a bare "failed" from
        the originate waits a moment for the cause, which says more (busy, no answer)."""
        dial_id = event.call_id if event.call_id in self._legs else self._by_leg.get(
            event.call_id)
        leg = self._legs.get(dial_id) if dial_id is not None else None
        if dial_id is None or leg is None:
            return self.doubt_unanswered(event.call_id, event.reason)
        if leg.answered is not None:
            return True  # an answered call's end is the leg's own (``leg_ended``)
        if event.reason == "failed" and event.call_id == dial_id:
            self.later(CAUSE_WAIT, self._unanswered, dial_id, event.reason, event.cause)
            return True
        self._unanswered(dial_id, event.reason, event.cause)
        return True

    def _unanswered(self, dial_id: str, reason: str, cause: str) -> None:
        if dial_id not in self._legs:
            return  # ended meanwhile
        if reason == "busy":
            self._feed(de_.DialBusy(dial_id=dial_id))
        elif reason == "no_answer":
            self._feed(de_.DialNoAnswer(dial_id=dial_id))
        else:
            self._feed(de_.DialFailed(dial_id=dial_id, cause=cause))

    def leg_ended(self, leg_id: str, cause: str) -> bool:
        """A seat's or a callee's leg ended; False when it is none of ours."""
        dial_id = self._by_leg.get(leg_id)
        seated = leg_id in self.seats.legs()
        if seated:
            self._seat(st.LegGone(leg=leg_id))
        if self.doubt_leg_ended(leg_id):
            return True
        if dial_id is None and not seated:
            return False
        if dial_id is not None and dial_id in self._legs:
            self._feed(de_.CallEnded(dial_id=dial_id))
        return True

    def playback_ended(self, leg_id: str) -> bool:
        """A message played to a callee: hang up."""
        if self._by_leg.get(leg_id) is None and leg_id not in self._doubt_legs:
            return False
        self._sender.put(dc.HangupCall(call_id=leg_id))
        return True

    # -- running -------------------------------------------------------------------------

    async def run(self) -> None:
        """Send the commands in order and fire the cores' timers, until cancelled."""
        try:
            await asyncio.gather(
                self._sender.run(),
                run_deadlines(self._next_deadline, self.tick, self._wake, self._clock,
                              name=f"campaign {self.name}"))
        finally:
            if self._board_due is not None:
                self._board_due.cancel()
            for handle in self._timers:
                handle.cancel()
            self._closed = True

    def later(self, delay: float, callback: Callable[..., None], *args: Any) -> None:
        """``callback(*args)`` after ``delay`` seconds, unless the runner stops first."""
        loop = asyncio.get_running_loop()

        def fire() -> None:
            self._timers.discard(handle)
            callback(*args)

        handle = loop.call_later(delay, fire)
        self._timers.add(handle)

    def tick(self) -> None:
        now = self._clock()
        self._seat_commands(self.seats.handle_timer(now))
        self.doubt_timers(now)
        if now >= self._budget_at + BUDGET_EVERY:
            self._refresh_budget()
        self._carry_out(self.core.handle_timer(now))

    def _next_deadline(self) -> float | None:
        refresh = self._budget_at + BUDGET_EVERY if self.core.state.value == "running" \
            else None
        times = [t for t in (self.core.next_deadline(), self.seats.next_deadline(),
                             self.doubt_deadline(), refresh) if t is not None]
        return min(times, default=None)

    def _budget(self) -> float:
        """How many more people the law lets the campaign abandon now, counting every
        window that ends before a dial placed now is settled (its ring and the 2 s)."""
        self._budget_at = self._clock()
        horizon = self._campaign.ring_timeout + ABANDON_WITHIN
        budget = self.ledger.budget(self._budget_at, horizon=horizon)
        return math.inf if self.ledger.target >= 1 else float(budget)

    def _refresh_budget(self) -> None:
        self._feed(de_.AbandonBudgetSet(budget=self._budget()))

    # -- the cores ------------------------------------------------------------------------

    def _feed(self, event: de_.DialerEvent) -> None:
        self._carry_out(self.core.handle(event, self._clock()))
        self._changed()

    def _seat(self, event: st.SeatEvent) -> None:
        self._seat_commands(self.seats.handle(event, self._clock()))
        self._changed()

    def _changed(self) -> None:
        """The cores moved: their timers may have, and the board is published soon."""
        self._wake.set()
        if self._board_due is None and not self._closed:
            self._board_due = asyncio.get_running_loop().call_later(
                BOARD_EVERY, self._publish_board)

    def _note(self, kind: str, **data: Any) -> None:
        """On the campaigns' book, before anything is asked of the driver."""
        if self.book is not None:
            self.book.write(self.name, kind, **data)

    def _publish_board(self) -> None:
        self._board_due = None
        self._publish({"type": "dialer.board", "time": self._clock(), **self.snapshot()})

    def _carry_out(self, commands: list[dc_.DialerCommand]) -> None:
        for command in commands:
            try:
                self._command(command)
            except Exception:  # one bad command must not stop the others
                log.exception("campaign %s: command %r failed", self.name, command)

    def _command(self, command: dc_.DialerCommand) -> None:
        match command:
            case dc_.CheckDial():
                self._check(command)
            case dc_.Dial():
                self._dial(command)
            case dc_.ConnectCall(dial_id=dial_id, agent=agent):
                self._connect(dial_id, agent)
            case dc_.PlayAbandonMessage(dial_id=dial_id, message=message) | \
                    dc_.LeaveMachineMessage(dial_id=dial_id, message=message):
                self._play_then_hang_up(dial_id, message)
            case dc_.DropCall(dial_id=dial_id):
                self._drop(dial_id)
            case dc_.RecordOutcome():
                self._outcome(command)
            case dc_.Report(type=kind, data=data):
                if kind in _MOVES:
                    self._note("state", state=kind.removeprefix("dialer."))
                if kind == "dialer.abandoned":
                    self._settled_answer(abandoned=True)
                if kind == "dialer.pace":
                    data = {**data, "because": pace_reason(dict(data))}
                self._publish({"type": kind, "time": self._clock(), "campaign": self.name,
                               **dict(data)})
            case dc_.Refuse(action=action, reason=reason):
                log.warning("campaign %s: %s refused: %s", self.name, action, reason)
            case dc_.OfferPreview():
                self._publish({"type": "dialer.preview", "time": self._clock(),
                               "campaign": self.name, "dial_id": command.dial_id,
                               "agent": command.agent, "record_id": command.record_id,
                               "number": command.number, "attempt": command.attempt,
                               "deadline": command.deadline,
                               "reserved": command.reserved or None})

    def _failed(self, command: dc.DriverCommand) -> None:
        """A command the driver refused: a dial not placed failed; a seat not rung is gone."""
        if isinstance(command, dc.PlaceDial):
            self._feed(de_.DialFailed(dial_id=command.call_id, cause="not placed"))
        elif isinstance(command, dc.RingAgent):
            self.leg_ended(command.leg_id, "unreachable")
        elif isinstance(command, dc.AddToBridge) and command.call_id in self._legs:
            self._feed(de_.HumanAbandoned(dial_id=command.call_id))
        elif isinstance(command, dc.PlayMedia):  # no message: the line is hung up now
            self._sender.put(dc.HangupCall(call_id=command.call_id))
