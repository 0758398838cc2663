"""The predictive pacer: its estimates recover known laws from samples cut short by the
present (calls and dials still running), it never dials fewer for more agents coming
free nor for a higher set-point, its controller slows it when the measured abandoned
share nears the target, each decision explains itself, and the core paced by it keeps
the core's rules across random outcome streams."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contactcenter.dialer import commands as dc
from contactcenter.dialer import events as de
from contactcenter.dialer.core import Dialer
from contactcenter.dialer.estimates import AnswerTable, LogNormalFit
from contactcenter.dialer.forecast import Spread
from contactcenter.dialer.pacing import (
    AgentView,
    DialView,
    Observation,
    Pace,
    Pacer,
    Situation,
    Tally,
    make_pacer,
)
from contactcenter.dialer.predictive import Predictive
from contactcenter.dialer.setpoint import SetPoint
from contactcenter.dialer.states import AgentState, Campaign, DialState
from tests.cores import of
from tests.unit.test_dialer_core import ACTIONS, act, settle, start

T0 = 1_000_000.0
CAMPAIGN = Campaign(name="spring", caller_id="+15550000000", strategy="predictive",
                    max_lines=200, ring_timeout=20.0)


# -- the estimates -----------------------------------------------------------------------


def running_and_done(rng: random.Random, median: float, sigma: float, n: int
                     ) -> tuple[list[float], list[float]]:
    """Durations of calls begun at random over the last hour, seen now: those over, and
    the ages of those still running (the morning's view, where the long ones still run)."""
    done, running = [], []
    for _ in range(n):
        began = rng.uniform(0, 3600.0)
        length = rng.lognormvariate(math.log(median), sigma)
        (done if began + length <= 3600.0 else running).append(
            length if began + length <= 3600.0 else 3600.0 - began)
    return done, running


@settings(max_examples=15, deadline=None)
@given(st.floats(min_value=60.0, max_value=900.0), st.floats(min_value=0.3, max_value=1.0),
       st.integers(min_value=0, max_value=10**6))
def test_the_talk_law_is_recovered_with_the_calls_still_running(
        median: float, sigma: float, seed: int) -> None:
    done, running = running_and_done(random.Random(seed), median, sigma, 1500)
    law = LogNormalFit(median=120.0, sigma=0.8, window=5000)
    for length in done:
        law.add(length)
    law.fit(running)
    assert law.median == pytest.approx(median, rel=0.12)
    assert law.sigma == pytest.approx(sigma, abs=0.1)


def test_the_first_calls_to_end_do_not_make_calls_look_short() -> None:
    """Four minutes into the day, two hundred calls begun at the start with a five-minute
    median: the third that ended are the short ones."""
    rng = random.Random(7)
    lengths = [rng.lognormvariate(math.log(300.0), 0.6) for _ in range(200)]
    law = LogNormalFit(median=120.0, sigma=0.8)
    for length in lengths:
        if length <= 240.0:
            law.add(length)
    finished_only = LogNormalFit(median=120.0, sigma=0.8)
    finished_only.done.extend(law.done)
    finished_only.fit(())
    law.fit(240.0 for length in lengths if length > 240.0)
    assert law.median == pytest.approx(300.0, rel=0.2)
    assert finished_only.median < 200.0


@settings(max_examples=10, deadline=None)
@given(st.floats(min_value=0.1, max_value=0.4), st.floats(min_value=5.0, max_value=12.0),
       st.integers(min_value=0, max_value=10**6))
def test_the_answer_law_is_recovered_with_the_dials_still_ringing(
        p_human: float, median: float, seed: int) -> None:
    rng = random.Random(seed)
    table = AnswerTable(ring=20.0, limit=50.0, window=5000)
    pending, humans = [], 0
    for _ in range(3000):
        age = rng.uniform(0.0, 400.0)  # placed this long before now
        u = rng.random()
        if u < p_human:
            end, human = rng.lognormvariate(math.log(median), 0.45), True
            if end >= 20.0:
                end, human = 20.0, False  # rang out
        else:
            end, human = (rng.uniform(2.0, 4.0) if u < p_human + 0.1 else 20.0), False
        humans += human
        if end <= age:
            table.add(end, human=human)
        else:
            pending.append(age)
    table.fit(pending)
    delay = LogNormalFit(median=median, sigma=0.45)
    # against this sample's own share of humans (those still ringing included): a draw of
    # 3000 strays from the law's 4 standard deviations (0.035) once in a while
    assert table.p_human == pytest.approx(humans / 3000, abs=0.015)
    expected = p_human * (delay.cdf(10.0) - delay.cdf(5.0)) / (1 - 0.1 - p_human * delay.cdf(5.0))
    assert table.human_within(5.0, 5.0) == pytest.approx(expected, abs=0.04)
    assert table.human_within(25.0, 5.0) == 0.0  # nobody answers after the ring timeout


def test_a_spread_is_the_exact_law_of_its_bernoullis() -> None:
    spread = Spread(low=-1)  # one free agent
    for p, sign in ((0.5, 1), (0.5, 1), (0.4, -1)):
        spread.add(p, sign)
    # two humans at even odds against 1 free agent and one more coming free at 40 %
    assert spread.excess() == pytest.approx(0.25 * 0.6)  # both answer, nobody comes free
    assert spread.at_least(0) == pytest.approx(0.25 + 0.5 * 0.6)


# -- decisions ---------------------------------------------------------------------------


def situation(*, free: int, talking_ages: list[float], dial_ages: list[float],
              lines: int = 100, budget: float = math.inf) -> Situation:
    now = T0
    agents = tuple([AgentView(state=AgentState.READY, since=now - 5.0)] * free
                   + [AgentView(state=AgentState.TALKING, since=now - age)
                      for age in talking_ages])
    dials = tuple(DialView(state=DialState.RINGING, started=now - age, placed=now - age)
                  for age in dial_ages)
    return Situation(now=now, campaign=CAMPAIGN, agents=agents, dials=dials,
                     free_agents=free, talking=len(talking_ages), wrap_up=0,
                     under_way=len(dials), lines_free=lines - len(dials), records_due=500,
                     tally=Tally(), abandon_budget=budget)


def dials_for(s: Situation, setpoint: float | None = None) -> int:
    pacer = Predictive(CAMPAIGN)
    if setpoint is not None:
        pacer.setpoint.value = setpoint
    return pacer.decide(s).dial


SITUATIONS = st.tuples(st.integers(min_value=0, max_value=8),
                       st.lists(st.floats(min_value=0.0, max_value=600.0), max_size=15),
                       st.lists(st.floats(min_value=0.0, max_value=25.0), max_size=20))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SITUATIONS, st.integers(min_value=0, max_value=14))
