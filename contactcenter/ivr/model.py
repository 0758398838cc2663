"""The schema of an IVR flow file, ``config/ivr/<name>.yaml``.

A flow is a mapping of named nodes and a ``start`` node. Each node has a
``type`` that picks its model from ``NODE_TYPES`` (a registry by name, so that
the loader validates each node with exactly one model and a config error names
``nodes.<node>.<field>`` rather than a union's guesses). Targets are node names
or ``back`` (the previous menu). The loader checks what one node cannot see
alone: that targets exist, that menu keys are DTMF keys, that ``start`` exists.
Validators raise ValueError even for a wrong type (hence ``noqa: TRY004``):
it is the exception pydantic turns into a validation error with a location.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    PrivateAttr,
    field_validator,
    model_validator,
)

from contactcenter.ivr.commands import ExitKind
from contactcenter.ivr.hours import (
    Holiday,
    Schedule,
    TimeRange,
    build_schedule,
    parse_holiday,
    parse_range,
    zone,
)
from contactcenter.ivr.media import media_uri, render_text
from contactcenter.ivr.speech import phrase

#: the target that returns to the previous menu
BACK = "back"
#: keys a menu option may use (a DTMF keypad without the A-D column)
MENU_KEYS = frozenset("0123456789*#")
#: every DTMF key (RFC 4733 events 0-15)
DTMF_KEYS = frozenset("0123456789*#ABCD")


def _as_tuple(value: Any) -> Any:
    """One item or a list: ``prompt: hello`` means ``prompt: [hello]``."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str | dt.date) else value


def _text(value: Any) -> Any:
    """Scalars as text; YAML 1.1 turns yes/no/on/off into booleans, so refuse those."""
    if isinstance(value, bool):
        raise ValueError('YAML read this as true/false; quote it, e.g. "yes"')  # noqa: TRY004
    return str(value) if isinstance(value, int | float) else value


def _text_keys(value: Any) -> Any:
    """Mapping keys as text: YAML reads ``1:`` as a number and ``yes:`` as true."""
    if not isinstance(value, dict):
        return value
    if any(isinstance(key, bool) for key in value):
        raise ValueError('YAML read a key as true/false (yes, no, on, off); quote it, e.g. "yes"')
    return {str(k) if isinstance(k, int | float) else k: v for k, v in value.items()}


def _range(value: Any) -> TimeRange:
    if not isinstance(value, str):
        raise ValueError(f'expected a range like "08:00-18:00", got {value!r}')  # noqa: TRY004
    return parse_range(value)


def _holiday(value: Any) -> Holiday:
    if not isinstance(value, str | dt.date):
        raise ValueError(f"expected a date like 2026-12-24 or 12-25, got {value!r}")  # noqa: TRY004
    return parse_holiday(value)


def _fields(value: Any) -> Any:
    """``fields: [name, vip]`` copies each field into the variable of the same name."""
    if isinstance(value, list | tuple):
        return {item: item for item in value}
    return value


Text = Annotated[str, BeforeValidator(_text)]
VarName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
NodeName = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]
Target = Annotated[str, Field(min_length=1)]
Choices = Annotated[dict[str, Target], BeforeValidator(_text_keys), Field(min_length=1)]
Prompt = Annotated[
    tuple[Annotated[str, AfterValidator(media_uri)], ...], BeforeValidator(_as_tuple)
]
Seconds = Annotated[float, Field(gt=0, le=3600)]
#: option key -> what a caller may say for it (one phrase, or a list)
Phrases = Annotated[
    dict[str, Annotated[tuple[Annotated[Text, AfterValidator(phrase)], ...],
                        BeforeValidator(_as_tuple), Field(min_length=1)]],
    BeforeValidator(_text_keys),
]
#: call variables the platform reads itself, and what a value given outright must be
#: (a template, ``{name}``, is checked when the call renders it)
KNOWN_VARIABLES = {
    "priority": (re.compile(r"^-?[0-9]{1,6}$"), "a whole number (higher is answered first)"),
    "skill": (re.compile(r"^[A-Za-z0-9_.-]+$"), "a skill's name"),
    "language": (re.compile(r"^[a-z]{2,3}([_-][A-Za-z0-9]{2,8})?$"),
                 "a language code such as en or pt_BR"),
}


def _known_values(variables: dict[str, str]) -> dict[str, str]:
    for name, (pattern, what) in KNOWN_VARIABLES.items():
        value = variables.get(name)
        if value is not None and "{" not in value and value and not pattern.match(value):
            raise ValueError(f"{name}: {value!r} is not {what}")
    return variables


