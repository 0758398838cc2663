"""Dialer campaigns as configured (``config/campaigns.yaml``): every error names file,
line and field, and the platform refuses to start on one.

A campaign is a CRM campaign of channel ``phone`` with its dialing settings: how it
paces (``mode``), who works it (a ``queue``, or named ``agents``), the call script,
the caller ID shown to the people called (without one the campaign will not start:
nobody may be called anonymously), the calling hours, how many lines at most, what
a machine gets, the retry rules by outcome, where its list comes from, and whether
the people called must have given their consent. The law's fixed points are checked
here too, so that no file can ask for less: a number rings at least 15 s, and the
abandoned calls' target is at most 3 % of live answers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from contactcenter.config.files import ConfigError, LineMap, line_of, load_yaml, validate
from crm_core.phones import try_e164

#: the pacing strategies a campaign may name
MODES = ("preview", "progressive", "power", "predictive")
#: a number rings at least this long before it is given up as no answer (see law)
MIN_RING_SECONDS = 15
#: the highest abandoned share any campaign may aim at (US TSR's 3 % of live answers)
MAX_ABANDON_TARGET = 0.03
#: the most lines one campaign may hold (the core keeps one slot per line)
MAX_LINES = 1000


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RetryRule(_Spec):
    """After this outcome, the record is due again ``delay`` seconds later, up to
    ``max_attempts`` attempts in all (the first one included)."""

    delay: Annotated[float, Field(ge=0)]
    max_attempts: Annotated[int, Field(ge=1)]


class Retries(_Spec):
    busy: RetryRule = RetryRule(delay=600, max_attempts=3)
    no_answer: RetryRule = RetryRule(delay=3600, max_attempts=3)
    machine: RetryRule = RetryRule(delay=4 * 3600, max_attempts=2)
    failed: RetryRule = RetryRule(delay=900, max_attempts=2)
    #: within 72 hours an abandoned number is dialed only with an agent held for it
    #: (see law): a shorter delay means such dials
    abandoned: RetryRule = RetryRule(delay=72 * 3600, max_attempts=2)


class MachineRule(_Spec):
    """What an answering machine gets: the campaign's message, or the line dropped."""

    action: Literal["message", "drop"] = "drop"
    message: str | None = None  #: the recording to leave (``recording:NAME``)

    @model_validator(mode="after")
    def _message_named(self) -> MachineRule:
        if self.action == "message" and not self.message:
            raise ValueError("a machine message needs `message`: the recording to leave")
        return self


class CampaignDisposition(_Spec):
    """A code the agent gives a campaign's call; ``callback``: the customer agreed to be
    called back at a time the agent gives with it."""

    code: Annotated[str, Field(min_length=1, max_length=40)]
    label: str
    callback: bool = False


