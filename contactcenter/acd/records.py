"""The core's live records of agents, calls and queues (mutable, slotted, private).

The public views of them are ``AgentStateView``, ``CallView``, ``QueueStats``
and ``AgentStats`` (``views.py``); nothing outside the core holds a record.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from contactcenter.acd.model import AgentConfig, AgentId, CallId, QueueConfig
from contactcenter.acd.states import AgentState, CallState

if TYPE_CHECKING:
    from contactcenter.acd.index import AgentBucket, CallBucket, SkillGroup
    from contactcenter.acd.strategies import Strategy

#: (queue, tier, group, level in the group's skill, the agent heap of that level): where
#: an agent is filed, worked out once per group rather than on every availability
Slot = tuple["QueueRecord", int, "SkillGroup", int, "AgentBucket"]
#: completed calls per queue that the handle time for expected waits averages over
AHT_WINDOW = 20


class AgentRecord:
    __slots__ = (
        "after",
        "call",
        "call_paused",
        "calls",
        "config",
        "gen",
        "id",
        "idle_since",
        "memberships",
        "order",
        "reason",
        "since",
        "slots",
        "state",
        "talk",
        "timers",
        "totals",
        "turns",
    )

    def __init__(self, config: AgentConfig, order: int, now: float) -> None:
        self.id = AgentId(config.id)
        self.config = config
        self.order = order  # place in the config, for round robin's first turn
        self.state = AgentState.LOGGED_OUT
        self.reason = ""
        self.since = now
        self.call: CallRecord | None = None  # ringing for, talking to, or wrapping up
        self.gen = 0  # moves on when the agent stops being available (index.py)
        self.idle_since = now
        self.calls = 0  # calls answered
        self.turns: dict[str, int] = {}  # queue -> when it last offered a call (round robin)
        self.totals = dict.fromkeys(AgentState, 0.0)  # seconds spent in each state
        #: of the seconds paused, those paused for a call of their own (``CALL_PAUSES``)
        self.call_paused = 0.0
        #: what to become once the call and wrap-up are over (a pause or logout asked meanwhile)
        self.after: tuple[AgentState, str] | None = None
        self.talk = 0.0  # seconds of talk of the call being wrapped up
        self.timers: dict[str, int] = {}
        self.memberships: list[tuple[QueueRecord, int]] = []  # (queue, tier), tier 1 first
        #: where routing files the agent: one slot per queue and skill group they fit
        self.slots: list[Slot] = []


class CallRecord:
    __slots__ = (
        "agent",
        "answered_at",
        "armed",
        "bucket",
        "callback",
        "caller",
        "declined",
        "entered",
        "entry",
        "group",
        "id",
        "joined",
        "min_level",
        "offers",
        "order_key",
        "priority",
        "queue",
        "skill",
        "state",
        "timers",
        "variables",
        "widen_step",
    )

    def __init__(
        self, call_id: CallId, queue: QueueRecord, priority: int, now: float, seq: int
    ) -> None:
        self.id = call_id
        self.queue = queue
        self.priority = priority
        self.skill: str | None = None  # the skill asked for in this queue
        self.caller = ""
        self.variables: Mapping[str, str] = {}
        self.joined = now  # first joined the ACD: kept across overflows, orders the line
        self.entered = now  # entered this queue: waits, max_wait and widening count from it
        self.state = CallState.WAITING
        self.group: SkillGroup | None = None
        self.min_level = 0  # the level of its skill an agent needs now (0: any)
        self.widen_step = 0  # next step of the queue's widen_after
        self.entry: tuple[Any, ...] | None = None  # its live entry in a call bucket
        self.bucket: CallBucket | None = None
        self.order_key = (-priority, now, seq)  # in the queue's line (for positions)
        self.offers: dict[AgentId, AgentRecord] = {}  # ringing agents
        self.agent: AgentRecord | None = None  # the agent who answered
        self.declined: set[AgentId] = set()  # let it ring out or failed it, in this queue
        self.callback = False  # the caller left for a callback: a virtual caller
        self.armed = False  # its waiting timers are set (only once it had to wait)
        self.answered_at = 0.0
        self.timers: dict[str, int] = {}


class QueueRecord:
    __slots__ = (
        "abandoned",
        "aht",
        "answer_wait",
        "answered",
        "callbacks",
        "calls",
        "config",
        "counted_abandoned",
        "groups",
        "handle_total",
        "handled",
        "in_target",
        "levels",
        "line",
        "members",
        "name",
        "offered",
        "overflowed",
        "recent",
        "recent_total",
        "staffed",
        "strategy",
        "virtual",
        "working",
    )

    def __init__(self, config: QueueConfig, strategy: Strategy) -> None:
        self.name = config.name
        self.config = config
        self.strategy = strategy
        #: calls are matched by level only when the queue sets a minimum above 1
        self.levels = config.min_level > 1
        self.groups: dict[str | None, SkillGroup] = {}  # by the skill calls ask for
        self.line: list[tuple[int, float, int]] = []  # waiting calls' order keys, sorted
        self.calls: dict[CallId, CallRecord] = {}  # in the queue, not answered; oldest first
        self.members: list[tuple[AgentRecord, int]] = []  # (agent, tier)
        self.staffed = 0  # members logged in and not on a break (``states.staffing``)
        #: members who take its calls: logged in and not paused at all (``states.WORKING``)
        self.working = 0
        self.virtual = 0  # callbacks waiting in ``calls``
        self.offered = 0  # calls that came to the queue (joined or overflowed in)
        self.answered = 0
        self.in_target = 0  # answered within the service level's seconds
        self.abandoned = 0
        self.counted_abandoned = 0  # abandoned after the short-abandon threshold
        self.overflowed = 0  # sent to another queue or to voicemail
        self.callbacks = 0  # callers who left for a callback and stayed as virtual callers
        self.answer_wait = 0.0  # total wait of answered calls
        self.handle_total = 0.0  # total talk + wrap-up of finished calls
        self.handled = 0
        self.recent: deque[float] = deque(maxlen=AHT_WINDOW)
        self.recent_total = 0.0  # their sum, kept as they come and go (no sum per call)
        self.aht: float | None = None  # their mean: None before a call completed

    def add_handle_time(self, seconds: float) -> None:
        """A call's talk + wrap-up is over: into the totals and the moving average."""
        self.handle_total += seconds
        self.handled += 1
        recent = self.recent
        if len(recent) == AHT_WINDOW:  # the oldest leaves the window as this one enters
            self.recent_total -= recent[0]
        recent.append(seconds)
        self.recent_total += seconds
        self.aht = self.recent_total / len(recent)

    def expected_wait(self, position: int) -> float | None:
        """``position`` callers' worth of handle time, spread over the agents who take the
        queue's calls: not over ``staffed``, which counts an agent on a call of their own
        (a campaign's open line lasts hours) who answers none of its callers meanwhile."""
        aht = self.aht
        return None if aht is None else position * aht / max(self.working, 1)
