"""The monitoring core: supervisors' sessions on live calls, sans-I/O.

See ``states.py`` for the theory of operation. ``mode_of`` and ``phone_of`` are
the rules about what may be asked for (a mode, the supervisor's own phone);
``Monitoring`` takes the request with the engine's facts, and the legs' news.
``_ON_EVENT`` at the end of this module is the transition table: which leg
news each session state takes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from contactcenter.calls.monitor import commands as mc
from contactcenter.calls.monitor import events as me
from contactcenter.calls.monitor.states import (
    SNOOPS,
    SUPERVISOR_RING,
    WEB_PHONE_SUFFIX,
    Mode,
    SessionState,
)

#: legs of ended sessions remembered, so that their late news is known as ours
MEMORY = 10_000


class MonitorUsageError(Exception):
    """An event the monitoring core does not know: the engine's bug, not a supervisor's."""


def mode_of(mode: object) -> Mode | mc.Refusal:
    """The mode asked for, if it is one (a JSON body may hold any value there)."""
    found = next((known for known in SNOOPS if known == mode), None)
    if found is None:  # (a dict or a list is no mode, and no crash either)
        return mc.Refusal(status=422, reason=f"mode: one of {', '.join(SNOOPS)}", field="mode")
    return found


def phone_of(own: str | None, asked: object = None) -> str | mc.Refusal:
    """The endpoint a user's session may ring: their own phone (``own``, the phone their
    user is linked to) or its browser twin ``<own>-web``; ``asked`` None means ``own``.

    Never another endpoint, for admins neither: the audio of a customer's call goes
    only to the person who asked for it."""
    if asked is not None and (not isinstance(asked, str) or not asked):
        return mc.Refusal(status=422, reason="endpoint: your phone's id, as a string",
                          field="endpoint")
    if not own:
        return mc.Refusal(status=409, reason="your user has no phone linked (the user's "
                                             "agent): monitoring rings only your own phone")
    mine = (own, f"{own}{WEB_PHONE_SUFFIX}")
    if asked is None:
        return own
    if asked not in mine:
        return mc.Refusal(status=403, reason=f"endpoint: {asked} is not your phone; "
                                             f"monitoring rings only {' or '.join(mine)}",
                          field="endpoint")
    return asked


@dataclass(slots=True)
class Session:
    """One supervisor on one call."""

    monitor_id: str
    call_id: str
    mode: Mode
    endpoint: str  #: the phone asked for (a person's id rings their latest phone)
    phone: str  #: the endpoint that rings
    supervisor: str  #: the user who asked
    agent: str
    agent_leg: str
    call_bridge: str  #: the call's own bridge
    state: SessionState = SessionState.RINGING
    started: float | None = None  #: when the supervisor's phone answered

    @property
    def phone_leg(self) -> str:
        return f"{self.monitor_id}-phone"

    @property
    def snoop(self) -> str:
        return f"{self.monitor_id}-snoop"

    @property
    def bridge(self) -> str:
        return f"bridge-{self.monitor_id}"


class Monitoring:
    """Supervisors' sessions: requests and legs' news in, commands out; see ``states.py``."""

    def __init__(self) -> None:
        self._sessions: dict[str, Session] = {}
        self._legs: dict[str, str] = {}  #: a session's phone or snoop -> the session
        self._on_agent_leg: dict[str, set[str]] = {}  #: an agent's leg -> its sessions
        self._ended_legs: dict[str, None] = {}  #: phones and snoops of ended sessions
        self._ids = itertools.count(1)
        self._out: list[mc.MonitorCommand] = []
        self._ignored = 0

    def handle(self, event: me.MonitorEvent, now: float) -> list[mc.MonitorCommand]:
        self._out = []
        if isinstance(event, me.MonitorAsked):
            self._on_asked(event, now)
        elif isinstance(event, me.PhoneAnswered):
            self._on_answered(event, now)
        elif isinstance(event, me.LegGone):
            self._on_gone(event, now)
        else:
            raise MonitorUsageError(f"not an event of monitoring: {event!r}")
        out, self._out = self._out, []
        return out

    @property
    def sessions(self) -> Mapping[str, Session]:
        """The sessions under way, by id."""
        return self._sessions

    @property
    def ignored(self) -> int:
        """Leg news that fitted no session's state (late, doubled): counted, not acted on."""
        return self._ignored

    def owns(self, leg: str) -> bool:
        """A supervisor's phone or a snoop, of a session under way or lately ended."""
        return leg in self._legs or leg in self._ended_legs

    def channels(self) -> set[str]:
        """The supervisors' phones, and the snoops of answered sessions, that should be up."""
        return set(self._legs)

    # -- a supervisor asks --------------------------------------------------------------

    def _on_asked(self, event: me.MonitorAsked, now: float) -> None:
        if event.mode not in SNOOPS:
            raise MonitorUsageError(f"not a mode: {event.mode!r} (mode_of checks it)")
        refusal = _refusal(event)
        if refusal is not None:
            self._out.append(refusal)
            return
        assert event.agent is not None and event.agent_leg is not None and event.phone
        session = Session(monitor_id=f"mon-{int(now)}-{next(self._ids)}", call_id=event.call_id,
                          mode=event.mode, endpoint=event.endpoint, phone=event.phone,
                          supervisor=event.supervisor, agent=event.agent,
                          agent_leg=event.agent_leg, call_bridge=event.bridge)
        self._sessions[session.monitor_id] = session
        self._legs[session.phone_leg] = session.monitor_id
        self._on_agent_leg.setdefault(session.agent_leg, set()).add(session.monitor_id)
        self._out.append(mc.RingPhone(monitor_id=session.monitor_id, leg=session.phone_leg,
                                      endpoint=session.phone,
                                      caller_id=f"{session.mode} {session.agent}",
                                      timeout=SUPERVISOR_RING, near=session.agent_leg))
        self._report("call.monitor", session, now)

    # -- the legs' news -----------------------------------------------------------------

    def _on_answered(self, event: me.PhoneAnswered, now: float) -> None:
        session = self._sessions.get(event.monitor_id)
        handler = _ON_EVENT[session.state].get(me.PhoneAnswered) if session else None
        if session is None or event.leg != session.phone_leg:
            self._ignored += 1
            self._out.append(mc.HangUp(leg=event.leg))  # nobody waits for it
        elif handler is None:
            self._ignored += 1  # the answer told twice: the supervisor is on already
        else:
            handler(self, session, event, now)

    def _on_gone(self, event: me.LegGone, now: float) -> None:
        owner = self._legs.get(event.leg)
        if owner is not None:
            targets = [owner]
        else:
            targets = sorted(self._on_agent_leg.get(event.leg, ()))
            if not targets and event.leg in self._ended_legs:
                self._ignored += 1  # a leg of a session already over
        for monitor_id in targets:
            session = self._sessions[monitor_id]
            _ON_EVENT[session.state][me.LegGone](self, session, event, now)

    def _answered(self, session: Session, event: me.PhoneAnswered, now: float) -> None:
        """The supervisor is on: into the snoop's bridge, or the call's own (barge)."""
        if not event.call_connected:  # the call ended while the phone rang
            self._end(session, now, gone=None)
            return
        session.started = now
        snoop = SNOOPS[session.mode]
        if snoop is None:
            session.state = SessionState.BARGED
            self._out.append(mc.Bridge(call_id=session.call_id, bridge=session.call_bridge,
                                       legs=(session.phone_leg,)))
        else:
            spy, whisper = snoop
            session.state = SessionState.SNOOPING
            self._legs[session.snoop] = session.monitor_id
            self._out += [
                mc.Snoop(monitor_id=session.monitor_id, snoop=session.snoop,
                         target=session.agent_leg, spy=spy, whisper=whisper),
                mc.OpenBridge(monitor_id=session.monitor_id, bridge=session.bridge),
                mc.Bridge(call_id=session.monitor_id, bridge=session.bridge,
                          legs=(session.phone_leg, session.snoop))]
        self._report("call.monitor.started", session, now)

    def _gone(self, session: Session, event: me.LegGone, now: float) -> None:
        """The supervisor hung up (or never answered), the snoop went, or the call did."""
        self._end(session, now, gone=event.leg)

    def _end(self, session: Session, now: float, *, gone: str | None) -> None:
        """Once: every leg and bridge of the session still up goes, and it is reported."""
        snooping = session.state is SessionState.SNOOPING
        for leg in (session.phone_leg, session.snoop if snooping else None):
            if leg is not None and leg != gone:
                self._out.append(mc.HangUp(leg=leg))
        if snooping:
            self._out.append(mc.CloseBridge(monitor_id=session.monitor_id,
                                            bridge=session.bridge))
        session.state = SessionState.ENDED
        self._forget(session)
        self._report("call.monitor.ended", session, now, started=session.started)

    def _forget(self, session: Session) -> None:
        del self._sessions[session.monitor_id]
        for leg in (session.phone_leg, session.snoop):
            if self._legs.pop(leg, None) is not None:
                self._ended_legs[leg] = None
        on_leg = self._on_agent_leg[session.agent_leg]
        on_leg.discard(session.monitor_id)
        if not on_leg:
            del self._on_agent_leg[session.agent_leg]
        while len(self._ended_legs) > MEMORY:
            del self._ended_legs[next(iter(self._ended_legs))]

    def _report(self, kind: str, session: Session, now: float, **data: Any) -> None:
        # a call's event (``call_id``: the journal keeps it with the call's record);
        # agents do not see it (it names no ``agent``)
        self._out.append(mc.Report(type=kind, data={
            "call_id": session.call_id, "monitor_id": session.monitor_id,
            "monitored_call": session.call_id, "mode": session.mode,
            "endpoint": session.endpoint, "phone": session.phone,
            "supervisor": session.supervisor, "monitored_agent": session.agent,
            "time": now, **data}))


def _refusal(event: me.MonitorAsked) -> mc.Refusal | None:
    """Why the session cannot start now, if it cannot (checked in this order)."""
    if event.agent is None or event.agent_leg is None:
        return mc.Refusal(status=409, reason=f"call {event.call_id} is not connected to "
                                              "an agent")
    if not event.phone:
        return mc.Refusal(status=409, reason=f"{event.endpoint}'s phone is not registered")
    if event.endpoint.removesuffix(WEB_PHONE_SUFFIX) == event.agent:
        return mc.Refusal(status=409, reason="an agent cannot monitor their own call")
    return None


#: each handler takes its own event type, hence ``Any``
_Handler = Callable[[Monitoring, Session, Any, float], None]
#: session state -> the leg news it takes; any other (an answer told twice) is ignored.
#: An ended session is forgotten: news of its legs is late.
_ON_EVENT: dict[SessionState, dict[type, _Handler]] = {
    SessionState.RINGING: {me.PhoneAnswered: Monitoring._answered,
                           me.LegGone: Monitoring._gone},
    SessionState.SNOOPING: {me.LegGone: Monitoring._gone},
    SessionState.BARGED: {me.LegGone: Monitoring._gone},
    SessionState.ENDED: {},
}