class ListSource(_Spec):
    """Where the records come from: exactly one of a saved segment, the CRM campaign's
    members, the leads (of a status), a CSV file (relative to this file), or a CSV
    uploaded through the API (``upload``: kept by the CRM, ``POST .../{name}/list``)."""

    segment: str | None = None
    members: bool = False
    leads: str | None = None  #: the leads' status, e.g. "new"
    csv: str | None = None
    upload: bool = False

    @field_validator("segment", "leads")
    @classmethod
    def _printable(cls, name: str | None) -> str | None:
        if name is not None and not name.isprintable():
            raise ValueError(f"{name!r} is not a name (it has control characters)")
        return name

    @model_validator(mode="after")
    def _one_source(self) -> ListSource:
        given = [name for name in ("segment", "leads", "csv") if getattr(self, name)]
        given += [name for name in ("members", "upload") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError("exactly one of segment, members, leads, csv, upload"
                             + (f" (not {', '.join(given)})" if given else ""))
        return self


class CampaignSpec(_Spec):
    mode: Literal["preview", "progressive", "power", "predictive"]
    queue: str | None = None
    #: checked even when not given: who works the campaign is a queue or agents, not both
    agents: Annotated[tuple[str, ...], Field(validate_default=True)] = ()
    script: str | None = None
    caller_id: str | None = None  #: E.164; without it the campaign refuses to start
    calling_hours: tuple[dt.time, dt.time] | None = None  #: the settings' when not given
    max_lines: Annotated[int, Field(ge=1, le=MAX_LINES)] = 10
    power_ratio: Annotated[float, Field(ge=1)] = 2.0  #: lines per free agent, in power
    abandon_target: Annotated[float, Field(gt=0, le=MAX_ABANDON_TARGET)] = MAX_ABANDON_TARGET
    ring_seconds: Annotated[int, Field(ge=MIN_RING_SECONDS)] = 20
    #: seconds an agent has to dial or skip a record shown in preview; then the dialer
    #: dials it for them
    preview_seconds: Annotated[int, Field(ge=5, le=600)] = 30
    machine: MachineRule = MachineRule()
    retries: Retries = Retries()
    list: ListSource
    requires_consent: bool = False
    priority: int = 0  #: records of campaigns with a higher one are dialed first
    #: the codes agents give its calls (none: the queue's, and "call back" agreed)
    dispositions: tuple[CampaignDisposition, ...] = ()

    # Each rule is a field's own (its error names the field, in the file and the API).

    @field_validator("agents")
    @classmethod
    def _worked_by(cls, agents: tuple[str, ...], info: ValidationInfo) -> tuple[str, ...]:
        if bool(info.data.get("queue")) == bool(agents):
            raise ValueError("who works it: a `queue`, or a list of `agents` (one of them)")
        return agents

    @field_validator("caller_id")
    @classmethod
    def _e164(cls, caller_id: str | None) -> str | None:
        if caller_id is not None and try_e164(caller_id) != caller_id:
            raise ValueError(f"{caller_id!r} is not an E.164 number "
                             "(+ and digits)")
        return caller_id

    @field_validator("calling_hours")
    @classmethod
    def _in_order(cls, hours: tuple[dt.time, dt.time] | None
                  ) -> tuple[dt.time, dt.time] | None:
        if hours is None:
            return None
        if any(hour.tzinfo is not None for hour in hours):  # the gate compares local times
            raise ValueError("calling_hours are the callee's local time: no UTC offset")
        if hours[0] >= hours[1]:
            raise ValueError("calling_hours must start before they end")
        return hours


class CampaignsFile(_Spec):
    campaigns: dict[str, CampaignSpec] = {}


def load_campaigns(path: Path, *, queues: set[str], agents: set[str],
                   scripts: set[str]) -> dict[str, CampaignSpec]:
    """The campaigns file, checked, with its names checked against the platform's."""
    data, lines = load_yaml(path)
    return parse_campaigns(data, path=path, lines=lines, queues=queues, agents=agents,
                           scripts=scripts)


def parse_campaigns(data: Any, *, path: Path | None = None, lines: LineMap | None = None,
                    queues: set[str], agents: set[str],
                    scripts: set[str]) -> dict[str, CampaignSpec]:
    """Validate already-parsed data (the file's, or data built in a test)."""
    where, lines = path or Path("<campaigns>"), lines or {}
    parsed = validate(CampaignsFile, data if data is not None else {}, path=where, lines=lines)
    for name, spec in parsed.campaigns.items():
        for key, reason in _unknown_names(spec, where, queues, agents, scripts):
            at = ("campaigns", name, *key)
            raise ConfigError(where, line_of(lines, at), ".".join(map(str, at)), reason)
    return dict(parsed.campaigns)


def _unknown_names(spec: CampaignSpec, where: Path, queues: set[str], agents: set[str],
                   scripts: set[str]) -> list[tuple[tuple[str | int, ...], str]]:
    """What the campaign names that the platform does not have (a CSV file too)."""
    problems = unknown_names(spec, queues=queues, agents=agents, scripts=scripts)
    if spec.list.csv and not (where.parent / spec.list.csv).is_file():
        problems.append((("list", "csv"), f"no file {spec.list.csv!r} next to {where.name}"))
    return problems


def unknown_names(spec: CampaignSpec, *, queues: set[str], agents: set[str],
                  scripts: set[str]) -> list[tuple[tuple[str | int, ...], str]]:
    """The queue, agents and call script the campaign names and the platform does not
    have, each with its place in the spec (the file's check and the API's)."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if spec.queue and spec.queue not in queues:
        problems.append((("queue",), f"no queue {spec.queue!r} (have: {_listed(queues)})"))
    for index, agent in enumerate(spec.agents):
        if agent not in agents:
            problems.append((("agents", index), f"no agent {agent!r}"))
    if spec.script and spec.script not in scripts:
        scripted = f"no call script {spec.script!r} (have: {_listed(scripts)})"
        problems.append((("script",), scripted))
    return problems


def _listed(names: set[str]) -> str:
    return ", ".join(sorted(names)) or "none"
