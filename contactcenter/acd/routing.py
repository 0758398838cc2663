"""Routing: a waiting call meets the best available agent, or an agent the best call.

Both directions keep the rule of ``states.py`` (no waiting call has an
available agent who may take it) by looking only at what changed: the call
that starts waiting, the agent who becomes available. Each look is a few heap
peeks (``index.py``), never a scan of the agents or of the line.
"""

from __future__ import annotations

from contactcenter.acd.commands import OfferCall, Report
from contactcenter.acd.index import AgentBucket, Entry, SkillGroup
from contactcenter.acd.model import AgentId
from contactcenter.acd.records import AgentRecord, CallRecord
from contactcenter.acd.runtime import AcdState
from contactcenter.acd.states import AgentState, CallState

RING = "ring"


class Router(AcdState):
    """The matching half of the core."""

    # -- a call looks for agents --------------------------------------------------

    def _find_agents(self, call: CallRecord) -> list[AgentRecord]:
        group = call.group
        assert group is not None
        if call.queue.strategy.rings_all:
            return _ring_all(group, call.min_level)
        if call.declined:
            return _best_undeclined(group, call.min_level, call.declined)
        best = group.best_agent(call.min_level)
        return [best[1][-2]] if best is not None else []

    # -- an agent looks for a call --------------------------------------------------

    def _make_available(self, agent: AgentRecord, now: float) -> None:
        """The agent is ready: the best call of their queues at once, else into the heaps."""
        self._set_state(agent, AgentState.AVAILABLE, now)
        call = self._find_call(agent)
        if call is None:
            self._index_agent(agent)
        elif call.queue.strategy.rings_all:
            self._index_agent(agent)  # so that the call rings them with the others
            self._offer(call, self._find_agents(call) or [agent], now)
        else:
            self._offer(call, [agent], now)

    def _release(self, agent: AgentRecord, now: float) -> None:
        """Available and filed, but not matched yet: ``_match`` follows, once every agent
        freed by the same event is filed (so that a ring_all call rings them all)."""
        self._set_state(agent, AgentState.AVAILABLE, now)
        self._index_agent(agent)

    def _match(self, agent: AgentRecord, now: float) -> None:
        """Offer a filed available agent the best call, if one fits."""
        if agent.state is AgentState.AVAILABLE:
            call = self._find_call(agent)
            if call is not None:
                rings_all = call.queue.strategy.rings_all
                self._offer(call, (rings_all and self._find_agents(call)) or [agent], now)

    def _find_call(self, agent: AgentRecord) -> CallRecord | None:
        """The first call in line the agent may take: their tier 1 queues first, then
        higher priority, then the longest waiting."""
        best: tuple[int, Entry] | None = None
        for _, tier, group, level, _ in agent.slots:
            if best is not None and tier > best[0]:
                break  # slots are sorted by tier: no later queue can come first
            found = group.first_call(level)
            if found is not None and (best is None or (tier, found[1]) < best):
                best = tier, found[1]
        return best[1][-1] if best is not None else None

    # -- the offer ----------------------------------------------------------------

    def _offer(self, call: CallRecord, agents: list[AgentRecord], now: float) -> None:
        """Ring ``agents`` (several only under ring_all) for the call."""
        queue = call.queue
        if call.bucket is not None:  # it waited in line (not a call that just came)
            self._leave_line(call)
        call.state = CallState.RINGING
        timeout = queue.config.ring_timeout
        for agent in agents:
            call.offers[agent.id] = agent
            agent.turns[queue.name] = self._next()
            self._out.append(OfferCall(call_id=call.id, agent=agent.id, ring_timeout=timeout))
            data = {"call_id": call.id, "queue": queue.name, "agent": agent.id}
            self._out.append(Report(type="call.offered", data=data))
            self._set_state(agent, AgentState.RINGING, now, call=call)
        self._timers.set(call, RING, now + timeout)


def _ring_all(group: SkillGroup, min_level: int) -> list[AgentRecord]:
    """Every fitting available agent of the best tier."""
    best = group.best_agent(min_level)
    if best is None:
        return []
    tier = best[1][0]
    agents: list[AgentRecord] = []
    for level, bucket in group.agents.items():
        if level >= min_level:
            entry = bucket.head()
            while entry is not None and entry[0] == tier:
                bucket.pop_head()  # its agent starts ringing, so it would go stale anyway
                agents.append(entry[-2])
                entry = bucket.head()
    return agents


def _best_undeclined(
    group: SkillGroup, min_level: int, declined: set[AgentId]
) -> list[AgentRecord]:
    """The best agent who has not let this call ring out; one who has if nobody else may."""
    best: Entry | None = None
    fallback: Entry | None = None
    for level, bucket in group.agents.items():
        if level < min_level:
            continue
        entry, taken = _skip(bucket, declined)
        if entry is not None and (best is None or entry < best):
            best = entry
        if taken and (fallback is None or taken[0] < fallback):
            fallback = taken[0]
    choice = best if best is not None else fallback
    return [choice[-2]] if choice is not None else []


def _skip(bucket: AgentBucket, declined: set[AgentId]) -> tuple[Entry | None, list[Entry]]:
    """The bucket's best entry not in ``declined``, and the declined ones above it."""
    taken: list[Entry] = []
    entry = bucket.head()
    while entry is not None and entry[-2].id in declined:
        taken.append(bucket.pop_head())
        entry = bucket.head()
    for item in taken:
        bucket.push_back(item)
    return entry, taken
