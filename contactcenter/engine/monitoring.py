"""A supervisor listens to, whispers to, or barges into an agent's live call.

The supervisor's own phone rings first (a leg with the Stasis argument
``monitor``). Once it answers:

- ``listen``: a snoop on the agent's leg hears both sides (ARI snoop, ``spy=both``)
  and is bridged with the supervisor, who is heard by nobody;
- ``whisper`` (coaching): the same snoop also speaks into the agent's leg
  (``whisper=out``): the agent hears the supervisor, the caller does not;
- ``barge``: the supervisor joins the call's own bridge; all three talk.

Hanging up the supervisor's phone ends the session; the call ending ends it too.

Only a phone linked to the supervisor's own user rings (``phone_to_ring``): an
agent's phone answers by itself, so ringing any other endpoint would send a
customer's call to whoever sits at it. Each session's reports carry the call's
id, so the call journal keeps them with the call's record; observers (the audit
log) get the same reports.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from contactcenter.engine.distribution import Distributor
from contactcenter.engine.phones import WEB_PHONE_SUFFIX, owner_of
from contactcenter.engine.sender import OrderedSender, Send
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

Publish = Callable[[dict[str, Any]], None]
#: mode -> (spy, whisper) of the snoop; barge needs none: it joins the call's bridge
SNOOPS: dict[str, tuple[str, str] | None] = {
    "listen": ("both", "none"), "whisper": ("both", "out"), "barge": None}
SUPERVISOR_RING = 30


class MonitorRefused(Exception):
    """Why a session cannot start: an HTTP status, a reason, and the field at fault."""

    def __init__(self, status: int, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.field = status, reason, field


def checked_mode(mode: object) -> str:
    """The mode asked for, if it is one (a JSON body may hold any value there)."""
    if not isinstance(mode, str) or mode not in SNOOPS:
        raise MonitorRefused(422, f"mode: one of {', '.join(SNOOPS)}", "mode")
    return mode


def phone_to_ring(own: str | None, asked: object = None) -> str:
    """The endpoint a user's session may ring: their own phone (``own``, the phone their
    user is linked to) or its browser twin ``<own>-web``; ``asked`` None means ``own``.

    Never another endpoint, for admins neither: the audio of a customer's call goes
    only to the person who asked for it."""
    if asked is not None and (not isinstance(asked, str) or not asked):
        raise MonitorRefused(422, "endpoint: your phone's id, as a string", "endpoint")
    if not own:
        raise MonitorRefused(409, "your user has no phone linked (the user's agent): "
                                  "monitoring rings only your own phone")
    mine = (own, f"{own}{WEB_PHONE_SUFFIX}")
    if asked is None:
        return own
    if asked not in mine:
        raise MonitorRefused(403, f"endpoint: {asked} is not your phone; monitoring rings "
                                  f"only {' or '.join(mine)}", "endpoint")
    return asked


@dataclass
class _Session:
    monitor_id: str
    call_id: str
    mode: str
    endpoint: str  #: the phone asked for (a person's id rings their latest phone)
    phone: str  #: the endpoint that rings
    supervisor: str  #: the user who asked
    agent: str
    agent_leg: str
    phone_leg: str
    answered: bool = False
    started: float | None = None  #: when the supervisor's phone answered

    @property
    def snoop(self) -> str:
        return f"{self.monitor_id}-snoop"

    @property
    def bridge(self) -> str:
        return f"bridge-{self.monitor_id}"


class Monitors:
    """The supervisors' sessions on live calls; the engine hands it their legs' news."""

    def __init__(self, distributor: Distributor, *, send: Send, publish: Publish,
                 clock: Callable[[], float] = time.time) -> None:
        self._distributor = distributor
        self._publish = publish
        self._clock = clock
        self._sender = OrderedSender(send, name="monitoring", on_failure=self._failed)
        self.sessions: dict[str, _Session] = {}
        self._ids = itertools.count(1)
        #: told every session's reports after they are published (the audit log)
        self.observers: list[Publish] = []

    def start(self, call_id: str, mode: object, *, supervisor: str, own_phone: str | None,
              endpoint: object = None) -> str:
        """Ring ``supervisor``'s own phone (``endpoint``, else ``own_phone``) to monitor
        ``call_id``; refused (``MonitorRefused``) before anything rings."""
        mode = checked_mode(mode)
        endpoint = phone_to_ring(own_phone, endpoint)
        leg = self._distributor.talking_leg(call_id)
        if leg is None:
            raise MonitorRefused(409, f"call {call_id} is not connected to an agent")
        phone = self._distributor.registered.reach(endpoint)
        if phone is None:
            raise MonitorRefused(409, f"{endpoint}'s phone is not registered")
        if owner_of(endpoint) == leg.agent:
            raise MonitorRefused(409, "an agent cannot monitor their own call")
        monitor_id = f"mon-{int(self._clock())}-{next(self._ids)}"
        session = _Session(monitor_id=monitor_id, call_id=call_id, mode=mode,
                           endpoint=endpoint, phone=phone, supervisor=supervisor,
                           agent=leg.agent, agent_leg=leg.leg_id,
                           phone_leg=f"{monitor_id}-phone")
        self.sessions[monitor_id] = session
        self._sender.put(dc.RingAgent(call_id=monitor_id, leg_id=session.phone_leg,
                                      endpoint=phone, caller_id=f"{mode} {leg.agent}",
                                      timeout=SUPERVISOR_RING, purpose="monitor"))
        self._report("call.monitor", session)
        return monitor_id

    def _report(self, kind: str, session: _Session, **data: Any) -> None:
        # a call's event (``call_id``: the journal keeps it with the call's record);
        # agents do not see it (it names no ``agent``)
        event = {"type": kind, "call_id": session.call_id, "monitor_id": session.monitor_id,
                 "monitored_call": session.call_id, "mode": session.mode,
                 "endpoint": session.endpoint, "phone": session.phone,
                 "supervisor": session.supervisor, "monitored_agent": session.agent,
                 "time": self._clock(), **data}
        self._publish(event)
        for observer in self.observers:
            observer(event)

    def agent_of(self, call_id: str) -> str | None:
        """The agent a call is connected to, if it is."""
        leg = self._distributor.talking_leg(call_id)
        return leg.agent if leg is not None else None

    def channels(self) -> set[str]:
        """Supervisors' phones (and the snoops of answered sessions) Asterisk should have."""
        out = set()
        for session in self.sessions.values():
            out.add(session.phone_leg)
            if session.answered and SNOOPS[session.mode] is not None:
                out.add(session.snoop)
        return out

    def records(self) -> set[str]:
        return set()

    def answered(self, event: de.MonitorAnswered) -> None:
        session = self.sessions.get(event.monitor_id)
        if session is None or self._distributor.talking_leg(session.call_id) is None:
            self._sender.put(dc.HangupCall(call_id=event.leg_id))  # the call ended meanwhile
            return
        session.answered, session.started = True, self._clock()
        snoop = SNOOPS[session.mode]
        if snoop is None:  # barge: into the call's own bridge
            self._sender.put(dc.AddToBridge(call_id=session.call_id,
                                            bridge_id=f"bridge-{session.call_id}",
                                            channels=(session.phone_leg,)))
        else:
            spy, whisper = snoop
            self._sender.put(dc.SnoopChannel(call_id=session.monitor_id, snoop_id=session.snoop,
                                             target=session.agent_leg, spy=spy,
                                             whisper=whisper))
            self._sender.put(dc.CreateBridge(call_id=session.monitor_id,
                                             bridge_id=session.bridge))
            self._sender.put(dc.AddToBridge(call_id=session.monitor_id,
                                            bridge_id=session.bridge,
                                            channels=(session.phone_leg, session.snoop)))
        self._report("call.monitor.started", session, time=session.started)

    def channel_gone(self, channel_id: str) -> bool:
        """A channel ended; True when it was a supervisor's phone or a snoop (ours alone).

        The agent's leg ending (the call is over) ends the sessions on it, and is
        still the distributor's news."""
        for session in list(self.sessions.values()):
            if channel_id in (session.phone_leg, session.snoop):
                self._end(session)
                return True
            if channel_id == session.agent_leg:
                self._end(session)
        return False

    def _end(self, session: _Session) -> None:
        if self.sessions.pop(session.monitor_id, None) is None:
            return
        self._sender.put(dc.HangupCall(call_id=session.phone_leg))
        if SNOOPS[session.mode] is not None and session.answered:
            self._sender.put(dc.HangupCall(call_id=session.snoop))
            self._sender.put(dc.DestroyBridge(call_id=session.monitor_id,
                                              bridge_id=session.bridge))
        self._report("call.monitor.ended", session, started=session.started)

    def _failed(self, command: dc.DriverCommand) -> None:
        if isinstance(command, dc.RingAgent):
            self.channel_gone(command.leg_id)

    async def drained(self) -> None:
        """Wait until every command so far has been handed to the driver (for tests)."""
        await self._sender.drained()

    async def run(self) -> None:
        await self._sender.run()
