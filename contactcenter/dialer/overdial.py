"""How many dials may be under way beyond the free agents: the law's cap over every pacer.

A person who answers a dial when no agent is free is abandoned, and the law's budget
(``AbandonBudgetSet``: the abandons the campaign may still afford in every rolling
window) says how many more of those there may be. The sure cap counts every dial under
way as a person: dials under way at most the free agents plus the budget. It cannot be
broken, and at low answer rates it leaves agents waiting: at 10 % people, ten dials
under way bring one person on average, and the sure cap counts ten.

So the cap also allows the most dials under way whose chance to bring more people than
the free agents plus the budget is at most ``RISK`` (one in a million), each dial being
a person with chance at most ``p``:

- ``p`` bounds the chance of a person for a dial still under way at any age: the people
  among the dials that ended with a person or rang out (busy, failed and machines are
  left out). A dial under way at age ``a`` is a person who has not answered yet, a
  ring-out (under way until the ring limit), or a machine, busy or failed dial not ended
  yet, so its chance of a person is at most ``P(person) / (P(person) + P(rings out))``.
- that share is taken at the upper end of its interval (Wilson's score interval,
  ``Z`` = 4), so that a lucky start does not lower it; before any dial has ended it is
  1 and the cap is the sure one.
- dials answer independently, so the people among ``m`` dials under way are at most a
  binomial count of ``m`` and ``p``.

Agents who come free meanwhile and live answers that grow the budget are not counted:
both are on the side of caution. The measured share is still what the law's ledger
keeps; docs/dialer.md gives the figures in simulation.
"""

from __future__ import annotations

import math
from functools import lru_cache

#: the chance, at each decision, that the dials under way bring more people than the
#: free agents and the budget can take
RISK = 1e-6
#: the width of the interval over the measured share of people (standard deviations)
Z = 4.0
#: the most dials under way the cap ever considers (a campaign's lines are far fewer)
_MOST = 100_000


def person_chance_bound(humans: int, rang_out: int) -> float:
    """The highest chance of a person any dial under way may have, from the dials ended
    with a person (``humans``) or by ringing out (``rang_out``): the upper end of
    Wilson's interval of their share; 1 before any."""
    n = humans + rang_out
    if n == 0:
        return 1.0
    share = humans / n
    z2 = Z * Z
    centre = share + z2 / (2 * n)
    spread = Z * math.sqrt(share * (1 - share) / n + z2 / (4 * n * n))
    return min(1.0, (centre + spread) / (1 + z2 / n))


def most_under_way(room: int, p: float) -> int:
    """The most dials under way whose people exceed ``room`` (the free agents plus the
    budget) with chance at most ``RISK``, each a person with chance at most ``p``; never
    fewer than ``room`` (the sure cap). ``p`` is rounded up to a thousandth, for the
    cache."""
    if room < 0:
        return room
    return _most_under_way(room, math.ceil(p * 1000) / 1000)


@lru_cache(maxsize=8192)
def _most_under_way(room: int, p: float) -> int:
    if p >= 1.0:
        return room
    low, high = room, max(room + 1, 2 * room + 8)
    while high < _MOST and _exceeds(high, p, room) <= RISK:
        low, high = high, 2 * high
    if high >= _MOST:
        return _MOST
    while high - low > 1:  # tail(low) <= RISK < tail(high)
        middle = (low + high) // 2
        if _exceeds(middle, p, room) <= RISK:
            low = middle
        else:
            high = middle
    return low


def _exceeds(m: int, p: float, room: int) -> float:
    """P(Binomial(m, p) > room), summed from ``room + 1`` up while the terms matter."""
    if room >= m:
        return 0.0
    if room + 1 <= m * p:
        return 1.0  # the mean is past the room: far over any risk worth computing
    log_p, log_q = math.log(p), math.log1p(-p)
    total, i = 0.0, room + 1
    log_choose = math.lgamma(m + 1) - math.lgamma(i + 1) - math.lgamma(m - i + 1)
    term = math.exp(log_choose + i * log_p + (m - i) * log_q)
    while i <= m and term > 1e-300:
        total += term
        if term < total * 1e-17:
            break
        term *= (m - i) / (i + 1) * p / (1 - p)
        i += 1
    return total
