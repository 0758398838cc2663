"""Meeting calls again after a restart or a lost connection: the engine's resync.

A driver that reconnects says which channels it still has; ``Resync.resync`` matches them
with the engine's calls. What vanished ends, what the engine no longer knows is picked up
from its journal record (``resume.py`` finds a connected caller's agent or party), and
what nobody drives is hung up. A mixin of ``Engine``: it works on the engine's calls,
journal and parts, and arrives calls through the engine's own ``_arrive``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace
from typing import Any

from contactcenter.engine.calls import CallState, CallTask, priority_of
from contactcenter.engine.click_to_talk import ClickToTalk
from contactcenter.engine.control import Controller
from contactcenter.engine.distribution import Distributor
from contactcenter.engine.monitoring import Monitors
from contactcenter.engine.outbound_campaigns import Campaigns
from contactcenter.engine.parties import bridge_of
from contactcenter.engine.resume import HandedOff, WithAgent, legs_by_caller, resumed_on
from contactcenter.events.journal import CallJournal, CallRecord
from contactcenter.ivr import commands as ic
from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

Part = Distributor | ClickToTalk | Monitors | Controller | Campaigns


class Resync:
    """The engine's resync and resume; ``Engine`` supplies what is declared here."""

    calls: dict[str, CallTask]
    journal: CallJournal
    clock: Callable[[], float]
    distributor: Distributor | None
    control: Controller | None
    campaigns: Campaigns | None

    # the engine's own methods this mixin calls
    publish: Callable[[dict[str, Any]], None]
    on_driver_event: Callable[[de.DriverEvent], None]
    _arrive: Callable[..., None]
    _parts: Callable[[], list[Part]]
    _spawn: Callable[[Any], None]
    _send: Callable[[dc.DriverCommand], Awaitable[None]]
    _run: Callable[..., Awaitable[None]]

    def _resume(self, task: CallTask, record: CallRecord,
                legs: Sequence[de.AnsweredLeg]) -> None:
        """A call met again after a restart: back where its record says it was."""
        state = {"queued": CallState.QUEUED, "connected": CallState.CONNECTED}.get(record.state)
        exit_ = None
        if record.exit and record.exit.get("kind") == "queue":
            # the queue it waits in now: the menu's, or the one an agent transferred it to
            target = record.queue if record.requeued is not None else record.exit.get("target")
            exit_ = ic.Exit(kind=ic.ExitKind.QUEUE, target=target,
                            variables=dict(record.variables))
        if self.distributor is not None and record.recordings:  # the next part's name
            self.distributor.recorded_before(task.call_id, len(record.recordings))
        if state is CallState.CONNECTED:
            task.agent = record.agent
            self._resume_talk(task, record, legs)
        self._spawn(self._run(task, state, exit_, record.requeued or record.queued))

    def _resume_talk(self, task: CallTask, record: CallRecord,
                     legs: Sequence[de.AnsweredLeg]) -> None:
        """A caller talking when the app stopped: with their agent again, or with the
        party their agent handed them to (``resume.py``); with nobody, the call is over."""
        distributor, control = self.distributor, self.control
        found = resumed_on(record, legs) if record.queue else None
        if isinstance(found, WithAgent) and distributor is not None and record.queue:
            distributor.adopt(
                task.call_id, task, de.AgentAnswered(call_id=task.call_id, leg_id=found.leg),
                queue=record.queue, agent=found.agent, answered_at=record.answered or 0.0,
                caller=record.caller, priority=priority_of(record.variables))
        elif isinstance(found, HandedOff) and control is not None and record.queue:
            control.handed_off_resumed(
                call_id=task.call_id, caller=record.caller, other_leg=found.leg,
                other_kind=found.kind, other=found.who, queue=record.queue,
                priority=priority_of(record.variables), handled_by=tuple(record.agents))
        else:
            task.hang_up("normal")
            self._spawn(self._send(dc.DestroyBridge(call_id=task.call_id,
                                                    bridge_id=bridge_of(task.call_id))))

    def resync(self, live: Mapping[str, de.CallArrived],
               legs: Mapping[str, de.AnsweredLeg] | None = None,
               present: AbstractSet[str] | None = None,
               mine: Callable[[str], bool] = lambda _name: True) -> None:
        """Match our calls with the channels a driver still has (Asterisk: in the app).

        Calls and legs that vanished while we were away end now; channels we do
        not know (the app restarted) are picked up again from their journal
        record: a queued caller goes back on hold in their place, a connected
        one is picked up on its agent's leg or the leg of the party it was handed
        to (``legs``, ``resume.py``), others restart the menu. Any other channel
        nobody here drives (a leg whose caller is gone, a callback's or
        click-to-talk's customer, a supervisor's phone from before a restart) is
        hung up. ``present``: every channel id in the app. ``mine``: whether an id is this
        driver's (``telephony.router``: another engine's calls and legs are left alone).
        """
        legs = legs or {}
        present = set(present) if present is not None else set(live) | set(legs)
        if self.campaigns is not None:  # first: the dials it finds up become its own
            self.campaigns.resynced(present, mine)
        self._end_gone(live, present, mine)
        by_caller = legs_by_caller(legs.values())
        ordered = sorted(live.items(), key=lambda item: self._queued_at(item[0]))
        for call_id, arrival in ordered:  # the longest waiting first: they rejoin in order
            if call_id not in self.calls:
                record = self.journal.records.get(call_id)
                if record is not None and not arrival.dialed:  # Asterisk did not say: we knew
                    arrival = replace(arrival, caller=record.caller, dialed=record.dialed)
                self._arrive(arrival, resume=record or CallRecord(call_id=call_id),
                             legs=by_caller.get(call_id, []))
        ours = set(live).union(*(part.channels() for part in self._parts()))
        for channel in present - ours:
            self._spawn(self._send(dc.HangupCall(call_id=channel)))
            leg = legs.get(channel)
            if leg is not None and leg.call_id not in live:  # its caller's bridge is empty
                self._spawn(self._send(dc.DestroyBridge(call_id=leg.call_id,
                                                        bridge_id=bridge_of(leg.call_id))))
        self._end_lost(live, mine)

    def _end_gone(self, live: Mapping[str, de.CallArrived], present: AbstractSet[str],
                  mine: Callable[[str], bool]) -> None:
        """This driver's calls and legs it no longer has end now."""
        for call_id, task in list(self.calls.items()):
            if call_id not in live and mine(call_id):
                task.feed(de.CallEnded(call_id=call_id, cause="gone"))
        channels = set().union(*(part.channels() for part in self._parts()))
        for channel in channels - present:
            if mine(channel):
                self.on_driver_event(de.CallEnded(call_id=channel, cause="gone"))

    def _end_lost(self, live: Mapping[str, de.CallArrived], mine: Callable[[str], bool],
                  ) -> None:
        """Records still open whose call nobody has any more end: lost while we were down."""
        owned = set().union(*(part.records() for part in self._parts()))
        for record in self.journal.live():
            if record.call_id not in live and record.call_id not in self.calls \
                    and record.call_id not in owned and mine(record.call_id):
                self.publish({"type": "call.ended", "call_id": record.call_id,
                              "time": self.clock(), "cause": "gone",
                              "outcome": "lost_while_down", "duration": None})

    def _queued_at(self, call_id: str) -> float:
        record = self.journal.records.get(call_id)
        if record is None:
            return 0.0
        return record.requeued or record.queued or 0.0

