"""The agent desktop's server side: what its routes ask of a call.

``Desk`` answers for the calls ``ScreenPops`` has seen offered (or, after a restart of
the app, a call its journal says an agent answered): the screen-pop again, the call's
script and the agent's moves in it, the disposition with the notes. What the agent
records goes on the call's journal record first and then on the bus, as the engine's
own events do (``script.answers``, ``call.disposed``): the CRM outbox takes it to the
call's interaction from there. A disposition ends the agent's wrap-up for that call
(``WrapUpEnded`` through the distributor), so the agent goes where the queue says.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable, Mapping
from typing import Any

from contactcenter.acd.events import WrapUpEnded
from contactcenter.acd.model import AcdConfig, AgentId
from contactcenter.acd.runtime import AcdUsageError
from contactcenter.acd.states import AgentState
from contactcenter.desk.customers import CustomerSource
from contactcenter.desk.errors import DeskError
from contactcenter.desk.screenpop import (
    LOOKUP_TIMEOUT,
    CampaignDesk,
    ContactSource,
    DeskCall,
    ScreenPops,
)
from contactcenter.desk.scripts import NO_SCRIPT
from contactcenter.engine.distribution import Distributor
from contactcenter.events.bus import DomainEvent, EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.scripting import ScriptBook

#: the longest notes a disposition takes
MAX_NOTES = 4_000
_DISPOSITION_FIELDS = frozenset({"code", "notes", "callback_at"})


class Desk:
    """Screen-pops, scripts and dispositions of the calls offered to agents."""

    def __init__(self, *, bus: EventBus, journal: CallJournal,
                 customers: CustomerSource | None = None, acd: AcdConfig | None = None,
                 scripts: ScriptBook | None = None, distributor: Distributor | None = None,
                 clock: Callable[[], float] = time.time,
                 lookup_timeout: float = LOOKUP_TIMEOUT,
                 campaigns: CampaignDesk | None = None,
                 extras: Mapping[str, ContactSource] | None = None) -> None:
        """``extras``: what else the CRM knows of a caller, by name (``screenpop``)."""
        self.pops = ScreenPops(bus=bus, journal=journal, customers=customers, acd=acd,
                               scripts=scripts, clock=clock, lookup_timeout=lookup_timeout,
                               campaigns=campaigns, extras=extras)
        self._distributor = distributor

    def start(self) -> asyncio.Task[None]:
        """Read the bus from now on; cancel the task to stop."""
        return self.pops.start()

    # -- a call, for whom -------------------------------------------------------------

    async def call(self, call_id: str, agent: str | None, supervising: bool) -> DeskCall:
        """The call, once its pop is made; 404 unknown, 403 when it is another agent's."""
        pops = self.pops
        call = pops.calls.get(call_id) or pops.adopt(call_id)
        if call is None:
            raise DeskError(404, "no call with this id was offered to an agent")
        if not supervising and not call.is_with(agent):
            raise DeskError(403, "this call is not with you")
        if not call.ready.is_set():
            try:
                await asyncio.wait_for(call.ready.wait(), pops.lookup_timeout + 1)
            except TimeoutError:
                raise DeskError(503, "the screen-pop is still being made; try again") from None
        return call

    @staticmethod
    def screen(call: DeskCall) -> DomainEvent:
        assert call.pop is not None
        return dict(call.pop)

    # -- the script -------------------------------------------------------------------

    @staticmethod
    def script(call: DeskCall) -> dict[str, Any]:
        return call.script.state() if call.script is not None else dict(NO_SCRIPT)

    def act(self, call: DeskCall, body: Mapping[str, Any]) -> dict[str, Any]:
        """One move of the agent in the call's script; the answers go on the record."""
        script = call.script
        if script is None:
            raise DeskError(409, "this call has no script", "action")
        outcome = script.act(body)
        if outcome.answers is not None:
            self._record({"type": "script.answers", "call_id": call.call_id,
                          "agent": call.agent, "script": script.session.script.name,
                          "answers": outcome.answers})
        return script.state()

    # -- the disposition --------------------------------------------------------------

    def dispositions(self, queue: str) -> dict[str, Any]:
        config = self.pops.queues.get(queue)
        if config is None:
            raise DeskError(404, f"no queue named {queue!r}")
        return {"queue": queue, "dispositions": self.pops.codes(queue),
                "wrap_up": config.wrap_up, "wrap_up_end": config.wrap_up_end}

    def dispose(self, call: DeskCall, body: Mapping[str, Any], by: str,
                as_agent: str | None = None) -> dict[str, Any]:
        """The agent's code and notes for the call; ends their wrap-up of it. An agent who
        had the call before a transfer (``as_agent``) disposes of their own part."""
        code, notes = self._checked(call, body)
        callback_at = self._callback_at(call, code, body.get("callback_at"))
        record = self.pops.journal.records.get(call.call_id)
        agent = call.answered_by or (record.agent if record is not None else None)
        if as_agent is not None and as_agent in call.handled:
            agent = as_agent
        if agent is None:
            raise DeskError(409, "the call has no agent yet; dispose of it once answered")
        self._record({"type": "call.disposed", "call_id": call.call_id, "agent": agent,
                      "queue": call.queue, "code": code, "notes": notes, "by": by,
                      **({"callback_at": callback_at} if callback_at is not None else {})})
        campaigns, campaign = self.pops.campaigns, call.facts.campaign
        if campaign is not None and campaigns is not None:
            ended = campaigns.disposed(campaign, call.call_id, agent=agent, code=code,
                                       callback_at=callback_at)
        else:
            ended = self._end_wrap_up(agent, call.facts.acd_call_id)
        return {"call_id": call.call_id, "agent": agent, "queue": call.queue, "code": code,
                "notes": notes, "wrap_up_ended": ended}

    def _checked(self, call: DeskCall, body: Mapping[str, Any]) -> tuple[str, str]:
        for key in body:
            if key not in _DISPOSITION_FIELDS:
                raise DeskError(422, f"{key}: unknown field (use code, notes)", key)
        codes = [entry["code"] for entry in self.pops.codes_of(call)]
        code = body.get("code")
        if not isinstance(code, str) or code not in codes:
            have = ", ".join(codes) or "none"
            whose = "campaign's" if call.facts.campaign else "queue's"
            raise DeskError(422, f"code: one of the {whose} codes ({have})", "code")
        notes = body.get("notes")
        if notes is None:
            notes = ""
        if not isinstance(notes, str) or len(notes) > MAX_NOTES:
            raise DeskError(422, f"notes: text of at most {MAX_NOTES:,} characters", "notes")
        return code, notes

    def _callback_at(self, call: DeskCall, code: str, raw: object) -> float | None:
        """The time a customer agreed to be called back (a campaign's callback code):
        ISO 8601 with its offset, in the future; None for any other code."""
        entry = next((c for c in self.pops.codes_of(call) if c["code"] == code), {})
        if not entry.get("callback"):
            if raw is not None:
                raise DeskError(422, "callback_at: only with a callback code", "callback_at")
            return None
        try:
            when = dt.datetime.fromisoformat(str(raw))
        except ValueError:
            when = None
        if raw is None or when is None or when.tzinfo is None:
            raise DeskError(422, "callback_at: the agreed time, ISO 8601 with its offset "
                                 "(2026-12-08T15:00:00-05:00)", "callback_at")
        if when.timestamp() <= self.pops.clock():
            raise DeskError(422, "callback_at: a time to come", "callback_at")
        return when.timestamp()

    def _end_wrap_up(self, agent: str, acd_call_id: str) -> bool:
        """End the agent's wrap-up if it is this call's; True when it did."""
        distributor = self._distributor
        if distributor is None:
            return False
        try:
            view = distributor.acd.agent_state(agent)
        except AcdUsageError:
            return False  # not an agent of the ACD (any more)
        if view.state is not AgentState.WRAP_UP or view.call_id != acd_call_id:
            return False
        distributor.agent_event(WrapUpEnded(agent=AgentId(agent)))
        return True

    def _record(self, event: DomainEvent) -> None:
        """On the call's record first, then to the subscribers (as the engine does)."""
        event["time"] = self.pops.clock()
        self.pops.journal.append(event)
        self.pops.bus.publish(event)