def test_more_agents_expected_free_never_means_fewer_dials(
        case: tuple[int, list[float], list[float]], which: int) -> None:
    free, talking, dialing = case
    base = dials_for(situation(free=free, talking_ages=talking, dial_ages=dialing))
    more_free = dials_for(situation(free=free + 1, talking_ages=talking, dial_ages=dialing))
    assert more_free >= base
    if talking:  # a talking agent who is free now is surely free, not maybe
        # (an older talk is not "nearer its end": log-normal talk times have a hazard
        # that falls past its peak, so a long call is likely to go on)
        rest = list(talking)
        del rest[which % len(rest)]
        assert dials_for(situation(free=free + 1, talking_ages=rest, dial_ages=dialing)) \
            >= base


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SITUATIONS, st.floats(min_value=0.001, max_value=0.08),
       st.floats(min_value=0.001, max_value=0.08))
def test_a_higher_setpoint_never_means_fewer_dials(
        case: tuple[int, list[float], list[float]], a: float, b: float) -> None:
    free, talking, dialing = case
    s = situation(free=free, talking_ages=talking, dial_ages=dialing)
    low, high = sorted((a, b))
    assert dials_for(s, high) >= dials_for(s, low)


def test_it_dials_ahead_of_agents_about_to_be_free_but_not_of_fresh_talks() -> None:
    """Wrap-ups have lasted 15 to 17 s: three agents 14 s into theirs will be free before
    a human answers, worth dialing for; three whose calls just began are not."""
    wrapping = situation(free=0, talking_ages=[], dial_ages=[])
    wrapping = replace(wrapping, wrap_up=3, agents=tuple(
        AgentView(state=AgentState.WRAP_UP, since=T0 - 14.0) for _ in range(3)))
    pacer = Predictive(CAMPAIGN)
    for n in range(100):
        pacer.observe(Observation(kind="wrap", duration=15.0 + n % 3, at=T0 - 100.0))
    assert pacer.decide(wrapping).dial >= 3
    assert dials_for(situation(free=0, talking_ages=[1.0] * 3, dial_ages=[])) == 0


