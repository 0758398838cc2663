"""Erlang C and Erlang A: what a queue with N agents will look like to its callers.

Staffing tools and the ACD's own forecasts need the textbook figures: how many callers wait,
how many are answered within the target, how long they wait, how many agents meet a target.
Erlang C (M/M/N) assumes callers wait forever, so it overstates waiting under load; Erlang A
(M/M/N+M, Palm's model) gives every caller an exponential patience and lets them hang up,
which is what real queues do. Both are plain functions of the offered traffic, no I/O.

Numerics: factorials and powers of the traffic overflow long before N = 500 agents, so
everything is done in logarithms. Erlang B comes from its recursion in the inverse,
``1/B(k) = 1 + (k/A) / B(k-1)``; the Erlang A sums are incomplete-gamma series
``S(b, z) = sum_j z**j / ((b+1)(b+2)...(b+j))`` summed in log space (the closed forms of
Mandelbaum and Zeltyn, "The Palm/Erlang-A queue, with applications to call centers", 2007,
and Garnett, Mandelbaum and Reiman, "Designing a call center with impatient customers", 2002).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

_EPS = 1e-17  # where a series' remaining tail stops mattering, relative to its sum


def _logaddexp(x: float, y: float) -> float:
    """log(exp(x) + exp(y)) without overflow."""
    hi, lo = (x, y) if x >= y else (y, x)
    if lo == -math.inf:
        return hi
    return hi + math.log1p(math.exp(lo - hi))


def _check(traffic: float, agents: int) -> None:
    if not (traffic > 0 and math.isfinite(traffic)):
        raise ValueError(f"traffic must be a positive number of Erlangs, not {traffic!r}")
    if agents < 1:
        raise ValueError(f"agents must be at least 1, not {agents!r}")


def _log_inverse_erlang_b(traffic: float, agents: int) -> float:
    """log(1 / B(N, A)): the recursion never overflows, B itself underflows at large N."""
    log_r = 0.0
    log_a = math.log(traffic)
    for k in range(1, agents + 1):
        log_r = _logaddexp(0.0, math.log(k) - log_a + log_r)
    return log_r


def _log_erlang_c(traffic: float, agents: int, log_r: float) -> float:
    """log C(N, A) from log(1/B): C = N / (R (N - A) + A), for A < N."""
    spare = math.log(agents - traffic)
    return math.log(agents) - _logaddexp(log_r + spare, math.log(traffic))


def erlang_b(traffic: float, agents: int) -> float:
    """Probability that a call finds all N agents busy when nobody can wait (blocking)."""
    _check(traffic, agents)
    return math.exp(-_log_inverse_erlang_b(traffic, agents))


def erlang_c(traffic: float, agents: int) -> float:
    """P(W > 0): the share of callers who have to wait; 1.0 when A >= N (the queue grows)."""
    _check(traffic, agents)
    if traffic >= agents:
        return 1.0
    return math.exp(_log_erlang_c(traffic, agents, _log_inverse_erlang_b(traffic, agents)))


def service_level(traffic: float, agents: int, aht: float, target: float) -> float:
    """P(W <= target): the share answered within ``target`` seconds (Erlang C)."""
    _check_times(aht, target)
    if traffic >= agents:
        return 0.0
    waiting = erlang_c(traffic, agents)
    return 1.0 - waiting * math.exp(-(agents - traffic) * target / aht)


def average_speed_of_answer(traffic: float, agents: int, aht: float) -> float:
    """Mean wait over all callers, those answered at once included (Erlang C)."""
    _check_times(aht, 0.0)
    if traffic >= agents:
        return math.inf
    return erlang_c(traffic, agents) * aht / (agents - traffic)


def occupancy(traffic: float, agents: int) -> float:
    """The share of logged-in time the agents spend on calls: A / N, at most 1."""
    _check(traffic, agents)
    return min(1.0, traffic / agents)


def agents_needed(traffic: float, aht: float, target: float, level: float = 0.8) -> int:
    """The fewest agents for which P(W <= target) >= level (Erlang C)."""
    _check(traffic, 1)
    _check_times(aht, target)
    if not 0.0 <= level < 1.0:
        raise ValueError(f"level must be in [0, 1), not {level!r}")
    log_r = _log_inverse_erlang_b(traffic, math.floor(traffic))
    agents = math.floor(traffic)
    while True:  # one more agent at a time, carrying the Erlang B recursion along
        agents += 1
        log_r = _logaddexp(0.0, math.log(agents) - math.log(traffic) + log_r)
        waiting = math.exp(_log_erlang_c(traffic, agents, log_r))
        if 1.0 - waiting * math.exp(-(agents - traffic) * target / aht) >= level:
            return agents


def _check_times(aht: float, target: float) -> None:
    if not (aht > 0 and math.isfinite(aht)):
        raise ValueError(f"aht must be a positive number of seconds, not {aht!r}")
    if not target >= 0:
        raise ValueError(f"target must be zero or more seconds, not {target!r}")


def _log_gamma_series(b: float, z: float, *, harmonic: bool = False) -> float:
    """log sum_j w_j z**j / ((b+1)...(b+j)), w_j = 1, or 1/b + ... + 1/(b+j) if harmonic.

    The terms rise while b + j < z and then fall geometrically; the sum stops once a
    geometric bound on the rest is negligible. Scaled by its largest term, so no overflow.
    """
    weight = 1.0 / b if harmonic else 1.0
    if z <= 0.0:
        return math.log(weight)
    log_z = math.log(z)
    log_term = 0.0  # log of z**j / ((b+1)...(b+j))
    top = math.log(weight)  # the scale: the largest log(w_j * term_j) so far
    total = 1.0  # the sum divided by exp(top)
    j = 0
    while True:
        j += 1
        log_term += log_z - math.log(b + j)
        if harmonic:
            weight += 1.0 / (b + j)
        log_item = log_term + math.log(weight)
        if log_item > top:
            total, top = total * math.exp(top - log_item) + 1.0, log_item
        else:
            total += math.exp(log_item - top)
        ratio = z / (b + j + 1)
        if ratio < 1.0:
            rest = weight * ratio / (1.0 - ratio)
            if harmonic:
                rest += ratio / ((1.0 - ratio) ** 2 * (b + j + 1))
            if math.exp(log_term - top) * rest < _EPS * total:
                return top + math.log(total)


@dataclass(frozen=True, slots=True)
class ErlangA:
    """M/M/N+M: Poisson arrivals, exponential handle times and exponential patience.

    Build it with ``erlang_a()``. A caller who finds every agent busy waits until answered
    or until patience runs out, whichever comes first; ``V`` below is the wait a caller
    would have had with infinite patience (the "offered wait").
    """

    traffic: float  #: offered load A = arrival rate x AHT, in Erlangs
    agents: int  #: N
    aht: float  #: mean handle time, seconds
    patience: float  #: mean patience, seconds
    p_wait: float  #: P(W > 0): the share of callers who find every agent busy
    p_abandon: float  #: the share of callers who hang up before an agent answers
    asa: float  #: mean wait of the callers who are answered (those answered at once included)
    _log_pi: float = field(repr=False)  # log of P(exactly N in the system)

    @property
    def _a(self) -> float:
        return self.agents * self.patience / self.aht  # N mu / theta

    @property
    def _x(self) -> float:
        return self.traffic * self.patience / self.aht  # lambda / theta

    def _log_tail(self, t: float) -> float:
        """log of P(V > t, caller waits) / P(N in system) (Mandelbaum-Zeltyn's J(t))."""
        q = math.exp(-t / self.patience)
        spread = -self._x * math.expm1(-t / self.patience)
        return -self.agents * t / self.aht + spread + _log_gamma_series(self._a, self._x * q)

    def _served_by(self, t: float) -> float:
        """P(the caller waits, then is answered within t seconds)."""
        a, x = self._a, self._x
        whole = _log_gamma_series(a + 1.0, x)
        q = math.exp(-t / self.patience)
        later = (
            -(a + 1.0) * t / self.patience
            - x * math.expm1(-t / self.patience)
            + _log_gamma_series(a + 1.0, x * q)
        )
        if later >= whole:
            return 0.0
        return math.exp(
            self._log_pi + math.log(a / (a + 1.0)) + whole + math.log(-math.expm1(later - whole))
        )

    def service_level(self, target: float) -> float:
        """The share of all callers answered within ``target`` seconds (abandons count)."""
        _check_times(self.aht, target)
        return min(1.0, 1.0 - self.p_wait + self._served_by(target))

    def abandoned_within(self, seconds: float) -> float:
        """The share of all callers who hang up having waited at most ``seconds``."""
        _check_times(self.aht, seconds)
        waited_longer = math.exp(self._log_pi + self._log_tail(seconds) - seconds / self.patience)
        return max(0.0, self.p_wait - self._served_by(seconds) - waited_longer)

    def service_level_excluding(self, target: float, short_abandon: float) -> float:
        """Answered within ``target`` over all callers but those who hung up within
        ``short_abandon`` seconds (wrong numbers and second thoughts the agents never
        had a chance to answer)."""
        kept = 1.0 - self.abandoned_within(short_abandon)
        return self.service_level(target) / kept


def erlang_a(traffic: float, agents: int, aht: float, patience: float) -> ErlangA:
    """The Erlang A figures for ``traffic`` Erlangs on ``agents`` agents.

    ``patience`` is the callers' mean patience in seconds (finite: an infinitely patient
    queue is Erlang C). Stable at any load: impatience empties even an overloaded queue.
    """
    _check(traffic, agents)
    _check_times(aht, 0.0)
    if not (patience > 0 and math.isfinite(patience)):
        raise ValueError(f"patience must be a positive number of seconds, not {patience!r}")
    a = agents * patience / aht
    x = traffic * patience / aht
    # P(N in system) = 1 / (1/B + S(a, x) - 1), with S(a, x) - 1 = x/(a+1) S(a+1, x)
    log_s1 = _log_gamma_series(a + 1.0, x)
    log_rest = math.log(x / (a + 1.0)) + log_s1
    log_pi = -_logaddexp(_log_inverse_erlang_b(traffic, agents), log_rest)
    p_wait = math.exp(log_pi + _logaddexp(0.0, log_rest))
    p_served_after_wait = math.exp(log_pi + math.log(a / (a + 1.0)) + log_s1)
    p_abandon = max(0.0, p_wait - p_served_after_wait)
    # E[W; answered] = P(N) * a / (theta (a+1)) * sum_j H_j x^j / ((a+2)...(a+1+j))
    log_wait_sum = _log_gamma_series(a + 1.0, x, harmonic=True)
    waited = math.exp(log_pi + math.log(a * patience / (a + 1.0)) + log_wait_sum)
    asa = waited / (1.0 - p_abandon) if p_abandon < 1.0 else math.inf
    return ErlangA(
        traffic=traffic,
        agents=agents,
        aht=aht,
        patience=patience,
        p_wait=p_wait,
        p_abandon=p_abandon,
        asa=asa,
        _log_pi=log_pi,
    )
