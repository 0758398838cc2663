"""The ACD core: every queue and agent of the contact center, sans-I/O.

See ``states.py`` for the theory of operation. ``Acd`` meets events and
timers; a call's visits, waiting, routing and the bookkeeping are the layers
below it (``visits.py``, ``waiting.py``, ``routing.py``, ``runtime.py``). The
tables at the end of this module are the transitions as data: which events
each agent state and each call state act on, and what each kind of timer means.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from contactcenter.acd.commands import AcdCommand, CancelOffer, ConnectCall
from contactcenter.acd.events import (
    AcdEvent,
    AgentAvailable,
    AgentLoggedIn,
    AgentLoggedOut,
    AgentPaused,
    CallbackDeferred,
    CallbackRequested,
    CallFinished,
    CallJoined,
    CallLeft,
    CallRestored,
    OfferAnswered,
    OfferFailed,
    WrapUpEnded,
)
from contactcenter.acd.model import AFTER_CALL, AcdConfig, AgentId, CallId
from contactcenter.acd.records import AgentRecord, CallRecord
from contactcenter.acd.routing import RING
from contactcenter.acd.runtime import AcdUsageError
from contactcenter.acd.states import AgentState, CallState
from contactcenter.acd.views import (
    AgentStateView,
    AgentStats,
    CallView,
    QueueStats,
    agent_stats,
    agent_view,
    call_view,
    ended_view,
    queue_figures,
)
from contactcenter.acd.visits import Visits
from contactcenter.acd.waiting import ANNOUNCE, COMFORT, MAX_WAIT, WIDEN

WRAP_UP = "wrap_up"
_log = logging.getLogger("contactcenter.acd")  # the one runtime.py writes to


class Acd(Visits):
    """Queues and agents: feed it events and due timers, run the commands it returns."""

    def __init__(self, config: AcdConfig, *, now: float = 0.0) -> None:
        """``now``: when the core starts; agents are logged out from then on."""
        super().__init__(config, now)
        for queue in self._queues.values():
            self._group(queue, queue.config.required_skill)  # made up front, not on first call

    # -- the API the engine uses ------------------------------------------------

    def handle(self, event: AcdEvent, now: float) -> list[AcdCommand]:
        """Act on one event at ``now``; timers already due fire first, since they came first."""
        handler = _ON_EVENT.get(type(event))
        if handler is None:
            raise AcdUsageError(f"not an ACD event: {event!r}")
        out: list[AcdCommand] = []
        self._out = out
        self._debug = _log.isEnabledFor(logging.DEBUG)
        now = self._fire_due(now)
        handler(self, event, now)
        if self._timers.due(now):  # timers the event set already due (a wait before a restart)
            self._fire_due(now)
        if self._dirty:
            self._flush_stats(now)
        return out

    def handle_timer(self, now: float) -> list[AcdCommand]:
        """Fire every timer due by ``now``; an early or stale call does nothing."""
        out: list[AcdCommand] = []
        self._out = out
        self._debug = _log.isEnabledFor(logging.DEBUG)
        now = self._fire_due(now)
        self._flush_stats(now)
        return out

    def next_deadline(self) -> float | None:
        """When to call ``handle_timer``; None when only an event can move anything."""
        return self._timers.next_deadline()

    def queue_stats(self, now: float) -> dict[str, QueueStats]:
        return {
            name: QueueStats(**queue_figures(queue, now)) for name, queue in self._queues.items()
        }

    def agent_stats(self, now: float) -> dict[str, AgentStats]:
        return {agent_id: agent_stats(agent, now) for agent_id, agent in self._agents.items()}

    def agent_state(self, agent: str) -> AgentStateView:
        record = self._agents.get(AgentId(agent))
        if record is None:
            raise AcdUsageError(f"no agent {agent!r} in the config")
        return agent_view(record)

    def call_state(self, call_id: str) -> CallView | None:
        """A live call, or one that ended lately (its final state); None if unknown."""
        call = self._calls.get(CallId(call_id))
        if call is not None:
            return call_view(call)
        record = self._ended.get(CallId(call_id))
        return ended_view(CallId(call_id), record) if record is not None else None

    @property
    def config(self) -> AcdConfig:
        return self._config

    @property
    def ignored(self) -> int:
        """How many events were ignored as duplicates, late or out of place."""
        return self._ignored

    def _fire_due(self, now: float) -> float:
        """Fire due timers in deadline order, each at its own deadline; time never goes back."""
        now = max(now, self._now)
        while (due := self._timers.pop_due(now)) is not None:
            kind, target, deadline = due
            _ON_TIMER[kind](self, target, deadline)
        self._now = now
        return now

    # -- calls --------------------------------------------------------------------

    def _on_call_event(self, event: Any, now: float) -> None:
        call = self._calls.get(event.call_id)
        handler = _CALL_EVENTS[call.state].get(type(event)) if call is not None else None
        if call is None or handler is None:
            self._ignored += 1
        else:
            handler(self, call, event, now)

    def _on_left(self, call: CallRecord, event: CallLeft, now: float) -> None:
        if call.callback and event.reason == "abandoned":
            self._ignored += 1  # the caller's own hang-up after choosing the callback
            return
        queue = call.queue
        agents = list(call.offers.values())
        for agent in agents:
            self._out.append(CancelOffer(call_id=call.id, agent=agent.id, reason="caller_left"))
        call.offers.clear()
        wait = now - call.entered
        queue.abandoned += 1
        if wait > queue.config.short_abandon:
            queue.counted_abandoned += 1
        self._report(
            "call.abandoned", call_id=call.id, queue=queue.name, wait=wait,
            reason=event.reason, ringing=bool(agents),
        )  # fmt: skip
        self._leave_queue(call)
        self._end(call, CallState.ABANDONED, now)
        self._free(agents, now)

    def _on_deferred(self, call: CallRecord, event: CallbackDeferred, now: float) -> None:
        """A virtual caller set aside: out of line and forgotten, to be asked for again."""
        if not call.callback:
            self._ignored += 1  # only a callback waits for its customer's hours
            return
        agents = list(call.offers.values())
        for agent in agents:
            self._out.append(CancelOffer(call_id=call.id, agent=agent.id, reason="deferred"))
        call.offers.clear()
        self._report("call.deferred", call_id=call.id, queue=call.queue.name)
        self._leave_queue(call)
        call.queue.offered -= 1  # out of the figures until it comes back
        call.queue.callbacks -= 1
        call.timers.clear()
        del self._calls[call.id]  # not ended: it comes back under the same id
        self._free(agents, now)

    def _on_answered(self, call: CallRecord, event: OfferAnswered, now: float) -> None:
        agent = call.offers.pop(event.agent, None)
        if agent is None:
            self._ignored += 1  # not offered to this agent (any more)
            return
        others = list(call.offers.values())
        call.offers.clear()
        queue = call.queue
        wait = now - call.entered
        queue.answered += 1
        queue.answer_wait += wait
        if wait <= queue.config.service_level_target[1]:
            queue.in_target += 1
        self._leave_queue(call)
        call.timers.clear()
        call.state, call.agent, call.answered_at = CallState.CONNECTED, agent, now
        agent.calls += 1
        self._out.append(ConnectCall(call_id=call.id, agent=agent.id))
        self._report("call.answered", call_id=call.id, queue=queue.name, agent=agent.id, wait=wait)
        self._set_state(agent, AgentState.ON_CALL, now, call=call)
        for other in others:
            self._out.append(
                CancelOffer(call_id=call.id, agent=other.id, reason="answered_elsewhere")
            )
        self._free(others, now)

    def _free(self, agents: list[AgentRecord], now: float) -> None:
        """Agents whose offer was withdrawn through no fault of theirs: available again."""
        for agent in agents:
            self._release(agent, now)
        for agent in agents:
            self._match(agent, now)

    def _on_failed(self, call: CallRecord, event: OfferFailed, now: float) -> None:
        agent = call.offers.pop(event.agent, None)
        if agent is None:
            self._ignored += 1
            return
        self._refused(agent, call, event.reason or "failed", now)
        if not call.offers:
            self._requeue(call, now)
        self._match(agent, now)

    def _on_ring_timeout(self, call: CallRecord, now: float) -> None:
        agents = list(call.offers.values())
        call.offers.clear()
        for agent in agents:
            self._out.append(CancelOffer(call_id=call.id, agent=agent.id, reason="ring_timeout"))
            self._refused(agent, call, "ring_timeout", now)
        self._requeue(call, now)
        for agent in agents:
            self._match(agent, now)

    def _refused(self, agent: AgentRecord, call: CallRecord, reason: str, now: float) -> None:
        """An agent let the call ring out or failed it: not ready, unless the queue says not."""
        if call.queue.config.after_ring_timeout == "available":
            call.declined.add(agent.id)  # the next agent first; this one again only if alone
            self._release(agent, now)
        else:
            self._set_state(agent, AgentState.PAUSED, now, reason=reason)

    def _on_finished(self, call: CallRecord, event: Any, now: float) -> None:
        """The connected call ended (CallFinished, or a CallLeft that came instead)."""
        agent = call.agent
        assert agent is not None
        queue = call.queue
        talk = now - call.answered_at
        self._report("call.completed", call_id=call.id, queue=queue.name, agent=agent.id, talk=talk)
        self._end(call, CallState.COMPLETED, now)
        wrap = queue.config.wrap_up
        if wrap > 0 and (agent.after is None or agent.after[0] is not AgentState.LOGGED_OUT):
            agent.talk = talk
            self._set_state(agent, AgentState.WRAP_UP, now, call=call)
            self._timers.set(agent, WRAP_UP, now + wrap)
        else:
            queue.add_handle_time(talk)
            self._dirty[queue] = None
            self._report("call.wrapped", call_id=call.id, queue=queue.name, agent=agent.id,
                         wrap=0.0)
            self._after_call(agent, now)

    def _after_call(self, agent: AgentRecord, now: float) -> None:
        """Wrap-up is over: the pause or logout asked for during the call, else what the
        call's queue says (``wrap_up_end``): available, or paused with ``after_call``."""
        after, agent.after = agent.after, None
        call = agent.call
        if after is None and call is not None and call.queue.config.wrap_up_end == "paused":
            after = (AgentState.PAUSED, AFTER_CALL)
        if after is None:
            self._make_available(agent, now)
        else:
            self._set_state(agent, after[0], now, reason=after[1])

    # -- agents -------------------------------------------------------------------

    def _on_agent_event(self, event: Any, now: float) -> None:
        agent = self._agents.get(event.agent)
        handler = _AGENT_EVENTS[agent.state].get(type(event)) if agent is not None else None
        if agent is None or handler is None:
            self._ignored += 1
        else:
            handler(self, agent, event, now)

    def _on_login(self, agent: AgentRecord, event: Any, now: float) -> None:
        self._make_available(agent, now)

    def _on_logout(self, agent: AgentRecord, event: Any, now: float) -> None:
        self._leave(agent, AgentState.LOGGED_OUT, "", "agent_logged_out", now)

    def _on_pause(self, agent: AgentRecord, event: AgentPaused, now: float) -> None:
        if agent.state is AgentState.PAUSED and agent.reason == event.reason:
            self._ignored += 1
            return
        self._leave(agent, AgentState.PAUSED, event.reason, "agent_paused", now)

    def _leave(
        self, agent: AgentRecord, state: AgentState, reason: str, why: str, now: float
    ) -> None:
        """Pause or log out now; a ringing call goes back to its place for another agent."""
        call = agent.call if agent.state is AgentState.RINGING else None
        if call is not None:
            del call.offers[agent.id]
            self._out.append(CancelOffer(call_id=call.id, agent=agent.id, reason=why))
        agent.after = None
        self._set_state(agent, state, now, reason=reason)
        if call is not None and not call.offers:
            self._requeue(call, now)

    def _on_ready(self, agent: AgentRecord, event: Any, now: float) -> None:
        agent.after = None
        self._make_available(agent, now)

    def _on_wrap_up_ended(self, agent: AgentRecord, event: Any, now: float) -> None:
        self._after_call(agent, now)

    def _on_wrap_up_timer(self, agent: AgentRecord, now: float) -> None:
        self._after_call(agent, now)

    def _defer(self, agent: AgentRecord, event: Any, now: float) -> None:
        """On a call: a pause or logout waits for the call (and its wrap-up) to end."""
        if isinstance(event, AgentLoggedOut):
            agent.after = (AgentState.LOGGED_OUT, "")
        elif isinstance(event, AgentPaused):
            agent.after = (AgentState.PAUSED, event.reason)
        else:
            agent.after = None


