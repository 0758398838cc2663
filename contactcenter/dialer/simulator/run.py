"""One simulated day: the dialer core driven through its documented events and commands.

A discrete-event loop in virtual seconds (a heap of times; no asyncio, no wall clock)
plays the engine's part as ``docs/dialer.md`` describes it: it hands the core every
event with the time, carries out its commands in order and answers those that ask,
and calls ``handle_timer`` when ``next_deadline`` has come. The world (``world.py``)
decides what each dial meets. The law's part: an ``AbandonLedger`` at the campaign's
target is fed each live answer the engine can see (the core's connects and abandons)
and its budget goes to the core with ``AbandonBudgetSet`` when it moves. When it is
fed is the ``ledger`` setting: ``settled`` (the default) as docs/dialer.md says and as
the engine's campaign runner does (``engine/campaign_dials.py``): at the moment the
answer is settled (connected, or abandoned), with the horizon of a dial placed now
(ring timeout + 2 s); ``outcome`` as the runner did before: at each dial's
``RecordOutcome``, i.e. when the call ends (kept to compare). The truth the engine
cannot know (a person the machine detection hung up on) is counted in the day's figures
(``metrics.py``), never in the budget. Nothing here reads the core's insides.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from contactcenter.dialer import commands as dc
from contactcenter.dialer import events as de
from contactcenter.dialer.abandons import AbandonLedger
from contactcenter.dialer.core import Dialer
from contactcenter.dialer.pacing import Pacer
from contactcenter.dialer.simulator.metrics import Meter, Result
from contactcenter.dialer.simulator.world import (
    BUSY,
    FAILED,
    HUMAN,
    NO_ANSWER,
    World,
)
from contactcenter.dialer.states import ABANDON_WITHIN, MIN_RING, Campaign

#: seconds the network takes to report ringing
RING_AFTER = 0.5
#: seconds the abandon message plays before the hang-up (caller's name and a number)
ABANDON_MESSAGE = 6.0
#: seconds a dropped machine's hang-up takes; a message left on one takes longer
DROP_AFTER = 0.5
MACHINE_MESSAGE = 20.0
#: the core's standard ``dialer.pace`` fields; the rest are the pacer's own figures
#: when the law's ledger is fed: as answers are settled (docs), or at each dial's end
LEDGER_FEEDS = ("settled", "outcome")
_PACE_FIELDS = frozenset({"dialed", "asked", "strategy", "free_agents", "talking", "wrap_up",
                          "under_way", "lines_free", "records_due", "abandon_budget"})


Watch = Callable[[float, dc.DialerCommand], None]


class SimulationError(Exception):
    """The core asked something no engine could do (a refused start, a timer stuck)."""


@dataclass(slots=True)
class _Dial:
    """What the world knows of one dial: whose record, and who really answered."""

    index: int
    truth: int  #: HUMAN, MACHINE, ... (world codes)
    live: bool = True  #: the world has not ended this call yet
    agent: str | None = None
    talk_from: float | None = None


class Day:
    """One campaign day in virtual time; ``run()`` returns its ``Result``."""

    def __init__(self, world: World, campaign: Campaign, pacer: Pacer, *, mode: str,
                 target: Fraction | float = Fraction(3, 100), watch: Watch | None = None,
                 ledger: str = "settled") -> None:
        """``watch(now, command)`` sees every command the core gives, in order (to trace
        or test a day without reaching into the core)."""
        if ledger not in LEDGER_FEEDS:
            raise ValueError(f"ledger: one of {', '.join(LEDGER_FEEDS)}, not {ledger!r}")
        self.watch = watch
        self.feed_at = ledger
        self.horizon = max(campaign.ring_timeout, MIN_RING) + ABANDON_WITHIN \
            if ledger == "settled" else 0.0
        self.world, self.cell, self.mode = world, world.cell, mode
        self.campaign = campaign
        self.dialer = Dialer(campaign, pacer=pacer)
        self.law = AbandonLedger(target=target)
        self.meter = Meter(self.cell.shift)
        self.now = 0.0
        self.events = 0
        self._heap: list[tuple[float, int, Any]] = []
        self._seq = itertools.count()
        self._soon: deque[Any] = deque()  # events due at ``now``, in order
        self._dials: dict[str, _Dial] = {}
        self._budget = -1.0
        self._loaded = 0  # records handed to the core so far (indices 0 .. loaded-1)
        self._fresh = 0  # first attempts dialed
        self._timer_at = -1.0  # the last timer fired: the same deadline again is stuck
        self._on: dict[type, Callable[[Any], None]] = {
            dc.CheckDial: self._check, dc.Dial: self._dial, dc.ConnectCall: self._connect,
            dc.PlayAbandonMessage: self._abandon, dc.LeaveMachineMessage: self._message,
            dc.DropCall: self._drop, dc.RecordOutcome: self._outcome,
            dc.OfferPreview: self._preview, dc.Report: self._report, dc.Refuse: self._refused,
        }

    # -- the loop ----------------------------------------------------------------------------

    def run(self) -> Result:
        """The day from the start to the last call's end after the shift."""
        self._load()
        self._soon.append(self._budget_event())
        self._soon.extend(de.AgentReady(agent=f"a{n}") for n in range(self.cell.agents))
        self._soon.append(de.CampaignStarted())
        self._at(self.cell.shift, de.CampaignStopped())
        while self._step():
            pass
        return self.meter.result(mode=self.mode, seed=self.world.seed, agents=self.cell.agents,
                                 end=self.now, events=self.events, ignored=self.dialer.ignored)

    def _step(self) -> bool:
        """One event or timer; False when nothing is left to happen."""
        if self._soon:
            self._feed(self._soon.popleft())
            return True
        deadline = self.dialer.next_deadline()
        due = self._heap[0][0] if self._heap else None
        if deadline is not None and (due is None or deadline <= due):
            if deadline == self._timer_at:  # fired already, and nothing moved it
                raise SimulationError(f"a deadline at {deadline} is stuck at {self.now}")
            self._timer_at = deadline
            self.now = max(self.now, deadline)
            self.events += 1
            self._carry_out(self.dialer.handle_timer(self.now))
            return True
        if due is None:
            return False
        self.now, _, item = heapq.heappop(self._heap)
        if callable(item):
            item()
        else:
            self._feed(item)
        return True

    def _at(self, when: float, item: Any) -> None:
        heapq.heappush(self._heap, (when, next(self._seq), item))

    def _feed(self, event: Any) -> None:
        self.events += 1
        self._carry_out(self.dialer.handle(event, self.now))

    def _carry_out(self, commands: list[dc.DialerCommand]) -> None:
        for command in commands:
            if self.watch is not None:
                self.watch(self.now, command)
            self._on[type(command)](command)

    # -- the law's budget --------------------------------------------------------------------

    def _budget_event(self) -> de.AbandonBudgetSet:
        self._budget = float(self.law.budget(self.now, horizon=self.horizon))
        return de.AbandonBudgetSet(budget=self._budget)

    def _settled(self, *, truth: int, connected: bool, seen: bool = True) -> None:
        """A live answer settled: into the day's figures if a person truly answered; into
        the law's ledger as the engine saw it (the core's connect or abandon), when the
        ledger is fed at this moment."""
        if truth == HUMAN:
            if connected:
                self.meter.connected(self.now)
            else:
                self.meter.lost(self.now)
        if seen and self.feed_at == "settled":
            self._law(connected=connected)

    def _law(self, *, connected: bool) -> None:
        if connected:
            self.law.connected(self.now)
        else:
            self.law.abandoned(self.now)
        budget = float(self.law.budget(self.now, horizon=self.horizon))
        if budget != self._budget:
            self._budget = budget
            self._soon.append(de.AbandonBudgetSet(budget=budget))

    # -- records -----------------------------------------------------------------------------

    def _load(self) -> None:
        """Hand the core the next batch of the list, kept well ahead of the dialing so
        that the records never run out (every mode meets the list in its order)."""
        batch = max(512, 8 * self.campaign.max_lines)
        start, self._loaded = self._loaded, self._loaded + batch
        records = tuple(de.Record(record_id=f"r{i}", number=f"+1555{i:07d}")
                        for i in range(start, self._loaded))
        self._soon.append(de.RecordsLoaded(records=records))

    # -- the commands ------------------------------------------------------------------------

    def _check(self, command: dc.CheckDial) -> None:
        self._soon.append(de.DialChecked(dial_id=command.dial_id, cleared=True))

    def _preview(self, command: dc.OfferPreview) -> None:
        self._soon.append(de.PreviewDialed(dial_id=command.dial_id))

    def _dial(self, command: dc.Dial) -> None:
        """The network takes it, it rings, and the record's drawn fate follows."""
        index = int(command.record_id[1:])
        if command.attempt == 1:
            self._fresh += 1
            if self._loaded - self._fresh < 4 * self.campaign.max_lines:
                self._load()
        truth, delay, quick, *_ = self.world.record(index)
        dial_id = command.dial_id
        self._dials[dial_id] = _Dial(index, truth)
        self._soon.append(de.DialPlaced(dial_id=dial_id))
        ring = command.ring_timeout
        if truth == FAILED:
            self._at(self.now + quick, lambda: self._unanswered(dial_id, de.DialFailed))
            return
        self._at(self.now + RING_AFTER, de.DialRinging(dial_id=dial_id))
        if truth == BUSY:
            self._at(self.now + quick, lambda: self._unanswered(dial_id, de.DialBusy))
        elif truth == NO_ANSWER or delay >= ring:
            self._at(self.now + ring, lambda: self._unanswered(dial_id, de.DialNoAnswer))
        else:
            self._at(self.now + delay, lambda: self._answered(dial_id))

    def _unanswered(self, dial_id: str, kind: Callable[..., Any]) -> None:
        if dial_id in self._dials:
            del self._dials[dial_id]
            self._feed(kind(dial_id=dial_id))

    def _answered(self, dial_id: str) -> None:
        """What the machine detection says: the truth, but for its error shares."""
        dial = self._dials.get(dial_id)
        if dial is None:
            return
        amd = self.world.record(dial.index)[5]
        if dial.truth == HUMAN:
            says_human = amd >= self.cell.amd_false_machine
            if not says_human:  # a person hung up on as a machine: abandoned (Ofcom 2016)
                self._settled(truth=HUMAN, connected=False, seen=False)
        else:
            says_human = amd < self.cell.amd_false_human
        event = de.HumanAnswered if says_human else de.MachineAnswered
        self._feed(event(dial_id=dial_id))

    def _connect(self, command: dc.ConnectCall) -> None:
        """The bridge is made at once; the talk lasts the record's drawn time."""
        dial = self._dials[command.dial_id]
        dial.agent, dial.talk_from = command.agent, self.now
        self._soon.append(de.HumanConnected(dial_id=command.dial_id, agent=command.agent))
        self._settled(truth=dial.truth, connected=True)
        talk = self.world.record(dial.index)[3] if dial.truth == HUMAN else self.cell.machine_talk
        self._at(self.now + talk, lambda: self._talk_ended(command.dial_id))

    def _talk_ended(self, dial_id: str) -> None:
        """The call ends; the agent wraps up for the record's drawn time, then is ready."""
        dial = self._dials.pop(dial_id)
        assert dial.agent is not None and dial.talk_from is not None
        if dial.truth == HUMAN:
            self.meter.talked(dial.talk_from, self.now)
        agent = dial.agent
        self._feed(de.CallEnded(dial_id=dial_id))
        self._soon.append(de.AgentWrappingUp(agent=agent))
        wrap = self.world.record(dial.index)[4]
        self._at(self.now + wrap, de.AgentReady(agent=agent))

    def _abandon(self, command: dc.PlayAbandonMessage) -> None:
        dial = self._dials.get(command.dial_id)
        if dial is None:
            return
        self._settled(truth=dial.truth, connected=False)
        self._hang_up(command.dial_id, ABANDON_MESSAGE)

    def _message(self, command: dc.LeaveMachineMessage) -> None:
        self._hang_up(command.dial_id, MACHINE_MESSAGE)

    def _drop(self, command: dc.DropCall) -> None:
        self._hang_up(command.dial_id, DROP_AFTER)

    def _hang_up(self, dial_id: str, after: float) -> None:
        dial = self._dials.get(dial_id)
        if dial is None or not dial.live:
            return  # already over (a dial given up by the core as no answer)
        dial.live = False

        def ended() -> None:
            self._dials.pop(dial_id, None)
            self._feed(de.CallEnded(dial_id=dial_id))
        self._at(self.now + after, ended)

    def _outcome(self, command: dc.RecordOutcome) -> None:
        """The dial's end; into the law's ledger here when fed as the engine does."""
        self.meter.outcome(command.outcome)
        if self.feed_at == "outcome" and command.outcome in ("human", "abandoned"):
            self._law(connected=command.outcome == "human")

    def _report(self, command: dc.Report) -> None:
        if command.type == "dialer.pace":
            self.meter.pace({k: v for k, v in command.data.items() if k not in _PACE_FIELDS})

    def _refused(self, command: dc.Refuse) -> None:
        raise SimulationError(f"the core refused to {command.action}: {command.reason}")
