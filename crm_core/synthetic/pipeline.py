"""Leads and the sales pipeline: opportunities walking ``STAGES`` with a history row
per move, quotes, the orders and invoices of won deals, renewals, and the
salespeople's calls, meetings, e-mails, tasks and notes along the way.

An opportunity starts at ``opportunity_generated`` and moves one stage at a
time; it ends at ``customer_billed`` (won), at ``lost`` after any stage before
the order, or is still open at the stage it has reached today. A deal only
reaches ``order_placed`` when someone is a customer to bill, so a lead's deal is
won only once the lead became a contact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Unpack

from crm_core.models.sales import STAGES
from crm_core.synthetic.calls import outbound_call
from crm_core.synthetic.orders import Fulfilment, Line, Links, basket, place_order
from crm_core.synthetic.world import Customer, Refs, World, money

#: the chance of winning that each stage stands for
PROBABILITY = dict(zip(STAGES, (10, 15, 20, 30, 45, 60, 90, 95, 100), strict=True))
ORDER_STAGE = STAGES.index("order_placed")
QUOTE_STAGE = STAGES.index("quote_generated")
#: what a salesperson does when a deal enters a stage: (kind, subject)
_STAGE_ACTIVITY = {
    "contacted": ("call", "Discovery call"),
    "meeting": ("meeting", "Meeting to review needs"),
    "problems_and_solutions_identified": ("email", "Summary of needs and proposed solution"),
    "quote_generated": ("email", "Quote sent"),
    "order_placed": ("note", "Order confirmed"),
}
_LOSS_REASONS = ("chose a competitor", "price too high", "no budget this year",
                 "stopped answering", "bought elsewhere")


@dataclass(frozen=True, slots=True)
class Deal:
    """Who an opportunity is with: a customer, a lead, or a lead who became a customer."""

    name: str
    buyer: Customer | None
    lead_id: int | None
    owner: tuple[int, str]
    business: bool


def add_opportunities(world: World, deals: list[tuple[Deal, dt.datetime]]) -> None:
    """An opportunity for each deal, then renewals of last year's won subscriptions."""
    won: list[tuple[Deal, dt.datetime, list[Line]]] = []
    for deal, start in deals:
        lines = _deal_lines(world, deal.business)
        billed = add_opportunity(world, deal, start, lines, kind="new" if deal.lead_id
                                 else world.rng.choice(("new", "upsell")))
        if billed is not None:
            won.append((deal, billed, lines))
    services = [p for p in world.ref.product_list() if p.category == "services"]
    for deal, billed, lines in won:
        renew = billed + dt.timedelta(days=335)
        if renew < world.now and services and world.chance(0.5):
            plan = world.rng.choice(services)
            units = max(quantity for _, quantity, _ in lines)
            add_opportunity(world, deal, renew, [(plan, units, plan.price)], kind="renewal")


def customer_deals(world: World, count: int) -> list[tuple[Deal, dt.datetime]]:
    """Deals with existing customers (more with firms), started on a seasonal day."""
    sales = world.staff("sales")
    candidates = [c for c in world.customers if not c.demo]
    deals = []
    for customer in world.rng.sample(candidates, min(count, len(candidates))):
        business = not customer.account_name.endswith(" family")
        start = world.local_time(world.seasonal_day(max(customer.since, world.start)),
                                 customer.time_zone, (9, 17))
        deals.append((Deal(customer.account_name, customer, None, world.rng.choice(sales),
                           business), start))
    return deals


def _deal_lines(world: World, business: bool) -> list[Line]:
    """A firm buys several units of one to three products; a household one or two items."""
    products = world.ref.product_list()
    picks = world.rng.sample(products, world.rng.randint(1, 3 if business else 2))
    if not business:
        return basket(world, picks)
    return [(product, world.rng.randint(2, 25), product.price) for product in picks]


def walk(world: World, start: dt.datetime, target: int, lost: bool
         ) -> list[tuple[str, dt.datetime]]:
    """The stages entered up to ``target`` (then ``lost``), each a few days after the last;
    a walk that would reach today stops at the stage it has reached."""
    history: list[tuple[str, dt.datetime]] = []
    when = start
    for index in range(target + 1):
        if index:
            when = world.later(when, 12 * 60, 9 * 24 * 60)
        if when >= world.now:
            return history
        history.append((STAGES[index], when))
    if lost:
        when = world.later(when, 24 * 60, 14 * 24 * 60)
        if when < world.now:
            history.append(("lost", when))
    return history


def _plan(world: World, deal: Deal, start: dt.datetime) -> list[tuple[str, dt.datetime]]:
    """Won, lost or still open: recent deals are mostly open, old ones mostly settled, and
    only a deal with a customer to bill can be won."""
    rng = world.rng
    ceiling = len(STAGES) - 1 if deal.buyer else QUOTE_STAGE
    before_order = rng.randint(0, min(ceiling, ORDER_STAGE - 1))
    recent = start > world.now - dt.timedelta(days=60)
    open_share = 0.75 if recent else (0.12 if deal.buyer else 0.3)
    roll = rng.random()
    if roll < open_share:
        return walk(world, start, before_order, False)
    if deal.buyer and roll < open_share + (1 - open_share) * 0.55:
        return walk(world, start, ceiling, False)
    return walk(world, start, before_order, True)