_CallHandler = Callable[[Acd, CallRecord, Any, float], None]
_AgentHandler = Callable[[Acd, AgentRecord, Any, float], None]

#: event type -> how ``handle`` dispatches it
_ON_EVENT: dict[type, Callable[[Acd, Any, float], None]] = {
    CallJoined: Acd._on_joined,
    CallbackRequested: Acd._on_callback_requested,
    CallRestored: Acd._on_restored,
    **dict.fromkeys((CallLeft, OfferAnswered, OfferFailed, CallFinished, CallbackDeferred),
                    Acd._on_call_event),
    **dict.fromkeys(
        (AgentLoggedIn, AgentLoggedOut, AgentPaused, AgentAvailable, WrapUpEnded),
        Acd._on_agent_event,
    ),
}

#: call state -> event type -> handler; an event missing here is the peer's disorder
_CALL_EVENTS: dict[CallState, dict[type, _CallHandler]] = {
    CallState.WAITING: {CallLeft: Acd._on_left, CallbackDeferred: Acd._on_deferred},
    CallState.RINGING: {
        CallLeft: Acd._on_left,
        CallbackDeferred: Acd._on_deferred,
        OfferAnswered: Acd._on_answered,
        OfferFailed: Acd._on_failed,
    },
    # a CallLeft for a connected call (the caller hung up as the bridge was made) ends it
    CallState.CONNECTED: {CallFinished: Acd._on_finished, CallLeft: Acd._on_finished},
}

