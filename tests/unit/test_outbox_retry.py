"""The outboxes' retry clock: when the database is tried again after it refused.

While the CRM is down the outboxes keep taking the bus's events; the clock decides
that an event is not another attempt before the pause is over, the pause doubling
up to its cap, and back to the first pause once a write goes through.
"""

from __future__ import annotations

from contactcenter.events.retry import Backoff


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _backoff(clock: FakeClock, first: float = 0.5, cap: float = 30.0) -> Backoff:
    return Backoff(clock, first_pause=first, max_pause=cap)


def test_the_first_attempt_is_due_at_once() -> None:
    assert _backoff(FakeClock()).wait() <= 0


def test_after_a_failure_no_attempt_is_due_before_the_pause_is_over() -> None:
    clock = FakeClock()
    retry = _backoff(clock)
    assert retry.failed() == 0.5
    assert retry.wait() == 0.5
    clock.now += 0.3  # events come meanwhile: each finds the attempt not yet due
    assert retry.wait() > 0
    clock.now += 0.2
    assert retry.wait() <= 0


def test_the_pause_doubles_with_each_failure_up_to_the_cap() -> None:
    clock = FakeClock()
    retry = _backoff(clock)
    pauses = []
    for _ in range(9):
        pauses.append(retry.failed())
        clock.now += pauses[-1]  # each attempt made when due, and refused again
    assert pauses == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_the_pause_counts_from_the_failure_not_from_when_it_was_due() -> None:
    """A slow refusal (a connection that timed out) does not eat into the pause."""
    clock = FakeClock()
    retry = _backoff(clock, first=2.0)
    clock.now += 7.0  # the attempt took this long to fail
    retry.failed()
    assert retry.wait() == 2.0


def test_a_success_makes_attempts_due_at_once_and_the_next_failure_waits_the_first_pause(
        ) -> None:
    clock = FakeClock()
    retry = _backoff(clock)
    for _ in range(4):
        clock.now += retry.failed()
    retry.succeeded()
    assert retry.wait() <= 0  # each event after a success is written at once
    clock.now += 1.0
    assert retry.wait() <= 0
    assert retry.failed() == 0.5
    assert retry.failed() == 1.0


def test_a_first_pause_above_the_cap_is_waited_once_then_the_cap() -> None:
    """As the outboxes always did: ``first_pause`` as given, the doubled ones capped."""
    clock = FakeClock()
    retry = _backoff(clock, first=45.0, cap=30.0)
    assert [retry.failed() for _ in range(3)] == [45.0, 30.0, 30.0]
