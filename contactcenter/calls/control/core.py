"""Call control: hold, mute, transfer, consult, conference, sans-I/O.

See ``states.py`` for the theory of operation; ``_ON_REQUEST`` at the end of
this module is its transition table: which requests each talk state takes.
The legs' news (an answer, a hang-up) and the ring timers are in ``legs.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contactcenter.calls.control import commands as cc
from contactcenter.calls.control import events as ce
from contactcenter.calls.control.legs import LegRules
from contactcenter.calls.control.states import (
    CONSULTABLE,
    TARGET_KINDS,
    PartyState,
    Role,
    TalkState,
)
from contactcenter.calls.control.talk import Party, Talk, TalkView, view_of


class ControlUsageError(Exception):
    """An event call control does not know: the engine's bug, not the caller's news."""


class CallControl(LegRules):
    """Calls with an agent in, commands out; see ``states.py``."""

    def handle(self, event: ce.ControlEvent, now: float) -> list[cc.ControlCommand]:
        self._out = []
        self._fire_due(now)
        if isinstance(event, ce.Connected):
            self._on_connected(event, now)
        elif isinstance(event, ce.HandedOffResumed):
            self._on_handed_off_resumed(event, now)
        elif isinstance(event, ce.PartyAnswered | ce.LegGone):
            self._on_leg(event, now)
        elif type(event) in _NAMES:
            self._on_request(event, now)
        else:
            raise ControlUsageError(f"not an event of call control: {event!r}")
        return self._take()

    def handle_timer(self, now: float) -> list[cc.ControlCommand]:
        self._out = []
        self._fire_due(now)
        return self._take()

    def next_deadline(self) -> float | None:
        return self._next_ring()

    def view(self, call_id: str, now: float) -> TalkView | None:
        talk = self._talks.get(call_id)
        return view_of(talk, now) if talk is not None else None

    def call_of(self, agent: str) -> str | None:
        """The call ``agent`` is in charge of, if any."""
        return self._by_agent.get(agent)

    # -- a call comes under control -------------------------------------------------------

    def _on_connected(self, event: ce.Connected, now: float) -> None:
        if event.call_id in self._talks:
            self._ignored += 1  # a duplicate: the call's parties are known
            return
        caller = Party(leg=event.caller_leg, role=Role.CALLER, kind="caller",
                       who=event.caller, state=PartyState.BRIDGED, since=now)
        agent = Party(leg=event.agent_leg, role=Role.AGENT, kind="agent", who=event.agent,
                      state=PartyState.BRIDGED, since=now)
        talk = Talk(call_id=event.call_id, queue=event.queue, priority=event.priority,
                    bridge=event.bridge, caller=caller, agent=agent, outbound=event.outbound,
                    handled_by=[*self._history.pop(event.call_id, ()), event.agent])
        self._talks[talk.call_id] = talk
        self._by_agent[event.agent] = talk.call_id
        self._tell_agent(talk)

    def _on_handed_off_resumed(self, event: ce.HandedOffResumed, now: float) -> None:
        """A handed-off call met again after a restart: the caller and the other party
        in the bridge, no agent; nothing to ask of it but its end."""
        if event.call_id in self._talks:
            self._ignored += 1
            return
        caller = Party(leg=event.call_id, role=Role.CALLER, kind="caller", who=event.caller,
                       state=PartyState.BRIDGED, since=now)
        other = Party(leg=event.other_leg, role=Role.OUTSIDE, kind=event.other_kind,
                      who=event.other, state=PartyState.BRIDGED, since=now)
        self._talks[event.call_id] = Talk(
            call_id=event.call_id, queue=event.queue, priority=event.priority,
            bridge=event.bridge, caller=caller, agent=None, other=other,
            state=TalkState.HANDED_OFF, handled_by=list(event.handled_by))

    # -- the agent's requests --------------------------------------------------------------

    def _on_request(self, request: ce.Request, now: float) -> None:
        talk = self._talks.get(request.call_id)
        if talk is None:
            self._refuse(request.call_id, 404, "no call under way with that id (it may "
                                               "have ended, or gone back to a queue)")
            return
        handler = _ON_REQUEST[talk.state].get(type(request))
        if handler is None:
            self._refuse(talk.call_id, 409, f"{_NAMES[type(request)]} is not possible while "
                                            f"the call is {talk.state.value}")
            return
        handler(self, talk, request, now)

    def _refuse(self, call_id: str, status: int, reason: str) -> None:
        self._out.append(cc.Refusal(call_id=call_id, status=status, reason=reason))

    def _hold(self, talk: Talk, request: ce.HoldAsked, now: float) -> None:
        self._hold_caller(talk, now)
        talk.state = TalkState.HOLDING
        self._report(talk, "call.held")
        self._tell_agent(talk)

    def _resume(self, talk: Talk, request: ce.ResumeAsked, now: float) -> None:
        self._back_to_agent(talk, now)

    def _mute(self, talk: Talk, request: ce.MuteAsked, now: float) -> None:
        agent = talk.agent
        assert agent is not None
        if agent.muted is not request.muted:
            agent.muted = request.muted
            self._out.append(cc.Mute(call_id=talk.call_id, leg=agent.leg, on=request.muted))
            self._report(talk, "call.muted", muted=request.muted)

    def _transfer(self, talk: Talk, request: ce.TransferAsked, now: float) -> None:
        to = request.to
        if talk.outbound and to.kind in ("agent", "queue"):
            self._refuse(talk.call_id, 409, "a customer the platform called waits in no "
                                            "queue: consult the agent, then complete")
            return
        if not self._fits(talk, to, TARGET_KINDS):
            return
        self._hold_caller(talk, now)
        self._report(talk, "call.transferred", kind="blind", to_kind=to.kind, to=to.name)
        self._agent_leaves(talk, now, hang_up=True)
        if to.kind in ("agent", "queue"):
            self._requeue(talk, now, agent=to.name if to.kind == "agent" else None,
                          queue=to.name if to.kind == "queue" else talk.queue)
            return
        talk.state = TalkState.HANDED_OFF
        self._ring(talk, Role.OUTSIDE, to, now)

    def _consult(self, talk: Talk, request: ce.ConsultAsked, now: float) -> None:
        to = request.to
        if not self._fits(talk, to, CONSULTABLE):
            return
        self._hold_caller(talk, now)
        talk.state = TalkState.CONSULTING
        if to.kind == "agent":
            self._out.append(cc.Reserve(call_id=talk.call_id, agent=to.name))
        self._ring(talk, Role.CONSULTED, to, now)
        self._report(talk, "call.consulting", to_kind=to.kind, to=to.name)
        self._tell_agent(talk)

    def _complete(self, talk: Talk, request: ce.CompleteAsked, now: float) -> None:
        if self._unanswered(talk):
            return
        self._hand_on(talk, now, hang_up=True)

    def _cancel(self, talk: Talk, request: ce.CancelAsked, now: float) -> None:
        self._drop_other(talk, now, reason="cancelled", hang_up=True)

    def _conference(self, talk: Talk, request: ce.ConferenceAsked, now: float) -> None:
        if self._unanswered(talk):
            return
        self._caller_in(talk, now)
        talk.state = TalkState.CONFERENCE
        other = _other(talk)
        self._report(talk, "call.conference", to_kind=other.kind, to=other.who)
        self._tell_agent(talk)

    def _leave(self, talk: Talk, request: ce.LeaveAsked, now: float) -> None:
        self._hand_on(talk, now, hang_up=True)

    def _fits(self, talk: Talk, to: ce.Target, kinds: tuple[str, ...]) -> bool:
        """Whether ``to`` can take the call; refused with the reason if not."""
        if to.kind not in kinds:
            self._refuse(talk.call_id, 409, f"a {to.kind or 'target'} cannot take this; "
                                            f"one of {', '.join(kinds)}")
            return False
        if to.kind == "agent" and talk.agent is not None and to.name == talk.agent.who:
            self._refuse(talk.call_id, 409, f"the call is already with {to.name}")
            return False
        if not to.name:
            self._refuse(talk.call_id, 409, f"the {to.kind} to go to is missing")
            return False
        return True

    def _unanswered(self, talk: Talk) -> bool:
        other = _other(talk)
        if other.state is PartyState.RINGING:
            self._refuse(talk.call_id, 409, f"{other.who} has not answered yet: wait, "
                                            "or cancel the consultation")
            return True
        return False


def _other(talk: Talk) -> Party:
    assert talk.other is not None, "a consultation or conference has its other party"
    return talk.other


#: each handler takes its own request type, hence ``Any``
_Handler = Callable[[CallControl, Talk, Any, float], None]
#: talk state -> the requests it takes; any other is refused with the state named
_ON_REQUEST: dict[TalkState, dict[type, _Handler]] = {
    TalkState.TALKING: {ce.HoldAsked: CallControl._hold, ce.MuteAsked: CallControl._mute,
                        ce.TransferAsked: CallControl._transfer,
                        ce.ConsultAsked: CallControl._consult},
    TalkState.HOLDING: {ce.ResumeAsked: CallControl._resume, ce.MuteAsked: CallControl._mute,
                        ce.TransferAsked: CallControl._transfer,
                        ce.ConsultAsked: CallControl._consult},
    TalkState.CONSULTING: {ce.MuteAsked: CallControl._mute,
                           ce.CompleteAsked: CallControl._complete,
                           ce.CancelAsked: CallControl._cancel,
                           ce.ConferenceAsked: CallControl._conference},
    TalkState.CONFERENCE: {ce.MuteAsked: CallControl._mute, ce.LeaveAsked: CallControl._leave,
                           ce.CancelAsked: CallControl._cancel},
    TalkState.HANDED_OFF: {},
}

_NAMES: dict[type, str] = {
    ce.HoldAsked: "hold", ce.ResumeAsked: "resume", ce.MuteAsked: "mute",
    ce.TransferAsked: "transfer", ce.ConsultAsked: "consult",
    ce.CompleteAsked: "completing the transfer", ce.CancelAsked: "cancel",
    ce.ConferenceAsked: "conference", ce.LeaveAsked: "leaving",
}
