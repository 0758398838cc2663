"""What the core shows of itself: agent and call views, queue and agent statistics.

Frozen snapshots taken at a given ``now``; the figures of ``queue.stats`` and
``agent.state`` reports are the same as these, as plain dicts.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from contactcenter.acd.model import AgentId, CallId
from contactcenter.acd.records import AgentRecord, CallRecord, QueueRecord
from contactcenter.acd.states import CALL_PAUSES, AgentState, CallState


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStateView:
    agent: AgentId
    state: AgentState
    reason: str  #: why paused ("" in other states)
    since: float  #: when the agent entered the state
    call_id: CallId | None  #: the call ringing, talking or being wrapped up
    queue: str | None  #: that call's queue


@dataclass(frozen=True, slots=True, kw_only=True)
class CallView:
    call_id: CallId
    queue: str
    state: CallState
    priority: int
    skill: str | None
    joined: float  #: when it first joined the ACD
    entered: float  #: when it entered this queue
    position: int | None  #: 1 is next; None unless waiting
    agents: tuple[AgentId, ...]  #: ringing, or the one connected
    callback: bool  #: a virtual caller for a callback


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueStats:
    queue: str
    waiting: int  #: calls in the queue not yet answered (ringing and callbacks included)
    longest_wait: float  #: of those, in seconds (0 when none)
    offered: int  #: calls that came to the queue (a full queue's overflows included)
    answered: int
    abandoned: int
    overflowed: int  #: sent on to another queue or to voicemail
    callbacks: int  #: callers who left a virtual caller behind for a callback
    #: answered within the target's seconds / (answered + abandoned after the short-abandon time)
    service_level: float | None
    average_speed_of_answer: float | None  #: seconds from entering the queue to the answer
    average_handle_time: float | None  #: talk + wrap-up, every finished call
    staffed: int  #: members logged in and not on a break (a call of their own counts)
    expected_wait: float | None  #: for a caller joining now


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStats:
    agent: AgentId
    state: AgentState
    reason: str
    seconds: Mapping[str, float]  #: per state name, the current state up to now
    #: of ``seconds["paused"]``, those paused for a call of their own (``CALL_PAUSES``)
    paused_for_calls: float
    calls: int  #: calls answered
    logged_in: float  #: seconds in any state but logged_out
    #: busy / staffed: (on_call + wrap_up + paused_for_calls) / (logged in - the other
    #: pauses), the call history's occupancy; None before any such time
    occupancy: float | None


def queue_figures(queue: QueueRecord, now: float) -> dict[str, Any]:
    """The queue's statistics as a dict: the ``queue.stats`` report and ``QueueStats``."""
    calls = queue.calls
    longest = now - next(iter(calls.values())).entered if calls else 0.0
    counted = queue.answered + queue.counted_abandoned
    answered = queue.answered
    return {
        "queue": queue.name,
        "waiting": len(calls),
        "longest_wait": longest,
        "offered": queue.offered,
        "answered": answered,
        "abandoned": queue.abandoned,
        "overflowed": queue.overflowed,
        "callbacks": queue.callbacks,
        "service_level": queue.in_target / counted if counted else None,
        "average_speed_of_answer": queue.answer_wait / answered if answered else None,
        "average_handle_time": queue.handle_total / queue.handled if queue.handled else None,
        "staffed": queue.staffed,
        "expected_wait": queue.expected_wait(len(queue.line) + 1),
    }


def agent_stats(agent: AgentRecord, now: float) -> AgentStats:
    """The agent's figures; occupancy as the call history defines it (docs/call-history.md):
    a pause for a call of their own is busy time, the other pauses are left out."""
    seconds = {state.value: spent for state, spent in agent.totals.items()}
    current = now - agent.since
    seconds[agent.state.value] += current
    call_paused = agent.call_paused
    if agent.state is AgentState.PAUSED and agent.reason in CALL_PAUSES:
        call_paused += current
    logged_in = sum(seconds.values()) - seconds[AgentState.LOGGED_OUT.value]
    busy = seconds[AgentState.ON_CALL.value] + seconds[AgentState.WRAP_UP.value] + call_paused
    staffed = logged_in - seconds[AgentState.PAUSED.value] + call_paused
    return AgentStats(
        agent=agent.id,
        state=agent.state,
        reason=agent.reason,
        seconds=seconds,
        paused_for_calls=call_paused,
        calls=agent.calls,
        logged_in=logged_in,
        occupancy=busy / staffed if staffed > 0 else None,
    )


def agent_view(agent: AgentRecord) -> AgentStateView:
    call = agent.call
    return AgentStateView(
        agent=agent.id,
        state=agent.state,
        reason=agent.reason,
        since=agent.since,
        call_id=call.id if call is not None else None,
        queue=call.queue.name if call is not None else None,
    )


def call_view(call: CallRecord) -> CallView:
    waiting = call.state is CallState.WAITING
    agents = tuple(call.offers) if call.agent is None else (call.agent.id,)
    return CallView(
        call_id=call.id,
        queue=call.queue.name,
        state=call.state,
        priority=call.priority,
        skill=call.skill,
        joined=call.joined,
        entered=call.entered,
        position=position(call) if waiting else None,
        agents=agents,
        callback=call.callback,
    )


#: what the core keeps of an ended call: a tuple is a fraction of a view's cost to make
#: an ended call, remembered: its final state's value first. Only strings, numbers and
#: None, so that the collector stops tracking the tuple; up to ``ENDED_MEMORY`` of them
#: would otherwise be walked by every full garbage collection
Ended = tuple[str, str, int, str | None, float, float, AgentId | None, bool]


def ended(call: CallRecord) -> Ended:
    agent = call.agent.id if call.agent is not None else None
    return (
        call.state.value, call.queue.name, call.priority, call.skill, call.joined,
        call.entered, agent, call.callback,
    )  # fmt: skip


def ended_view(call_id: CallId, record: Ended) -> CallView:
    state, queue, priority, skill, joined, entered, agent, callback = record
    return CallView(
        call_id=call_id,
        queue=queue,
        state=CallState(state),
        priority=priority,
        skill=skill,
        joined=joined,
        entered=entered,
        position=None,
        agents=(agent,) if agent is not None else (),
        callback=callback,
    )


def position(call: CallRecord) -> int:
    """The call's place in its queue's line (1 is next)."""
    return bisect_left(call.queue.line, call.order_key) + 1
