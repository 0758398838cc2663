"""Screen-pops: when the ACD offers a call to an agent, the agent's desktop gets the caller.

``ScreenPops`` reads the bus. At each ``call.offered`` it takes what the call's journal
record knows (IVR path and digits, variables, when the caller was queued: the engine
journals before it publishes, so the record is current), uses the CRM lookup of the
caller made once per call (``customers.py``; started as the call joins the queue, at
``call.queued``, so that it has mostly answered by the offer), and in a task of its own
waits for it,
makes the call's script session, and publishes one ``screen.pop`` for that offer. The
loop itself never waits on the CRM: a slow database delays that pop only, never the
next event or another call's pop.

A pop is not published for a call that ended or went to another agent meanwhile; it is
kept all the same for ``GET /api/v1/calls/{call_id}/screen``. The desk forgets a call
some time after its end (the last ``KEEP_ENDED`` ended calls are kept, for wrap-up).

A known caller's customer carries what the desk's contact sources (``extras``) say
of the contact, each under its name: ``rfm``, the stored RFM segment and scores
(docs/rfm.md), and ``affinity_offer``, the top offer from purchase histories
(docs/analytics-offers.md), which takes the ``next_best_offer`` slot when no campaign's
offer has it. Each is read once per call after the 360, all at once within the same
time limit; null when there is none to show or the read failed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from contactcenter.acd.model import AcdConfig
from contactcenter.desk.customers import Customer, CustomerLookup, CustomerSource
from contactcenter.desk.facts import CallFacts, call_facts
from contactcenter.desk.scripts import CallScript
from contactcenter.events.bus import DomainEvent, EventBus, Subscription
from contactcenter.events.journal import CallJournal
from contactcenter.scripting import ScriptBook

log = logging.getLogger(__name__)

#: the longest a pop waits for the CRM before it goes out without the customer
LOOKUP_TIMEOUT = 5.0
#: ended calls kept for their agents' wrap-up (a disposition, a reloaded page)
KEEP_ENDED = 2_000


@dataclass(eq=False)
class DeskCall:
    """One call offered to agents, as their desktops see it."""

    facts: CallFacts
    queue: str
    lookup: CustomerLookup
    offered_to: set[str] = field(default_factory=set)  #: every agent it was offered to
    answered_by: str | None = None
    #: agents who had the call before it was transferred (they may still dispose of it)
    handled: set[str] = field(default_factory=set)
    ended: bool = False
    customer: Customer | None = None
    #: what the contact sources said of the caller, by name, once read
    extras: dict[str, Any] = field(default_factory=dict)
    script: CallScript | None = None
    pop: DomainEvent | None = None  #: the last screen-pop made for it
    ready: asyncio.Event = field(default_factory=asyncio.Event)  #: a pop is made

    @property
    def call_id(self) -> str:
        return self.facts.call_id

    @property
    def agent(self) -> str | None:
        """The agent the call is with: who answered, else the last one offered it."""
        if self.answered_by is not None:
            return self.answered_by
        return str(self.pop["agent"]) if self.pop is not None else None

    def is_with(self, agent: str | None) -> bool:
        """Whether ``agent`` may work on it: who answered it, or before that, any agent
        whose phone rang for it."""
        if agent is None:
            return False
        if agent in self.handled:
            return True
        return agent == self.answered_by if self.answered_by else agent in self.offered_to

    def hand_on(self, agent: str | None) -> None:
        """Transferred: the agent who had it keeps it for their wrap-up; ``agent`` has it
        now (an attended transfer), or the next one offered it will (a blind one)."""
        if self.answered_by is not None:
            self.handled.add(self.answered_by)
        self.answered_by = agent
        self.offered_to = {agent} if agent is not None else set()


class ContactSource(Protocol):
    """What the CRM knows of a contact besides the 360 (``crm_core.rfm_read.RfmReader``,
    ``contactcenter.analytics.affinity_source.AffinitySource``)."""

    async def for_contact(self, contact_id: int) -> dict[str, Any] | None: ...


class CampaignDesk(Protocol):
    """What the desk asks of the dialer's campaigns (``engine.outbound_campaigns``)."""

    def codes_of(self, campaign: str) -> list[dict[str, Any]] | None: ...

    def disposed(self, campaign: str, call_id: str, *, agent: str, code: str,
                 callback_at: float | None) -> bool: ...


