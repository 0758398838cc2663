"""A call's visits: how it comes to a queue, and when the same call may come again.

A call id is one visit from when the ACD takes it (joined, asked back, restored)
until it ends; the ended call is remembered, so that a late duplicate cannot
bring it back. A transfer is the one exception, and says so: a ``CallJoined``
with ``transfer`` or a ``CallRestored`` with ``handover`` starts a new visit of
a call that ended, and the old visit's end is forgotten. A live call is never
taken twice, transfer or not: the engine ends a visit before it starts the next,
and sends each transfer once (one replayed after the new visit ended would be
yet another visit).
"""

from __future__ import annotations

from contactcenter.acd.events import CallbackRequested, CallJoined, CallRestored
from contactcenter.acd.model import AgentId, CallId
from contactcenter.acd.records import AgentRecord, CallRecord, QueueRecord
from contactcenter.acd.states import AgentState, CallState
from contactcenter.acd.waiting import Waiting

#: agent states a restored call may find its agent in (not busy with another call)
RESTORABLE = frozenset({AgentState.LOGGED_OUT, AgentState.AVAILABLE, AgentState.PAUSED})
#: agent states a handed-over call may find its agent in: ready, or paused to be consulted
HANDOVER = frozenset({AgentState.AVAILABLE, AgentState.PAUSED})


class Visits(Waiting):
    """Calls coming to a queue: joined, asked back, transferred, restored, handed over."""

    def _on_joined(self, event: CallJoined, now: float) -> None:
        call_id = event.call_id
        if not self._may_visit(call_id, again=event.transfer):
            self._ignored += 1
            return
        queue = self._queues.get(event.queue)
        if queue is None:
            self._report("call.rejected", call_id=call_id, queue=event.queue, reason="no_queue")
            return
        self._ended.pop(call_id, None)  # a transfer's new visit: the old end is void
        since = now if event.since is None else min(event.since, now)
        call = CallRecord(call_id, queue, event.priority, since, self._next())
        call.caller, call.variables = event.caller, event.variables
        self._calls[call_id] = call
        skill = event.skill or queue.config.required_skill
        target = self._named(event.agent, queue)
        self._enter(call, queue, now, skill, entered=since, target=target)

    def _on_callback_requested(self, event: CallbackRequested, now: float) -> None:
        """A virtual caller from the start: it waits its turn, silent, and rings an agent."""
        call_id = event.call_id
        queue = self._queues.get(event.queue)
        if not self._may_visit(call_id, again=False) or queue is None:
            self._ignored += 1
            return
        since = now if event.since is None else min(event.since, now)
        call = CallRecord(call_id, queue, event.priority, since, self._next())
        call.caller, call.variables = event.number, event.variables
        self._calls[call_id] = call
        self._request_callback(call, queue, event.number, event.skill, now, since)

    def _on_restored(self, event: CallRestored, now: float) -> None:
        """A call connected before a restart, or handed over: its agent is on call with it.

        Not offered nor answered again in the queue's figures: it was, before."""
        agent = self._agents.get(event.agent)
        queue = self._queues.get(event.queue)
        fits = HANDOVER if event.handover else RESTORABLE
        new = self._may_visit(event.call_id, again=event.handover)
        if not new or agent is None or queue is None or agent.state not in fits:
            self._ignored += 1
            return
        self._ended.pop(event.call_id, None)
        answered = min(event.answered_at, now)
        call = CallRecord(event.call_id, queue, event.priority, answered, self._next())
        call.caller, call.entered = event.caller, answered
        call.state, call.agent, call.answered_at = CallState.CONNECTED, agent, answered
        self._calls[call.id] = call
        # after a restart, back to the pause (or logout) it found; a consultation's pause
        # ends with the handover: the queue's wrap-up rules follow, as after any call
        if not event.handover and agent.state is not AgentState.AVAILABLE:
            agent.after = (agent.state, agent.reason)
        self._set_state(agent, AgentState.ON_CALL, now, call=call)

    def _may_visit(self, call_id: CallId, *, again: bool) -> bool:
        """Not live; not ended either, unless ``again`` (a transfer) says it comes back."""
        return call_id not in self._calls and (again or call_id not in self._ended)

    def _named(self, agent_id: AgentId | None, queue: QueueRecord) -> AgentRecord | None:
        """The agent a transfer names, if they may ring for it now: available, in the queue
        (whatever their skills: the colleague who sent the call chose them)."""
        agent = self._agents.get(agent_id) if agent_id is not None else None
        if agent is None or agent.state is not AgentState.AVAILABLE:
            return None
        return agent if any(member is queue for member, _ in agent.memberships) else None
