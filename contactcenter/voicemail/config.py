"""The voicemail config (``config/voicemail.yaml``, setting ``acd.voicemail``): declared
boxes, each queue's age limit, the dispositions a message is handled with.

Checked at start against the ACD's queues and agents and against every place a
mailbox is named (the IVR's ``voicemail`` nodes, the queues' voicemail
overflow): a mistake is a ``ConfigError`` naming the file, the line and the
field. A missing file is the defaults: each queue and each agent has a box of
its own name, 4 hours to handle a message, the default dispositions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from contactcenter.acd.model import AcdConfig
from contactcenter.config.files import ConfigError, LineMap, line_of, load_yaml, validate
from contactcenter.voicemail.boxes import DEFAULT_MAX_AGE, Box, Mailboxes

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
Code = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_]{1,40}$")]
Label = Annotated[str, StringConstraints(min_length=1, max_length=80)]
Seconds = Annotated[float, Field(gt=0, le=90 * 86400)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BoxConfig(_Strict):
    """A named box and whose it is: exactly one of ``queue`` and ``agent``."""

    queue: Name | None = None
    agent: Name | None = None

    @model_validator(mode="after")
    def _one_owner(self) -> BoxConfig:
        if (self.queue is None) == (self.agent is None):
            raise ValueError("name exactly one of queue and agent")
        return self


class QueueBoxConfig(_Strict):
    max_age: Seconds = DEFAULT_MAX_AGE
    """Seconds a message of the queue's box may wait unhandled before it is flagged."""


class DispositionConfig(_Strict):
    code: Code
    label: Label


DEFAULT_DISPOSITIONS = (
    DispositionConfig(code="called_back", label="Called back"),
    DispositionConfig(code="left_message", label="Called, left a message"),
    DispositionConfig(code="resolved", label="Resolved without a call"),
    DispositionConfig(code="no_action", label="No action needed"),
    DispositionConfig(code="wrong_number", label="Wrong number"),
)


class VoicemailConfig(_Strict):
    default_max_age: Seconds = DEFAULT_MAX_AGE
    queues: dict[Name, QueueBoxConfig] = Field(default_factory=dict)
    mailboxes: dict[Name, BoxConfig] = Field(default_factory=dict)
    dispositions: tuple[DispositionConfig, ...] = Field(DEFAULT_DISPOSITIONS, min_length=1)

    @model_validator(mode="after")
    def _codes_once(self) -> VoicemailConfig:
        codes = [item.code for item in self.dispositions]
        if len(set(codes)) != len(codes):
            raise ValueError("a disposition code is listed twice")
        return self


def load_voicemail(path: Path, acd: AcdConfig) -> tuple[Mailboxes, VoicemailConfig]:
    """The boxes of ``path`` (the defaults when there is no such file), checked against
    the ACD's queues and agents."""
    lines: LineMap = {}
    if not path.exists():
        config = VoicemailConfig()
    else:
        data, lines = load_yaml(path)
        config = validate(VoicemailConfig, data, path=path, lines=lines)
    _check_names(path, lines, config, acd)
    return mailboxes_of(config, acd), config


def mailboxes_of(config: VoicemailConfig, acd: AcdConfig) -> Mailboxes:
    declared = {name: Box(name=name, queue=box.queue, agent=box.agent)
                for name, box in config.mailboxes.items()}
    return Mailboxes(declared=declared, queues=frozenset(acd.queues),
                     agents=frozenset(acd.agents),
                     members={name: frozenset(agent.queues)
                              for name, agent in acd.agents.items()},
                     max_age={name: q.max_age for name, q in config.queues.items()},
                     default_max_age=config.default_max_age)


def _check_names(path: Path, lines: LineMap, config: VoicemailConfig,
                 acd: AcdConfig) -> None:
    for name in config.queues:
        _known(path, lines, ("queues", name), name, acd.queues, "queue")
    for name, box in config.mailboxes.items():
        if box.queue is not None:
            _known(path, lines, ("mailboxes", name, "queue"), box.queue, acd.queues, "queue")
        if box.agent is not None:
            _known(path, lines, ("mailboxes", name, "agent"), box.agent, acd.agents, "agent")


def _known(path: Path, lines: LineMap, at: tuple[str, ...], name: str,
           known: Mapping[str, object], what: str) -> None:
    if name not in known:
        raise ConfigError(path, line_of(lines, at), ".".join(at),
                          f"no {what} named {name!r} (have: {', '.join(sorted(known))})")


def check_named(boxes: Mailboxes, places: Iterable[tuple[Path, str, str]]) -> None:
    """Every mailbox written down in full (``(file, field, name)``) is a queue's or an
    agent's box; a name built from the caller's input (``{...}``) is checked when used."""
    for path, where, name in places:
        if "{" not in name and not boxes.known(name):
            lines: LineMap = {}
            if path.exists():
                _data, lines = load_yaml(path)
            at = tuple(where.split("."))
            raise ConfigError(path, line_of(lines, at), where,
                              f"no mailbox named {name!r}: declare it in the voicemail "
                              "config, or name a queue or an agent")
