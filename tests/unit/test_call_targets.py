"""Whom a call may be transferred to or consulted with, as the floor is now."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from contactcenter.calls.control.events import Target
from contactcenter.calls.control.targets import TargetRefused, outside_refusal, target_for


@dataclass
class Floor:
    """A floor written down: the queues, the agents' states, the phones registered."""

    queues: set[str] = field(default_factory=lambda: {"support", "sales"})
    agents: dict[str, tuple[str, str]] = field(default_factory=lambda: {
        "agent101": ("available", ""), "agent102": ("paused", "lunch"),
        "agent103": ("available", "")})
    phones: dict[str, str] = field(default_factory=lambda: {
        "agent101": "agent101-web", "agent102": "agent102", "sup1": "sup1"})

    def has_queue(self, name: str) -> bool:
        return name in self.queues

    def agent_state(self, name: str) -> tuple[str, str] | None:
        return self.agents.get(name)

    def phone(self, person: str) -> str | None:
        return self.phones.get(person)


@pytest.mark.parametrize(("kind", "name", "blind", "expected"), [
    ("agent", "agent101", True, Target(kind="agent", name="agent101", endpoint="agent101-web")),
    ("agent", "agent101", False, Target(kind="agent", name="agent101", endpoint="agent101-web")),
    ("queue", "sales", True, Target(kind="queue", name="sales")),
    ("supervisor", "sup1", False, Target(kind="phone", name="sup1", endpoint="sup1")),
])
def test_a_target_that_can_take_the_call_now_is_rung(kind: str, name: str, blind: bool,
                                                      expected: Target) -> None:
    assert target_for(kind, name, blind=blind, floor=Floor()) == expected


@pytest.mark.parametrize(("kind", "name", "blind", "status", "says"), [
    ("agent", "agent999", True, 404, "no agent 'agent999'"),
    ("agent", "agent102", True, 409, "agent102 cannot take a call now (paused: lunch)"),
    ("agent", "agent103", True, 409, "agent103 cannot take a call now (available)"),  # no phone
    ("queue", "billing", True, 404, "no queue 'billing'"),
    ("queue", "sales", False, 422, "a queue cannot be consulted: transfer to it"),
    ("supervisor", "agent101", False, 422, 'agent101 is an agent: use {"agent": "agent101"}'),
    ("supervisor", "sup2", False, 409, "sup2 has no phone registered"),
])
def test_a_target_that_cannot_is_refused_with_the_reason(kind: str, name: str, blind: bool,
                                                         status: int, says: str) -> None:
    assert target_for(kind, name, blind=blind, floor=Floor()) == TargetRefused(status, says)


def test_an_outside_number_needs_an_outbound_peer() -> None:
    assert outside_refusal(dial_out=True) is None
    assert outside_refusal(dial_out=False) == TargetRefused(
        409, "no outbound peer: outside numbers cannot be called")


def test_a_kind_the_floor_does_not_know_is_the_caller_s_mistake() -> None:
    with pytest.raises(ValueError):
        target_for("number", "+12125550100", blind=True, floor=Floor())
