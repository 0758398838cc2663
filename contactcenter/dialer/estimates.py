"""Live estimates for the predictive pacer, counting what is still in progress.

A day starts with every agent on a call and every dial ringing: the first talks to end
are the short ones, so a mean of finished durations says calls are short, and a dial
rate built on it abandons humans all morning. Each estimate here therefore takes the
durations still running as *censored* observations (we know only that they last longer
than they have so far), and holds a prior until data outweighs it.

- ``LogNormalFit``: talk and wrap-up times. A log-normal, fitted to the finished
  durations and the running ones by expectation-maximisation (a running duration's log
  is a normal truncated below at its log age, whose first two moments are closed-form),
  with a few prior pseudo-observations. Asked for the chance that something running for
  ``age`` ends within ``h`` more.
- ``AnswerTable``: what becomes of a dial. Two competing ends, a human's answer or any
  other (machine, busy, no answer, failed), on a grid of ages up to the ring timeout and
  its grace: the life-table (Aalen-Johansen) estimate of the chance that a dial still
  pending at ``age`` is answered by a human within ``h`` more. Dials still pending are at
  risk up to their age. Non-parametric, since no answer is a spike at the ring timeout.

Both keep a window of the latest finished observations, so that they follow the day.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable

import numpy as np

_SQRT2 = math.sqrt(2.0)
_SQRT2PI = math.sqrt(2.0 * math.pi)
#: below this sigma a duration is as good as constant; the fit keeps it above
_MIN_SIGMA = 0.05


def normal_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / _SQRT2)


def _truncated_moments(mu: float, sigma: float, low: float) -> tuple[float, float]:
    """E[X] and E[X^2] of X ~ N(mu, sigma^2) given X > low (the inverse Mills ratio)."""
    z = (low - mu) / sigma
    tail = 0.5 * math.erfc(z / _SQRT2)
    if tail < 1e-12:  # far in the tail: X is about low
        return low, low * low
    mills = math.exp(-0.5 * z * z) / _SQRT2PI / tail
    mean = mu + sigma * mills
    var = sigma * sigma * max(1e-9, 1.0 + z * mills - mills * mills)
    return mean, var + mean * mean


class LogNormalFit:
    """A duration's log-normal law, fitted to finished and running durations."""

    def __init__(self, *, median: float, sigma: float, weight: float = 5.0,
                 window: int = 500) -> None:
        """``median``, ``sigma``: the prior, worth ``weight`` observations; ``window``:
        how many finished durations are kept (the latest)."""
        self.prior_mu, self.prior_sigma, self.weight = math.log(median), sigma, weight
        self.mu, self.sigma = self.prior_mu, sigma
        self.done: deque[float] = deque(maxlen=window)

    def add(self, duration: float) -> None:
        """A finished duration."""
        self.done.append(math.log(max(duration, 0.1)))

    def fit(self, running: Iterable[float], rounds: int = 100) -> None:
        """Refit with the ages of the durations still running (censored), from the last
        fit, until it moves by less than 1e-4 (EM is slow when most are censored)."""
        logs = [math.log(age) for age in running if age > 0.5]
        n = len(self.done) + len(logs) + self.weight
        if not logs and not self.done:
            return
        w, pm, ps = self.weight, self.prior_mu, self.prior_sigma
        s1 = sum(self.done) + w * pm
        s2 = sum(x * x for x in self.done) + w * (ps * ps + pm * pm)
        mu, sigma = self.mu, self.sigma
        for _ in range(rounds if logs else 1):
            c1, c2 = s1, s2
            for low in logs:
                m1, m2 = _truncated_moments(mu, sigma, low)
                c1, c2 = c1 + m1, c2 + m2
            last = mu, sigma
            mu = c1 / n
            sigma = math.sqrt(max(_MIN_SIGMA ** 2, c2 / n - mu * mu))
            if abs(mu - last[0]) + abs(sigma - last[1]) < 1e-4:
                break
        self.mu, self.sigma = mu, sigma

    def cdf(self, t: float) -> float:
        """The chance a duration is at most ``t``."""
        if t <= 0:
            return 0.0
        return normal_cdf((math.log(t) - self.mu) / self.sigma)

    def ends_within(self, age: float, h: float) -> float:
        """The chance one running for ``age`` ends within ``h`` more."""
        survive = 1.0 - self.cdf(age)
        if survive < 1e-12:
            return 1.0
        return (self.cdf(age + h) - self.cdf(age)) / survive

    @property
    def median(self) -> float:
        return math.exp(self.mu)

    @property
    def mean(self) -> float:
        return math.exp(self.mu + self.sigma * self.sigma / 2)


