"""The ACD's configuration as the core uses it: queues, agents, overflow rules.

Plain frozen dataclasses, so that a test builds a config in a line; the YAML
files are read into them by ``loader.py`` (file shape in ``schema.py``). The
value rules live here once, in ``config_problems``: the loader turns each
problem into a ConfigError naming file, line and field, and ``Acd`` refuses a
hand-built config that breaks one (``AcdUsageError``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal, NewType

from contactcenter.ivr.hours import Schedule

CallId = NewType("CallId", str)
AgentId = NewType("AgentId", str)

#: routing strategies by name (their classes are in ``strategies.py``)
STRATEGY_NAMES = ("longest_idle", "round_robin", "fewest_calls", "ring_all", "skills")
OverflowKind = Literal["queue", "voicemail", "callback"]
OVERFLOW_KINDS: tuple[OverflowKind, ...] = ("queue", "voicemail", "callback")
AfterRingTimeout = Literal["not_ready", "available"]
#: where an agent goes when wrap-up ends: ready for the next call, or paused
WrapUpEnd = Literal["available", "paused"]
WRAP_UP_ENDS: tuple[WrapUpEnd, ...] = ("available", "paused")
#: the pause reason of an agent a queue with ``wrap_up_end: paused`` sends to pause
AFTER_CALL = "after_call"
#: a disposition code: what reports group calls by, so plain lower-case words
DISPOSITION_CODE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_LABEL = 80
#: skill levels, worst to best
MIN_LEVEL, MAX_LEVEL = 1, 10
DAY = 86_400


@dataclass(frozen=True, slots=True)
class Overflow:
    """Where a call goes when it waited too long or found the queue full.

    ``queue``: that queue (``target`` names it); ``voicemail``: that mailbox;
    ``callback``: call back ``target``, or the caller's number when None,
    keeping the caller's place in the queue.
    """

    kind: OverflowKind
    target: str | None = None


@dataclass(frozen=True, slots=True)
class Disposition:
    """A code an agent closes a call of the queue with (``sale``), and its label."""

    code: str
    label: str


#: a queue's codes when its config lists none
DEFAULT_DISPOSITIONS: tuple[Disposition, ...] = (
    Disposition("resolved", "Resolved"),
    Disposition("callback_requested", "Callback requested"),
    Disposition("escalated", "Escalated"),
    Disposition("wrong_number", "Wrong number"),
    Disposition("other", "Other"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class SlotRules:
    """A queue's booking settings (``callback_slots``); times are seconds."""

    slot_seconds: int = 1800  #: how long one slot is
    lead_seconds: int = 900  #: the least time between booking and a slot's start
    days_ahead: int = 7  #: how far ahead slots are offered
    share: float = 0.5  #: the part of the spare agents' time booked callbacks may take
    handle_seconds: float = 360.0  #: an agent's time for one booked callback

    def problems(self) -> Iterator[tuple[str, str]]:
        """(field, why) for every value out of range."""
        if not 10 <= self.slot_seconds <= DAY:
            yield "slot_seconds", f"from 10 to {DAY} seconds, not {self.slot_seconds}"
        if not 0 <= self.lead_seconds <= 30 * DAY:
            yield "lead_seconds", f"from 0 to {30 * DAY} seconds, not {self.lead_seconds}"
        if not 1 <= self.days_ahead <= 60:
            yield "days_ahead", f"from 1 to 60 days, not {self.days_ahead}"
        if not 0 < self.share <= 1:
            yield "share", f"a share above 0 up to 1, not {self.share}"
        if not 0 < self.handle_seconds <= DAY:
            yield "handle_seconds", f"above 0 up to {DAY} seconds, not {self.handle_seconds}"



