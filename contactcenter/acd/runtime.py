"""The core's state and its lowest moves: agent state changes, indexes, the line.

``AcdState`` is the base of ``Acd``: it builds the records from the config
and keeps the bookkeeping that every higher move relies on - time in each
state, staffed counts, the routing indexes, a queue's line - in one place,
so that routing (``routing.py``), waiting (``waiting.py``) and the events
(``core.py``) never update them half-way.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, insort
from typing import Any

from contactcenter.acd.commands import AcdCommand, Report
from contactcenter.acd.index import SkillGroup, unindex_agent, unindex_call
from contactcenter.acd.model import MAX_LEVEL, AcdConfig, CallId, config_problems
from contactcenter.acd.records import AgentRecord, CallRecord, QueueRecord
from contactcenter.acd.states import CALL_PAUSES, WORKING, AgentState, CallState, staffing
from contactcenter.acd.strategies import STRATEGIES
from contactcenter.acd.timers import Timers
from contactcenter.acd.views import Ended, queue_figures

_log = logging.getLogger("contactcenter.acd")

_NAMES = {state: state.value for state in AgentState}  # Enum.value is a slow property
#: ended calls remembered, so that a late duplicate CallJoined cannot bring one back
ENDED_MEMORY = 100_000


class AcdUsageError(Exception):
    """The engine used the core wrongly: our bug, unlike the peer's disorder, which is ignored."""


class AcdState:
    """Records, indexes and timers; the moves every higher layer shares."""

    def __init__(self, config: AcdConfig, now: float = 0.0) -> None:
        problems = [
            f"{'.'.join(map(str, path))}: {why}" for _, path, why in config_problems(config)
        ]
        if problems:
            raise AcdUsageError("bad ACD config: " + "; ".join(problems))
        self._config = config
        self._queues = {
            name: QueueRecord(queue, STRATEGIES[queue.strategy])
            for name, queue in config.queues.items()
        }
        self._agents = {}
        for order, agent in enumerate(config.agents.values()):
            record = AgentRecord(agent, order, now)
            for name, tier in sorted(agent.queues.items(), key=lambda item: item[1]):
                self._queues[name].members.append((record, tier))
                record.memberships.append((self._queues[name], tier))
            self._agents[record.id] = record
        self._calls: dict[CallId, CallRecord] = {}
        self._ended: dict[CallId, Ended] = {}
        self._timers = Timers()
        self._seq = 0
        self._now = now
        self._ignored = 0
        self._out: list[AcdCommand] = []
        self._dirty: dict[QueueRecord, None] = {}  # queues whose figures changed: ordered set
        #: log every agent transition; asked of logging once per step, not per transition
        self._debug = False

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    def _report(self, kind: str, /, **data: Any) -> None:
        self._out.append(Report(type=kind, data=data))

    def _flush_stats(self, now: float) -> None:
        """One ``queue.stats`` report per queue whose figures changed during this step."""
        for queue in self._dirty:
            self._out.append(Report(type="queue.stats", data=queue_figures(queue, now)))
        self._dirty.clear()

    # -- agents -------------------------------------------------------------------

    def _set_state(
        self,
        agent: AgentRecord,
        state: AgentState,
        now: float,
        reason: str = "",
        call: CallRecord | None = None,
    ) -> None:
        """Move an agent: time in the old state, indexes, staffed counts, the report."""
        old = agent.state
        agent.totals[old] += now - agent.since
        if old is AgentState.AVAILABLE:
            unindex_agent(agent)  # every heap entry of theirs goes stale
        elif old is AgentState.WRAP_UP:
            self._end_handling(agent, now)
        elif old is AgentState.PAUSED and agent.reason in CALL_PAUSES:
            agent.call_paused += now - agent.since
        self._count_members(agent, state, reason)
        agent.state, agent.reason, agent.since, agent.call = state, reason, now, call
        if state is AgentState.AVAILABLE:
            agent.idle_since = now
        name = _NAMES[state]
        data = {
            "agent": agent.id,
            "state": name,
            "reason": reason,
            "since": now,
            "call_id": call.id if call is not None else None,
        }
        self._out.append(Report(type="agent.state", data=data))
        if self._debug:
            _log.debug("agent %s %s -[%s]-> %s", agent.id, _NAMES[old], reason, name)

    def _count_members(self, agent: AgentRecord, state: AgentState, reason: str) -> None:
        """The agent's queues' ``staffed`` (a call of their own counts) and ``working``
        (only those who take the queue's calls: what the expected wait divides by), for
        the agent leaving their state for ``state``."""
        staffed = int(staffing(state, reason)) - int(staffing(agent.state, agent.reason))
        working = int(state in WORKING) - int(agent.state in WORKING)
        if staffed or working:
            for queue, _ in agent.memberships:
                queue.staffed += staffed
                queue.working += working
                self._dirty[queue] = None

    def _end_handling(self, agent: AgentRecord, now: float) -> None:
        """Wrap-up is over, however it ended: the call's handle time counts for its queue."""
        agent.timers.pop("wrap_up", None)
        call = agent.call
        if call is not None:
            queue = call.queue
            wrap = now - agent.since
            queue.add_handle_time(agent.talk + wrap)
            self._dirty[queue] = None
            self._report("call.wrapped", call_id=call.id, queue=queue.name, agent=agent.id,
                         wrap=wrap)

    def _index_agent(self, agent: AgentRecord) -> None:
        """File an available agent in every routing heap of their queues they fit."""
        for queue, tier, _, level, bucket in agent.slots:
            self._seq += 1
            bucket.push(agent, queue.strategy.key(agent, queue.name, tier, level), self._seq)

    def _group(self, queue: QueueRecord, skill: str | None) -> SkillGroup:
        """The queue's heaps for calls asking ``skill``; made on first use, with a slot for
        each member who has the skill (filed at once if available)."""
        group = queue.groups.get(skill)
        if group is not None:
            return group
        group = queue.groups[skill] = SkillGroup(skill)
        for agent, tier in queue.members:
            level = MAX_LEVEL if skill is None else agent.config.skills.get(skill, 0)
            if not level:
                continue
            bucket = group.agent_bucket(level if queue.levels and skill is not None else 0)
            bucket.members += 1
            slot = (queue, tier, group, level, bucket)
            insort(agent.slots, slot, key=lambda item: item[1])  # tier 1 first
            if agent.state is AgentState.AVAILABLE:
                self._seq += 1
                bucket.push(agent, queue.strategy.key(agent, queue.name, tier, level), self._seq)
        return group

    # -- the line -----------------------------------------------------------------

    def _line_up(self, call: CallRecord) -> None:
        """The call waits: into its queue's line and its group's call heap."""
        queue = call.queue
        call.state = CallState.WAITING
        insort(queue.line, call.order_key)
        self._dirty[queue] = None
        group = call.group
        assert group is not None
        group.call_bucket(call.min_level).push(call, self._next())

    def _leave_line(self, call: CallRecord) -> None:
        """The call stops waiting (offered, widened, gone): out of the line and the heaps."""
        if call.bucket is None:
            return
        queue = call.queue
        del queue.line[bisect_left(queue.line, call.order_key)]
        unindex_call(call)
        self._dirty[queue] = None
