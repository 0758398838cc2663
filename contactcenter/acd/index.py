"""The routing indexes: heaps of available agents and of waiting calls, per queue and skill.

A heap entry is a tuple that sorts by what the strategy prefers, then a number
unique to the entry (so that ties never compare records). Entries are not
removed when their record moves on; they go stale and are dropped when they
reach the top (lazy deletion). An agent entry is live while the agent's
``gen`` is the one it was pushed with (``gen`` moves on whenever the agent
stops being available); a call entry is live while the call's ``entry`` is
that very tuple. A heap is rebuilt without its stale entries when they could
outnumber the live ones, so that a queue nobody calls does not grow without
end: a call heap counts its live entries; an agent heap knows how many agents
can be filed in it (an agent has at most one live entry there), so that an
agent who stops being available touches none of their heaps.
"""

from __future__ import annotations

from heapq import heapify, heappop, heappush
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contactcenter.acd.records import AgentRecord, CallRecord

#: an agent entry: (*strategy key, seq, agent, gen); a call entry: (-priority, joined, seq, call)
Entry = tuple[Any, ...]
#: stale entries tolerated beyond the live ones before a rebuild
_SLACK = 64


class AgentBucket:
    """Available agents of one queue with one skill level (or any level), best first."""

    __slots__ = ("heap", "members")

    def __init__(self) -> None:
        self.heap: list[Entry] = []
        self.members = 0  # agents who can be filed here: the most live entries there can be

    def push(self, agent: AgentRecord, key: tuple[Any, ...], seq: int) -> None:
        heap = self.heap
        if len(heap) > 2 * self.members + _SLACK:
            heap[:] = [e for e in heap if e[-2].gen == e[-1]]
            heapify(heap)
        heappush(heap, (*key, seq, agent, agent.gen))

    def head(self) -> Entry | None:
        """The best live entry, dropping stale ones above it."""
        heap = self.heap
        while heap:
            entry = heap[0]
            if entry[-2].gen == entry[-1]:
                return entry
            heappop(heap)
        return None

    def pop_head(self) -> Entry:
        """Take the head out (``head()`` just returned it)."""
        return heappop(self.heap)

    def push_back(self, entry: Entry) -> None:
        """Return an entry taken with ``pop_head``."""
        heappush(self.heap, entry)


class CallBucket:
    """Waiting calls of one queue with one skill at one minimum level, first in line first."""

    __slots__ = ("heap", "live")

    def __init__(self) -> None:
        self.heap: list[Entry] = []
        self.live = 0

    def push(self, call: CallRecord, seq: int) -> None:
        heap = self.heap
        if len(heap) > 2 * self.live + _SLACK:
            heap[:] = [e for e in heap if e[-1].entry is e]
            heapify(heap)
        entry = (-call.priority, call.joined, seq, call)
        heappush(heap, entry)
        self.live += 1
        call.entry = entry
        call.bucket = self

    def head(self) -> Entry | None:
        heap = self.heap
        while heap:
            entry = heap[0]
            call: CallRecord = entry[-1]
            if call.entry is entry:
                return entry
            heappop(heap)
        return None


def unindex_call(call: CallRecord) -> None:
    """The call stops waiting: its entry goes stale."""
    bucket = call.bucket
    if bucket is not None:
        bucket.live -= 1
        call.bucket = None
        call.entry = None


def unindex_agent(agent: AgentRecord) -> None:
    """The agent stops being available: every entry of theirs goes stale."""
    agent.gen += 1


class SkillGroup:
    """One queue's agents and calls for one skill (``None``: calls that need no skill).

    Buckets are keyed by level when the queue has a minimum level, else all sit
    in bucket 0: an agent of level ``l`` may take a call of minimum ``m <= l``.
    """

    __slots__ = ("agents", "calls", "skill")

    def __init__(self, skill: str | None) -> None:
        self.skill = skill
        self.agents: dict[int, AgentBucket] = {}
        self.calls: dict[int, CallBucket] = {}

    def agent_bucket(self, level: int) -> AgentBucket:
        bucket = self.agents.get(level)
        if bucket is None:
            bucket = self.agents[level] = AgentBucket()
        return bucket

    def call_bucket(self, level: int) -> CallBucket:
        bucket = self.calls.get(level)
        if bucket is None:
            bucket = self.calls[level] = CallBucket()
        return bucket

    def best_agent(self, min_level: int) -> tuple[AgentBucket, Entry] | None:
        """The agent the strategy prefers among those of ``min_level`` or better."""
        best: tuple[AgentBucket, Entry] | None = None
        for level, bucket in self.agents.items():
            if level >= min_level:
                entry = bucket.head()
                if entry is not None and (best is None or entry < best[1]):
                    best = bucket, entry
        return best

    def first_call(self, level: int) -> tuple[CallBucket, Entry] | None:
        """The first call in line that an agent of ``level`` may take."""
        best: tuple[CallBucket, Entry] | None = None
        for min_level, bucket in self.calls.items():
            if min_level <= level:
                entry = bucket.head()
                if entry is not None and (best is None or entry < best[1]):
                    best = bucket, entry
        return best