@dataclass(frozen=True, slots=True)
class QueueConfig:
    """One queue; times are seconds."""

    name: str
    strategy: str = "longest_idle"
    #: (fraction, seconds): e.g. 80 % of calls answered within 20 s
    service_level_target: tuple[float, float] = (0.8, 20.0)
    #: how long an agent's phone rings before the call goes to the next agent
    ring_timeout: float = 15.0
    #: after-call work: the agent stays in wrap-up this long after each call
    wrap_up: float = 10.0
    #: a caller waiting longer than this overflows
    max_wait: float | None = None
    #: a caller finding this many callers waiting overflows at once
    max_waiting: int | None = None
    overflow: Overflow | None = None
    #: position and expected wait every this many seconds (None: never)
    announce_every: float | None = None
    announce_on_join: bool = True
    #: the comfort message every this many seconds (None: never)
    comfort_every: float | None = None
    #: the skill a call needs, unless the IVR names one
    required_skill: str | None = None
    #: the lowest level of that skill an agent may have at first
    min_level: int = 1
    #: (seconds waited, min_level) steps that widen the search as the call waits
    widen_after: tuple[tuple[float, int], ...] = ()
    #: what an agent who let the phone ring out (or failed) becomes
    after_ring_timeout: AfterRingTimeout = "not_ready"
    #: callers who hang up within this many seconds do not count against the service level
    short_abandon: float = 5.0
    #: record every connected call (a WAV per call, named on the call's record)
    record: bool = False
    #: the codes an agent disposes of the queue's calls with, in the order shown
    dispositions: tuple[Disposition, ...] = DEFAULT_DISPOSITIONS
    #: where the agent goes when wrap-up ends: available, or paused (reason ``after_call``)
    wrap_up_end: WrapUpEnd = "available"
    #: when the queue is open (None: around the clock); callbacks are booked inside it
    hours: Schedule | None = None
    #: the queue takes callbacks booked for a time slot (None: only "as soon as we can");
    #: the slot rule is ``contactcenter.calls.callback.slots``
    callback_slots: SlotRules | None = None


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """One agent: skills with levels (1 worst to 10 best), queues with tiers (1 first)."""

    id: str
    name: str = ""
    skills: Mapping[str, int] = field(default_factory=dict)
    queues: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AcdConfig:
    queues: Mapping[str, QueueConfig]
    agents: Mapping[str, AgentConfig]


#: which file a problem is in ("queues" or "agents"), the key path in it, and why
Problem = tuple[Literal["queues", "agents"], tuple[str | int, ...], str]


def config_problems(config: AcdConfig) -> Iterator[Problem]:
    """Every rule a config breaks, in file order; the loader and ``Acd`` both ask."""
    for name, queue in config.queues.items():
        for path, reason in _queue_problems(name, queue, config.queues):
            yield "queues", ("queues", name, *path), reason
    yield from _overflow_loops(config.queues)
    for agent_id, agent in config.agents.items():
        for path, reason in _agent_problems(agent_id, agent, config.queues):
            yield "agents", ("agents", agent_id, *path), reason


