"""Calls as the ACD records them: queue, agent, wait, talk and wrap-up seconds, outcome,
and the path through the demo's IVR flow (``config/ivr/main.yaml``).

Inbound calls come to the demo number 5000 and reach the sales, support or
operator queue from the main menu; a few callers hang up waiting, a few only
hear their balance. Outbound calls are dialled by agents (campaigns, case
follow-ups) or salespeople (leads, deals). Callers the CRM does not know call
from +1 555 09X XXXX, a part of the fictional range no seeded customer has.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Unpack

from crm_core.synthetic.world import CallRefs, Customer, World

DEMO_NUMBER = "5000"
UNKNOWN_PREFIX = "+155509"
_QUEUES, _QUEUE_WEIGHTS = ("support", "sales", "operator"), (55, 25, 20)
_DISPOSITIONS = {
    "support": (("resolved", "info_given", "follow_up", "escalated"), (45, 30, 18, 7)),
    "sales": (("sale", "quote_requested", "info_given", "not_interested"), (25, 20, 35, 20)),
    "operator": (("transferred", "info_given", "resolved"), (40, 40, 20)),
}
_OUTBOUND, _OUTBOUND_WEIGHTS = ("answered", "no_answer", "voicemail", "busy"), (45, 28, 22, 5)


def ivr_path(queue: str | None, *, known: bool, vip: bool) -> list[str]:
    """The nodes a caller went through, from the caller dip to the queue (or the balance)."""
    path = ["caller_lookup"]
    if known:
        path += ["vip_check", "vip_priority"] if vip else ["vip_check"]
    path += ["business_hours", "main_menu"]
    return path + ([queue] if queue else ["account_number", "account_lookup", "say_balance"])


def add_calls(world: World) -> None:
    """Everyday calls: each customer's own, and some from numbers the CRM does not know."""
    for customer in world.customers:
        if customer.demo:
            continue
        mean = ((1.6 + 1.0 * customer.vip) * world.tenure(customer)
                + 0.2 * len(customer.purchases))
        for _ in range(min(int(world.rng.expovariate(1 / mean) + 0.5), 30)):
            day = world.seasonal_day(max(customer.since, world.start))
            inbound_call(world, customer, world.local_time(day, customer.time_zone))
    for _ in range(len(world.customers) // 10):
        day = world.seasonal_day()
        inbound_call(world, None, world.local_time(day, "America/Chicago"))


def inbound_call(world: World, customer: Customer | None, started: dt.datetime, *,
                 queue: str | None = None, answered: bool = False, **links: Unpack[CallRefs]) -> int:
    """A call to the demo number; ``answered`` when it must reach an agent (it opened a case)."""
    rng = world.rng
    roll = 1.0 if answered else rng.random()
    vip = customer is not None and customer.vip
    caller = customer.phone if customer else f"{UNKNOWN_PREFIX}{rng.randrange(100_000):05d}"
    known = customer is not None
    if roll < 0.04 and known and not any(links.values()):  # self-service: the balance, no agent
        return add_call(world, started=started, caller=caller, dialed=DEMO_NUMBER,
                        contact_id=customer.contact_id if customer else None,
                        outcome="self_service", ivr_seconds=rng.uniform(30, 120),
                        ivr_path=ivr_path(None, known=known, vip=vip),
                        answers={"account": f"{customer.account_id if customer else 0:05d}"})
    queue = queue or rng.choices(_QUEUES, _QUEUE_WEIGHTS)[0]
    path = ivr_path(queue, known=known, vip=vip)
    contact_id = customer.contact_id if customer else None
    if roll < (0.06 if vip else 0.13):  # hung up while waiting
        return add_call(world, started=started, caller=caller, dialed=DEMO_NUMBER,
                        contact_id=contact_id, queue=queue, outcome="abandoned",
                        wait=rng.uniform(15, 240), ivr_path=path, **links)
    dispositions, weights = _DISPOSITIONS[queue]
    return add_call(world, started=started, caller=caller, dialed=DEMO_NUMBER,
                    contact_id=contact_id, queue=queue, agent=agent(world), outcome="answered",
                    disposition=rng.choices(dispositions, weights)[0],
                    wait=min(rng.expovariate(1 / (12 if vip else 35)), 900), talk=talk(world),
                    wrap=rng.uniform(10, 90), ivr_path=path, **links)


def outbound_call(world: World, number: str, started: dt.datetime, caller_agent: str | None, *,
                  contact_id: int | None, must_answer: bool = False, notes: str | None = None,
                  **links: Unpack[CallRefs]) -> tuple[int, bool]:
    """An agent's or salesperson's call out; return its id and whether it was answered."""
    rng = world.rng
    outcome = "answered" if must_answer else rng.choices(_OUTBOUND, _OUTBOUND_WEIGHTS)[0]
    answered = outcome == "answered"
    call_id = add_call(world, started=started, direction="outbound", caller=DEMO_NUMBER,
                       dialed=number, contact_id=contact_id, agent=caller_agent,
                       outcome=outcome, wait=rng.uniform(4, 25),
                       talk=talk(world) if answered else None,
                       wrap=rng.uniform(10, 60) if answered else None,
                       disposition="contacted" if answered else None, notes=notes, **links)
    return call_id, answered


def agent(world: World) -> str | None:
    agents = world.staff("agent")
    return world.rng.choice(agents)[1] if agents else None


def talk(world: World) -> float:
    """Talk time: log-normal around three and a half minutes, at most an hour."""
    return round(min(world.rng.lognormvariate(math.log(210), 0.6), 3600.0), 1)


def add_call(world: World, *, started: dt.datetime, caller: str, dialed: str,
             contact_id: int | None, outcome: str, direction: str = "inbound",
             queue: str | None = None, agent: str | None = None,
             disposition: str | None = None, wait: float | None = None,
             talk: float | None = None, wrap: float | None = None, ivr_seconds: float = 0.0,
             ivr_path: list[str] | None = None, answers: dict[str, Any] | None = None,
             notes: str | None = None, call_id: str | None = None,
             **links: Unpack[CallRefs]) -> int:
    """One interaction row, every column set (bulk inserts need the same keys in each row)."""
    row_id = world.ids.take("interactions")
    wait = None if wait is None else round(wait, 1)
    ended = started + dt.timedelta(seconds=ivr_seconds + (wait or 0) + (talk or 0))
    world.put("interactions", {
        "id": row_id, "call_id": call_id or f"seed-{row_id}", "contact_id": contact_id,
        "channel": "voice", "direction": direction, "caller": caller, "dialed": dialed,
        "started_at": started, "ended_at": ended, "queue": queue, "agent": agent,
        "outcome": outcome, "disposition": disposition, "wait_seconds": wait,
        "talk_seconds": talk, "wrap_seconds": None if wrap is None else round(wrap, 1),
        "recording": None, "ivr_path": ivr_path, "answers": answers, "notes": notes,
        "case_id": links.get("case_id"), "lead_id": links.get("lead_id"),
        "opportunity_id": links.get("opportunity_id"), "campaign_id": links.get("campaign_id")})
    return row_id
