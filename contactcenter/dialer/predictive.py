"""The ``predictive`` pacer: as many dials as keep the expected abandoned share under a
set-point that the measured share holds under the law's target.

Theory of operation. At every decision (each event, and every ``step`` seconds by
``Pace.recheck``) the pacer looks a few seconds ahead, up to ``horizon``: the delay by
which 90 % of the humans who answer have answered, from its live estimate. For each of
three look-aheads (a third, two thirds and all of the horizon) it builds the law of
*humans answering minus agents free* by then (``forecast.Spread``):

- each dial under way adds a Bernoulli: its chance to be answered by a human within the
  look-ahead, given its age and that it is still pending (``estimates.AnswerTable``);
- each free agent takes one away; each agent talking or wrapping up takes away a
  Bernoulli: their chance to be free by then given how long they have been so
  (``estimates.LogNormalFit`` of talk and wrap-up times; a talk must end and its
  wrap-up after it).

Every estimate counts what is still running as censored, so that the short calls that
end first in the morning do not make calls look short. A new dial adds one more
Bernoulli (a fresh dial's chance of a human by then) to each look-ahead; the pacer
places the most new dials whose expected abandons (the humans in excess, at the worst
look-ahead) over the expected human answers (by the horizon) stay within the set-point
(``forecast.best_count``). The set-point is moved by the abandoned share measured in
the last hour and the last 24 hours (``setpoint.SetPoint``), so that the model's errors
do not show as abandons; the core's cap by the law's abandon budget stays above it all.

``Pace.why`` carries the figures of each decision for ``dialer.pace``; docs/dialer.md
says what each one means.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace

import numpy as np

from contactcenter.dialer.estimates import AnswerTable, LogNormalFit
from contactcenter.dialer.forecast import Choice, Outlook, Spread, best_count
from contactcenter.dialer.pacing import Observation, Pace, Pacer, Situation, cap
from contactcenter.dialer.setpoint import SetPoint
from contactcenter.dialer.states import (
    DIAL_GRACE,
    MIN_RING,
    PENDING,
    AgentState,
    Campaign,
)

#: look-aheads as shares of the horizon
LOOKS = (1 / 3, 2 / 3, 1.0)
#: dials less likely than this to bring a human within a look-ahead are counted
#: together, as a Poisson count (``Spread.add_poisson``): at a 10 % answer rate, a
#: hundred dials under way cost one convolution instead of a hundred
UNLIKELY = 0.1
#: slices of a look-ahead over which a talk's end and the wrap-up after it are summed
_SLICES = 6


class Predictive(Pacer):
    """Model-based pacing: see the module's theory of operation."""

    name = "predictive"

    def __init__(self, campaign: Campaign, *, target: float | None = None, margin: float = 0.25,
                 step: float = 1.0, refit: float = 30.0) -> None:
        """``target``: the abandoned share the law allows (3 %); ``margin``: the share of
        it kept in hand; ``step``: seconds between decisions when nothing happens;
        ``refit``: seconds between refits of the talk and wrap-up laws."""
        super().__init__(campaign)
        target = campaign.abandon_target if target is None else target
        ring = max(campaign.ring_timeout, MIN_RING)
        self.answers = AnswerTable(ring=ring, limit=ring + DIAL_GRACE)
        self.talk = LogNormalFit(median=120.0, sigma=0.8)
        self.wrap = LogNormalFit(median=15.0, sigma=0.6)
        self.setpoint = SetPoint(target=target, margin=margin)
        self.ring, self.step, self.refit = ring, step, refit
        self._fitted = -math.inf
        self._talk_tables: dict[float, np.ndarray] = {}
        self._wrap_memo: dict[tuple[int, float], list[float]] = {}
        self._answers_fitted = -math.inf
        self._last: tuple[tuple[object, ...], float, Pace] | None = None

    def observe(self, observation: Observation) -> None:
        kind, duration = observation.kind, observation.duration
        if kind in ("answer", "unanswered"):
            self.answers.add(duration, human=kind == "answer")
        elif kind == "talk":
            self.talk.add(duration)
        elif kind == "wrap":
            self.wrap.add(duration)

    def decide(self, situation: Situation) -> Pace:
        """The decision; within ``step`` of the last one and with the same counts (news
        that moves nobody: a dial placed, ringing), that one again, which is cheaper.
        (Not when a dial ended without a person: a fresh dial in its place is likelier
        to bring one than the old one was, so the model decides again.)"""
        now = situation.now
        self.setpoint.update(now, situation.tally.humans, situation.tally.abandoned)
        counts = (situation.free_agents, situation.talking, situation.wrap_up,
                  situation.under_way, situation.lines_free, situation.records_due,
                  situation.abandon_budget)
        if self._last is not None and self._last[0] == counts and now < self._last[1]:
            return self._last[2]
        pace = self._decide(situation)
        self._last = (counts, now + self.step, pace)
        return pace

    def _decide(self, situation: Situation) -> Pace:
        now = situation.now
        self._fit(situation)
        horizon = self.horizon
        dials, agents = self._dial_ages(situation), self._agent_ages(situation)
        outlooks = [self._outlook(situation.free_agents, dials, agents, horizon * share)
                    for share in LOOKS]
        # no count past what the core would place (the lines, the records, the law's
        # budget) but one: the law's cap holds the pace when the set-point would allow it
        most = cap(situation.lines_free, situation, previews=False)
        setpoint = self.setpoint.value
        choice = best_count(outlooks, setpoint, most + 1)
        self.setpoint.holding = choice.dials > most and most < min(situation.lines_free,
                                                                  situation.records_due)
        if choice.dials > most:
            choice = replace(choice, dials=most)
        return Pace(dial=choice.dials, recheck=now + self.step,
                    why=self._why(outlooks[-1], choice, setpoint))

    @property
    def horizon(self) -> float:
        """Seconds ahead the pacer looks: 90 % of the humans' answers come by then."""
        return min(self.ring, max(2.0, self.answers.delay_quantile(0.9)))

    def _fit(self, situation: Situation) -> None:
        """The answer table every ``step`` (dials age fast); the talk and wrap-up laws
        every ``refit`` seconds, each with the ones still running."""
        now = situation.now
        if now - self._answers_fitted >= self.step:
            self._answers_fitted = now
            self.answers.fit(now - (d.placed if d.placed is not None else now)
                             for d in situation.dials if d.state in PENDING)
        if now - self._fitted < self.refit:
            return
        self._fitted = now
        self._talk_tables.clear()
        self._wrap_memo.clear()
        for law, state in ((self.talk, AgentState.TALKING), (self.wrap, AgentState.WRAP_UP)):
            law.fit(now - a.since for a in situation.agents if a.state is state)

    def _outlook(self, free_agents: int, dials: np.ndarray,
                 agents: tuple[np.ndarray, list[float]], within: float) -> Outlook:
        """Humans answering minus agents free within ``within`` s, over what is under way:
        each dial and each agent busy its own Bernoulli, but the unlikely ones of each
        side as one Poisson count."""
        spread = Spread(low=-free_agents)
        free = float(free_agents)
        chances = self.answers.human_within_many(dials, within)
        likely = chances >= UNLIKELY
        humans = float(chances.sum())
        for p in chances[likely].tolist():
            spread.add(p)
        spread.add_poisson(float(chances[~likely].sum()))
        chances = self._free_chances(agents, within)
        likely = chances >= UNLIKELY
        free += float(chances.sum())
        for p in chances[likely].tolist():
            spread.add(p, -1)
        spread.add_poisson(float(chances[~likely].sum()), -1)
        return Outlook(within=within, spread=spread, humans=humans, free=free,
                       fresh=self.answers.human_within(0.0, within))

    @staticmethod
    def _dial_ages(situation: Situation) -> np.ndarray:
        """The ages of the dials under way (a dial the gate still looks at is 0)."""
        now = situation.now
        return np.array([now - dial.placed if dial.placed is not None else 0.0
                         for dial in situation.dials if dial.state in PENDING], dtype=float)

    @staticmethod
    def _agent_ages(situation: Situation) -> tuple[np.ndarray, list[float]]:
        """How long the agents talking have been so, in 2 s steps (``_talk_free``), and
        the agents wrapping up, in seconds."""
        now, talks, wraps = situation.now, [], []
        for agent in situation.agents:
            if agent.state is AgentState.TALKING:
                talks.append(int((now - agent.since) / 2.0))
            elif agent.state is AgentState.WRAP_UP:
                wraps.append(now - agent.since)
        return np.array(talks, dtype=np.int64), wraps

    def _free_chances(self, agents: tuple[np.ndarray, list[float]], within: float
                      ) -> np.ndarray:
        """Each busy agent's chance to be free within ``within`` s: talks from a table by
        2 s steps (they last minutes), filled as ages come and kept until the laws are
        refitted; wrap-ups each on its own."""
        talks, wraps = agents
        table = self._talk_tables.get(within)
        size = int(talks.max()) + 1 if len(talks) else 0
        if table is None or len(table) < size:
            grown = np.full(max(size, 64) * 2, np.nan)
            if table is not None:
                grown[:len(table)] = table
            table = self._talk_tables[within] = grown
        chances = table[talks]
        for step in np.unique(talks[np.isnan(chances)]).tolist():
            table[step] = self._talk_free(2.0 * step + 1.0, within)
        return np.concatenate([table[talks], [self.wrap.ends_within(age, within)
                                              for age in wraps]])

    def _talk_free(self, age: float, within: float) -> float:
        """A talking agent's chance to be free within ``within`` s: the talk's end and then
        the whole wrap-up."""
        survive = 1.0 - self.talk.cdf(age)
        if survive <= 1e-12:
            return 0.0
        ends = [self.talk.cdf(age + within * k / _SLICES) for k in range(_SLICES + 1)]
        wraps = self._wraps(within)
        return sum((ends[k + 1] - ends[k]) * wraps[k] for k in range(_SLICES)) / survive

    def _wraps(self, within: float) -> list[float]:
        """The chance a wrap-up begun in each slice of ``within`` is over by its end."""
        key = (-1, within)
        if key not in self._wrap_memo:
            self._wrap_memo[key] = [self.wrap.cdf(within * (1 - (k + 0.5) / _SLICES))
                                    for k in range(_SLICES)]
        return self._wrap_memo[key]

    def _why(self, last: Outlook, choice: Choice, setpoint: float) -> Mapping[str, object]:
        """The decision's figures, rounded for people (``dialer.pace``)."""
        hour, day = self.setpoint.raw()
        return {
            "horizon": round(last.within, 1),
            "expected_free": round(last.free, 2),
            "expected_humans": round(last.humans + choice.dials * last.fresh, 2),
            "expected_abandon_share": round(choice.window_share, 4),
            "new_dials_abandon_share": round(choice.share, 4),
            "next_dial_share": round(choice.next_share, 4),
            "setpoint": round(setpoint, 4),
            "p_human": round(self.answers.p_human, 3),
            "p_human_by_horizon": round(last.fresh, 3),
            "talk_median": round(self.talk.median, 1),
            "wrap_median": round(self.wrap.median, 1),
            "measured_share_hour": None if hour is None else round(hour, 4),
            "measured_share_day": None if day is None else round(day, 4),
        }