def _queue_problems(
    name: str, queue: QueueConfig, queues: Mapping[str, QueueConfig]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if queue.name != name:
        yield (), f"the queue is filed under {name!r} but named {queue.name!r}"
    if queue.strategy not in STRATEGY_NAMES:
        reason = f"unknown strategy {queue.strategy!r}; use {', '.join(STRATEGY_NAMES)}"
        yield ("strategy",), reason
    fraction, seconds = queue.service_level_target
    if not 0 < fraction <= 1 or seconds <= 0:
        yield ("service_level_target",), "needs a share above 0 up to 100 % and seconds above 0"
    for key in ("ring_timeout", "announce_every", "comfort_every", "max_wait"):
        value = getattr(queue, key)
        if value is not None and value <= 0:
            yield (key,), f"must be more than 0 seconds, not {value}"
    for key in ("wrap_up", "short_abandon"):
        if getattr(queue, key) < 0:
            yield (key,), f"must not be negative, not {getattr(queue, key)}"
    if queue.max_waiting is not None and queue.max_waiting < 1:
        yield ("max_waiting",), f"must be at least 1, not {queue.max_waiting}"
    if queue.after_ring_timeout not in ("not_ready", "available"):
        yield ("after_ring_timeout",), "use not_ready or available"
    if queue.wrap_up_end not in WRAP_UP_ENDS:
        yield ("wrap_up_end",), f"use {' or '.join(WRAP_UP_ENDS)}"
    if queue.callback_slots is not None:
        for key, reason in queue.callback_slots.problems():
            yield ("callback_slots", key), reason
    yield from _disposition_problems(queue)
    yield from _level_problems(queue)
    yield from _overflow_problems(name, queue, queues)


def _level_problems(queue: QueueConfig) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if not MIN_LEVEL <= queue.min_level <= MAX_LEVEL:
        yield ("min_level",), f"a level is {MIN_LEVEL} to {MAX_LEVEL}, not {queue.min_level}"
    after, level = 0.0, queue.min_level
    for index, (seconds, step_level) in enumerate(queue.widen_after):
        if seconds <= after:
            yield ("widen_after", index, "after"), "steps must come later and later (seconds)"
        elif not MIN_LEVEL <= step_level < level:
            reason = f"each step lowers the level, down to {MIN_LEVEL}: below {level}"
            yield ("widen_after", index, "min_level"), reason
        after, level = seconds, step_level


def _disposition_problems(queue: QueueConfig) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if not queue.dispositions:
        yield ("dispositions",), "list at least one code (or leave it out for the default set)"
    seen: set[str] = set()
    for index, disposition in enumerate(queue.dispositions):
        if not DISPOSITION_CODE.match(disposition.code):
            reason = "lower-case letters, digits and _, starting with a letter, up to 64"
            yield ("dispositions", index, "code"), f"{disposition.code!r}: {reason}"
        elif disposition.code in seen:
            yield ("dispositions", index, "code"), f"{disposition.code!r} is listed twice"
        elif not 0 < len(disposition.label.strip()) <= MAX_LABEL:
            yield ("dispositions", index, "label"), f"text of 1 to {MAX_LABEL} characters"
        seen.add(disposition.code)


def _overflow_problems(
    name: str, queue: QueueConfig, queues: Mapping[str, QueueConfig]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    overflow = queue.overflow
    if overflow is None:
        if queue.max_wait is not None or queue.max_waiting is not None:
            reason = "max_wait and max_waiting need an overflow (queue, voicemail or callback)"
            yield ("overflow",), reason
        return
    if overflow.kind not in OVERFLOW_KINDS:
        reason = f"unknown kind {overflow.kind!r}; use {', '.join(OVERFLOW_KINDS)}"
        yield ("overflow", "kind"), reason
    elif overflow.kind != "callback" and not overflow.target:
        yield ("overflow", "target"), f"an overflow to {overflow.kind} needs a target"
    elif overflow.kind == "queue" and overflow.target not in queues:
        yield ("overflow", "target"), f"no queue named {overflow.target!r}"
    elif overflow.kind == "queue" and overflow.target == name:
        yield ("overflow", "target"), "a queue cannot overflow to itself"


def _overflow_loops(queues: Mapping[str, QueueConfig]) -> Iterator[Problem]:
    """Queue overflows must end somewhere: a loop would pass a caller round forever."""
    for name in queues:
        trail = [name]
        overflow = queues[name].overflow
        while overflow is not None and overflow.kind == "queue" and overflow.target in queues:
            target = str(overflow.target)
            if target == name:
                loop = " -> ".join([*trail, target])
                yield "queues", ("queues", name, "overflow", "target"), f"overflow loops: {loop}"
                break
            if target in trail:
                break  # a loop that does not pass through this queue: reported at its own queues
            trail.append(target)
            overflow = queues[target].overflow


def _agent_problems(
    agent_id: str, agent: AgentConfig, queues: Mapping[str, QueueConfig]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if agent.id != agent_id:
        yield (), f"the agent is filed under {agent_id!r} but has the id {agent.id!r}"
    for skill, level in agent.skills.items():
        if not MIN_LEVEL <= level <= MAX_LEVEL:
            yield ("skills", skill), f"a level is {MIN_LEVEL} to {MAX_LEVEL}, not {level}"
    for queue, tier in agent.queues.items():
        if queue not in queues:
            yield ("queues", queue), f"no queue named {queue!r}"
        elif tier < 1:
            yield ("queues", queue), f"a tier is 1 (first) or more, not {tier}"
