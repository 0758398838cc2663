"""VICIdial's ADAPT_AVERAGE, as a baseline pacer for the simulator (not for campaigns).

What VICIdial does (``bin/AST_VDadapt.pl``, version 2.14, read for this; the code
below is written from that reading, not taken from it):

- Every second it samples the campaign's logged-in agents, the agents waiting for a
  call (READY or DONE) and the calls waiting for an agent (status LIVE). It keeps the
  last 15 samples and averages each.
- Every 15 seconds it moves the dial level: the differential is the average ready
  agents minus the average waiting calls (plus ``adaptive_dl_diff_target``, 0 by
  default), and the new level is ``level * (1 + differential / average agents)`` (an
  ``adaptive_intensity`` of 0, the default, leaves that as it is). It is capped at
  ``adaptive_maximum_level`` (3.0 by default) and raised to 1.0 if below.
- Every 60 seconds it counts the day's calls, human answers and drops, and the last
  minute's calls and drops. At each move of the level: with more than 20 calls in the
  last minute and over half of them dropped, the level is halved; with more than 50
  calls today and the day's drops over ``adaptive_dropped_percentage`` (3 by default)
  of its answers, ADAPT_AVERAGE halves it (ADAPT_HARD_LIMIT would set 1.0); then it is
  raised to 1.0 again if below.

The level is used by VICIdial's auto-dialer (``AST_VDauto_dial.pl``): it places
``round(level * agents)`` calls, less the campaign's calls already up, where the agents
are those ready or in a call and the calls those being placed, ringing, waiting or
with an agent (``available_only_ratio_tally`` off, the default).

Mapped onto this core: ready agents are ``READY``; in-call agents are ``TALKING`` or
``CONNECTING``; logged-in agents are every agent not logged out. This core never lets
a person wait for an agent (no free agent: the abandon message at once, the 2 s rule),
so VICIdial's waiting calls are counted as the people abandoned in the last 2 s, the
time VICIdial's queue would have held them before dropping them. Drops are the core's
abandons, answers its human answers, calls its dials placed.
"""

from __future__ import annotations

import math
from collections import deque

from contactcenter.dialer.pacing import Pace, Pacer, Situation
from contactcenter.dialer.states import AgentState, Campaign

#: ``adaptive_maximum_level``'s default
MAX_LEVEL = 3.0
#: ``adaptive_dropped_percentage``'s default, in per cent of the day's answers
DROPPED_PERCENT = 3.0
SAMPLES = 15  #: one a second, averaged
LEVEL_EVERY = 15  #: seconds between moves of the level
DROPS_EVERY = 60  #: seconds between counts of the drops
WAIT_HELD = 2.0  #: a call waits this long in VICIdial's queue before it is dropped
_IN_CALL = (AgentState.TALKING, AgentState.CONNECTING)


class AdaptAverage(Pacer):
    """ADAPT_AVERAGE with VICIdial's defaults; see the module's docstring."""

    name = "adapt_average"

    def __init__(self, campaign: Campaign, *, start_level: float = 1.0,
                 max_level: float = MAX_LEVEL) -> None:
        super().__init__(campaign)
        self.level = start_level
        self.max_level = max_level
        self._samples: deque[tuple[int, float, int]] = deque(maxlen=SAMPLES)
        self._tick: float | None = None  # the next whole second to sample at
        self._seconds = 0  # samples taken
        self._drops: deque[tuple[float, int]] = deque()  # (when, abandons then)
        self._seen_abandoned = 0
        self._day = (0, 0, 0)  # calls, answers, drops at the last count
        self._minute = (0, 0)  # calls and drops in the minute before it
        self._counted = (0, 0)  # calls and drops at the count before

    def decide(self, situation: Situation) -> Pace:
        now = situation.now
        self._note_drops(situation)
        if self._tick is None:
            self._tick = math.floor(now)
        while self._tick <= now:
            self._second(situation, self._tick)
            self._tick += 1.0
        in_call = sum(1 for agent in situation.agents if agent.state in _IN_CALL)
        goal = round(self.level * (situation.free_agents + in_call))
        return Pace(dial=goal - situation.under_way - in_call, recheck=self._tick,
                    why={"level": round(self.level, 3)})

    def _note_drops(self, situation: Situation) -> None:
        abandoned = situation.tally.abandoned
        if abandoned > self._seen_abandoned:
            self._drops.append((situation.now, abandoned - self._seen_abandoned))
            self._seen_abandoned = abandoned

    def _second(self, situation: Situation, tick: float) -> None:
        """One of VICIdial's one-second loops: a sample, and the counts that are due."""
        while self._drops and self._drops[0][0] <= tick - WAIT_HELD:
            self._drops.popleft()
        waiting = sum(count for _, count in self._drops)
        self._samples.append((situation.free_agents, float(waiting), len(situation.agents)))
        if self._seconds % DROPS_EVERY == 0:
            self._count_drops(situation)
        self._seconds += 1
        if self._seconds % LEVEL_EVERY == 0:
            self._move_level()

    def _count_drops(self, situation: Situation) -> None:
        tally = situation.tally
        calls, drops = tally.placed, tally.abandoned
        self._minute = (calls - self._counted[0], drops - self._counted[1])
        self._counted = (calls, drops)
        self._day = (calls, tally.humans, drops)

    def _move_level(self) -> None:
        """``calculate_dial_level``: the differential, the cap, the drop rules."""
        count = len(self._samples)
        agents = sum(s[2] for s in self._samples) / count
        if agents <= 0:
            return  # VICIdial skips a campaign with no agents
        ready = sum(s[0] for s in self._samples) / count
        waiting = sum(s[1] for s in self._samples) / count
        level = self.level * (1.0 + (ready - waiting) / agents)
        level = max(1.0, min(level, self.max_level))
        minute_calls, minute_drops = self._minute
        if minute_calls > 20 and 100.0 * minute_drops / minute_calls > 50.0:
            level /= 2
        calls, answers, drops = self._day
        if calls > 50 and drops and 100.0 * drops / max(answers, 1) > DROPPED_PERCENT:
            level /= 2
        self.level = max(1.0, level)


#: baselines the simulator runs by name, beside the campaigns' ``PACERS``
BASELINES = {AdaptAverage.name: AdaptAverage}
