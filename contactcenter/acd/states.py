"""Agent and call states, and how the ACD core moves between them.

Theory of operation
-------------------
``Acd`` routes the calls of every queue to agents. It never does I/O and never
reads the clock: the engine hands it events (``handle(event, now)``) and, when
``next_deadline()`` has passed, the time (``handle_timer(now)``), and runs the
commands it returns. A timer already due when an event comes fires first.

Every agent is in one ``AgentState``; every call in one ``CallState``. The
tables ``_AGENT_EVENTS`` and ``_CALL_EVENTS`` (in ``core.py``) say which events
each state acts on; anything else (a duplicate, an answer to an offer already
cancelled, a hang-up for a call that ended) is ignored and counted. An event
of a type the ACD does not know is our own misuse: ``AcdUsageError``.

Routing keeps one rule after every event: *no waiting call has an available
agent who may take it*. Only a change can break it, so only the change is
looked at: a call that starts waiting looks for the best agent, and an agent
who becomes available looks for the best call among their queues (tier 1
queues first, then higher priority, then the longest waiting). Neither scans:
each queue keeps, per skill its calls ask for, heaps of its available agents
ordered by the queue's strategy, and heaps of its waiting calls ordered by
(priority, time joined) - bucketed by skill level when the queue sets a
minimum level, so that a look is one peek per level (``index.py``).

An agent who lets an offer ring out (``ring_timeout``) or fails it becomes
paused (reason ``ring_timeout``, or the failure's) unless the queue says
``after_ring_timeout: available``; the call goes back to its place and is
offered to the next agent, the one who let it ring only if no other may take it.

A call ends exactly once, in ``COMPLETED`` (answered, then finished),
``ABANDONED`` (the caller left while waiting or ringing) or ``OVERFLOWED``
(out to voicemail). An overflow to another queue moves the call, keeping its
priority and the time it joined; an overflow to a callback keeps it in the
queue as a virtual caller, offered to an agent when its turn comes.

A transfer is a new visit of a call whose visit ended (``visits.py``): the
engine ends it, then sends the call back in, and only a transfer may bring an
ended call id back. A blind transfer joins a queue (``CallJoined`` with
``transfer``): counted offered there like any call, it lines up by its
priority and ``since``. If it names an agent who is available and a member of
the queue, it rings that agent alone, at once; if they are not, or let it
ring out, or fail it (after_ring_timeout as for any offer), it is any caller
of the queue. An attended transfer ends in a handover (``CallRestored`` with
``handover``): the colleague consulted, available or paused meanwhile, is on
call with it at once, then wraps up as after any call; the queue's figures do
not count it offered or answered twice.
"""

from __future__ import annotations

from enum import Enum


class AgentState(Enum):
    """Where an agent is; only ``AVAILABLE`` agents are offered calls."""

    LOGGED_OUT = "logged_out"  #: not signed in (or the phone unregistered)
    AVAILABLE = "available"  #: ready: the next fitting call is offered at once
    RINGING = "ringing"  #: a call is offered; their phone rings until the ring timeout
    ON_CALL = "on_call"  #: talking to a caller
    WRAP_UP = "wrap_up"  #: after-call work until the queue's wrap-up time or "done"
    PAUSED = "paused"  #: not ready, with a reason (break, ring_timeout, busy...)

    # members are singletons, so identity will do; Enum's own hash runs Python code on
    # every dict and set lookup, and the router does several per decision
    __hash__ = object.__hash__


class CallState(Enum):
    """Where a call is; the last three are final."""

    WAITING = "waiting"  #: in the queue, no agent rings
    RINGING = "ringing"  #: offered to an agent (several under ring_all)
    CONNECTED = "connected"  #: bridged to the agent who answered
    COMPLETED = "completed"  #: answered, then finished
    ABANDONED = "abandoned"  #: the caller left before an agent answered
    OVERFLOWED = "overflowed"  #: sent out of the ACD (voicemail)

    __hash__ = object.__hash__


#: agents who count as staffing a queue (logged in and not paused)
WORKING = frozenset(
    {AgentState.AVAILABLE, AgentState.RINGING, AgentState.ON_CALL, AgentState.WRAP_UP}
)
#: pauses for a call of the agent's own: one they placed (``outbound``: click-to-talk, a
#: campaign's line) or a colleague's consultation (``consult``). The ACD offers them
#: nothing meanwhile, but their time is given to a call: they staff their queues and
#: count as busy, as the call history counts them (``crm_core.metrics.agent_time``)
CALL_PAUSES = frozenset({"outbound", "consult"})


def staffing(state: AgentState, reason: str) -> bool:
    """Whether an agent in ``state`` (paused for ``reason``) staffs their queues: logged
    in and not on a break, a call of their own (``CALL_PAUSES``) included."""
    return state in WORKING or (state is AgentState.PAUSED and reason in CALL_PAUSES)
FINAL = frozenset({CallState.COMPLETED, CallState.ABANDONED, CallState.OVERFLOWED})