class ScreenPops:
    """The desk's calls, kept up to date from the bus; one pop per offer."""

    def __init__(self, *, bus: EventBus, journal: CallJournal,
                 customers: CustomerSource | None = None, acd: AcdConfig | None = None,
                 scripts: ScriptBook | None = None, clock: Callable[[], float] = time.time,
                 lookup_timeout: float = LOOKUP_TIMEOUT,
                 campaigns: CampaignDesk | None = None,
                 extras: Mapping[str, ContactSource] | None = None) -> None:
        self.bus = bus
        self.extras = dict(extras or {})
        self.campaigns = campaigns
        self.journal = journal
        self.clock = clock
        self._customers = customers
        self.queues = dict(acd.queues) if acd is not None else {}
        self._names = {a: c.name for a, c in acd.agents.items()} if acd is not None else {}
        self._scripts = scripts
        self.lookup_timeout = lookup_timeout
        self.calls: dict[str, DeskCall] = {}
        self._ended: OrderedDict[str, None] = OrderedDict()
        self._withdrawn: set[str] = set()  #: callbacks withdrawn, their offer still to come
        self._tasks: set[asyncio.Task[None]] = set()
        self._subscription: Subscription | None = None
        self.published = 0  #: screen-pops published

    # -- the bus ----------------------------------------------------------------------

    def start(self) -> asyncio.Task[None]:
        """Subscribe now (no offer published after this is missed) and read the bus."""
        self._subscription = self.bus.subscribe()
        return asyncio.ensure_future(self.run())

    async def run(self) -> None:
        subscription = self._subscription = self._subscription or self.bus.subscribe()
        try:
            while True:
                event = await subscription.get()
                if event is None:
                    if not subscription.overflowed:
                        return  # the bus closed
                    log.warning("the desk fell behind the bus; offers meanwhile get no pop")
                    subscription = self._subscription = self.bus.subscribe()
                    continue
                self.on_event(event)
        finally:
            subscription.close()
            for task in list(self._tasks):
                task.cancel()
            for call in self.calls.values():
                call.lookup.cancel()

    def on_event(self, event: DomainEvent) -> None:
        kind, call_id = event.get("type"), event.get("call_id")
        if not isinstance(call_id, str):
            return
        if kind == "call.offered" and event.get("agent"):
            self._offered(call_id, str(event["agent"]), str(event.get("queue") or ""))
            return
        if kind == "call.queued":  # look the caller up now: the answer is ready at the offer
            self._call(call_id, str(event.get("queue") or "")).lookup.start()
            return
        if kind == "callback.withdrawn":  # its offer follows at once: nobody to call back
            self._withdrawn.add(call_id)
            return
        call = self.calls.get(call_id)
        if call is None:
            return
        if kind == "call.answered" and event.get("agent"):
            call.answered_by = str(event["agent"])
            if call.ready.is_set():  # rendered for the agent who answered, if untouched
                self.script_for(call, call.answered_by)
        elif kind == "call.requeued":  # a blind transfer: the next offer pops anew
            call.hand_on(None)
        elif kind == "call.transferred" and event.get("kind") == "attended" \
                and event.get("to_kind") == "agent":  # the consulted agent took it over
            call.hand_on(str(event["to"]))
            call.facts = call_facts(self.journal, call_id)
            self.spawn(self.make_pop(call, str(event["to"]), call.facts.wait(self.clock()),
                                     publish=True))
        elif kind == "call.ended":
            self._end(call)

    # -- offers -----------------------------------------------------------------------

    def _offered(self, call_id: str, agent: str, queue: str) -> None:
        if call_id in self._withdrawn:
            self._withdrawn.discard(call_id)
            log.info("callback %s withdrawn as it was offered to %s: no screen-pop",
                     call_id, agent)
            return
        call = self._call(call_id, queue)
        call.offered_to.add(agent)
        call.lookup.start()
        self.spawn(self.make_pop(call, agent, call.facts.wait(self.clock()), publish=True))

    def _call(self, call_id: str, queue: str) -> DeskCall:
        """The call as the desk knows it, its facts read again from the journal."""
        call = self.calls.get(call_id)
        facts = call_facts(self.journal, call_id)
        if call is None:
            call = self.calls[call_id] = DeskCall(
                facts, queue, CustomerLookup(self._customers, facts.caller))
        call.facts, call.queue = facts, queue  # an overflow moved it to another queue
        return call

    async def make_pop(self, call: DeskCall, agent: str, wait: float | None, *,
                       publish: bool) -> None:
        """The pop for ``agent``, once the CRM answered (or did not in time)."""
        customer, status = await call.lookup.result(self.lookup_timeout)
        if customer is not None and self.extras:
            customer = {**customer, **await self.extras_of(call, customer)}
            customer["next_best_offer"] = (customer.get("next_best_offer")
                                           or customer.get("affinity_offer"))
        call.customer = customer
        script = self.script_for(call, agent)
        pop: DomainEvent = {
            "type": "screen.pop", "call_id": call.call_id, "agent": agent,
            "queue": call.queue, "caller": call.facts.caller,
            "direction": call.facts.direction, "customer": customer, "lookup": status,
            "ivr": call.facts.ivr(), "wait": wait,
            "handled_before": [dict(entry) for entry in call.facts.handled_before],
            "campaign": call.facts.campaign, "attempt": call.facts.attempt,
            "web": call.facts.web,
            "script": script.state()["view"] if script is not None else None,
            "dispositions": self.codes_of(call), "time": self.clock()}
        call.pop = pop
        call.ready.set()
        if not publish:
            return
        if call.ended or call.answered_by not in (None, agent):
            log.info("call %s: no screen-pop for %s, the call %s meanwhile", call.call_id,
                     agent, "ended" if call.ended else "was answered by another agent")
            return
        self.bus.publish(pop)
        self.published += 1

    async def extras_of(self, call: DeskCall, customer: Customer) -> dict[str, Any]:
        """What each contact source says of the caller, read once per call, all at once;
        None for a source that failed or was slow (tried again at the next offer)."""
        contact = customer.get("contact") or {}
        if not isinstance(contact.get("id"), int):
            return dict.fromkeys(self.extras)
        unread = [name for name in self.extras if name not in call.extras]
        said = await asyncio.gather(*(asyncio.wait_for(
            self.extras[name].for_contact(contact["id"]), self.lookup_timeout)
            for name in unread), return_exceptions=True)
        for name, value in zip(unread, said, strict=True):
            if isinstance(value, BaseException):  # a pop without it beats no pop
                log.warning("%s of contact %s not read for call %s: %r", name,
                            contact["id"], call.call_id, value)
            else:
                call.extras[name] = value
        return {name: call.extras.get(name) for name in self.extras}

    def script_for(self, call: DeskCall, agent: str) -> CallScript | None:
        """The call's script session, made (or remade for another agent while nobody has
        touched it) with the CRM's data, the call's and the agent's."""
        current = call.script
        if self._scripts is None or (current is not None and (
                current.touched or current.agent == agent)):
            return current
        script = self._scripts.scripts.get(call.facts.script or "") or self._scripts.select(
            queue=call.queue, campaign=call.facts.campaign)
        call.script = None if script is None else CallScript(
            script, self._merge_data(call, agent), agent)
        return call.script

    def _merge_data(self, call: DeskCall, agent: str) -> dict[str, Any]:
        customer: Mapping[str, Any] = call.customer or {}
        return {"contact": customer.get("contact"), "account": customer.get("account"),
                "offer": customer.get("next_best_offer"),
                "call": call.facts.merge_call(call.queue),
                "agent": {"id": agent, "name": self._names.get(agent) or agent}}

    def codes_of(self, call: DeskCall) -> list[dict[str, Any]]:
        """The codes for this call: its campaign's, else its queue's."""
        campaign = call.facts.campaign
        if campaign is not None and self.campaigns is not None:
            codes = self.campaigns.codes_of(campaign)
            if codes is not None:
                return codes
        return list(self.codes(call.queue))

    def codes(self, queue: str) -> list[dict[str, str]]:
        config = self.queues.get(queue)
        return [] if config is None else [{"code": d.code, "label": d.label}
                                          for d in config.dispositions]

    # -- calls the desk did not see offered (the app restarted) -----------------------

    def adopt(self, call_id: str) -> DeskCall | None:
        """A call its journal says an agent answered: its pop made again, not published."""
        record = self.journal.records.get(call_id)
        if record is None or record.agent is None:
            return None
        facts = call_facts(self.journal, call_id)
        call = self.calls[call_id] = DeskCall(
            facts, record.queue or "", CustomerLookup(self._customers, facts.caller),
            offered_to={record.agent}, answered_by=record.agent)
        if record.state == "ended":
            self._end(call)
        self.spawn(self.make_pop(call, record.agent, facts.wait(record.answered or 0.0),
                                 publish=False))
        return call

    def _end(self, call: DeskCall) -> None:
        call.ended = True
        self._ended[call.call_id] = None
        while len(self._ended) > KEEP_ENDED:
            gone = self.calls.pop(self._ended.popitem(last=False)[0], None)
            if gone is not None:
                gone.lookup.cancel()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("screen-pop failed", exc_info=task.exception())
