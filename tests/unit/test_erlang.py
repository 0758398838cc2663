"""Erlang C against the textbook, Erlang A against its limits and against the Markov chain.

The chain checks compute the same figures a different way: the birth-death chain's
stationary distribution (truncated far out in the queue), then the tagged caller's own
chain, walked by uniformization (service level) and by first-step analysis (waits).
"""

from __future__ import annotations

import math

import pytest

from contactcenter.acd.erlang import (
    agents_needed,
    average_speed_of_answer,
    erlang_a,
    erlang_b,
    erlang_c,
    occupancy,
    service_level,
)

# -- Erlang C -----------------------------------------------------------------------------


def test_textbook_ten_erlangs_on_fourteen_agents() -> None:
    assert round(erlang_c(10.0, 14), 5) == 0.17413
    assert round(service_level(10.0, 14, aht=180.0, target=20.0), 5) == 0.88835
    assert round(average_speed_of_answer(10.0, 14, aht=180.0), 2) == 7.84
    assert occupancy(10.0, 14) == pytest.approx(10 / 14)


@pytest.mark.parametrize(("traffic", "agents"), [(0.5, 1), (3.7, 5), (10.0, 14), (20.0, 30)])
def test_erlang_b_and_c_match_the_factorial_formulas_where_those_still_fit(
    traffic: float, agents: int
) -> None:
    terms = [traffic**k / math.factorial(k) for k in range(agents + 1)]
    blocked = terms[-1] / sum(terms)
    assert erlang_b(traffic, agents) == pytest.approx(blocked, rel=1e-12)
    tail = terms[-1] * agents / (agents - traffic)
    assert erlang_c(traffic, agents) == pytest.approx(tail / (sum(terms[:-1]) + tail), rel=1e-12)


def test_five_hundred_agents_neither_overflow_nor_lose_precision() -> None:
    waiting = erlang_c(480.0, 500)
    assert 0.0 < waiting < 1.0
    assert erlang_b(10.0, 500) == 0.0  # 10**500 / 500! is below the smallest float
    assert erlang_c(10.0, 500) == 0.0
    assert service_level(480.0, 500, 180.0, 20.0) == pytest.approx(
        1 - waiting * math.exp(-20 * 20 / 180))


def test_an_overloaded_queue_never_meets_its_target() -> None:
    assert erlang_c(14.0, 14) == 1.0
    assert service_level(15.0, 14, 180.0, 20.0) == 0.0
    assert average_speed_of_answer(15.0, 14, 180.0) == math.inf
    assert occupancy(15.0, 14) == 1.0


@pytest.mark.parametrize(("traffic", "level"), [(10.0, 0.8), (10.0, 0.95), (400.0, 0.8)])
def test_agents_needed_is_the_fewest_that_meet_the_target(traffic: float, level: float) -> None:
    agents = agents_needed(traffic, aht=180.0, target=20.0, level=level)
    assert service_level(traffic, agents, 180.0, 20.0) >= level
    assert service_level(traffic, agents - 1, 180.0, 20.0) < level


def test_nonsense_is_refused() -> None:
    with pytest.raises(ValueError, match="traffic"):
        erlang_c(0.0, 3)
    with pytest.raises(ValueError, match="agents"):
        erlang_c(1.0, 0)
    with pytest.raises(ValueError, match="aht"):
        service_level(1.0, 3, -1.0, 20.0)
    with pytest.raises(ValueError, match="patience"):
        erlang_a(1.0, 3, 180.0, math.inf)


# -- Erlang A: limits -----------------------------------------------------------------------


def test_endless_patience_is_erlang_c() -> None:
    patient = erlang_a(10.0, 14, aht=180.0, patience=1e9)
    assert patient.p_wait == pytest.approx(erlang_c(10.0, 14), rel=1e-6)
    assert patient.service_level(20.0) == pytest.approx(service_level(10.0, 14, 180.0, 20.0))
    assert patient.asa == pytest.approx(average_speed_of_answer(10.0, 14, 180.0), rel=1e-6)
    assert patient.p_abandon < 1e-8


def test_impatience_shortens_the_queue() -> None:
    keen, hasty = erlang_a(10.0, 14, 180.0, 600.0), erlang_a(10.0, 14, 180.0, 30.0)
    assert hasty.p_abandon > keen.p_abandon > 0.0
    assert hasty.asa < keen.asa < average_speed_of_answer(10.0, 14, 180.0)


def test_plenty_of_agents_means_nobody_waits() -> None:
    ample = erlang_a(10.0, 60, 180.0, 120.0)
    assert ample.p_wait < 1e-12
    assert ample.p_abandon < 1e-12
    assert ample.service_level(0.0) == pytest.approx(1.0)


