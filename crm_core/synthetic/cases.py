"""Customer service cases with SLA targets, answered mostly in time.

A case's due times are its opening time plus its priority's SLA minutes (as the
service module sets them). Most cases follow a purchase and name the product.
First responses and resolutions usually beat the targets, some miss them; a few
old cases are still open, so past due. Surveys come back for most resolved
cases, happier when the targets were met.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_core.models.service import CASE_TYPES, PRIORITIES
from crm_core.synthetic.calls import agent, inbound_call, outbound_call
from crm_core.synthetic.pipeline import add_activity
from crm_core.synthetic.world import Customer, World

_TYPE_WEIGHTS = (30, 25, 10, 15, 15, 5)
_PRIORITY_WEIGHTS = (20, 50, 22, 8)
_CHANNELS, _CHANNEL_WEIGHTS = ("phone", "email", "web", "chat"), (55, 25, 12, 8)
SUBJECTS = {
    "question": ("How do I set up my {product}?", "Warranty question about my {product}",
                 "Question about my order", "Is the {product} compatible with my old one?"),
    "problem": ("{product} stopped working", "{product} arrived damaged",
                "Cannot sign in to my account", "Order with the {product} not delivered"),
    "complaint": ("Late delivery of my {product}", "Charged for a cancelled order",
                  "Long wait on the phone", "Parcel left in the rain"),
    "request": ("Change the delivery address", "Return my {product}",
                "Update my e-mail address", "Exchange my {product}"),
    "billing": ("Charged twice for my {product}", "Question about my invoice",
                "Refund not received", "Update my payment card"),
    "renewal": ("Renew my Club membership", "CarePlus renewal", "Cancel automatic renewal"),
}


@dataclass(frozen=True, slots=True)
class Timeline:
    """When a case was opened, first answered, resolved and closed (None: not yet)."""

    opened: dt.datetime
    responded: dt.datetime | None
    resolved: dt.datetime | None
    closed: dt.datetime | None


def add_cases(world: World) -> None:
    """Cases over the history, more for customers who buy more."""
    for customer in world.customers:
        if customer.demo:
            continue
        mean = 0.35 * world.tenure(customer) + 0.2 * len(customer.purchases)
        for _ in range(min(int(world.rng.expovariate(1 / mean) + 0.5), 12)):
            opened, product = _occasion(world, customer)
            if opened < world.now:
                add_case(world, customer, opened, product)


def _occasion(world: World, customer: Customer) -> tuple[dt.datetime, str]:
    """Mostly a few days after a purchase, about it; otherwise any day."""
    if customer.purchases and world.chance(0.6):
        bought, _, _, product = world.rng.choice(customer.purchases)
        return world.later(bought, 24 * 60, 20 * 24 * 60), product
    day = world.seasonal_day(max(customer.since, world.start))
    product = world.rng.choice(world.ref.product_list()).name
    return world.local_time(day, customer.time_zone), product


def add_case(world: World, customer: Customer, opened: dt.datetime, product: str, *,
             kind: str | None = None, priority: str | None = None,
             timeline: Timeline | None = None, channel: str | None = None,
             subject: str | None = None) -> int:
    """The case row (due times from the SLA), its opening call, a follow-up, a note."""
    rng = world.rng
    kind = kind or rng.choices(CASE_TYPES, _TYPE_WEIGHTS)[0]
    priority = priority or _priority(world, customer)
    first_minutes, resolution_minutes = world.ref.sla[priority]
    timeline = timeline or _timeline(world, opened, first_minutes, resolution_minutes)
    status = _status(world, timeline)
    met = timeline.resolved is not None and \
        timeline.resolved <= opened + dt.timedelta(minutes=resolution_minutes)
    agents = world.staff("agent")
    owner = rng.choice(agents) if agents and (status != "new" or world.chance(0.4)) else None
    subject = subject or rng.choice(SUBJECTS[kind]).format(product=product)
    channel = channel or rng.choices(_CHANNELS, _CHANNEL_WEIGHTS)[0]
    case_id = world.add(
        "cases", subject=subject, description=_description(customer, subject, channel),
        contact_id=customer.contact_id,
        account_id=customer.account_id, priority=priority, type=kind, status=status,
        channel=channel, owner_id=owner[0] if owner else None, opened_at=opened,
        first_response_due=opened + dt.timedelta(minutes=first_minutes),
        resolution_due=opened + dt.timedelta(minutes=resolution_minutes),
        first_response_at=timeline.responded, resolved_at=timeline.resolved,
        closed_at=timeline.closed, satisfaction=_survey(world, timeline, met))
    _touches(world, customer, case_id, channel, timeline, owner)
    return case_id


def _description(customer: Customer, subject: str, channel: str) -> str:
    said = {"phone": "said on the phone", "chat": "wrote in the chat"}.get(channel, "wrote")
    ending = "" if subject.endswith("?") else "."
    return f"{customer.first_name} {said}: {subject[0].lower()}{subject[1:]}{ending}"


def _priority(world: World, customer: Customer) -> str:
    priority = world.rng.choices(PRIORITIES, _PRIORITY_WEIGHTS)[0]
    if customer.vip and priority != "urgent" and world.chance(0.5):
        priority = PRIORITIES[PRIORITIES.index(priority) + 1]
    return priority


def _timeline(world: World, opened: dt.datetime, first_minutes: int,
              resolution_minutes: int) -> Timeline:
    """Mostly within the targets; one in eight answers and one in seven fixes are late;
    one old case in fifty is stuck open."""
    rng = world.rng
    delay = rng.expovariate(1 / (0.4 * first_minutes)) * (3 if world.chance(0.12) else 1)
    responded: dt.datetime | None = opened + dt.timedelta(minutes=delay)
    fix = rng.expovariate(1 / (0.35 * resolution_minutes)) * (2.5 if world.chance(0.14) else 1)
    resolved: dt.datetime | None = opened + dt.timedelta(minutes=max(fix, delay + 5))
    if responded is not None and responded >= world.now:
        responded = None
    if responded is None or resolved is None or resolved >= world.now or world.chance(0.02):
        resolved = None
    closed = None
    if resolved is not None and world.chance(0.7):
        closed = resolved + dt.timedelta(days=rng.uniform(1, 7))
        closed = closed if closed < world.now else None
    return Timeline(opened, responded, resolved, closed)


def _status(world: World, timeline: Timeline) -> str:
    if timeline.closed is not None:
        return "closed"
    if timeline.resolved is not None:
        return "resolved"
    if timeline.responded is None:
        return "new"
    return world.rng.choice(("open", "open", "pending"))


def _survey(world: World, timeline: Timeline, met: bool) -> int | None:
    """1 to 5 from the survey, answered for three in five resolved cases."""
    if timeline.resolved is None or not world.chance(0.6):
        return None
    score = (4.6 if met else 2.8) + world.rng.gauss(0, 0.8)
    return min(max(round(score), 1), 5)


def _touches(world: World, customer: Customer, case_id: int, channel: str,
             timeline: Timeline, owner: tuple[int, str] | None) -> None:
    """The call that opened a phone case, the agent's call back, a note on some."""
    if channel == "phone":
        inbound_call(world, customer, timeline.opened, queue="support", answered=True,
                     case_id=case_id)
    if timeline.responded is not None and channel != "phone" and world.chance(0.35) \
            and not customer.do_not_call:
        outbound_call(world, customer.phone, timeline.responded, agent(world),
                      contact_id=customer.contact_id, case_id=case_id)
    if owner is not None and world.chance(0.25):
        add_activity(world, "note", "Case note", owner[0],
                     done=timeline.responded or timeline.opened,
                     body="Checked the order and the account; told the customer the next step.",
                     contact_id=customer.contact_id, account_id=customer.account_id,
                     case_id=case_id)
