"""What the agent's desktop shows: the current step, rendered, as plain data.

Views are frozen dataclasses of text, numbers and tuples, so that
``dataclasses.asdict(view)`` is ready for JSON. Text is plain text with the
merge fields filled in; the page escapes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: what an answer is once validated: what the call's record stores
AnswerValue = str | bool | int | float

StepKind = Literal["say", "question", "end"]
QuestionKind = Literal["choice", "yes_no", "text", "number", "date"]


@dataclass(frozen=True, slots=True, kw_only=True)
class QuestionView:
    """How to ask: the input to show and its limits."""

    kind: QuestionKind
    key: str
    """The name the answer is saved under in ``answers()``."""
    required: bool = True
    options: tuple[str, ...] = ()
    """``choice``: the options, in order."""
    minimum: float | str | None = None
    """``number``: the least value; ``date``: the earliest ISO date."""
    maximum: float | str | None = None
    """``number``: the greatest value; ``date``: the latest ISO date."""
    integer: bool = False
    """``number``: whole numbers only."""
    max_length: int | None = None
    """``text``: the longest answer."""
    previous: AnswerValue | None = None
    """The answer given before the agent went back here, to fill the input with."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ObjectionView:
    """A jump point the agent may take from this step."""

    name: str
    label: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StepView:
    """The current step of a call's script, ready to render."""

    script: str
    step: str
    kind: StepKind
    title: str | None
    text: str
    """What the agent reads out, merge fields filled in."""
    hint: str | None = None
    """A note for the agent only (a knowledge-base pointer, a tip), merge fields filled in."""
    question: QuestionView | None = None
    objections: tuple[ObjectionView, ...] = ()
    """The jump points open from here (none once the script has ended)."""
    objection: str | None = None
    """The objection being handled, when the step belongs to one."""
    can_go_back: bool = False
    can_resume: bool = False
    """True while handling an objection: the agent may return to the script."""
    outcome: str | None = None
    """``end`` steps: the disposition the script suggests for the call."""
