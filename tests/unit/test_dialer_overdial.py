"""The law's cap over every pacer: dials under way beyond the free agents and the abandon
budget only where the chance that they bring more people than those can take is at most
one in a million, with the chance of a person bounded from the dials that ended; with
nothing measured yet, the sure cap (every dial counted as a person)."""

from __future__ import annotations

import math
import random
from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from contactcenter.dialer.overdial import RISK, most_under_way, person_chance_bound
from contactcenter.dialer.pacing import Situation, Tally, cap
from contactcenter.dialer.states import Campaign

CAMPAIGN = Campaign(name="spring", caller_id="+15550000000", strategy="power",
                    max_lines=500, ring_timeout=20.0)


def exceeds(m: int, p: float, room: int) -> float:
    """P(Binomial(m, p) > room), every term summed."""
    return math.fsum(math.exp(math.lgamma(m + 1) - math.lgamma(k + 1) - math.lgamma(m - k + 1)
                              + k * math.log(p) + (m - k) * math.log1p(-p))
                     for k in range(room + 1, m + 1))


@given(room=st.integers(0, 60), p=st.floats(0.01, 0.99))
def test_the_most_under_way_is_the_last_count_within_the_risk(room: int, p: float) -> None:
    most = most_under_way(room, p)
    rounded = math.ceil(p * 1000) / 1000
    assert most >= room  # never below the sure cap
    assert exceeds(most, rounded, room) <= RISK * (1 + 1e-6)
    if most > room:
        assert exceeds(most + 1, rounded, room) > RISK * (1 - 1e-6)


def test_with_nothing_measured_the_cap_is_the_sure_one() -> None:
    assert person_chance_bound(0, 0) == 1.0
    assert most_under_way(7, 1.0) == 7


def test_the_bound_is_above_the_true_share_for_the_people_and_ring_outs_seen() -> None:
    """Drawn from a true share of 15 %, the bound sits over it from the first dials on,
    and comes near it as dials end."""
    rng = random.Random(7)
    humans = rang_out = 0
    for n in range(1, 5001):
        if rng.random() < 0.15:
            humans += 1
        else:
            rang_out += 1
        if n in (10, 100, 1000, 5000):
            assert person_chance_bound(humans, rang_out) > 0.15
    assert person_chance_bound(humans, rang_out) < 0.18


def situation(*, free: int, under_way: int, budget: float, tally: Tally) -> Situation:
    return Situation(now=0.0, campaign=CAMPAIGN, agents=(), dials=(), free_agents=free,
                     talking=10 - free, wrap_up=0, under_way=under_way, lines_free=400,
                     records_due=1000, tally=tally, abandon_budget=budget)


def test_at_low_answer_rates_the_cap_lets_more_dials_out_than_the_sure_one() -> None:
    """Ten agents, two free, a budget of 13 and ten dials under way: the sure cap lets
    five more out; with one dial in ten a person (100 people, 560 rang out) it lets out
    as many as keep more than 15 people in a million days."""
    measured = Tally(humans=100, no_answer=560)
    assert cap(400, situation(free=2, under_way=10, budget=13.0, tally=Tally()),
               previews=False) == 5
    more = cap(400, situation(free=2, under_way=10, budget=13.0, tally=measured),
               previews=False)
    assert more > 5
    p = person_chance_bound(100, 560)
    assert exceeds(10 + more, p, 15) <= RISK * 1.01 < exceeds(10 + more + 1, p, 15)


def test_a_spent_budget_lets_no_dial_out_beyond_the_free_agents() -> None:
    measured = Tally(humans=100, no_answer=900)
    spent = situation(free=2, under_way=0, budget=0.0, tally=measured)
    assert cap(400, spent, previews=False) == 2
    assert cap(400, replace(spent, under_way=3), previews=False) == 0