_LEAVE: dict[type, _AgentHandler] = {AgentLoggedOut: Acd._on_logout, AgentPaused: Acd._on_pause}

#: agent state -> event type -> handler; an event missing here is ignored
_AGENT_EVENTS: dict[AgentState, dict[type, _AgentHandler]] = {
    AgentState.LOGGED_OUT: {AgentLoggedIn: Acd._on_login},
    AgentState.AVAILABLE: {**_LEAVE},
    AgentState.RINGING: {**_LEAVE},
    AgentState.ON_CALL: dict.fromkeys((AgentLoggedOut, AgentPaused, AgentAvailable), Acd._defer),
    AgentState.WRAP_UP: {
        **_LEAVE,
        AgentAvailable: Acd._on_ready,
        WrapUpEnded: Acd._on_wrap_up_ended,
    },
    AgentState.PAUSED: {**_LEAVE, AgentAvailable: Acd._on_ready},
}

#: timer kind -> what its deadline means
_ON_TIMER: dict[str, Callable[[Acd, Any, float], None]] = {
    RING: Acd._on_ring_timeout,
    WRAP_UP: Acd._on_wrap_up_timer,
    MAX_WAIT: Acd._on_max_wait,
    ANNOUNCE: Acd._on_announce,
    COMFORT: Acd._on_comfort,
    WIDEN: Acd._on_widen,
}
