"""The dialer core on its own, on a fake clock: a campaign without caller ID refused, each
dial asked of the call gate before it rings, progressive, power and preview pacing, a
human connected or abandoned at once, machines, busy and no answer with their retry
rules, the 72-hour rest of an abandoned number, records by priority then due time, the
lines, pause and stop; and, across random outcome streams (hypothesis), that the lines,
the records' attempts and the gate are never overstepped, that a record is never dialed
twice at once, that every dial ends exactly once, and that progressive pacing with true
machine detection never abandons anyone."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.dialer import commands as dc
from contactcenter.dialer import events as de
from contactcenter.dialer.core import Dialer, DialerUsageError
from contactcenter.dialer.pacing import (
    PACERS,
    Observation,
    Pace,
    Pacer,
    Situation,
    make_pacer,
)
from contactcenter.dialer.states import (
    ABANDON_REDIAL,
    MIN_RING,
    AgentState,
    Campaign,
    CampaignState,
    DialState,
    Outcome,
    RecordState,
    RetryRule,
)
from tests.cores import of, one

T0 = 1_000_000.0
CALLER_ID = "+15550000000"
CAMPAIGN = Campaign(name="spring", caller_id=CALLER_ID, max_lines=4, ring_timeout=20.0,
                    abandon_message="This was Example Co., call us on +15550000000",
                    machine_message="Please call us back")


def make(**settings: Any) -> Dialer:
    return Dialer(replace(CAMPAIGN, **settings))


def rec(record_id: str, *, priority: int = 0, attempts: int = 0, earliest: float = 0.0,
        abandoned_at: float | None = None) -> de.Record:
    return de.Record(record_id=record_id, number=f"+1555{abs(hash(record_id)) % 10**7:07d}",
                     priority=priority, attempts=attempts, earliest=earliest,
                     abandoned_at=abandoned_at)


def running(core: Dialer, agents: Sequence[str] = ("a1",), records: int = 5,
            now: float = T0) -> list[dc.DialerCommand]:
    """Records loaded, agents ready (the first the longest), the campaign started."""
    core.handle(de.RecordsLoaded(records=tuple(rec(f"r{i}") for i in range(records))), now)
    for i, agent in enumerate(agents):
        core.handle(de.AgentReady(agent=agent), now - len(agents) + i)
    return core.handle(de.CampaignStarted(), now)


def clear(core: Dialer, dial_id: str, now: float = T0) -> list[dc.DialerCommand]:
    return core.handle(de.DialChecked(dial_id=dial_id, cleared=True), now)


def placed(core: Dialer, now: float = T0) -> str:
    """Starts the campaign with one agent and clears its first dial: its id."""
    check = one(dc.CheckDial, running(core, now=now))
    one(dc.Dial, clear(core, check.dial_id, now))
    return check.dial_id


def reports(out: Sequence[object], kind: str) -> list[dict[str, object]]:
    return [dict(c.data) for c in of(dc.Report, out) if c.type == kind]


# -- the campaign ------------------------------------------------------------------------


def test_a_campaign_without_caller_id_refuses_to_start() -> None:
    core = make(caller_id=None)
    out = running(core, agents=("a1", "a2"))
    assert one(dc.Refuse, out) == dc.Refuse(action="start",
                                            reason="the campaign has no caller ID")
    assert reports(out, "dialer.refused")[0]["reason"] == "the campaign has no caller ID"
    assert core.state is CampaignState.IDLE and of(dc.CheckDial, out) == []


def test_nothing_is_dialed_before_the_start_nor_after_a_pause_or_stop() -> None:
    core = make()
    core.handle(de.RecordsLoaded(records=(rec("r1"), rec("r2"))), T0)
    assert of(dc.CheckDial, core.handle(de.AgentReady(agent="a1"), T0)) == []
    assert len(of(dc.CheckDial, core.handle(de.CampaignStarted(), T0))) == 1
    core.handle(de.CampaignPaused(), T0)
    assert of(dc.CheckDial, core.handle(de.AgentReady(agent="a2"), T0)) == []
    assert len(of(dc.CheckDial, core.handle(de.CampaignResumed(), T0))) == 1
    core.handle(de.CampaignStopped(), T0)
    assert one(dc.Refuse, core.handle(de.CampaignStarted(), T0)).action == "start"


def test_a_dial_cleared_after_a_pause_is_cancelled_and_its_record_kept() -> None:
    core = make()
    check = one(dc.CheckDial, running(core))
    core.handle(de.CampaignPaused(), T0)
    out = clear(core, check.dial_id)
    assert of(dc.Dial, out) == [] and one(dc.RecordOutcome, out).outcome == "cancelled"
    record = core.record(check.record_id)
    assert record is not None and record.state is RecordState.WAITING and record.attempts == 0


# -- the gate ----------------------------------------------------------------------------


def test_each_dial_is_asked_of_the_gate_and_placed_only_once_cleared() -> None:
    core = make(ring_timeout=5.0)
    check = one(dc.CheckDial, running(core))
    assert core.lines_busy == 1  # the line is held while the gate looks
    dial = one(dc.Dial, clear(core, check.dial_id))
    assert (dial.dial_id, dial.record_id, dial.number) == \
        (check.dial_id, check.record_id, check.number)
    assert dial.caller_id == CALLER_ID and dial.line == 0 and dial.attempt == 1
    assert dial.ring_timeout == MIN_RING  # never below 15 s, whatever the settings say


def test_a_refused_dial_rings_nobody_and_counts_no_attempt() -> None:
    core = make()
    check = one(dc.CheckDial, running(core, records=1))
    out = core.handle(de.DialChecked(dial_id=check.dial_id, cleared=False, rule="do_not_call",
                                     reason="on the list"), T0)
    assert of(dc.Dial, out) == []
    outcome = one(dc.RecordOutcome, out)
    assert (outcome.outcome, outcome.attempts, outcome.next_due) == ("refused", 0, None)
    assert core.lines_busy == 0


def test_a_dial_refused_until_the_window_opens_comes_back_then() -> None:
    core = make()
    check = one(dc.CheckDial, running(core, records=1))
    core.handle(de.DialChecked(dial_id=check.dial_id, cleared=False, rule="calling_hours",
                               reason="night", retry_at=T0 + 3600), T0)
    assert core.next_deadline() == T0 + 3600
    assert of(dc.CheckDial, core.handle_timer(T0 + 3599)) == []
    assert one(dc.CheckDial, core.handle_timer(T0 + 3600)).record_id == check.record_id


# -- pacing ------------------------------------------------------------------------------


def test_progressive_places_one_dial_per_free_agent() -> None:
    core = make(max_lines=10)
    out = running(core, agents=("a1", "a2", "a3"))
    assert len(of(dc.CheckDial, out)) == 3
    assert of(dc.CheckDial, core.handle(de.AgentReady(agent="a1"), T0)) == []  # (again)
    assert len(of(dc.CheckDial, core.handle(de.AgentReady(agent="a4"), T0))) == 1


def test_power_dials_its_ratio_within_the_lines_and_reports_its_inputs() -> None:
    core = make(strategy="power", power_ratio=3.0, max_lines=4)
    out = running(core, agents=("a1", "a2"), records=10)
    assert len(of(dc.CheckDial, out)) == 4  # 6 asked, 4 lines
    pace = one(dict, reports(out, "dialer.pace"))
    assert pace | {"dialed": 4, "asked": 6, "free_agents": 2, "under_way": 0, "lines_free": 4,
                   "strategy": "power", "ratio": 3.0, "abandon_budget": None} == pace


def test_the_abandon_budget_caps_dials_beyond_the_free_agents() -> None:
    core = Dialer(replace(CAMPAIGN, strategy="power", power_ratio=3.0, max_lines=10),
                  abandon_budget=1)
    assert len(of(dc.CheckDial, running(core, agents=("a1", "a2"), records=10))) == 3
    out = core.handle(de.AbandonBudgetSet(budget=math.inf), T0)
    assert len(of(dc.CheckDial, out)) == 3  # 6 now


def test_an_abandon_is_taken_off_the_budget_before_the_next_pacing() -> None:
    """Two agents, a budget of one: three dials. Both agents talking, a third person
    abandoned spends the budget at once; a free agent then brings one dial, not two."""
    core = Dialer(replace(CAMPAIGN, strategy="power", power_ratio=3.0, max_lines=10),
                  abandon_budget=1)
    checks = of(dc.CheckDial, running(core, agents=("a1", "a2"), records=10))
    assert len(checks) == 3
    for check in checks:
        clear(core, check.dial_id)
    for check in checks:
        core.handle(de.HumanAnswered(dial_id=check.dial_id), T0 + 5)
    assert core.tally.abandoned == 1
    talking = [c.dial_id for c in checks[:2]]
    core.handle(de.HumanConnected(dial_id=talking[0], agent="a1"), T0 + 5)
    core.handle(de.HumanConnected(dial_id=talking[1], agent="a2"), T0 + 5)
    core.handle(de.CallEnded(dial_id=talking[0]), T0 + 30)
    out = core.handle(de.AgentReady(agent="a1"), T0 + 40)
    assert len(of(dc.CheckDial, out)) == 1  # the free agent's; no budget left beyond


def test_records_go_by_priority_then_due_time() -> None:
    core = make(max_lines=10)
    core.handle(de.RecordsLoaded(records=(
        rec("late", priority=5, earliest=T0 - 10), rec("low", priority=1, earliest=T0 - 99),
        rec("early", priority=5, earliest=T0 - 50), rec("future", priority=9,
                                                           earliest=T0 + 60))), T0)
    for agent in ("a1", "a2", "a3", "a4"):
        core.handle(de.AgentReady(agent=agent), T0)
    out = core.handle(de.CampaignStarted(), T0)
    assert [c.record_id for c in of(dc.CheckDial, out)] == ["early", "late", "low"]
    assert core.next_deadline() == T0 + 60
    assert one(dc.CheckDial, core.handle_timer(T0 + 60)).record_id == "future"


def test_the_registry_has_preview_progressive_power_and_predictive_by_name() -> None:
    assert set(PACERS) == {"preview", "progressive", "power", "predictive"}
    assert make_pacer(CAMPAIGN).name == "progressive"
    assert make_pacer(replace(CAMPAIGN, strategy="predictive")).name == "predictive"
    with pytest.raises(ValueError, match="no pacing strategy 'adapt'"):
        make_pacer(replace(CAMPAIGN, strategy="adapt"))


class Recording(Pacer):
    """A pacer as a model-based one would be: it sees everything and asks to be asked."""

    name = "recording"

    def __init__(self, campaign: Campaign) -> None:
        super().__init__(campaign)
        self.seen: list[Situation] = []
        self.observed: list[Observation] = []

    def decide(self, situation: Situation) -> Pace:
        self.seen.append(situation)
        return Pace(dial=5, recheck=situation.now + 3, why={"expected_abandoned": 0.012})

    def observe(self, observation: Observation) -> None:
        self.observed.append(observation)


def test_a_pacer_sees_the_agents_dials_and_measures_and_is_asked_again() -> None:
    pacer = Recording(CAMPAIGN)
    core = Dialer(CAMPAIGN, pacer=pacer)
    out = running(core, agents=("a1", "a2"))
    assert len(of(dc.CheckDial, out)) == 4  # 5 asked, 4 lines
    assert reports(out, "dialer.pace")[0]["expected_abandoned"] == 0.012
    seen = pacer.seen[-1]
    assert (seen.free_agents, seen.lines_free, seen.records_due) == (2, 4, 5)
    assert core.next_deadline() == T0 + 3
    dial_id = one(dc.Dial, clear(core, of(dc.CheckDial, out)[0].dial_id, T0 + 1)).dial_id
    core.handle(de.HumanAnswered(dial_id=dial_id), T0 + 2)
    core.handle(de.HumanConnected(dial_id=dial_id, agent="a1"), T0 + 2)
    core.handle(de.CallEnded(dial_id=dial_id), T0 + 12)
    core.handle(de.AgentReady(agent="a1"), T0 + 20)
    assert [(o.kind, o.duration) for o in pacer.observed] == \
        [("answer", 1.0), ("talk", 10.0), ("wrap", 8.0)]
    assert pacer.seen[-1].under_way == 4 and pacer.seen[-1].tally.humans == 1  # (3 + 1 new)
    assert {view.state for view in pacer.seen[-1].agents} == {AgentState.READY}


# -- answers -----------------------------------------------------------------------------


def test_a_human_is_connected_at_once_to_the_longest_free_agent() -> None:
    core = make(strategy="power", power_ratio=1.0)
    checks = of(dc.CheckDial, running(core, agents=("a1", "a2")))
    for check in checks:
        clear(core, check.dial_id)
    dial_id = checks[0].dial_id
    out = core.handle(de.HumanAnswered(dial_id=dial_id), T0 + 5)
    assert one(dc.ConnectCall, out) == dc.ConnectCall(dial_id=dial_id, agent="a1")
    assert core.agent("a1") is AgentState.CONNECTING
    core.handle(de.HumanConnected(dial_id=dial_id, agent="a1"), T0 + 5.5)
    assert core.agent("a1") is AgentState.TALKING
    out = core.handle(de.CallEnded(dial_id=dial_id), T0 + 45)
    outcome = one(dc.RecordOutcome, out)
    assert (outcome.outcome, outcome.agent, outcome.next_due, outcome.attempts) == \
        ("human", "a1", None, 1)
    assert core.agent("a1") is AgentState.WRAP_UP and core.tally.talk == 39.5
    assert core.tally.humans == 1 and core.tally.abandoned == 0


def test_a_human_with_no_free_agent_hears_the_abandon_message_at_once() -> None:
    core = make(strategy="power", power_ratio=2.0)
    checks = of(dc.CheckDial, running(core, agents=("a1",)))
    assert len(checks) == 2
    for check in checks:
        clear(core, check.dial_id)
    core.handle(de.HumanAnswered(dial_id=checks[0].dial_id), T0 + 5)
    out = core.handle(de.HumanAnswered(dial_id=checks[1].dial_id), T0 + 6)
    assert one(dc.PlayAbandonMessage, out) == dc.PlayAbandonMessage(
        dial_id=checks[1].dial_id, message=CAMPAIGN.abandon_message)
    assert of(dc.ConnectCall, out) == [] and core.tally.abandoned == 1
    outcome = one(dc.RecordOutcome, core.handle(de.CallEnded(dial_id=checks[1].dial_id),
                                                T0 + 20))
    assert outcome.outcome == "abandoned"
    assert outcome.next_due is not None and outcome.next_due >= T0 + 20 + ABANDON_REDIAL


def test_a_human_who_leaves_before_the_bridge_counts_abandoned() -> None:
    core = make()
    dial_id = placed(core)
    core.handle(de.HumanAnswered(dial_id=dial_id), T0 + 3)
    out = core.handle(de.HumanAbandoned(dial_id=dial_id), T0 + 4)
    assert one(dc.PlayAbandonMessage, out).dial_id == dial_id
    assert core.agent("a1") is AgentState.READY and core.tally.abandoned == 1


def test_a_human_not_bridged_within_2_seconds_hears_the_abandon_message() -> None:
    core = make()
    dial_id = placed(core)
    core.handle(de.HumanAnswered(dial_id=dial_id), T0 + 3)
    assert core.next_deadline() == T0 + 5
    assert of(dc.PlayAbandonMessage, core.handle_timer(T0 + 4.9)) == []
    out = core.handle_timer(T0 + 5)
    assert one(dc.PlayAbandonMessage, out).dial_id == dial_id and core.tally.abandoned == 1
    assert core.agent("a1") is AgentState.READY
    core.handle(de.HumanConnected(dial_id=dial_id, agent="a1"), T0 + 6)  # too late
    assert core.ignored == 1 and core.tally.connected == 0


def test_an_abandoned_number_is_dialed_within_72_hours_only_with_an_agent_held() -> None:
    core = make(retry={Outcome.ABANDONED: RetryRule(delay=60.0, max_attempts=5)})
    core.handle(de.RecordsLoaded(records=(rec("r1", abandoned_at=T0 - 3600),)), T0)
    core.handle(de.AgentTalking(agent="a1"), T0)
    assert of(dc.CheckDial, core.handle(de.CampaignStarted(), T0)) == []
    check = one(dc.CheckDial, core.handle(de.AgentReady(agent="a1"), T0 + 10))
    assert (check.record_id, check.agent, check.abandoned_at) == ("r1", "a1", T0 - 3600)
    assert core.agent("a1") is AgentState.PREVIEWING


def test_past_72_hours_an_abandoned_number_is_an_ordinary_record_again() -> None:
    core = make(retry={Outcome.ABANDONED: RetryRule(delay=60.0, max_attempts=5)})
    core.handle(de.RecordsLoaded(records=(rec("r1", abandoned_at=T0 - 3600),)), T0)
    core.handle(de.AgentTalking(agent="a1"), T0)
    core.handle(de.CampaignStarted(), T0)
    check = one(dc.CheckDial, core.handle(de.AgentReady(agent="a1"), T0 + ABANDON_REDIAL))
    assert check.record_id == "r1" and check.agent is None


@pytest.mark.parametrize(("machine", "command"), [
    ("drop", dc.DropCall(dial_id="spring-1")),
    ("message", dc.LeaveMachineMessage(dial_id="spring-1", message="Please call us back"))])
def test_a_machine_is_dropped_or_left_the_message(machine: str, command: object) -> None:
    core = make(machine=machine)
    dial_id = placed(core)
    out = core.handle(de.MachineAnswered(dial_id=dial_id), T0 + 4)
    assert command in out and of(dc.ConnectCall, out) == []
    outcome = one(dc.RecordOutcome, core.handle(de.CallEnded(dial_id=dial_id), T0 + 30))
    assert outcome.outcome == "machine"


# -- retries -----------------------------------------------------------------------------


def test_busy_is_retried_after_its_delay_until_its_attempts_are_used() -> None:
    core = make(retry={Outcome.BUSY: RetryRule(delay=300.0, max_attempts=2)})
    core.handle(de.RecordsLoaded(records=(rec("r1"),)), T0)
    core.handle(de.AgentReady(agent="a1"), T0)
    check = one(dc.CheckDial, core.handle(de.CampaignStarted(), T0))
    clear(core, check.dial_id)
    out = core.handle(de.DialBusy(dial_id=check.dial_id), T0 + 2)
    assert one(dc.RecordOutcome, out).next_due == T0 + 302 and of(dc.CheckDial, out) == []
    assert of(dc.CheckDial, core.handle_timer(T0 + 301)) == []
    check = one(dc.CheckDial, core.handle_timer(T0 + 302))
    assert one(dc.Dial, clear(core, check.dial_id, T0 + 302)).attempt == 2
    out = core.handle(de.DialBusy(dial_id=check.dial_id), T0 + 304)
    assert one(dc.RecordOutcome, out).next_due is None  # out of attempts
    record = core.record("r1")
    assert record is not None and record.state is RecordState.DONE
    assert core.next_deadline() is None


def test_a_dial_nobody_hears_of_is_given_up_as_no_answer() -> None:
    core = make()
    dial_id = placed(core)
    core.handle(de.DialRinging(dial_id=dial_id), T0 + 1)
    deadline = core.next_deadline()
    assert deadline is not None and deadline > T0 + CAMPAIGN.ring_timeout
    out = core.handle_timer(deadline)
    assert dc.DropCall(dial_id=dial_id) in out
    assert one(dc.RecordOutcome, out).outcome == "no_answer"
    assert of(dc.RecordOutcome, core.handle(de.DialNoAnswer(dial_id=dial_id), deadline)) == []


def test_a_record_being_dialed_is_not_reloaded_nor_dialed_twice() -> None:
    core = make(max_lines=10)
    check = one(dc.CheckDial, running(core, records=1))
    out = core.handle(de.RecordsLoaded(records=(rec(check.record_id),)), T0)
    assert core.ignored == 1 and of(dc.CheckDial, out) == []
    assert of(dc.CheckDial, core.handle(de.AgentReady(agent="a2"), T0)) == []


def test_a_record_with_its_attempts_used_is_not_loaded() -> None:
    core = make(retry={Outcome.BUSY: RetryRule(delay=1.0, max_attempts=3)})
    out = running(core, records=0)
    out = core.handle(de.RecordsLoaded(records=(rec("r1", attempts=3),)), T0)
    assert reports(out, "dialer.records_loaded")[0]["records"] == 0


# -- preview -----------------------------------------------------------------------------


def test_preview_shows_each_free_agent_a_record_to_dial() -> None:
    core = make(strategy="preview")
    offer = one(dc.OfferPreview, running(core, agents=("a1",)))
    assert offer.agent == "a1" and core.agent("a1") is AgentState.PREVIEWING
    check = one(dc.CheckDial, core.handle(de.PreviewDialed(dial_id=offer.dial_id), T0 + 5))
    one(dc.Dial, clear(core, check.dial_id, T0 + 5))
    out = core.handle(de.HumanAnswered(dial_id=offer.dial_id), T0 + 9)
    assert one(dc.ConnectCall, out).agent == "a1"


def test_preview_skip_puts_the_record_back_and_shows_the_next() -> None:
    core = make(strategy="preview", skip_delay=600.0)
    offer = one(dc.OfferPreview, running(core, agents=("a1",)))
    out = core.handle(de.PreviewSkipped(dial_id=offer.dial_id), T0 + 3)
    outcome = one(dc.RecordOutcome, out)
    assert (outcome.outcome, outcome.attempts, outcome.next_due) == ("skipped", 0, T0 + 603)
    assert one(dc.OfferPreview, out).record_id != offer.record_id


def test_preview_busy_frees_the_agent_for_the_next_record() -> None:
    core = make(strategy="preview")
    offer = one(dc.OfferPreview, running(core, agents=("a1",)))
    clear(core, one(dc.CheckDial, core.handle(de.PreviewDialed(dial_id=offer.dial_id),
                                              T0)).dial_id)
    out = core.handle(de.DialBusy(dial_id=offer.dial_id), T0 + 4)
    assert one(dc.OfferPreview, out).agent == "a1"


def test_an_event_the_core_does_not_know_is_the_engines_misuse() -> None:
    with pytest.raises(DialerUsageError):
        make().handle(object(), T0)  # type: ignore[arg-type]


# -- invariants across random outcome streams --------------------------------------------

AGENTS = ("a1", "a2", "a3")
RETRY = {Outcome.BUSY: RetryRule(delay=30.0, max_attempts=3),
         Outcome.NO_ANSWER: RetryRule(delay=60.0, max_attempts=2),
         Outcome.MACHINE: RetryRule(delay=90.0, max_attempts=2),
         Outcome.FAILED: RetryRule(delay=10.0, max_attempts=4),
         Outcome.ABANDONED: RetryRule(delay=10.0, max_attempts=3)}


@dataclass
class Model:
    """The engine around the core, and the checks on what it is told to do."""

    core: Dialer
    now: float = T0
    checking: set[str] = field(default_factory=set)  #: CheckDial asked, unanswered
    cleared: set[str] = field(default_factory=set)
    previews: set[str] = field(default_factory=set)
    live: dict[str, str] = field(default_factory=dict)  #: dial -> its record
    dialed: set[str] = field(default_factory=set)
    answered: set[str] = field(default_factory=set)
    connecting: dict[str, str] = field(default_factory=dict)  #: dial -> agent
    ended: dict[str, int] = field(default_factory=dict)  #: dial -> RecordOutcomes
    last: dict[str, tuple[Outcome, float, int]] = field(default_factory=dict)
    wrapping: set[str] = field(default_factory=set)
    abandons: int = 0
    prompt: bool = False  #: every bridge asked for is made at once (within the 2 s)

    def feed(self, event: Any) -> None:
        if isinstance(event, de.RecordsLoaded):  # a record reloaded starts over as given
            self.saw(self.core.handle_timer(self.now))  # (what is due fires first)
            for record in event.records:
                if record.record_id not in self.live.values():
                    self.last.pop(record.record_id, None)
        self.saw(self.core.handle(event, self.now))

    def saw(self, out: Sequence[dc.DialerCommand]) -> None:
        for command in out:
            self._saw(command)
        assert self.core.lines_busy <= self.core.campaign.max_lines
        assert len(self.live) <= self.core.campaign.max_lines
        if self.prompt:
            bridges = [c for c in of(dc.ConnectCall, out) if c.dial_id in self.connecting]
            for bridge in bridges:
                del self.connecting[bridge.dial_id]
                self.feed(de.HumanConnected(dial_id=bridge.dial_id, agent=bridge.agent))

    def _saw(self, command: dc.DialerCommand) -> None:
        match command:
            case dc.CheckDial(dial_id=dial_id, record_id=record_id) \
                    | dc.OfferPreview(dial_id=dial_id, record_id=record_id):
                if dial_id not in self.live:  # (a preview dialed asks the gate after)
                    assert record_id not in self.live.values(), record_id  # never twice
                    self.live[dial_id] = record_id
                (self.checking if isinstance(command, dc.CheckDial)
                 else self.previews).add(dial_id)
            case dc.Dial(dial_id=dial_id, record_id=record_id, attempt=attempt):
                assert dial_id in self.cleared, dial_id  # the gate cleared it
                assert command.ring_timeout >= MIN_RING
                self._attempt_allowed(record_id, attempt)
                self.dialed.add(dial_id)
            case dc.ConnectCall(dial_id=dial_id, agent=agent):
                self.connecting[dial_id] = agent
            case dc.PlayAbandonMessage():
                self.abandons += 1
            case dc.RecordOutcome(dial_id=dial_id, record_id=record_id):
                self.ended[dial_id] = self.ended.get(dial_id, 0) + 1
                assert self.ended[dial_id] == 1, dial_id  # every dial ends once
                assert self.live.pop(dial_id) == record_id
                for pool in (self.checking, self.cleared, self.previews, self.dialed,
                             self.answered):
                    pool.discard(dial_id)
                self.connecting.pop(dial_id, None)
                if Outcome(command.outcome) in RETRY or command.outcome == "human":
                    self.last[record_id] = (Outcome(command.outcome), self.now,
                                            command.attempts)

    def _attempt_allowed(self, record_id: str, attempt: int) -> None:
        """Never over the rules: the last outcome allowed another attempt, after its delay."""
        previous = self.last.get(record_id)
        if previous is None:
            assert attempt == 1
            return
        outcome, at, attempts = previous
        assert outcome is not Outcome.HUMAN and attempt == attempts + 1, (record_id, previous)
        rule = RETRY[outcome]
        assert attempts < rule.max_attempts and self.now >= at + rule.delay
        if outcome is Outcome.ABANDONED:
            assert self.now >= at + ABANDON_REDIAL


def act(model: Model, action: tuple[str, int, int], *, true_agents: bool) -> None:
    """One piece of news: the gate's answer, a dial's progress, an agent, time passing."""
    kind, pick, choice = action
    model.now += choice % 7
    core = model.core
    if kind == "gate" and model.checking:
        dial_id = sorted(model.checking)[pick % len(model.checking)]
        model.checking.discard(dial_id)
        ok = choice % 4 != 0
        if ok:
            model.cleared.add(dial_id)
        model.feed(de.DialChecked(dial_id=dial_id, cleared=ok, rule="" if ok else "dnc"))
    elif kind == "preview" and model.previews:
        dial_id = sorted(model.previews)[pick % len(model.previews)]
        model.previews.discard(dial_id)
        model.feed(de.PreviewSkipped(dial_id=dial_id) if choice % 3 == 0
                   else de.PreviewDialed(dial_id=dial_id))
    elif kind == "dial" and model.dialed - model.answered:
        pending = sorted(model.dialed - model.answered)
        dial_id = pending[pick % len(pending)]
        news = [de.DialPlaced, de.DialRinging, de.HumanAnswered, de.HumanAnswered,
                de.MachineAnswered, de.DialBusy, de.DialNoAnswer, de.DialFailed][choice % 8]
        if news in (de.HumanAnswered, de.MachineAnswered):
            model.answered.add(dial_id)
        model.feed(news(dial_id=dial_id))
    elif kind == "answered" and model.answered:
        dial_id = sorted(model.answered)[pick % len(model.answered)]
        agent = model.connecting.pop(dial_id, None)
        if agent is not None and (true_agents or choice % 5):
            model.feed(de.HumanConnected(dial_id=dial_id, agent=agent))
        elif agent is not None:
            model.feed(de.HumanAbandoned(dial_id=dial_id))
        else:
            model.feed(de.CallEnded(dial_id=dial_id))
            model.wrapping.update(a for a in AGENTS if core.agent(a) is AgentState.WRAP_UP)
    elif kind == "agent":
        agent = AGENTS[pick % len(AGENTS)]
        if true_agents:  # only the dialer's own calls move them: back ready after wrap-up
            if agent in model.wrapping:
                model.wrapping.discard(agent)
                model.feed(de.AgentReady(agent=agent))
            return
        news = [de.AgentReady, de.AgentReady, de.AgentTalking, de.AgentWrappingUp,
                de.AgentPaused, de.AgentLoggedOut][choice % 6]
        model.feed(news(agent=agent))
    elif kind == "campaign" and not true_agents:
        model.feed([de.CampaignPaused(), de.CampaignResumed(), de.CampaignResumed(),
                    de.RecordsLoaded(records=(rec(f"r{pick % 8}", priority=choice % 3),))
                    ][choice % 4])
    else:
        model.saw(core.handle_timer(model.now))


def settle(model: Model) -> None:
    """The campaign stopped, every dial under way brought to its end."""
    model.feed(de.CampaignStopped())
    for _ in range(100):
        if not model.live:
            return
        dial_id = min(model.live)
        dial = model.core.dial(dial_id)
        assert dial is not None, dial_id
        match dial.state:
            case DialState.PREVIEW:
                event: Any = de.PreviewSkipped(dial_id=dial_id)
            case DialState.CHECKING:
                event = de.DialChecked(dial_id=dial_id, cleared=False, rule="dnc")
            case DialState.DIALING | DialState.RINGING:
                event = de.DialBusy(dial_id=dial_id)
            case _:
                event = de.CallEnded(dial_id=dial_id)
        model.now += 1
        model.feed(event)
    raise AssertionError(f"dials never ended: {model.live}")


ACTIONS = st.tuples(
    st.sampled_from(["gate", "gate", "preview", "dial", "dial", "dial", "answered",
                     "answered", "agent", "agent", "campaign", "time"]),
    st.integers(min_value=0, max_value=9), st.integers(min_value=0, max_value=59))


def start(strategy: str, records: int = 8) -> Model:
    core = Dialer(replace(CAMPAIGN, strategy=strategy, max_lines=3, power_ratio=2.5,
                          retry=RETRY))
    model = Model(core=core)
    model.feed(de.RecordsLoaded(records=tuple(rec(f"r{i}", priority=i % 3)
                                              for i in range(records))))
    for agent in AGENTS[:2]:
        model.feed(de.AgentReady(agent=agent))
    model.feed(de.CampaignStarted())
    return model


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(PACERS)), st.booleans(), st.lists(ACTIONS, max_size=120))
def test_random_outcomes_keep_the_rules(strategy: str, prompt: bool,
                                        actions: list[tuple[str, int, int]]) -> None:
    model = start(strategy)
    model.prompt = prompt  # bridges made at once, or late (then the 2 s rule abandons)
    for action in actions:
        act(model, action, true_agents=False)
    started = set(model.live) | set(model.ended)
    settle(model)
    assert set(model.ended) == started  # every dial ended, each once
    assert model.core.lines_busy == 0 and model.core.next_deadline() is None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ACTIONS, max_size=150))
def test_progressive_with_true_machine_detection_never_abandons(
        actions: list[tuple[str, int, int]]) -> None:
    model = start("progressive")
    model.prompt = True
    for action in actions:
        act(model, action, true_agents=True)
        free = sum(model.core.agent(a) is AgentState.READY for a in AGENTS)
        pending = sum(1 for d in model.live if (dial := model.core.dial(d)) is not None
                      and dial.state in (DialState.CHECKING, DialState.DIALING,
                                         DialState.RINGING))
        assert pending <= free  # never more dials than free agents
    assert model.abandons == 0 and model.core.tally.abandoned == 0