Variables = Annotated[dict[VarName, Text], AfterValidator(_known_values)]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Ranges = Annotated[
    tuple[Annotated[TimeRange, PlainValidator(_range)], ...], BeforeValidator(_as_tuple)
]
Holidays = Annotated[
    tuple[Annotated[Holiday, PlainValidator(_holiday)], ...], BeforeValidator(_as_tuple)
]


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: entering the node never waits for the caller, a prompt or the CRM
    instant: ClassVar[bool] = False

    def targets(self) -> dict[str, str]:
        """Field (dotted, relative to the node) -> target, for the loader's cross-checks."""
        return {}


class PlayNode(_Node):
    """Play a prompt, then go on; keys pressed meanwhile are not for this node."""

    type: Literal["play"]
    prompt: Annotated[Prompt, Field(min_length=1)]
    next: Target

    def targets(self) -> dict[str, str]:
        return {"next": self.next}


class SetNode(_Node):
    """Set call variables (values are templates), then go on."""

    instant: ClassVar[bool] = True
    type: Literal["set"]
    variables: Annotated[Variables, Field(min_length=1)]
    next: Target

    def targets(self) -> dict[str, str]:
        return {"next": self.next}


class BranchNode(_Node):
    """Route on one call variable's value; ``default`` when no case matches."""

    instant: ClassVar[bool] = True
    type: Literal["branch"]
    variable: VarName
    cases: Choices
    default: Target

    def targets(self) -> dict[str, str]:
        return {**{f"cases.{k}": v for k, v in self.cases.items()}, "default": self.default}


class HoursNode(_Node):
    """Route on business hours; a weekday left out of ``weekly`` is closed all day."""

    instant: ClassVar[bool] = True
    type: Literal["hours"]
    timezone: str
    weekly: dict[Weekday, Ranges] = Field(default_factory=dict)
    holidays: Holidays = ()
    open: Target
    closed: Target
    _schedule: Schedule = PrivateAttr()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    def model_post_init(self, context: Any, /) -> None:
        weekly = {str(day): ranges for day, ranges in self.weekly.items()}
        self._schedule = build_schedule(self.timezone, weekly, self.holidays)

    def is_open(self, now: float) -> bool:
        return self._schedule.is_open(now)

    def targets(self) -> dict[str, str]:
        return {"open": self.open, "closed": self.closed}


