"""The shape of ``config/queues.yaml`` and ``config/agents.yaml``.

Pydantic checks the shape here (which fields, which types); the rules on the
values (ranges, strategies, overflow targets, loops) are ``config_problems``
in ``model.py``, so that a hand-built config meets the very same rules.
Validators raise ValueError even for a wrong type (hence ``noqa: TRY004``):
it is the exception pydantic turns into an error with a location.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from contactcenter.acd.model import (
    DEFAULT_DISPOSITIONS,
    AcdConfig,
    AgentConfig,
    Disposition,
    Overflow,
    OverflowKind,
    QueueConfig,
    SlotRules,
    WrapUpEnd,
)
from contactcenter.ivr.hours import build_schedule, zone
from contactcenter.ivr.model import Holidays, Ranges, Weekday


def _not_bool(value: Any) -> Any:
    """YAML reads yes/no/on/off as booleans, and pydantic would take them as 1 and 0."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {str(value).lower()}")  # noqa: TRY004
    return value


Number = Annotated[float, BeforeValidator(_not_bool)]
Whole = Annotated[int, BeforeValidator(_not_bool)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServiceLevelSpec(_Spec):
    """``{percent: 80, seconds: 20}``: 80 % of calls answered within 20 s."""

    percent: Number
    seconds: Number


class WidenSpec(_Spec):
    """After ``after`` seconds in the queue, agents of ``min_level`` will do."""

    after: Number
    min_level: Whole


class OverflowSpec(_Spec):
    kind: str
    """``queue``, ``voicemail`` or ``callback``."""
    target: str | None = None
    """The queue, the mailbox, or the number to call back (default: the caller's)."""


class DispositionSpec(_Spec):
    """``{code: sale, label: Sale}``; the label defaults to the code in words."""

    code: str
    label: str | None = None

    def build(self) -> Disposition:
        return Disposition(self.code, self.label or self.code.replace("_", " ").capitalize())


class HoursSpec(_Spec):
    """When the queue is open, as an IVR ``hours`` node says it (docs/ivr.md): a zone,
    the open ranges of each weekday (a day left out is closed), holidays."""

    timezone: str
    weekly: dict[Weekday, Ranges] = Field(default_factory=dict)
    holidays: Holidays = ()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value


class SlotRulesSpec(_Spec):
    """The queue takes callbacks booked for a slot; the defaults are ``SlotRules``'s."""

    slot_seconds: Whole = 1800
    lead_seconds: Whole = 900
    days_ahead: Whole = 7
    share: Number = 0.5
    handle_seconds: Number = 360.0


class QueueSpec(_Spec):
    """One queue; the defaults are ``QueueConfig``'s."""

    strategy: str = "longest_idle"
    service_level_target: ServiceLevelSpec = ServiceLevelSpec(percent=80, seconds=20)
    ring_timeout: Number = 15.0
    wrap_up: Number = 10.0
    max_wait: Number | None = None
    max_waiting: Whole | None = None
    overflow: OverflowSpec | None = None
    announce_every: Number | None = None
    announce_on_join: bool = True
    comfort_every: Number | None = None
    required_skill: Name | None = None
    min_level: Whole = 1
    widen_after: list[WidenSpec] = Field(default_factory=list)
    after_ring_timeout: str = "not_ready"
    short_abandon: Number = 5.0
    record: bool = False
    dispositions: list[DispositionSpec] | None = None
    """The codes agents dispose calls with; ``DEFAULT_DISPOSITIONS`` when left out."""
    wrap_up_end: str = "available"
    hours: HoursSpec | None = None
    """When the queue is open; left out: around the clock."""
    callback_slots: SlotRulesSpec | None = None
    """Callbacks booked for a time slot (docs/callbacks.md); left out: none."""

    def build(self, name: str) -> QueueConfig:
        overflow = None
        if self.overflow is not None:
            kind: OverflowKind = self.overflow.kind  # type: ignore[assignment]  # checked later
            overflow = Overflow(kind, self.overflow.target)
        fields = self.model_dump(exclude={"service_level_target", "overflow", "widen_after",
                                          "dispositions", "wrap_up_end", "hours",
                                          "callback_slots"})
        level = self.service_level_target
        codes = DEFAULT_DISPOSITIONS if self.dispositions is None else tuple(
            spec.build() for spec in self.dispositions)
        end: WrapUpEnd = self.wrap_up_end  # type: ignore[assignment]  # checked later
        return QueueConfig(
            name=name,
            service_level_target=(level.percent / 100, level.seconds),
            overflow=overflow,
            widen_after=tuple((step.after, step.min_level) for step in self.widen_after),
            dispositions=codes,
            wrap_up_end=end,
            hours=None if self.hours is None else build_schedule(
                self.hours.timezone, {str(day): r for day, r in self.hours.weekly.items()},
                self.hours.holidays),
            callback_slots=None if self.callback_slots is None else SlotRules(
                **self.callback_slots.model_dump()),
            **fields,
        )


class QueuesFile(_Spec):
    queues: Annotated[dict[Name, QueueSpec], Field(min_length=1)]


class AgentSpec(_Spec):
    name: str = ""
    skills: dict[Name, Whole] = Field(default_factory=dict)
    """Skill -> level, 1 (beginner) to 10 (expert)."""
    queues: dict[Name, Whole] = Field(default_factory=dict)
    """Queue -> tier: a queue offers calls to its tier 1 agents first."""

    def build(self, agent_id: str) -> AgentConfig:
        return AgentConfig(
            id=agent_id, name=self.name, skills=dict(self.skills), queues=dict(self.queues)
        )


class AgentsFile(_Spec):
    agents: Annotated[dict[Name, AgentSpec], Field(min_length=1)]


def build_config(queues: QueuesFile, agents: AgentsFile) -> AcdConfig:
    return AcdConfig(
        queues={name: spec.build(name) for name, spec in queues.queues.items()},
        agents={agent_id: spec.build(agent_id) for agent_id, spec in agents.agents.items()},
    )