def add_opportunity(world: World, deal: Deal, start: dt.datetime, lines: list[Line], *,
                    kind: str, history: list[tuple[str, dt.datetime]] | None = None
                    ) -> dt.datetime | None:
    """The opportunity, its stage rows, quote, order and activities; when billed, the time."""
    history = history if history is not None else _plan(world, deal, start)
    if not history:
        return None
    stage, last = history[-1]
    closed = last if stage in ("customer_billed", "lost") else None
    amount = money(sum((price * quantity for _, quantity, price in lines), Decimal(0)))
    opportunity_id = world.add(
        "opportunities", name=f"{deal.name} - {lines[0][0].name}" if kind != "renewal" else
        f"{deal.name} - renewal {last.year}", account_id=_account(deal),
        contact_id=deal.buyer.contact_id if deal.buyer else None, lead_id=deal.lead_id,
        kind=kind, stage=stage, amount=amount, probability=PROBABILITY.get(stage, 0),
        owner_id=deal.owner[0], expected_close=(closed or world.now + dt.timedelta(
            days=world.rng.randint(7, 60))).date(), created_at=history[0][1], closed_at=closed)
    for name, entered in history:
        world.add("opportunity_stages", opportunity_id=opportunity_id, stage=name,
                  entered_at=entered, changed_by=deal.owner[1])
    reached = dict(history)
    quote_id = _quote(world, deal, opportunity_id, lines, reached, stage)
    if "order_placed" in reached and deal.buyer is not None:
        fate = Fulfilment("fulfilled" if "order_fulfilled" in reached else "placed",
                          reached.get("order_fulfilled"), reached.get("customer_billed"))
        place_order(world, deal.buyer, lines, reached["order_placed"],
                    Links(opportunity_id=opportunity_id, quote_id=quote_id), fate)
    _deal_activities(world, deal, opportunity_id, history)
    return reached.get("customer_billed")


def _account(deal: Deal) -> int | None:
    return deal.buyer.account_id if deal.buyer else None


def _quote(world: World, deal: Deal, opportunity_id: int, lines: list[Line],
           entered: dict[str, dt.datetime], stage: str) -> int | None:
    if "quote_generated" not in entered:
        return None
    made = entered["quote_generated"]
    status = ("accepted" if "order_placed" in entered else
              "rejected" if stage == "lost" else "sent")
    total = money(sum((price * quantity for _, quantity, price in lines), Decimal(0)))
    quote_id = world.add("quotes", opportunity_id=opportunity_id, account_id=_account(deal),
                         contact_id=deal.buyer.contact_id if deal.buyer else None,
                         status=status, total=total, created_at=made,
                         sent_at=made + dt.timedelta(hours=1))
    for product, quantity, price in lines:
        world.add("quote_lines", quote_id=quote_id, product_id=product.id, quantity=quantity,
                  unit_price=price)
    return quote_id


def _deal_activities(world: World, deal: Deal, opportunity_id: int,
                     history: list[tuple[str, dt.datetime]]) -> None:
    """A call, meeting or e-mail per move; the reason when lost; a next step when open."""
    links: Refs = {"contact_id": deal.buyer.contact_id if deal.buyer else None,
             "account_id": _account(deal), "lead_id": deal.lead_id,
             "opportunity_id": opportunity_id}
    for stage, entered in history:
        if stage == "lost":
            add_activity(world, "note", f"Lost: {world.rng.choice(_LOSS_REASONS)}",
                         deal.owner[0], done=entered, **links)
        elif stage in _STAGE_ACTIVITY:
            kind, subject = _STAGE_ACTIVITY[stage]
            add_activity(world, kind, subject, deal.owner[0], done=entered, **links)
            if stage == "contacted" and deal.buyer is not None:
                outbound_call(world, deal.buyer.phone, entered, deal.owner[1],
                              contact_id=deal.buyer.contact_id, must_answer=True,
                              opportunity_id=opportunity_id)
    stage = history[-1][0]
    if stage not in ("customer_billed", "lost"):
        add_activity(world, "task", f"Next step after {stage.replace('_', ' ')}", deal.owner[0],
                     due=world.now + dt.timedelta(days=world.rng.randint(1, 10)), **links)


def add_activity(world: World, kind: str, subject: str, owner_id: int | None, *,
                 done: dt.datetime | None = None, due: dt.datetime | None = None,
                 body: str | None = None, **links: Unpack[Refs]) -> int:
    """One activity row, every column set."""
    created = done or (due - dt.timedelta(days=1) if due else world.now)
    return world.add("activities", kind=kind, subject=subject, body=body,
                     contact_id=links.get("contact_id"), account_id=links.get("account_id"),
                     lead_id=links.get("lead_id"), opportunity_id=links.get("opportunity_id"),
                     case_id=links.get("case_id"), owner_id=owner_id, due_at=due,
                     done_at=done, created_at=min(created, world.now - dt.timedelta(minutes=1)))
