"""What the script core asks the desktop and the engine to do: imperatives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from contactcenter.scripting.view import AnswerValue, StepView


@dataclass(frozen=True, slots=True, kw_only=True)
class ShowStep:
    """Render this step on the agent's desktop (it replaces the one shown)."""

    view: StepView


@dataclass(frozen=True, slots=True, kw_only=True)
class ShowError:
    """Tell the agent why their action was refused; nothing else changed."""

    step: str
    """The step still shown."""
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordAnswers:
    """The answers changed: the call's record should now hold exactly these."""

    answers: Mapping[str, AnswerValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Finish:
    """The script reached an end step: suggest ``outcome`` as the call's disposition.

    The agent may still go back (a mis-click); the last Finish before the call is
    wrapped up is the one that counts.
    """

    outcome: str | None
    answers: Mapping[str, AnswerValue] = field(default_factory=dict)


ScriptCommand = ShowStep | ShowError | RecordAnswers | Finish
