"""The moves call control makes on a call's legs, and the legs' own news.

``CallControl`` (``core.py``) takes the agent's requests; this base class
holds the calls and the moves both kinds of news share: holding the caller
and bringing them back, the agent leaving, a party rung or dropped, the
caller going back to a queue, the end. A leg's answer or hang-up, and a ring
that lasted too long, are dispatched here by the party's role.
"""

from __future__ import annotations

import heapq
import itertools
from typing import Any

from contactcenter.calls.control import commands as cc
from contactcenter.calls.control import events as ce
from contactcenter.calls.control.states import PartyState, Role, TalkState
from contactcenter.calls.control.talk import Party, Talk

#: seconds a ring may outlast its own timeout before call control gives it up itself
RING_GRACE = 5.0
#: calls and legs remembered after they left control (late news is known as late)
MEMORY = 10_000


class LegRules:
    def __init__(self, *, ring_timeout: int = 30, run: str = "") -> None:
        """``run``: a tag for this run's leg names, so that a restart never names a new
        leg like one of the run before (whose late news would then be taken for it)."""
        self.ring_timeout = ring_timeout
        self._run = run
        self._talks: dict[str, Talk] = {}
        self._by_agent: dict[str, str] = {}
        #: calls gone back to a queue -> the agents who had them (for the next one's pop)
        self._history: dict[str, tuple[str, ...]] = {}
        #: (deadline, call) of every ring set; an entry whose call's deadline moved is stale
        self._rings: list[tuple[float, str]] = []
        self._out: list[cc.ControlCommand] = []
        self._ignored = 0
        self._ids = itertools.count(1)

    @property
    def ignored(self) -> int:
        """News that fitted no call's state (late, doubled): counted, not acted on."""
        return self._ignored

    def _take(self) -> list[cc.ControlCommand]:
        out, self._out = self._out, []
        return out

    def _report(self, talk: Talk, event_type: str, **data: Any) -> None:
        agent = talk.agent.who if talk.agent is not None else None
        self._out.append(cc.Report(type=event_type, data={"call_id": talk.call_id,
                                                    "agent": agent, **data}))

    def _tell_agent(self, talk: Talk) -> None:
        """The agent's part in the call, for the boards (holding, consulting...)."""
        if talk.agent is not None:
            self._out.append(cc.Report(type="agent.talk", data={
                "agent": talk.agent.who, "call_id": talk.call_id, "state": talk.state.value}))

    # -- the caller ----------------------------------------------------------------------

    def _hold_caller(self, talk: Talk, now: float) -> None:
        caller = talk.caller
        if caller.state is PartyState.BRIDGED:
            self._out += [cc.Unbridge(call_id=talk.call_id, bridge=talk.bridge, leg=caller.leg),
                          cc.Music(call_id=talk.call_id, leg=caller.leg, on=True)]
            caller.state = PartyState.HELD
            talk.held_since = now

    def _caller_in(self, talk: Talk, now: float) -> float:
        """The held caller back in the bridge; how long this hold lasted."""
        caller = talk.caller
        if caller.state is not PartyState.HELD:
            return 0.0
        self._out += [cc.Music(call_id=talk.call_id, leg=caller.leg, on=False),
                      cc.Bridge(call_id=talk.call_id, bridge=talk.bridge, legs=(caller.leg,))]
        caller.state = PartyState.BRIDGED
        return self._held_until(talk, now)

    def _held_until(self, talk: Talk, now: float) -> float:
        held = now - talk.held_since if talk.held_since is not None else 0.0
        talk.held_total += held
        talk.held_since = None
        return held

    def _back_to_agent(self, talk: Talk, now: float) -> None:
        held = self._caller_in(talk, now)
        talk.state = TalkState.TALKING
        self._report(talk, "call.retrieved", held=round(held, 3))
        self._tell_agent(talk)

    def _requeue(self, talk: Talk, now: float, *, queue: str, agent: str | None = None) -> None:
        """The held caller back to the ACD, keeping their priority; control lets go. A
        customer the platform called never was in a queue: hung up instead."""
        if talk.outbound:
            self._hang_up_caller(talk, now)
            return
        self._held_until(talk, now)  # waiting in a queue is not being on hold
        self._history[talk.call_id] = tuple(talk.handled_by)
        _forget_oldest(self._history)
        # told before it is done: the ACD's news of the new visit (queued, offered) follows
        self._report(talk, "call.requeued", queue=queue, to_agent=agent,
                     held_total=round(talk.held_total, 3))
        self._out += [cc.CloseBridge(call_id=talk.call_id, bridge=talk.bridge),
                      cc.Requeue(call_id=talk.call_id, queue=queue, priority=talk.priority,
                                 agent=agent, handled_by=tuple(talk.handled_by))]
        talk.state = TalkState.REQUEUED
        del self._talks[talk.call_id]

    def _hang_up_caller(self, talk: Talk, now: float) -> None:
        """Nobody is left for the caller to talk to: they are hung up, and the call ends."""
        talk.caller.state = PartyState.GONE
        self._out.append(cc.HangUp(call_id=talk.call_id, leg=talk.caller.leg))
        self._end(talk, now)

    def _end(self, talk: Talk, now: float) -> None:
        self._held_until(talk, now)
        self._out += [cc.CloseBridge(call_id=talk.call_id, bridge=talk.bridge),
                      cc.EndCall(call_id=talk.call_id)]
        self._report(talk, "call.control_ended", held_total=round(talk.held_total, 3),
                     handled_by=list(talk.handled_by))
        talk.state = TalkState.ENDED
        del self._talks[talk.call_id]
        self._history.pop(talk.call_id, None)

    # -- the agent -----------------------------------------------------------------------

    def _agent_leaves(self, talk: Talk, now: float, *, hang_up: bool) -> None:
        """The agent's part ends (once): their leg goes, the ACD's wrap-up starts."""
        agent = talk.agent
        assert agent is not None, "a talk state with an agent"
        if hang_up:
            self._out.append(cc.HangUp(call_id=talk.call_id, leg=agent.leg))
        agent.state = PartyState.GONE
        self._out.append(cc.ReleaseAgent(call_id=talk.call_id, agent=agent.who))
        self._report(talk, "call.party_left", role=agent.role.value, who=agent.who,
                     talked=round(now - agent.since, 3))
        self._out.append(cc.Report(type="agent.talk", data={
            "agent": agent.who, "call_id": talk.call_id, "state": "none"}))
        if self._by_agent.get(agent.who) == talk.call_id:
            del self._by_agent[agent.who]
        talk.agent = None

    def _hand_on(self, talk: Talk, now: float, *, hang_up: bool) -> None:
        """An attended transfer (complete, a conference left, or the agent hanging up on
        either): the caller with the other party, the agent gone, the other in charge."""
        other = talk.other
        assert other is not None
        self._caller_in(talk, now)
        self._report(talk, "call.transferred", kind="attended", to_kind=other.kind,
                     to=other.who)
        self._agent_leaves(talk, now, hang_up=hang_up)
        self._other_takes_over(talk, now)

    def _other_takes_over(self, talk: Talk, now: float) -> None:
        """The agent left a bridged consulted party with the caller: an ACD agent takes
        the call over, anyone else talks with the caller until one hangs up."""
        other = talk.other
        assert other is not None
        if other.kind != "agent":
            talk.state = TalkState.HANDED_OFF
            return
        self._out.append(cc.HandOver(call_id=talk.call_id, agent=other.who, leg=other.leg,
                                     queue=talk.queue,
                                     priority=talk.priority))
        other.role, talk.agent, talk.other = Role.AGENT, other, None
        talk.handled_by.append(other.who)
        self._by_agent[other.who] = talk.call_id
        talk.state = TalkState.TALKING
        self._tell_agent(talk)

    # -- the other party: consulted, third, outside -------------------------------------------

    def _ring(self, talk: Talk, role: Role, to: ce.Target, now: float) -> None:
        leg = f"{talk.call_id}-{role.value}-{self._run}{next(self._ids)}"
        caller_id = talk.caller.who if to.kind in ("agent", "phone") else ""
        self._out.append(cc.RingParty(call_id=talk.call_id, leg=leg, to=to,
                                      caller_id=caller_id, timeout=self.ring_timeout))
        talk.other = Party(leg=leg, role=role, kind=to.kind, who=to.name,
                           state=PartyState.RINGING, since=now)
        talk.ring_deadline = now + self.ring_timeout + RING_GRACE
        heapq.heappush(self._rings, (talk.ring_deadline, talk.call_id))

    def _drop_other(self, talk: Talk, now: float, *, reason: str, hang_up: bool) -> None:
        """The consulted or third party is out: the caller back with the agent (cancel),
        or still held for the agent to take back (no answer, hung up)."""
        other = talk.other
        assert other is not None
        self._let_go(talk, other, hang_up=hang_up)
        if talk.state is TalkState.CONFERENCE:
            self._report(talk, "call.party_left", role=other.role.value, who=other.who,
                         talked=round(now - other.since, 3))
            talk.state = TalkState.TALKING
            self._tell_agent(talk)
            return
        self._report(talk, "call.consult_ended", to=other.who, reason=reason)
        if reason == "cancelled":
            self._back_to_agent(talk, now)
        else:
            talk.state = TalkState.HOLDING
            self._tell_agent(talk)

    def _let_go(self, talk: Talk, other: Party, *, hang_up: bool) -> None:
        if hang_up:
            self._out.append(cc.HangUp(call_id=talk.call_id, leg=other.leg))
        if other.kind == "agent" and other.role is Role.CONSULTED:
            self._out.append(cc.Unreserve(call_id=talk.call_id, agent=other.who))
        other.state = PartyState.GONE
        talk.other, talk.ring_deadline = None, None

    # -- the legs' news ----------------------------------------------------------------------

    def _on_leg(self, event: ce.PartyAnswered | ce.LegGone, now: float) -> None:
        talk = self._talks.get(event.call_id)
        party = talk.party(event.leg) if talk is not None else None
        if isinstance(event, ce.PartyAnswered):
            if talk is not None and party is not None and party.state is PartyState.RINGING:
                self._answered(talk, party, now)
                return
            self._ignored += 1
            if party is None:  # given up, or never rung for this call: nobody waits for it
                self._out.append(cc.HangUp(call_id=event.call_id, leg=event.leg))
            # else: the answer told twice; the party is in the call already
            return
        if talk is None or party is None:
            self._ignored += 1
            return
        if party.role is Role.CALLER:
            self._caller_gone(talk, now)
        elif party.role is Role.AGENT:
            self._agent_gone(talk, now)
        else:
            self._other_gone(talk, party, now, cause=event.cause)

    def _answered(self, talk: Talk, other: Party, now: float) -> None:
        other.state, other.since, talk.ring_deadline = PartyState.BRIDGED, now, None
        self._out.append(cc.Bridge(call_id=talk.call_id, bridge=talk.bridge, legs=(other.leg,)))
        if talk.state is TalkState.CONSULTING:
            self._report(talk, "call.consult_answered", to_kind=other.kind, to=other.who)
            return
        self._caller_in(talk, now)  # a blind transfer's outside party: the caller joins
        self._report(talk, "call.transfer_answered", to_kind=other.kind, to=other.who)

    def _caller_gone(self, talk: Talk, now: float) -> None:
        talk.caller.state = PartyState.GONE
        if talk.other is not None:
            self._let_go(talk, talk.other, hang_up=True)
        if talk.agent is not None:
            self._agent_leaves(talk, now, hang_up=True)
        self._end(talk, now)

    def _agent_gone(self, talk: Talk, now: float) -> None:
        """The agent hung up their phone: what becomes of the caller depends on the state."""
        other = talk.other
        if talk.state is TalkState.TALKING:
            self._agent_leaves(talk, now, hang_up=False)
            self._hang_up_caller(talk, now)
        elif talk.state is TalkState.CONFERENCE or (
                talk.state is TalkState.CONSULTING and other is not None
                and other.state is PartyState.BRIDGED):
            self._hand_on(talk, now, hang_up=False)  # hanging up on a consultation completes it
        else:  # holding, or a consulted party still ringing: the caller back to the queue
            if other is not None:
                self._drop_other(talk, now, reason="agent_left", hang_up=True)
            self._agent_leaves(talk, now, hang_up=False)
            self._requeue(talk, now, queue=talk.queue)

    def _other_gone(self, talk: Talk, party: Party, now: float, *, cause: str) -> None:
        if talk.state in (TalkState.CONSULTING, TalkState.CONFERENCE):
            reason = "no_answer" if party.state is PartyState.RINGING else "hung_up"
            self._drop_other(talk, now, reason=reason, hang_up=False)
        elif party.state is PartyState.RINGING:  # a blind transfer nobody answered
            self._let_go(talk, party, hang_up=False)
            self._report(talk, "call.transfer_failed", to=party.who, cause=cause or "no_answer")
            self._requeue(talk, now, queue=talk.queue)
        else:  # the two left talking: one hung up, the call is over
            self._let_go(talk, party, hang_up=False)
            self._hang_up_caller(talk, now)

    def _next_ring(self) -> float | None:
        """The earliest ring deadline still set (stale heap entries dropped on the way)."""
        rings = self._rings
        while rings:
            deadline, call_id = rings[0]
            talk = self._talks.get(call_id)
            if talk is not None and talk.ring_deadline == deadline:
                return deadline
            heapq.heappop(rings)
        return None

    def _fire_due(self, now: float) -> None:
        """Rings that outlasted their timeout: given up, as if the leg had said so."""
        while (deadline := self._next_ring()) is not None and deadline <= now:
            _, call_id = heapq.heappop(self._rings)
            talk = self._talks[call_id]
            other = talk.other
            assert other is not None
            self._out.append(cc.HangUp(call_id=talk.call_id, leg=other.leg))
            self._other_gone(talk, other, now, cause="no_answer")


def _forget_oldest(memory: dict[str, Any]) -> None:
    while len(memory) > MEMORY:
        del memory[next(iter(memory))]
