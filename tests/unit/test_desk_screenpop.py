"""Screen-pops from the bus, with a CRM stand-in: one pop per offer, within half a second,
with the IVR's facts from the call's journal record; a slow CRM delays its own pop only."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from contactcenter.acd import load_acd
from contactcenter.desk import Desk
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.scripting import load_scripts
from crm_core.customers import CustomerView

ROOT = Path(__file__).resolve().parents[2]
ACD = load_acd(ROOT / "config/queues.yaml", ROOT / "config/agents.yaml")
SCRIPTS = load_scripts(ROOT / "config/scripts")
ADA = "+15550001001"


def ada() -> CustomerView:
    return CustomerView(
        phone=ADA, contact={"id": 1, "first_name": "Ada", "last_name": "Lovelace",
                            "vip": True, "customer_since": "2019-01-01T00:00:00+00:00"},
        account={"id": 7, "name": "Lovelace Analytical Engines", "segment": "gold",
                 "industry": "machinery"},
        next_best_offer={"name": "Extended warranty", "pitch": "Three more years.",
                         "product": "Warranty", "discount_percent": "10"})


@dataclass
class Crm:
    """The customer 360 with a delay per number; counts the lookups."""

    known: dict[str, CustomerView] = field(default_factory=lambda: {ADA: ada()})
    delay: dict[str, float] = field(default_factory=dict)
    fail: set[str] = field(default_factory=set)
    asked: list[str] = field(default_factory=list)

    async def by_phone(self, phone: str) -> CustomerView | None:
        self.asked.append(phone)
        await asyncio.sleep(self.delay.get(phone, 0.005))
        if phone in self.fail:
            raise ConnectionError("database away")
        return self.known.get(phone)


@dataclass
class Floor:
    """The engine's side: journals a call's events, then publishes them."""

    bus: EventBus
    journal: CallJournal
    crm: Crm
    desk: Desk

    def publish(self, type_: str, call_id: str, /, **data: Any) -> dict[str, Any]:
        event = {"type": type_, "call_id": call_id, "time": time.time(), **data}
        if not type_.startswith(("agent.", "queue.")):
            self.journal.append(event)
        self.bus.publish(event)
        return event

    def caller(self, call_id: str, number: str, digits: str = "1", queue: str = "sales",
               waited: float = 12.0) -> None:
        """A call through the main menu (key ``digits``) into ``queue``, queued ``waited`` ago."""
        self.publish("call.arrived", call_id, caller=number, dialed="5000", flow="main")
        for node in ("caller_lookup", "business_hours", "main_menu"):
            self.publish("ivr.step", call_id, node=node, node_type="x")
        self.publish("ivr.digits", call_id, node="main_menu", digits=digits)
        self.publish("ivr.step", call_id, node=queue, node_type="queue")
        variables = {"skill": queue, "priority": "0", "language": "en"}
        self.publish("ivr.exit", call_id, kind="queue", target=queue, variables=variables)
        event = self.publish("call.queued", call_id, queue=queue, priority=0, skill=queue,
                             variables=variables)
        event["time"] -= waited  # as if it had waited that long
        self.journal.records[call_id].queued = event["time"]

    def offer(self, call_id: str, agent: str, queue: str = "sales") -> None:
        self.publish("call.offered", call_id, queue=queue, agent=agent)


@pytest.fixture
async def floor(tmp_path: Path) -> AsyncIterator[Floor]:
    bus = EventBus()
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    crm = Crm()
    desk = Desk(bus=bus, journal=journal, customers=crm, acd=ACD, scripts=SCRIPTS,
                lookup_timeout=3.0)
    task = desk.start()
    yield Floor(bus, journal, crm, desk)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    journal.close()


async def pops(subscription: Any, seconds: float) -> list[tuple[float, dict[str, Any]]]:
    """The screen-pops seen within ``seconds``, with when they were seen."""
    seen: list[tuple[float, dict[str, Any]]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        event = await subscription.get(left)
        if event is not None and event["type"] == "screen.pop":
            seen.append((time.monotonic(), event))
    return seen


async def test_a_known_caller_pops_with_the_360_the_ivr_path_and_digits(floor: Floor) -> None:
    watch = floor.bus.subscribe()
    floor.caller("c1", ADA, digits="1")
    start = time.monotonic()
    floor.offer("c1", "agent101")
    [(at, pop)] = await pops(watch, 0.8)
    assert at - start < 0.5
    assert (pop["call_id"], pop["agent"], pop["queue"], pop["caller"]) == (
        "c1", "agent101", "sales", ADA)
    assert pop["customer"]["contact"]["first_name"] == "Ada"
    assert pop["customer"]["account"]["segment"] == "gold"
    assert pop["lookup"] == "found"
    assert pop["ivr"]["path"] == ["caller_lookup", "business_hours", "main_menu", "sales"]
    assert pop["ivr"]["digits"] == [{"node": "main_menu", "digits": "1"}]
    assert pop["ivr"]["variables"]["skill"] == "sales"
    assert 12 <= pop["wait"] < 13
    # the sales script's first step, with her name and the agent's filled in
    assert (pop["script"]["script"], pop["script"]["step"]) == ("sales", "greeting")
    assert "Hello Ada" in pop["script"]["text"] and "Agent 101" in pop["script"]["text"]
    assert "segment gold" in pop["script"]["hint"]
    assert {"code": "sale", "label": "Sale"} in pop["dispositions"]
    assert floor.crm.asked == [ADA]


async def test_an_unknown_caller_pops_with_no_customer(floor: Floor) -> None:
    watch = floor.bus.subscribe()
    floor.caller("c1", "+15559990000", digits="2", queue="support")
    floor.offer("c1", "agent105", queue="support")
    [(_, pop)] = await pops(watch, 0.6)
    assert (pop["customer"], pop["lookup"], pop["caller"]) == (None, "not_found", "+15559990000")
    assert pop["script"]["script"] == "support"
    assert "there" in pop["script"]["text"] or pop["script"]["text"]  # the fallback name


async def test_each_offer_pops_once_and_the_crm_is_asked_once_per_call(floor: Floor) -> None:
    watch = floor.bus.subscribe()
    floor.caller("c1", ADA)
    floor.offer("c1", "agent101")
    first = await pops(watch, 0.5)
    floor.offer("c1", "agent102")  # agent101 let it ring out: the next agent
    second = await pops(watch, 0.5)
    assert [pop["agent"] for _, pop in first + second] == ["agent101", "agent102"]
    assert floor.crm.asked == [ADA]
    assert floor.desk.pops.published == 2
    # nobody touched the script yet: it greets in the name of the agent it now rings
    assert "Agent 102" in second[0][1]["script"]["text"]


async def test_ring_all_offers_at_once_share_one_lookup(floor: Floor) -> None:
    watch = floor.bus.subscribe()
    floor.caller("c1", ADA)
    for agent in ("agent101", "agent102", "agent103"):
        floor.offer("c1", agent)
    seen = await pops(watch, 0.5)
    assert sorted(pop["agent"] for _, pop in seen) == ["agent101", "agent102", "agent103"]
    assert floor.crm.asked == [ADA]


async def test_a_slow_crm_delays_its_own_pop_only(floor: Floor) -> None:
    slow = "+15550001002"
    floor.crm.known[slow] = ada()
    floor.crm.delay[slow] = 2.0
    watch = floor.bus.subscribe()
    floor.caller("slow", slow)
    floor.caller("fast", ADA)
    start = time.monotonic()
    floor.offer("slow", "agent101")
    floor.offer("fast", "agent102")
    floor.publish("call.answered", "other", queue="support", agent="agent105", wait=1)
    # the desk is not stuck behind the slow lookup: the next offer pops at once...
    [(fast_at, fast)] = await pops(watch, 0.5)
    assert fast["call_id"] == "fast" and fast_at - start < 0.5
    # ...and the slow one comes when the CRM answers, once, with the customer
    [(slow_at, late)] = await pops(watch, 2.5)
    assert late["call_id"] == "slow" and late["lookup"] == "found"
    assert 1.9 < slow_at - start < 2.6
    assert await pops(watch, 0.3) == []
    assert floor.crm.asked.count(slow) == 1


async def test_a_crm_that_does_not_answer_in_time_pops_without_the_customer(
        floor: Floor) -> None:
    floor.desk.pops.lookup_timeout = 0.2
    floor.crm.delay[ADA] = 1.0
    watch = floor.bus.subscribe()
    floor.caller("c1", ADA)
    floor.offer("c1", "agent101")
    [(_, pop)] = await pops(watch, 0.5)
    assert (pop["customer"], pop["lookup"]) == (None, "timed_out")
    # the lookup went on: the next offer of the call has her, without asking again
    await asyncio.sleep(1.0)
    floor.offer("c1", "agent102")
    [(_, again)] = await pops(watch, 0.3)
    assert again["lookup"] == "found" and floor.crm.asked == [ADA]


async def test_a_failed_lookup_pops_without_the_customer_and_is_tried_again(
        floor: Floor) -> None:
    floor.crm.fail.add(ADA)
    watch = floor.bus.subscribe()
    floor.caller("c1", ADA)
    floor.offer("c1", "agent101")
    [(_, pop)] = await pops(watch, 0.5)
    assert (pop["customer"], pop["lookup"]) == (None, "failed")
    floor.crm.fail.clear()
    floor.offer("c1", "agent102")
    [(_, again)] = await pops(watch, 0.5)
    assert again["lookup"] == "found" and floor.crm.asked == [ADA, ADA]


async def test_no_pop_for_a_call_that_ended_before_the_crm_answered(floor: Floor) -> None:
    floor.crm.delay[ADA] = 0.3
    watch = floor.bus.subscribe()
    floor.caller("c1", ADA)
    floor.offer("c1", "agent101")
    floor.publish("call.ended", "c1", cause="normal", outcome="abandoned_in_queue")
    assert await pops(watch, 0.6) == []
    # kept for the agent's page all the same
    call = await floor.desk.call("c1", "agent101", supervising=False)
    assert call.pop is not None and call.pop["customer"] is not None


async def test_a_callback_pops_with_the_customers_number_and_its_ivr(floor: Floor) -> None:
    watch = floor.bus.subscribe()
    floor.caller("c1", ADA, digits="9")
    floor.publish("callback.requested", "c1", number=ADA, variables={})
    floor.publish("call.ended", "c1", cause="normal", outcome="callback_requested")
    # its turn: the distributor dials it as an outbound call of its own, then the offer
    floor.publish("call.dialed", "c1-callback", caller=ADA, dialed=ADA, direction="outbound",
                  queue="support", origin="c1")
    floor.offer("c1-callback", "agent105", queue="support")
    [(_, pop)] = await pops(watch, 0.5)
    assert (pop["call_id"], pop["caller"], pop["direction"]) == ("c1-callback", ADA, "outbound")
    assert pop["customer"]["contact"]["last_name"] == "Lovelace"
    assert pop["ivr"]["digits"] == [{"node": "main_menu", "digits": "9"}]
    assert pop["wait"] is not None and pop["wait"] >= 12


async def test_a_callback_withdrawn_at_its_offer_does_not_pop(floor: Floor) -> None:
    watch = floor.bus.subscribe()
    floor.caller("c1", ADA)
    floor.publish("call.ended", "c1", cause="normal", outcome="callback_requested")
    # nobody can be dialed: the distributor withdraws it, then the core's offer comes
    floor.publish("callback.withdrawn", "c1", agent="agent105", number=ADA,
                  reason="no_outbound")
    floor.offer("c1", "agent105", queue="support")
    assert await pops(watch, 0.3) == []
    assert floor.crm.asked == [ADA]  # once, as the caller queued; not again for the offer


async def test_a_call_of_a_queue_without_a_script_pops_with_none(tmp_path: Path) -> None:
    bus, journal = EventBus(), CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    desk = Desk(bus=bus, journal=journal, customers=Crm(), acd=ACD, scripts=None)
    task = desk.start()
    floor = Floor(bus, journal, Crm(), desk)
    watch = bus.subscribe()
    floor.caller("c1", ADA)
    floor.offer("c1", "agent101")
    [(_, pop)] = await pops(watch, 0.5)
    assert pop["script"] is None and pop["customer"] is not None
    task.cancel()
    journal.close()


async def test_the_desk_comes_back_after_falling_behind_the_bus(floor: Floor) -> None:
    subscription = floor.desk.pops._subscription
    assert subscription is not None
    for _ in range(10_001):  # nobody reads meanwhile: the desk's subscription is cut off
        floor.bus.publish({"type": "queue.stats", "time": 0.0})
    await asyncio.sleep(0.05)
    watch = floor.bus.subscribe()
    floor.caller("c1", ADA)
    floor.offer("c1", "agent101")
    assert len(await pops(watch, 0.5)) == 1


async def test_the_caller_is_looked_up_as_they_queue_so_the_pop_is_ready_at_the_offer(
        floor: Floor) -> None:
    watch = floor.bus.subscribe()
    floor.caller("c1", ADA)  # the queue join starts the lookup
    await asyncio.sleep(0.05)
    assert floor.crm.asked == [ADA]
    floor.offer("c1", "agent101")
    [(_, pop)] = await pops(watch, 0.5)
    assert pop["customer"] is not None and floor.crm.asked == [ADA]  # not asked again
