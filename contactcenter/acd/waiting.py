"""A call's life in a queue: coming in, waiting, its timers, overflowing, leaving.

A call that finds an agent at once never needs timers. One that has to wait
gets them then (``_arm``), counted from when it entered the queue, and they
run whether or not an agent's phone rings meanwhile: max_wait (overflow),
announcements of position and expected wait, the comfort message, and the
widening steps of a queue with a minimum skill level. A virtual callback
hears nothing, so it keeps only the widening.
"""

from __future__ import annotations

from contactcenter.acd.commands import Announce, OverflowCall, PlayComfort, Report
from contactcenter.acd.model import Overflow
from contactcenter.acd.records import AgentRecord, CallRecord, QueueRecord
from contactcenter.acd.routing import Router
from contactcenter.acd.runtime import ENDED_MEMORY
from contactcenter.acd.states import CallState
from contactcenter.acd.views import ended, position

MAX_WAIT, ANNOUNCE, COMFORT, WIDEN = "max_wait", "announce", "comfort", "widen"


class Waiting(Router):
    """Queues: entering, the waiting timers, overflow, leaving."""

    def _enter(self, call: CallRecord, queue: QueueRecord, now: float, skill: str | None,
               *, entered: float | None = None, target: AgentRecord | None = None) -> None:
        """A call comes to ``queue``: joined, or overflowed in from another queue
        (``entered``: when it came, if before ``now``: a caller picked up after a restart;
        ``target``: the available agent a transfer names, rung alone at once - so the
        call does not wait, and a full queue does not turn it away)."""
        queue.offered += 1
        self._dirty[queue] = None
        call.queue, call.skill = queue, skill
        limit = queue.config.max_waiting
        full = limit is not None and len(queue.calls) - queue.virtual >= limit
        if full and target is None:
            self._overflow(call, queue, "queue_full", now, inside=False)
            return
        self._settle(call, queue, now, skill, entered=entered)
        data = {
            "call_id": call.id,
            "queue": queue.name,
            "priority": call.priority,
            "skill": skill,
            "variables": call.variables,  # the event's, which nobody changes
        }
        self._out.append(Report(type="call.queued", data=data))
        if target is not None:
            self._offer(call, [target], now)  # the normal choice only if they let it go
        else:
            self._route_call(call, now)
        if call.state is CallState.WAITING and queue.config.announce_on_join:
            self._announce(call)

    def _route_call(self, call: CallRecord, now: float) -> None:
        """Offer a call ready to wait, or line it up (and start its waiting timers)."""
        if not call.armed and call.min_level:
            self._widen_to(call, now)  # steps passed while it rang, before any timer ran
        agents = self._find_agents(call)
        if agents:
            self._offer(call, agents, now)
            return
        if not call.armed:
            self._arm(call, now)
        self._line_up(call)

    def _arm(self, call: CallRecord, now: float) -> None:
        """The call has to wait: its timers, counted from when it entered the queue.

        Only now, so that the many calls an agent takes at once never set (and
        leave stale) timers they do not need."""
        call.armed = True
        config = call.queue.config
        entered, timers = call.entered, self._timers
        if not call.callback:
            if config.max_wait is not None:  # already passed for one back from a restart:
                timers.set(call, MAX_WAIT, max(entered + config.max_wait, now))  # now
            if config.announce_every is not None:
                timers.set(call, ANNOUNCE, _next_tick(entered, config.announce_every, now))
            if config.comfort_every is not None:
                timers.set(call, COMFORT, _next_tick(entered, config.comfort_every, now))
        steps = config.widen_after
        if call.min_level and call.widen_step < len(steps):
            timers.set(call, WIDEN, entered + steps[call.widen_step][0])

    def _widen_to(self, call: CallRecord, now: float) -> None:
        """Apply the widening steps the call's wait has reached."""
        steps = call.queue.config.widen_after
        while call.widen_step < len(steps) and call.entered + steps[call.widen_step][0] <= now:
            call.min_level = steps[call.widen_step][1]
            call.widen_step += 1

    def _settle(self, call: CallRecord, queue: QueueRecord, now: float, skill: str | None,
                *, entered: float | None = None) -> None:
        """Put the call in ``queue``, not yet in its line (routing decides)."""
        call.queue = queue
        call.entered = now if entered is None else entered
        call.skill = skill
        call.group = self._group(queue, skill)
        call.min_level = queue.config.min_level if queue.levels and skill is not None else 0
        call.widen_step = 0
        call.declined.clear()
        call.armed = False
        call.timers.clear()
        queue.calls[call.id] = call

    def _leave_queue(self, call: CallRecord) -> None:
        queue = call.queue
        self._leave_line(call)
        if queue.calls.pop(call.id, None) is not None and call.callback:
            queue.virtual -= 1
        self._dirty[queue] = None

    def _requeue(self, call: CallRecord, now: float) -> None:
        """Every offer of a ringing call failed: back to its place, or out if it waited
        past max_wait meanwhile."""
        call.timers.pop("ring", None)
        max_wait = call.queue.config.max_wait
        if max_wait is not None and not call.callback and now >= call.entered + max_wait:
            self._overflow(call, call.queue, "max_wait", now, inside=True)
        else:
            self._route_call(call, now)

    def _end(self, call: CallRecord, state: CallState, now: float) -> None:
        """The call's one final state; it is remembered a while as ended."""
        call.state = state
        call.timers.clear()
        del self._calls[call.id]
        memory = self._ended
        memory[call.id] = ended(call)
        if len(memory) > ENDED_MEMORY:
            del memory[next(iter(memory))]

    # -- overflow -----------------------------------------------------------------

    def _overflow(
        self, call: CallRecord, queue: QueueRecord, reason: str, now: float, *, inside: bool
    ) -> None:
        """Send the call on by the queue's overflow rule (``inside``: it is in the queue)."""
        overflow = queue.config.overflow
        assert overflow is not None  # config_problems: max_wait and max_waiting need one
        if overflow.kind == "callback":
            self._to_callback(call, queue, overflow, reason, now, inside=inside)
            return
        if inside:
            self._leave_queue(call)
        queue.overflowed += 1
        self._out.append(OverflowCall(call_id=call.id, kind=overflow.kind, target=overflow.target))
        self._report(
            "call.overflowed", call_id=call.id, queue=queue.name, kind=overflow.kind,
            target=overflow.target, reason=reason,
        )  # fmt: skip
        if overflow.kind == "queue":
            target = self._queues[str(overflow.target)]
            # the skill the IVR chose was for the queue it named; here the queue's own counts
            self._enter(call, target, now, target.config.required_skill)
        else:
            self._end(call, CallState.OVERFLOWED, now)

    def _to_callback(
        self,
        call: CallRecord,
        queue: QueueRecord,
        overflow: Overflow,
        reason: str,
        now: float,
        *,
        inside: bool,
    ) -> None:
        """The caller leaves; a virtual caller keeps their place and rings an agent in turn."""
        number = overflow.target or call.caller or None
        self._out.append(OverflowCall(call_id=call.id, kind="callback", target=number))
        self._report(
            "call.overflowed", call_id=call.id, queue=queue.name, kind="callback",
            target=number, reason=reason,
        )  # fmt: skip
        queue.callbacks += 1
        if not inside:
            self._settle(call, queue, now, call.skill)  # _enter set the queue's skill
        for kind in (MAX_WAIT, ANNOUNCE, COMFORT):
            call.timers.pop(kind, None)
        call.callback = True
        queue.virtual += 1
        if call.bucket is None:  # not in the line yet (just came, or came back from ringing)
            self._route_call(call, now)

    def _request_callback(self, call: CallRecord, queue: QueueRecord, number: str,
                          skill: str | None, now: float, since: float) -> None:
        """A callback asked for outright: offered, counted and lined up as a virtual caller."""
        queue.offered += 1
        queue.callbacks += 1
        skill = skill or queue.config.required_skill
        self._settle(call, queue, now, skill, entered=since)
        call.callback = True
        queue.virtual += 1
        data = {"call_id": call.id, "queue": queue.name, "priority": call.priority,
                "skill": skill, "variables": call.variables, "callback": number}
        self._out.append(Report(type="call.queued", data=data))
        self._route_call(call, now)

    # -- timers -------------------------------------------------------------------

    def _on_max_wait(self, call: CallRecord, now: float) -> None:
        if call.state is CallState.WAITING:
            self._overflow(call, call.queue, "max_wait", now, inside=True)
        # else an agent's phone rings: the call overflows only if that fails (_requeue)

    def _on_announce(self, call: CallRecord, now: float) -> None:
        every = call.queue.config.announce_every
        assert every is not None
        self._timers.set(call, ANNOUNCE, now + every)
        if call.state is CallState.WAITING:
            self._announce(call)

    def _announce(self, call: CallRecord) -> None:
        place = position(call)
        wait = call.queue.expected_wait(place)
        self._out.append(Announce(call_id=call.id, position=place, expected_wait=wait))

    def _on_comfort(self, call: CallRecord, now: float) -> None:
        every = call.queue.config.comfort_every
        assert every is not None
        self._timers.set(call, COMFORT, now + every)
        if call.state is CallState.WAITING:
            self._out.append(PlayComfort(call_id=call.id))

    def _on_widen(self, call: CallRecord, now: float) -> None:
        """The call waited long enough for the next step: a lower skill level will do."""
        steps = call.queue.config.widen_after
        self._widen_to(call, now)
        if call.widen_step < len(steps):
            self._timers.set(call, WIDEN, call.entered + steps[call.widen_step][0])
        if call.state is CallState.WAITING:
            self._leave_line(call)
            self._route_call(call, now)


def _next_tick(start: float, every: float, now: float) -> float:
    """The first of ``start + every``, ``start + 2 * every``... after ``now``."""
    return start + every * (int((now - start) // every) + 1)
