"""What the next seconds hold: humans answering against agents coming free, as distributions.

A predictive dialer that compares means dials as if humans answered one by one; they
do not: three answering in the same second need three agents. So each dial under way is
a Bernoulli (its own chance of a human within ``t``, given its age and that it has not
ended) and so is each busy agent (their chance to be free within ``t``, given how long
they have talked or wrapped up). ``Spread`` is the exact law of such a sum of
independent +1 and -1 Bernoullis (a Poisson-binomial difference), truncated where the
chances fall under 1e-12: humans answering minus agents free, whose positive part is
the humans nobody can take.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

#: chances below this are dropped from a spread's tails
_TINY = 1e-12
#: a Bernoulli this unlikely changes a spread by less than the model's own error (an
#: agent two minutes from the end of a talk); the means still count it
NEGLIGIBLE = 1e-3


@dataclass(slots=True)
class Spread:
    """The law of an integer: ``chances[i]`` is the chance it is ``low + i``."""

    low: int = 0
    chances: list[float] = field(default_factory=lambda: [1.0])

    def copy(self) -> Spread:
        return Spread(self.low, list(self.chances))

    def add(self, p: float, sign: int = 1) -> None:
        """Add (``sign`` 1) or take away (-1) a Bernoulli of chance ``p``."""
        if p < NEGLIGIBLE:
            return
        if p > 1.0 - NEGLIGIBLE:
            self.low += sign
            return
        c = self.chances
        up, stay = (p, 1.0 - p) if sign > 0 else (1.0 - p, p)
        # new[i] = c[i] * stay + c[i - 1] * up, the value at index i being low + i
        # (one lower for a take-away, whose "up" is "not taken away")
        new = [a * stay + b * up for a, b in zip(c, [0.0, *c], strict=False)]
        new.append(c[-1] * up)
        if sign < 0:
            self.low -= 1
        self.chances = new
        self._trim()

    def add_many(self, n: int, p: float, sign: int = 1) -> None:
        """Add (or take away) ``n`` Bernoullis of the same chance ``p`` (dials of the
        same age, agents as far into their talk)."""
        for _ in range(n):
            self.add(p, sign)

    def add_poisson(self, mean: float, sign: int = 1) -> None:
        """Add (or take away) a Poisson count of ``mean``: the sum of many unlikely
        Bernoullis (Le Cam: off by at most the sum of their squared chances, and a
        little wider, so on the side of caution), at the cost of one convolution
        instead of one per dial or agent."""
        if mean < NEGLIGIBLE:
            return
        pmf, term, k = [], math.exp(-mean), 0
        while term >= _TINY or k <= mean:
            pmf.append(term)
            k += 1
            term *= mean / k
        if sign < 0:  # taking away k is adding (n - k) and moving down by n
            pmf.reverse()
            self.low -= len(pmf) - 1
        self.chances = np.convolve(self.chances, pmf).tolist()
        self._trim()

    def _trim(self) -> None:
        new, start, end = self.chances, 0, len(self.chances)
        while end - start > 1 and new[start] < _TINY:
            start += 1
        while end - start > 1 and new[end - 1] < _TINY:
            end -= 1
        self.low += start
        self.chances = new[start:end] if start or end < len(new) else new

    def excess(self) -> float:
        """E[max(0, X)]: the humans expected to find no agent."""
        low, first = self.low, max(0, 1 - self.low)
        return sum((low + i) * c for i, c in enumerate(self.chances[first:], first))

    def at_least(self, k: int) -> float:
        """P(X >= k)."""
        return sum(self.chances[max(0, k - self.low):])


@dataclass(slots=True)
class Outlook:
    """One look-ahead of ``within`` seconds: humans answering minus agents free by then,
    over the dials already under way; ``fresh``: a new dial's chance of a human by then."""

    within: float
    spread: Spread
    humans: float  #: expected humans from the dials under way
    free: float  #: expected agents free (now, or coming free)
    fresh: float


@dataclass(frozen=True, slots=True)
class Choice:
    """How many new dials, and what they are expected to cost."""

    dials: int
    share: float  #: the new dials' humans expected to find no agent, of those humans
    window_share: float  #: all humans expected to find no agent, of all (to the horizon)
    next_share: float  #: ``share`` with one dial more


def best_count(outlooks: list[Outlook], setpoint: float, most: int) -> Choice:
    """The most new dials (up to ``most``) whose humans are expected to find no agent at
    most ``setpoint`` of the time: the humans in excess they add at the worst look-ahead,
    over the humans they bring by the last. Only the new dials' share is held to it: the
    dials under way were held to it when placed, and a window's average would let each
    decision spend the whole window's share again on its own dials. Each dial adds
    ``fresh * P(X >= 0)`` to a look-ahead's excess, ``P`` rising with each dial: the
    share only grows with the count, so the first count over ends the scan, and a higher
    set-point never dials fewer."""
    spreads = [o.spread.copy() for o in outlooks]
    last = outlooks[-1]
    base = [s.excess() for s in spreads]
    chosen = Choice(0, 0.0, max(base) / last.humans if last.humans > 1e-9 else 0.0, 0.0)
    for n in range(1, most + 1):
        for spread, outlook in zip(spreads, outlooks, strict=True):
            spread.add(outlook.fresh)
        excess = [s.excess() for s in spreads]
        added = max(e - b for e, b in zip(excess, base, strict=True))
        brought = n * last.fresh
        share = added / brought if brought > 1e-9 else 0.0
        if share > setpoint + 1e-12:
            return Choice(chosen.dials, chosen.share, chosen.window_share, share)
        chosen = Choice(n, share, max(excess) / (last.humans + brought), 0.0)
    return chosen
