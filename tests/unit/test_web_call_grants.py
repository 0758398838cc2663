"""The web-call grants' book, sans-I/O: a grant places one call, to its own target's
extension, before its deadline; an unused one expires at its deadline; the book never
lets a second call in on a grant, whatever the order of arrivals and deadlines."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactcenter.webcall.grants import (
    PREFIX,
    Grant,
    GrantBook,
    GrantState,
    Refusal,
    extension,
)

GRANT = Grant(id=f"{PREFIX}a1", password="secret-secret", target="sales", issued=100.0,
              expires=220.0, address="192.0.2.7", page="https://shop.example/pricing",
              email="ada@example.com", contact={"id": 1, "name": "Ada", "phone": "+1555"})


def _book(*grants: Grant) -> GrantBook:
    book = GrantBook()
    for grant in grants:
        book.issue(grant)
    return book


def test_a_grant_places_one_call_to_its_target() -> None:
    book = _book(GRANT)
    used = book.arrive(GRANT.id, "web-sales", now=150.0)
    assert isinstance(used, Grant) and used.state is GrantState.USED
    assert used.facts() == {"target": "sales", "page": "https://shop.example/pricing",
                            "origin": "", "email": "ada@example.com",
                            "contact": {"id": 1, "name": "Ada", "phone": "+1555"},
                            "grant": GRANT.id}
    assert book.arrive(GRANT.id, "web-sales", now=151.0) is Refusal.USED
    assert book.next_deadline() is None  # nothing left to expire


@pytest.mark.parametrize(("endpoint", "dialed", "now", "refusal"), [
    (GRANT.id, "web-support", 150.0, Refusal.WRONG_TARGET),
    (GRANT.id, "5000", 150.0, Refusal.WRONG_TARGET),
    (GRANT.id, "web-sales", 220.0, Refusal.EXPIRED),
    (f"{PREFIX}other", "web-sales", 150.0, Refusal.UNKNOWN),
    ("agent101-web", "web-sales", 150.0, Refusal.UNKNOWN),
])
def test_what_a_grant_refuses(endpoint: str, dialed: str, now: float,
                              refusal: Refusal) -> None:
    assert _book(GRANT).arrive(endpoint, dialed, now) is refusal


def test_an_unused_grant_expires_at_its_deadline_and_is_forgotten_once_withdrawn() -> None:
    later = replace(GRANT, id=f"{PREFIX}b2", expires=300.0)
    book = _book(GRANT, later)
    assert book.next_deadline() == 220.0
    assert book.due(219.9) == []
    assert [grant.id for grant in book.due(220.0)] == [GRANT.id]
    assert book.next_deadline() == 300.0
    assert book.arrive(GRANT.id, "web-sales", now=221.0) is Refusal.EXPIRED
    book.forget(GRANT.id)
    assert book.arrive(GRANT.id, "web-sales", now=221.0) is Refusal.UNKNOWN


def test_only_a_web_calls_endpoint_name_and_never_twice() -> None:
    book = _book(GRANT)
    with pytest.raises(ValueError):
        book.issue(GRANT)
    with pytest.raises(ValueError):
        book.issue(replace(GRANT, id="agent101"))
    assert extension("sales") == "web-sales"


@given(st.lists(st.tuples(st.sampled_from(["call", "tick"]), st.floats(0, 400)), max_size=30))
def test_a_grant_lets_at_most_one_call_in_and_none_after_its_deadline(
        steps: list[tuple[str, float]]) -> None:
    book = _book(GRANT)
    admitted: list[float] = []
    for kind, now in sorted(steps, key=lambda step: step[1]):
        if kind == "tick":
            book.due(now)
        elif isinstance(book.arrive(GRANT.id, "web-sales", now), Grant):
            admitted.append(now)
    assert len(admitted) <= 1
    assert all(now < GRANT.expires for now in admitted)