def test_overload_sheds_the_excess_as_abandons() -> None:
    # 600 Erlangs on 500 agents: the agents stay busy, a sixth of the callers give up
    swamped = erlang_a(600.0, 500, 180.0, 600.0)
    assert swamped.p_wait == pytest.approx(1.0)
    assert swamped.p_abandon == pytest.approx(1 / 6, rel=1e-3)
    assert swamped.service_level(20.0) < 1e-6


# -- Erlang A: the Markov chain, solved another way -----------------------------------------


def stationary(traffic: float, agents: int, aht: float, patience: float) -> list[float]:
    """P(n callers in the system), n = 0 .. N + queue, by balancing rates state by state."""
    arrivals, service, quit_rate = traffic / aht, 1.0 / aht, 1.0 / patience
    weights = [1.0]
    for n in range(1, agents + 600):
        leaving = min(n, agents) * service + max(0, n - agents) * quit_rate
        weights.append(weights[-1] * arrivals / leaving)
    total = sum(weights)
    return [w / total for w in weights]


def waits(agents: int, aht: float, patience: float, ahead: int) -> tuple[list[float], list[float]]:
    """For a caller with k callers ahead: P(answered), E[wait; answered] (first step)."""
    answered, waited = [], []
    p_next, w_next = 1.0, 0.0  # beyond the head of the queue: answered, no more wait
    for k in range(ahead + 1):
        moving = agents / aht + k / patience
        rate = moving + 1.0 / patience
        p_next, w_next = moving / rate * p_next, moving / rate * (w_next + p_next / rate)
        answered.append(p_next)
        waited.append(w_next)
    return answered, waited


def tagged_within(agents: int, aht: float, patience: float, start: list[float],
                  seconds: float) -> tuple[float, float]:
    """(answered, abandoned) within ``seconds`` from a start over k ahead: uniformization."""
    top = len(start) - 1
    uniform = agents / aht + (top + 1) / patience
    probs = list(start)
    answered = abandoned = 0.0
    weight = math.exp(-uniform * seconds)
    done_answered = done_abandoned = 0.0  # mass absorbed after n jumps
    n = 0
    while n < uniform * seconds or weight > 1e-300:
        answered += weight * done_answered
        abandoned += weight * done_abandoned
        moved = [0.0] * len(probs)
        for k, p in enumerate(probs):
            forward = (agents / aht + k / patience) / uniform
            quit_ = 1.0 / patience / uniform
            if k == 0:
                done_answered += p * forward
            else:
                moved[k - 1] += p * forward
            done_abandoned += p * quit_
            moved[k] += p * (1.0 - forward - quit_)
        probs = moved
        n += 1
        weight *= uniform * seconds / n
    return answered, abandoned


@pytest.mark.parametrize(
    ("traffic", "agents", "patience"),
    [(10.0, 14, 120.0), (12.0, 10, 60.0), (40.0, 45, 300.0)],
    ids=["under", "over", "bigger"],
)
def test_erlang_a_matches_the_birth_death_chain(
    traffic: float, agents: int, patience: float
) -> None:
    aht = 180.0
    model = erlang_a(traffic, agents, aht, patience)
    pi = stationary(traffic, agents, aht, patience)
    queued = pi[agents:]
    mean_queue = sum(j * p for j, p in enumerate(queued))
    assert model.p_wait == pytest.approx(sum(queued), rel=1e-9)
    assert model.p_abandon == pytest.approx(mean_queue / patience / (traffic / aht), rel=1e-9)

    answered, waited = waits(agents, aht, patience, len(queued) - 1)
    answered_share = 1.0 - sum(queued) + sum(p * a for p, a in zip(queued, answered, strict=True))
    assert 1.0 - model.p_abandon == pytest.approx(answered_share, rel=1e-9)
    total_wait = sum(p * w for p, w in zip(queued, waited, strict=True))
    assert model.asa == pytest.approx(total_wait / answered_share, rel=1e-9)


@pytest.mark.parametrize(
    ("traffic", "agents", "patience", "target"),
    [(10.0, 14, 120.0, 20.0), (12.0, 10, 60.0, 30.0), (10.0, 12, 200.0, 5.0)],
    ids=["under", "over", "short-target"],
)
def test_erlang_a_service_level_matches_the_tagged_caller_chain(
    traffic: float, agents: int, patience: float, target: float
) -> None:
    aht = 180.0
    model = erlang_a(traffic, agents, aht, patience)
    queued = stationary(traffic, agents, aht, patience)[agents:]
    queued = queued[:200]  # the rest is far below the tolerance
    answered, abandoned = tagged_within(agents, aht, patience, queued, target)
    assert model.service_level(target) == pytest.approx(1.0 - model.p_wait + answered, rel=1e-8)
    assert model.abandoned_within(target) == pytest.approx(abandoned, rel=1e-8)
    excluded = model.service_level_excluding(target, short_abandon=target)
    assert excluded == pytest.approx((1.0 - model.p_wait + answered) / (1.0 - abandoned))
