"""Whom a call may go to now: the rules a transfer's or a consultation's target meets.

An agent asks to transfer a call to, or consult, a colleague, a queue, a
supervisor's phone or an outside number. Before call control is asked
(``TransferAsked``, ``ConsultAsked``), the target is checked against the
floor as it is now (``Floor``: the queues, each agent's state, the phones
registered, which the engine reads from the ACD), and either becomes the
``Target`` to ring or is refused with a status and a reason for the agent:

- a queue must exist, and is only a transfer's target: nobody answers a queue
  to be consulted;
- an agent must exist, be available and have a phone registered (the one they
  registered last rings);
- a supervisor is a person outside the ACD with a phone registered; an agent
  named as one is pointed to the agent target instead;
- an outside number needs an outbound peer (``outside_refusal``, before
  anything else), then the call gate's clearing (do-not-call, calling hours),
  which needs the CRM: the engine asks the gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from contactcenter.calls.control.events import Target

#: the kinds of target a request may name
REQUESTED_KINDS = ("agent", "queue", "number", "supervisor")
#: an agent's state in which a call may be sent to them
AVAILABLE = "available"


class Floor(Protocol):
    """The floor as a transfer sees it now."""

    def has_queue(self, name: str) -> bool: ...

    def agent_state(self, name: str) -> tuple[str, str] | None:
        """An ACD agent's state and its reason ("paused", "lunch"); None: no such agent."""

    def phone(self, person: str) -> str | None:
        """The endpoint to ring for a person with a phone registered; None: none is."""


@dataclass(frozen=True, slots=True)
class TargetRefused:
    """The target cannot take the call now: 404 (no such), 409 (not now), 422 (never so)."""

    status: int
    reason: str


def target_for(kind: str, name: str, *, blind: bool, floor: Floor) -> Target | TargetRefused:
    """The target ``kind``/``name`` names, or why not; an outside number is not one of
    these (``outside_refusal``, the gate, then ``Target(kind="number")``)."""
    if kind == "queue":
        return _queue(name, blind, floor)
    if kind == "supervisor":
        return _supervisor(name, floor)
    if kind == "agent":
        return _agent(name, floor)
    raise ValueError(f"not a target kind the floor knows: {kind!r}")


def outside_refusal(*, dial_out: bool) -> TargetRefused | None:
    """Why no outside number can be a target at all (before the gate is asked), if so."""
    if not dial_out:
        return TargetRefused(409, "no outbound peer: outside numbers cannot be called")
    return None


def _queue(name: str, blind: bool, floor: Floor) -> Target | TargetRefused:
    if not floor.has_queue(name):
        return TargetRefused(404, f"no queue {name!r}")
    if not blind:
        return TargetRefused(422, "a queue cannot be consulted: transfer to it")
    return Target(kind="queue", name=name)


def _supervisor(name: str, floor: Floor) -> Target | TargetRefused:
    if floor.agent_state(name) is not None:
        return TargetRefused(422, f"{name} is an agent: use {{\"agent\": \"{name}\"}}")
    endpoint = floor.phone(name)
    if endpoint is None:
        return TargetRefused(409, f"{name} has no phone registered")
    return Target(kind="phone", name=name, endpoint=endpoint)


def _agent(name: str, floor: Floor) -> Target | TargetRefused:
    found = floor.agent_state(name)
    if found is None:
        return TargetRefused(404, f"no agent {name!r}")
    state, reason = found
    endpoint = floor.phone(name)
    if state != AVAILABLE or endpoint is None:
        shown = state + (f": {reason}" if reason else "")
        return TargetRefused(409, f"{name} cannot take a call now ({shown})")
    return Target(kind="agent", name=name, endpoint=endpoint)
