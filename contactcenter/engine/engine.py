"""The engine: routes driver events to call tasks, journals and publishes.

There is no global lock: each call has its own task (``CallTask``) and inbox;
this class only keeps the map from call id to task, and the bookkeeping that
every call shares (the journal, the bus, the flows by dialed number).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from contactcenter.acd.core import Acd
from contactcenter.calls import CallGate
from contactcenter.calls.control import CallControl
from contactcenter.dialer.states import Campaign
from contactcenter.engine.agent_store import AgentStateStore
from contactcenter.engine.callbacks import pending_callbacks
from contactcenter.engine.calls import CallState, CallTask, Send
from contactcenter.engine.campaigns import CampaignRunner
from contactcenter.engine.click_to_talk import ClickToTalk
from contactcenter.engine.control import Controller
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.gatekeeper import CalleeLookup, Gatekeeper
from contactcenter.engine.monitoring import Monitors
from contactcenter.engine.outbound_campaigns import Campaigns
from contactcenter.engine.phones import owner_of
from contactcenter.engine.resync import Resync
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal, CallRecord
from contactcenter.ivr import commands as ic
from contactcenter.ivr.loader import Flow
from contactcenter.ivr.session import IvrSession
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

log = logging.getLogger(__name__)


class LookupSource(Protocol):
    """Where the IVR's data dips go (the CRM, the settings' directory)."""

    async def lookup(self, kind: str, key: str) -> Mapping[str, str] | None: ...


class WebArrivals(Protocol):
    """Web visitors' calls (``contactcenter.webcall.service``): where one goes, or None
    for a call that is no web call."""

    def arrived(self, arrival: de.CallArrived, *, resumed: bool) -> Any: ...


_UNKNOWN_NUMBER_PROMPT = ("sound:ss-noservice",)
#: the events a call's record begins with: they say which engine carries it
_STARTS = frozenset({"call.arrived", "call.dialed", "call.resumed"})
#: seconds ``settled`` waits for the ACD to send a call's commands (a webhook's answer
#: is held that much more at most; what comes later goes as a call update)
ACD_GRACE = 0.05


class Engine(Resync):
    def __init__(self, *, flows: Mapping[str, Flow], numbers: Mapping[str, str],
                 directory: LookupSource, bus: EventBus, journal: CallJournal,
                 clock: Callable[[], float] = time.time) -> None:
        self.flows = flows
        self.numbers = numbers
        self.directory = directory
        self.bus = bus
        self.journal = journal
        self.clock = clock
        self.send: Send = _not_connected
        self.calls: dict[str, CallTask] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.endpoints: dict[str, dict[str, Any]] = {}
        #: the ACD's adapter, when queues are configured (``attach_acd``)
        self.distributor: Distributor | None = None
        #: the calls agents place themselves (click-to-talk), once attached
        self.outbound: ClickToTalk | None = None
        #: supervisors listening, whispering, barging (``attach_monitors``)
        self.monitors: Monitors | None = None
        #: the rules every call placed passes (``attach_gate``)
        self.gate: Gatekeeper | None = None
        #: hold, transfer, consult and conference on calls with agents (``attach_control``)
        self.control: Controller | None = None
        #: outbound campaigns: the dialer (``attach_campaigns``)
        self.campaigns: Campaigns | None = None
        #: web visitors' calls: their grants, matched at arrival (``attach_web_calls``)
        self.web: WebArrivals | None = None
        #: the engine carrying a call (its id, the caller id it goes out with), for the
        #: records: ``DriverRouter.engine_of`` once a router is attached; None: not said
        self.engine_of: Callable[[str, str], str] | None = None

    def attach_acd(self, acd: Acd, store: AgentStateStore | None = None) -> Distributor:
        # the driver's own send (late bound: attached after this), so that a failed ring
        # is seen by the distributor instead of waiting out the ring timeout
        self.distributor = Distributor(acd, send=lambda command: self.send(command),
                                       publish=self.publish,
                                       clock=self.clock, store=store)
        return self.distributor

    def attach_click_to_talk(self) -> ClickToTalk:
        assert self.distributor is not None, "click-to-talk needs the ACD's agents"
        self.outbound = ClickToTalk(self.distributor, send=lambda command: self.send(command),
                                    publish=self.publish, clock=self.clock)
        return self.outbound

    def attach_gate(self, gate: CallGate, lookup: CalleeLookup,
                    wall_clock: Callable[[], float] = time.time) -> Gatekeeper:
        """The call gate every call the platform places passes (callbacks, click-to-talk).
        ``wall_clock``: the date the calling hours are read on (a simulation's own)."""
        self.gate = Gatekeeper(gate, lookup=lookup, publish=self.publish, clock=wall_clock)
        if self.distributor is not None:
            distributor = self.distributor
            distributor.gate = self.gate
            self.gate.on_resume = distributor.resume_callback
            self.gate.on_refused = distributor.drop_callback
        if self.outbound is not None:
            self.outbound.gate = self.gate
        return self.gate

    def attach_control(self) -> Controller:
        assert self.distributor is not None, "call control works on the ACD's calls"
        run = f"{int(self.clock() * 1000) % 36**6:x}."  # this run's mark on its legs
        self.control = Controller(CallControl(run=run), self.distributor,
                                  publish=self.publish, clock=self.clock)
        self.distributor.control = self.control
        if self.outbound is not None:  # click-to-talk calls too, once the customer answers
            self.outbound.control = self.control
        return self.control

    def attach_campaigns(self) -> Campaigns:
        """Outbound campaigns; each is added to it with its runner (``add_campaign``)."""
        self.campaigns = Campaigns(self.distributor)
        return self.campaigns

    def add_campaign(self, campaign: Campaign, **settings: Any) -> CampaignRunner:
        """Run ``campaign`` on this engine's driver, through its call gate."""
        assert self.campaigns is not None, "attach_campaigns first"
        runner = CampaignRunner(campaign, send=lambda command: self.send(command),
                                publish=self.publish, gate=self.gate, clock=self.clock,
                                **settings)
        return self.campaigns.add(runner)

    def attach_monitors(self) -> Monitors:
        assert self.distributor is not None, "monitoring needs the ACD's calls"
        self.monitors = Monitors(self.distributor, send=lambda command: self.send(command),
                                 publish=self.publish, clock=self.clock)
        return self.monitors

    def restore_callbacks(self) -> int:
        """The callbacks promised before a restart wait their turn again, in their place."""
        if self.distributor is None:
            return 0
        pending = pending_callbacks(self.journal.ended())
        for callback in pending:  # through the gate again: a rule may say no now
            self.distributor.request_callback(
                callback.call_id, queue=callback.queue, number=callback.number,
                priority=callback.priority, skill=None, variables={}, since=callback.since,
                source="callback_restored")
        return len(pending)

    def publish(self, event: dict[str, Any]) -> None:
        """Journal a call's event first, then tell the subscribers."""
        # agents' and queues' reports may name a call (or None): they are not its events
        if self.engine_of is not None and event["type"] in _STARTS and "engine" not in event:
            call = str(event.get("origin") or event["call_id"])  # a callback: its caller's
            event = {**event, "engine": self.engine_of(call, str(event.get("caller_id", "")))}
        if event.get("call_id") and not event["type"].startswith(("agent.", "queue.")):
            self.journal.append(event)
        self.bus.publish(event)

    def on_driver_event(self, event: de.DriverEvent) -> None:
        """Each leg's news to the part that rang it; a caller's to their call's task."""
        distributor, outbound, monitors = self.distributor, self.outbound, self.monitors
        if monitors is not None and isinstance(event, de.CallEnded) \
                and monitors.channel_gone(event.call_id):
            return  # a supervisor's phone or snoop: nobody else's news
        if self._controlled(event):
            return
        if self.campaigns is not None and self.campaigns.on_driver_event(event):
            return
        match event:
            case de.CallArrived():
                self._arrive(event)
            case de.MonitorAnswered() | de.AgentAnswered() | de.CustomerAnswered():
                self._answered(event)
            case de.DialAnswered(leg_id=leg_id):  # a campaign's callee nobody owns
                self._spawn(self._send(dc.HangupCall(call_id=leg_id)))
            case de.CallEnded(call_id=leg_id, cause=cause) if (
                    outbound is not None and outbound.leg_ended(leg_id, cause)):
                pass
            case de.CallEnded(call_id=leg_id, cause=cause) if (
                    distributor is not None and distributor.leg_ended(leg_id, cause)):
                pass
            case de.EndpointStateChanged(endpoint=endpoint, state=state):
                self._endpoint(endpoint, state=state)
            case de.EndpointRegistration(endpoint=endpoint, registered=registered):
                self._endpoint(endpoint, registered=registered)
                if distributor is not None:
                    distributor.registration(endpoint, registered)
            case _:
                task = self.calls.get(event.call_id)
                if task is not None:
                    task.feed(event)

    async def settled(self, call_id: str) -> bool:
        """Once a caller's call has handled its news so far (``CallTask.settled``) and the
        ACD has sent what that led it to (the hold music after an announcement), waiting
        for the ACD ``ACD_GRACE`` seconds at most: its one sender may be busy with other
        calls. True; False at once for a call with no task of its own (a leg rung)."""
        task = self.calls.get(call_id)
        if task is None:
            return False
        await task.settled()
        if self.distributor is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.distributor.sent_for(call_id), ACD_GRACE)
        return True

    def _answered(self, event: de.MonitorAnswered | de.AgentAnswered | de.CustomerAnswered,
                  ) -> None:
        """A leg the platform rang answered: to the part that rang it; nobody's is hung up."""
        distributor, outbound, monitors = self.distributor, self.outbound, self.monitors
        match event:
            case de.MonitorAnswered() if monitors is not None:
                monitors.answered(event)
            case de.AgentAnswered() | de.CustomerAnswered() if (
                    outbound is not None and outbound.answered(event)):
                pass
            case de.CustomerAnswered() if distributor is not None:
                distributor.customer_answered(event)
            case de.AgentAnswered() if distributor is not None:
                distributor.agent_answered(event)
            case _:
                self._spawn(self._send(dc.HangupCall(call_id=event.leg_id)))

    def _controlled(self, event: de.DriverEvent) -> bool:
        """News of a leg of a call under call control (not the caller's own), taken there."""
        control = self.control
        match event:
            case de.PartyAnswered():
                if control is None or not control.answered(event):
                    self._spawn(self._send(dc.HangupCall(call_id=event.leg_id)))
                return True
            case de.CustomerAnswered() if control is not None and control.owns(event.leg_id):
                return control.answered(event)
            case de.CallEnded(call_id=leg_id, cause=cause) if (
                    control is not None and control.owns(leg_id)):
                return control.leg_ended(leg_id, cause)
        return False

    def _endpoint(self, endpoint: str, **change: Any) -> None:
        current = self.endpoints.setdefault(endpoint, {})
        if all(current.get(key) == value for key, value in change.items()):
            return
        current.update(change)
        # always both fields: a consumer should not have to remember the last event
        # ``agent``: whose phone it is (agent101-web is agent101's): their stream shows it
        self.bus.publish({"type": "endpoint.state", "time": self.clock(), "endpoint": endpoint,
                          "agent": owner_of(endpoint), "registered": current.get("registered"),
                          "state": current.get("state")})

    def _arrive(self, arrival: de.CallArrived, resume: CallRecord | None = None,
                legs: Sequence[de.AnsweredLeg] = ()) -> None:
        if arrival.call_id in self.calls:
            return  # a duplicated StasisStart
        # met again only if the journal had it: a web call that arrives as the app comes
        # back (a lost grant's credential) must meet a grant like any other
        met_before = resume is not None and bool(resume.started)
        web = self.web.arrived(arrival, resumed=met_before) if self.web is not None else None
        if web is not None:  # a web visitor's call: its grant says where it goes
            arrival, flow = web.arrival, web.flow
            flow_name = flow.name if flow is not None else ""
        else:
            flow_name = self.numbers.get(arrival.dialed) or ""
            flow = self.flows.get(flow_name)
        if flow is None:
            self._spawn(self._refuse(arrival))
            return
        session = IvrSession(flow, call_id=arrival.call_id)
        started_at = (resume.started if resume is not None else 0.0) or self.clock()
        task = CallTask(arrival, session, send=self._send, publish=self.publish,
                        lookup=self.directory.lookup, clock=self.clock, started_at=started_at,
                        queueing=self.distributor)
        self.calls[arrival.call_id] = task
        if resume is None:
            # a web visitor's record names the contact they gave; their flow does not
            caller, name = ((web.caller, web.caller_name) if web is not None and web.caller
                            else (arrival.caller, arrival.caller_name))
            task.emit("call.arrived", caller=caller, caller_name=name,
                      dialed=arrival.dialed, flow=flow_name,
                      **({"web": web.facts} if web is not None else {}))
            self._spawn(self._run(task, None, None))
            return
        task.emit("call.resumed", state=resume.state, caller=arrival.caller,
                  dialed=arrival.dialed, flow=flow_name)
        self._resume(task, resume, legs)

    async def _run(self, task: CallTask, resume_state: CallState | None,
                   resume_exit: ic.Exit | None, queued_at: float | None = None) -> None:
        try:
            await task.run(resume_state, resume_exit, queued_at)
        finally:
            self.calls.pop(task.call_id, None)

    async def _refuse(self, arrival: de.CallArrived) -> None:
        log.warning("call %s to unknown number %r refused", arrival.call_id, arrival.dialed)
        await self._send(dc.HangupCall(call_id=arrival.call_id, reason="unallocated"))

    async def _send(self, command: dc.DriverCommand) -> None:
        try:
            await self.send(command)
        except Exception as exc:  # noqa: BLE001 - the call goes on; Asterisk's events tell the rest
            log.warning("command %s failed: %s", type(command).__name__, exc)

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _parts(self) -> list[Distributor | ClickToTalk | Monitors | Controller | Campaigns]:
        """What drives legs of its own, besides the callers' tasks."""
        return [part for part in (self.distributor, self.outbound, self.monitors, self.control,
                                  self.campaigns) if part is not None]

    async def close(self) -> None:
        if self.campaigns is not None:
            await self.campaigns.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


async def _not_connected(command: dc.DriverCommand) -> None:
    raise RuntimeError("no telephony driver attached")