def test_the_controller_slows_the_pace_when_the_last_hour_nears_the_target() -> None:
    control = SetPoint(target=0.03)
    start_value = control.value
    for minute in range(60):  # 2.9 % abandoned over the hour
        control.update(T0 + 60.0 * minute, 35 * (minute + 1), minute + 1)
    assert control.value < 0.6 * start_value
    s = situation(free=4, talking_ages=[100.0] * 6, dial_ages=[3.0, 8.0])
    calm, tense = Predictive(CAMPAIGN), Predictive(CAMPAIGN)
    tense.setpoint = control
    assert tense.decide(replace(s, now=T0 + 3600.0)).dial < \
        calm.decide(replace(s, now=T0 + 3600.0)).dial


def test_the_controller_rises_when_well_under_and_not_while_the_cap_holds() -> None:
    """Under the law's cap each abandon shrinks the budget that caps the dials: while
    the cap holds the pace, the set-point does not wind up but goes down."""
    control = SetPoint(target=0.03)
    control.holding = True
    for minute in range(30):
        control.update(T0 + 60.0 * minute, 40 * minute, 0)
    assert control.value < control.aim
    held = control.value
    control.holding = False
    for minute in range(30, 90):
        control.update(T0 + 60.0 * minute, 40 * minute, 0)
    assert control.value > 1.5 * held and control.value > control.aim


def test_each_decision_explains_itself_and_asks_to_be_asked_again() -> None:
    core = Dialer(CAMPAIGN)
    core.handle(de.RecordsLoaded(records=tuple(
        de.Record(record_id=f"r{i}", number=f"+1555000{i:04d}") for i in range(50))), T0)
    for agent in ("a1", "a2", "a3"):
        core.handle(de.AgentReady(agent=agent), T0)
    out = core.handle(de.CampaignStarted(), T0)
    pace = next(dict(c.data) for c in of(dc.Report, out) if c.type == "dialer.pace")
    assert pace["strategy"] == "predictive" and pace["dialed"] == len(of(dc.CheckDial, out))
    assert pace["expected_free"] == 3.0 and 0 < pace["p_human"] < 1  # the prior
    assert 0 <= pace["new_dials_abandon_share"] <= pace["setpoint"]
    assert {"expected_humans", "horizon", "talk_median", "measured_share_hour"} <= set(pace)
    assert pace["dialed"] > 3  # ahead of the free agents: not everyone answers
    deadline = core.next_deadline()
    assert deadline is not None and deadline <= T0 + 1.0


def test_the_pacer_hears_the_age_of_each_dial_that_ended_without_a_human() -> None:
    class Listening(Pacer):
        name = "listening"

        def __init__(self, campaign: Campaign) -> None:
            super().__init__(campaign)
            self.heard: list[Observation] = []

        def decide(self, situation: Situation) -> Pace:
            return Pace(dial=situation.free_agents * 3 - situation.under_way)

        def observe(self, observation: Observation) -> None:
            self.heard.append(observation)

    pacer = Listening(CAMPAIGN)
    core = Dialer(CAMPAIGN, pacer=pacer)
    core.handle(de.RecordsLoaded(records=tuple(
        de.Record(record_id=f"r{i}", number=f"+1555000{i:04d}") for i in range(5))), T0)
    core.handle(de.AgentReady(agent="a1"), T0)
    checks = of(dc.CheckDial, core.handle(de.CampaignStarted(), T0))
    for check in checks:
        core.handle(de.DialChecked(dial_id=check.dial_id, cleared=True), T0)
    core.handle(de.DialBusy(dial_id=checks[0].dial_id), T0 + 3)
    core.handle(de.MachineAnswered(dial_id=checks[1].dial_id), T0 + 6)
    core.handle_timer(T0 + 50)  # the third rang on, nobody told: given up at its deadline
    assert [(o.kind, o.duration) for o in pacer.heard] == \
        [("unanswered", 3.0), ("unanswered", 6.0), ("unanswered", 50.0)]
    assert core.tally.answer_delay == 0.0


# -- the core's rules, paced by predictive -----------------------------------------------


def test_the_registry_builds_it_by_name() -> None:
    assert isinstance(make_pacer(CAMPAIGN), Predictive)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.booleans(), st.lists(ACTIONS, max_size=150))
def test_predictive_keeps_the_cores_rules(prompt: bool,
                                          actions: list[tuple[str, int, int]]) -> None:
    """Never over the lines, never a record twice at once, every dial ended once (the
    checks are the core test's model's)."""
    model = start("predictive")
    model.prompt = prompt
    for action in actions:
        act(model, action, true_agents=False)
    started = set(model.live) | set(model.ended)
    settle(model)
    assert set(model.ended) == started
    assert model.core.lines_busy == 0 and model.core.next_deadline() is None