class AnswerTable:
    """A dial's two competing ends (a human's answer, anything else) on a grid of ages."""

    def __init__(self, *, ring: float, limit: float, step: float = 0.5,
                 p_human: float = 0.25, median: float = 8.0, weight: float = 20.0,
                 window: int = 1500) -> None:
        """``limit``: no dial is pending longer (the ring timeout ``ring`` and its grace);
        the prior: a human answers ``p_human`` of dials, after a log-normal delay of
        ``median`` (sigma 0.5), the others end half early, half at the ring timeout."""
        self.step = step
        self.bins = math.ceil(limit / step) + 1
        self.human = [0.0] * self.bins  #: finished dials by age bin, a human answered
        self.other = [0.0] * self.bins  #: finished otherwise
        self._window: deque[tuple[int, bool]] = deque()
        self._size = window
        self._prior(p_human, median, weight, ring)
        self.cif = [0.0] * (self.bins + 1)  #: P(human answered by the bin's start)
        self.alive = [1.0] * (self.bins + 1)  #: P(still pending at the bin's start)
        self.fit(())

    def _prior(self, p_human: float, median: float, weight: float, ring: float) -> None:
        law = LogNormalFit(median=median, sigma=0.5)
        early = LogNormalFit(median=5.0, sigma=0.6)
        last = self._bin(ring)
        for k in range(last):  # nobody answers once the ring timeout is over
            lo, hi = k * self.step, (k + 1) * self.step
            self.human[k] += weight * p_human * (law.cdf(hi) - law.cdf(lo))
            self.other[k] += weight * (1 - p_human) / 2 * (early.cdf(hi) - early.cdf(lo))
        late = p_human * (1 - law.cdf(last * self.step))
        early_late = (1 - p_human) / 2 * (1 - early.cdf(last * self.step))
        self.other[last] += weight * ((1 - p_human) / 2 + late + early_late)

    def _bin(self, age: float) -> int:
        return min(self.bins - 1, max(0, int(age / self.step)))

    def add(self, age: float, *, human: bool) -> None:
        """A dial that stopped pending at ``age``: a human answered, or it ended otherwise."""
        k = self._bin(age)
        (self.human if human else self.other)[k] += 1.0
        self._window.append((k, human))
        if len(self._window) > self._size:
            k, human = self._window.popleft()
            (self.human if human else self.other)[k] -= 1.0

    @property
    def count(self) -> int:
        """Finished dials in the window."""
        return len(self._window)

    def fit(self, pending: Iterable[float]) -> None:
        """The life table, with the dials still pending at risk up to their ages (half
        in the bin they are in, as the actuarial estimate has it)."""
        censored = [0.0] * self.bins
        for age in pending:
            censored[self._bin(age)] += 1.0
        at_risk = 0.0
        risk = [0.0] * self.bins
        for k in range(self.bins - 1, -1, -1):
            at_risk += self.human[k] + self.other[k] + censored[k]
            risk[k] = at_risk - censored[k] / 2
        alive, cif = 1.0, 0.0
        for k in range(self.bins):
            self.alive[k], self.cif[k] = alive, cif
            if risk[k] > 1e-9:
                cif += alive * self.human[k] / risk[k]
                alive *= max(0.0, 1.0 - (self.human[k] + self.other[k]) / risk[k])
        self.alive[self.bins], self.cif[self.bins] = alive, cif

    def _at(self, table: list[float], age: float) -> float:
        """The table at ``age``, linear between bin starts."""
        x = min(age / self.step, float(self.bins))
        k = int(x)
        if k >= self.bins:
            return table[self.bins]
        return table[k] + (table[k + 1] - table[k]) * (x - k)

    def human_within_many(self, ages: np.ndarray, h: float) -> np.ndarray:
        """``human_within`` of many dials at once (the pacer asks it of every dial under
        way, three times a decision)."""
        grid = np.arange(self.bins + 1, dtype=float)
        alive_table, cif_table = np.asarray(self.alive), np.asarray(self.cif)
        x = np.minimum(ages / self.step, float(self.bins))
        alive = np.interp(x, grid, alive_table)
        later = np.minimum((ages + h) / self.step, float(self.bins))
        gain = np.interp(later, grid, cif_table) - np.interp(x, grid, cif_table)
        with np.errstate(divide="ignore", invalid="ignore"):
            chance = np.where(alive < 1e-9, 0.0, gain / np.maximum(alive, 1e-12))
        return np.clip(chance, 0.0, 1.0)

    def human_within(self, age: float, h: float) -> float:
        """The chance a dial pending at ``age`` is answered by a human within ``h`` more."""
        alive = self._at(self.alive, age)
        if alive < 1e-9:
            return 0.0
        gain = self._at(self.cif, age + h) - self._at(self.cif, age)
        return min(1.0, max(0.0, gain / alive))

    @property
    def p_human(self) -> float:
        """The chance a dial is answered by a human at all."""
        return self.cif[self.bins]

    def delay_quantile(self, share: float) -> float:
        """The answer delay by which ``share`` of the humans have answered."""
        total = self.p_human
        for k in range(1, self.bins + 1):
            if self.cif[k] >= share * total:
                return k * self.step
        return self.bins * self.step
