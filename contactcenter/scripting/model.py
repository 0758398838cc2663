"""The schema of a call script file, ``config/scripts/<name>.yaml``.

A script is a mapping of named ``steps`` and a ``start`` step. Each step's
``type`` (and, for a question, its ``kind``) picks its model from
``STEP_TYPES`` and ``QUESTION_TYPES``, so that the loader validates each step
with exactly one model and an error names ``steps.<step>.<field>``.

``queues`` and ``campaigns`` say which calls the script is for; ``default:
true`` makes it the script for every other call. ``objections`` are jump
points: a name, the label on the agent's button, and the first step of the
detour, which ends at a step leading to ``resume`` (back where the agent
was) or at an ``end`` step. ``fallbacks`` give the text of a merge field
whose value is missing, for every step at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from contactcenter.config.files import LineMap, line_of
from contactcenter.scripting.merge import PATH_PATTERN
from contactcenter.scripting.questions import QUESTION_TYPES, Question
from contactcenter.scripting.steps import (
    RESUME,
    BranchStep,
    EndStep,
    Name,
    SayStep,
    Step,
    Target,
    Text,
)

__all__ = [
    "QUESTION_TYPES",
    "RESUME",
    "STEP_TYPES",
    "AnyStep",
    "Objection",
    "Script",
    "ScriptFile",
    "Source",
]

AnyStep = SayStep | Question | BranchStep | EndStep

#: step ``type`` -> its model; a question's model is then picked by its ``kind``
STEP_TYPES: dict[str, type[Step]] = {
    "say": SayStep,
    "question": Question,
    "branch": BranchStep,
    "end": EndStep,
}


def _as_tuple(value: Any) -> Any:
    """One name or a list: ``queues: sales`` means ``queues: [sales]``."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else value


def _objection(value: Any) -> Any:
    """``too_expensive: reframe_value`` is short for ``{step: reframe_value}``."""
    return {"step": value} if isinstance(value, str) else value


QueueName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]
Names = Annotated[tuple[QueueName, ...], BeforeValidator(_as_tuple)]
FieldPath = Annotated[str, Field(pattern=PATH_PATTERN)]


class Objection(BaseModel):
    """A jump point the agent can take from any step, and come back from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: Text | None = None
    """The button's text; defaults to the name, ``too_expensive`` -> "Too expensive"."""
    step: Target
    """The first step of the detour."""


ObjectionEntry = Annotated[Objection, BeforeValidator(_objection)]


class ScriptFile(BaseModel):
    """The top level of a script file; ``steps`` are validated one by one."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text | None = None
    """What the desktop calls the script; defaults to the file's name."""
    description: Text | None = None
    """For the people who maintain the script."""
    default: bool = False
    """The script for calls no other script claims; at most one script is the default."""
    queues: Names = ()
    """The ACD queues whose calls get this script; a queue belongs to one script."""
    campaigns: Names = ()
    """The outbound campaigns whose calls get this script; a campaign belongs to one script."""
    start: Name
    fallbacks: dict[FieldPath, Text] = Field(default_factory=dict)
    """Merge field -> the text shown when its value is missing, e.g. ``contact.first_name: there``."""
    objections: dict[Name, ObjectionEntry] = Field(default_factory=dict)
    steps: Annotated[dict[Name, dict[str, Any]], Field(min_length=1)]


@dataclass(frozen=True, slots=True)
class Source:
    """Where a script came from, to name file and line in later cross-checks."""

    path: Path
    lines: LineMap = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Script:
    """A validated script, ready for ScriptSession; named after its file."""

    name: str
    start: str
    steps: Mapping[str, AnyStep]
    title: str = ""
    objections: Mapping[str, Objection] = field(default_factory=dict)
    fallbacks: Mapping[str, str] = field(default_factory=dict)
    queues: tuple[str, ...] = ()
    campaigns: tuple[str, ...] = ()
    default: bool = False
    source: Source | None = field(default=None, compare=False, repr=False)

    def label(self, objection: str) -> str:
        """The text of an objection's button."""
        label = self.objections[objection].label
        return label or objection.replace("_", " ").capitalize()

    def where(self, *key: str | int) -> tuple[Path, int | None]:
        """The file and line of a key path (``"queues", 0``), for an error message."""
        if self.source is None:
            return Path(f"<{self.name}>"), None
        return self.source.path, line_of(self.source.lines, key)