class LookupNode(_Node):
    """A CRM data dip: ``caller`` looks up the caller's number, ``account`` a key template.

    A lookup that gets no answer within ``timeout`` goes to ``not_found``, so a
    slow CRM delays the caller by at most that long.
    """

    type: Literal["lookup"]
    kind: Literal["caller", "account"]
    key: str = "{caller}"
    fields: Annotated[dict[str, VarName], BeforeValidator(_fields)] = Field(default_factory=dict)
    timeout: Seconds = 3.0
    found: Target
    not_found: Target

    @model_validator(mode="before")
    @classmethod
    def _account_key(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("kind") == "account" and "key" not in data:
            raise ValueError('an account lookup needs a key, e.g. key: "{account}"')
        return data

    def targets(self) -> dict[str, str]:
        return {"found": self.found, "not_found": self.not_found}


class _Asking(_Node):
    """What menus and inputs share: a prompt, a timeout, retries and a fallback.

    ``max_retries`` counts replays after the first attempt: with 3, the caller
    hears the prompt at most four times, and the fourth failure takes ``fallback``.
    """

    prompt: Prompt
    timeout: Seconds = 5.0
    max_retries: int = Field(3, ge=0, le=20)
    invalid_prompt: Prompt = ()
    no_input_prompt: Prompt = ()
    fallback: Target
    speech: bool = False
    """Listen for speech too, where the driver can (Twilio); elsewhere keys only."""
    min_confidence: float = Field(0.4, ge=0, le=1)
    """Speech the recognizer is less sure of counts as not understood (an invalid key)."""


class MenuNode(_Asking):
    """One key picks an option; a key pressed during the prompt stops it and counts."""

    type: Literal["menu"]
    prompt: Annotated[Prompt, Field(min_length=1)]
    options: Choices
    say: Phrases = Field(default_factory=dict)
    """What a caller may say for an option (with ``speech``), by its key."""

    def targets(self) -> dict[str, str]:
        return {**{f"options.{k}": v for k, v in self.options.items()}, "fallback": self.fallback}


class InputNode(_Asking):
    """Several digits into a variable, ended by the terminator, ``max_digits`` or a pause.

    After the first key, ``digit_timeout`` (default: ``timeout``) bounds the
    pause between keys; a pause with at least ``min_digits`` keys accepts them,
    like Asterisk's Read().
    """

    type: Literal["input"]
    variable: VarName
    min_digits: int = Field(1, ge=1, le=64)
    max_digits: int = Field(20, ge=1, le=64)
    terminator: Literal["#", "*"] | None = "#"
    digit_timeout: Seconds | None = None
    next: Target

    @model_validator(mode="after")
    def _digit_bounds(self) -> InputNode:
        if self.min_digits > self.max_digits:
            raise ValueError(
                f"min_digits ({self.min_digits}) exceeds max_digits ({self.max_digits})"
            )
        return self

    @property
    def pause(self) -> float:
        return self.digit_timeout if self.digit_timeout is not None else self.timeout

    def targets(self) -> dict[str, str]:
        return {"next": self.next, "fallback": self.fallback}


class _ExitNode(_Node):
    """The IVR hands the call on; ``variables`` are set first, ``prompt`` played first."""

    kind: ClassVar[ExitKind]
    prompt: Prompt = ()
    variables: Variables = Field(default_factory=dict)
    reason: str | None = None
    """What reports show as the exit's reason; defaults to the node's name."""

    def exit_target(self, variables: Mapping[str, str]) -> str | None:
        return None


class QueueNode(_ExitNode):
    """To an ACD queue; the call's skill, priority and language go with it."""

    kind: ClassVar[ExitKind] = ExitKind.QUEUE
    type: Literal["queue"]
    queue: Annotated[Text, Field(min_length=1)]

    def exit_target(self, variables: Mapping[str, str]) -> str | None:
        return render_text(self.queue, variables)


class VoicemailNode(_ExitNode):
    """To a voicemail box."""

    kind: ClassVar[ExitKind] = ExitKind.VOICEMAIL
    type: Literal["voicemail"]
    mailbox: Annotated[Text, Field(min_length=1)]

    def exit_target(self, variables: Mapping[str, str]) -> str | None:
        return render_text(self.mailbox, variables)


class CallbackNode(_ExitNode):
    """A callback request; ``number`` defaults to the caller's own number."""

    kind: ClassVar[ExitKind] = ExitKind.CALLBACK
    type: Literal["callback"]
    number: str = "{caller}"
    queue: str | None = None
    """The ACD queue whose agents call back, in turn (the exit's ``callback_queue``
    variable); none: the request is only recorded."""

    def exit_target(self, variables: Mapping[str, str]) -> str | None:
        return render_text(self.number, variables) or None


class HangupNode(_ExitNode):
    """End the call, after the optional goodbye ``prompt``."""

    kind: ClassVar[ExitKind] = ExitKind.HANGUP
    type: Literal["hangup"]


ExitNode = QueueNode | VoicemailNode | CallbackNode | HangupNode
Node = PlayNode | SetNode | BranchNode | HoursNode | LookupNode | MenuNode | InputNode | ExitNode

#: node ``type`` -> its model
NODE_TYPES: dict[str, type[Node]] = {
    "menu": MenuNode,
    "input": InputNode,
    "play": PlayNode,
    "set": SetNode,
    "branch": BranchNode,
    "hours": HoursNode,
    "lookup": LookupNode,
    "queue": QueueNode,
    "voicemail": VoicemailNode,
    "callback": CallbackNode,
    "hangup": HangupNode,
}


class FlowFile(BaseModel):
    """The top level of a flow file; ``nodes`` are validated one by one with NODE_TYPES."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: NodeName
    """The node a call enters first."""
    variables: Variables = Field(default_factory=dict)
    """Call variables every call starts with (``language``, ``skill``, ``priority``...)."""
    max_prompt_seconds: Seconds = 300.0
    """How long a prompt may play before the core stops waiting for its end, so that a
    lost PlaybackFinished cannot strand a caller."""
    nodes: Annotated[dict[NodeName, dict[str, Any]], Field(min_length=1)]


@dataclass(frozen=True, slots=True)
class Flow:
    """A validated flow, ready for IvrSession; named after its file."""

    name: str
    start: str
    nodes: Mapping[str, Node]
    variables: Mapping[str, str]
    max_prompt_seconds: float = 300.0
