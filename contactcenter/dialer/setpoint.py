"""The predictive pacer's controller: the abandoned share it lets its model risk.

The model's expected abandoned share is only a model: the answer delays may drift, the
agents may come back later than their wrap-up says. So the share the pacer lets the
model risk (the *set-point*) is moved by what is measured, in every rolling window at
once rather than over the day: averaging the day is what leaves VICIdial's
ADAPT_AVERAGE with hours of 5 to 20 % abandons after a quiet morning.

Theory of operation: the measured share of each window (by default the last hour and
the law's 24 hours; Ofcom 2016 counts every rolling 24 hours) is smoothed with
``prior`` pseudo-answers at its aim, so that one abandon in the first ten answers is
not read as 10 %. The 24 hours aim at ``target`` less its ``margin``; the last hour, a
shorter and noisier window, at the target itself, so that no hour goes over it while
the day stays under. The set-point is an integral controller in log space on the worse
of the two relative errors: it moves down when a window is over its aim, up when both
are under, by ``gain`` per second of relative error, and four times faster down once
the 24 hours near the target (90 %). It does not move up while the core's hard cap
(the law's abandon budget) is what holds the pace, so that a cautious start does not
wind it up; and when the cap held the pace in more than ``HELD_OFTEN`` of the last
five minutes, it moves down: the budget, not the share, is then what binds, and each
abandon shrinks it by one dial that may be under way beyond the free agents while a
connected answer grows it by only 3 %. In the simulator, a 10-agent team at 10 %
answers talked more at a set-point of 2 % than at 6 %. It stays within
``[aim / 10, 2 * target]``.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence

HOUR = 3600.0
DAY = 24 * HOUR
#: seconds over which ``held`` forgets
HOLD_MEMORY = 300.0
#: held this often, the set-point goes down: the budget, not the share, binds
HELD_OFTEN = 0.1


class _Window:
    """Live answers and abandons of the last ``length`` seconds."""

    __slots__ = ("abandons", "answers", "events", "length")

    def __init__(self, length: float) -> None:
        self.length = length
        self.events: deque[tuple[float, int, int]] = deque()
        self.answers = 0
        self.abandons = 0

    def add(self, at: float, answers: int, abandons: int) -> None:
        self.events.append((at, answers, abandons))
        self.answers += answers
        self.abandons += abandons

    def advance(self, now: float) -> None:
        while self.events and self.events[0][0] <= now - self.length:
            _, answers, abandons = self.events.popleft()
            self.answers -= answers
            self.abandons -= abandons


class SetPoint:
    """The expected abandoned share the model may risk, held by the measured ones."""

    def __init__(self, *, target: float = 0.03, margin: float = 0.25,
                 windows: Sequence[float] = (HOUR, DAY), gain: float = 1 / 1800,
                 prior: float = 50.0) -> None:
        """``windows``: the shortest first, the law's last: the shorter ones aim at the
        target, the law's at the target less the margin."""
        self.target = target
        self.aim = target * (1.0 - margin)
        self.aims = [target] * (len(windows) - 1) + [self.aim]
        self.value = self.aim
        self.gain = gain
        self.prior = prior
        self.holding = False  #: the core's hard cap held the last pace: no rise
        self.held = 0.0  #: how often it did lately (a moving average over time)
        self._windows = [_Window(length) for length in windows]
        self._seen = (0, 0)
        self._time: float | None = None

    def update(self, now: float, humans: int, abandoned: int) -> None:
        """Count the answers and abandons measured since the last update; move on."""
        answers, abandons = humans - self._seen[0], abandoned - self._seen[1]
        self._seen = (humans, abandoned)
        for window in self._windows:
            if answers or abandons:
                window.add(now, answers, abandons)
            window.advance(now)
        elapsed = 0.0 if self._time is None else min(60.0, max(0.0, now - self._time))
        self._time = now
        shares = self.measured()
        error = min((aim - share) / aim for aim, share in zip(self.aims, shares, strict=True))
        if shares[-1] > 0.9 * self.target:
            error *= 4.0
        weight = 1.0 - math.exp(-elapsed / HOLD_MEMORY)
        self.held += weight * (float(self.holding) - self.held)
        if self.held > HELD_OFTEN:  # the law's budget is scarce: each abandon shrinks it
            error = min(error, -self.held)
        elif error > 0 and self.holding:
            error = 0.0
        value = self.value * math.exp(self.gain * elapsed * error)
        self.value = min(2.0 * self.target, max(self.aim / 10.0, value))

    def measured(self) -> list[float]:
        """Each window's abandoned share, smoothed toward its aim while answers are few."""
        return [(w.abandons + aim * self.prior) / (w.answers + self.prior)
                for w, aim in zip(self._windows, self.aims, strict=True)]

    def raw(self) -> list[float | None]:
        """Each window's abandoned share as measured (None without answers)."""
        return [w.abandons / w.answers if w.answers else None for w in self._windows]
