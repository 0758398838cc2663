"""The steps of a script that ask nothing: ``say``, ``branch`` and ``end``.

Every step has a ``type``; the loader picks its model from the registry in
``model.py``, so that an error names ``steps.<step>.<field>``. Shown steps
carry ``text`` (read out) and an optional ``hint`` (for the agent's eyes
only); both may hold merge fields. Targets are step names, or ``resume``:
back to the step where the agent raised the objection being handled.
Validators raise ValueError even for a wrong type (hence ``noqa: TRY004``):
it is what pydantic turns into an error with a location.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from contactcenter.scripting.conditions import Case

#: the target that returns from an objection to where the agent raised it
RESUME = "resume"
#: how a step, an answer key or an objection is named
NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"


def _text(value: Any) -> Any:
    """Scalars as text, trimmed (a folded ``>`` block ends in a newline); YAML 1.1 turns
    yes/no/on/off into booleans, so refuse those."""
    if isinstance(value, bool):
        raise ValueError('YAML read this as true/false; quote it, e.g. "yes"')  # noqa: TRY004
    if isinstance(value, int | float):
        return str(value)
    return value.strip() if isinstance(value, str) else value


Text = Annotated[str, BeforeValidator(_text)]
Name = Annotated[str, Field(pattern=NAME_PATTERN)]
Target = Annotated[str, Field(min_length=1)]


class Step(BaseModel):
    """What every step has; subclasses say what they show and where they lead."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: the agent sees the step; a branch is passed through without being shown
    shown: ClassVar[bool] = True

    def targets(self) -> dict[str, str]:
        """Field (dotted, relative to the step) -> target, for the loader's checks."""
        return {}

    def templates(self) -> dict[str, str]:
        """Field -> text that may hold merge fields, for the loader's checks."""
        return {}


class Shown(Step):
    """A step the desktop shows: a title, the text to read, a hint for the agent."""

    title: Text | None = None
    """A short label for the step, e.g. in the desktop's breadcrumb."""
    text: Annotated[Text, Field(min_length=1)]
    """What the agent reads out; ``{{ contact.first_name }}`` and the like are filled in."""
    hint: Text | None = None
    """A note for the agent only: a knowledge-base article, a tip, a warning."""

    def templates(self) -> dict[str, str]:
        found = {"text": self.text}
        if self.hint is not None:
            found["hint"] = self.hint
        return found


class SayStep(Shown):
    """Text to read; the agent moves on with "next"."""

    type: Literal["say"]
    next: Target

    def targets(self) -> dict[str, str]:
        return {"next": self.next}


class EndStep(Shown):
    """The end of the script: closing words and the suggested outcome."""

    type: Literal["end"]
    outcome: Name | None = None
    """The disposition the script suggests for the call (``sale``, ``callback``...)."""


class BranchStep(Step):
    """Go to the first case whose test holds, else to ``default``; never shown."""

    shown: ClassVar[bool] = False
    type: Literal["branch"]
    cases: Annotated[tuple[Case, ...], Field(min_length=1)]
    default: Target
    """Where to go when no case holds; a branch must always lead somewhere."""

    def targets(self) -> dict[str, str]:
        found = {f"cases.{index}.goto": case.goto for index, case in enumerate(self.cases)}
        return {**found, "default": self.default}

    def choose(self, value_of: Callable[[tuple[str, ...]], object]) -> str:
        """The target, given how to read a field's value."""
        for case in self.cases:
            if case.holds(value_of(case.path)):
                return case.goto
        return self.default
