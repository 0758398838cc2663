"""What the agent did on the desktop: facts the engine reports to the script core.

Events are past-tense, frozen and keyword-only. One session serves one call,
so events carry no call id: the engine routes them to the right session.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class StepAnswered:
    """The agent answered ``step`` (or clicked "next" on a step that asks nothing).

    ``answer`` is what the form sent: text, a number, a boolean, a date, or None
    for no answer. ``step`` is the step the desktop showed, so that a late click
    on a step the script has left is told apart from an answer to the current one.
    """

    step: str
    answer: object = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectionRaised:
    """The agent took the jump point of an objection (``too_expensive``...)."""

    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ResumedFromObjection:
    """The agent returned from an objection to the step where they raised it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class WentBack:
    """The agent went back one step."""


ScriptEvent = StepAnswered | ObjectionRaised | ResumedFromObjection | WentBack
