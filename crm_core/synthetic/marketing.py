"""Campaigns over the two years, their lists, the responses, and the orders they brought.

Each campaign of the catalogue runs once a year, so two years give a dozen, the
latest possibly still running or planned. A campaign with a segment lists the
customers its definition selects, as ``crm_core.segments`` would have on the
start day (age then, region, gender, tags, consent, do-not-call, a purchase in
the category before it); one without lists a third of the customers who
consented. Nobody who withdrew consent, or is do-not-call for a phone campaign,
is listed. The campaigns of ``HOLDOUT`` keep a control arm (a fifth of the list, never
contacted) and have a planted effect (``PLANTED_LIFT``), so that the marketing
metrics' measured lift and the uplift route have something to find.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from crm_core.holdout import TREATED, arm
from crm_core.synthetic.calls import agent, outbound_call
from crm_core.synthetic.catalog import CAMPAIGNS, RESPONSE_RATE, RESPONSES_BY_CHANNEL, SEGMENTS
from crm_core.synthetic.orders import Links, basket, place_order
from crm_core.synthetic.world import Customer, ProductRef, World, money

#: responses that show intent, after which some customers buy
_INTENT = frozenset({"click", "reply", "call", "visit"})
#: the campaigns run with a control group (catalogue name -> share held out): its
#: control members are listed but never contacted, so the demo can measure the lift
HOLDOUT = {"Holiday gifts": 0.2}
#: the planted effect of such a campaign: a treated member buys from it with this chance,
#: on top of what the responses bring; the control arm buys only as it would anyway
PLANTED_LIFT = 0.15


@dataclass(eq=False)
class CampaignRef:
    """A seeded campaign as the later generators need it."""

    id: int
    name: str
    channel: str
    status: str
    starts: dt.datetime
    ends: dt.datetime
    product: ProductRef | None
    definition: dict[str, Any] | None
    members: list[Customer] = field(default_factory=list)  #: those contacted
    holdout: float = 0.0  #: the share of the list held out (``HOLDOUT``)


def add_campaigns(world: World) -> list[CampaignRef]:
    """Every catalogue campaign in each of the last two years, oldest first."""
    plans = [(start, template) for template in CAMPAIGNS
             for start in _occurrences(world.today, template[1], template[2])]
    campaigns = [_add_campaign(world, start, template) for start, template in sorted(plans)]
    for campaign in campaigns:  # in order: earlier campaigns' unsubscribes and sales count
        campaign.members = _eligible(world, campaign)
        _list_members(world, campaign)
        if campaign.status != "planned":
            _responses(world, campaign)
            _planted_lift(world, campaign)
    return campaigns


def _occurrences(today: dt.date, month: int, day: int) -> list[dt.date]:
    """This year's start (or last year's, if this year's is over a month away) and the one
    before."""
    latest = dt.date(today.year, month, day)
    if latest > today + dt.timedelta(days=30):
        latest = dt.date(today.year - 1, month, day)
    return [dt.date(latest.year - 1, month, day), latest]


def _add_campaign(world: World, start: dt.date,
                  template: tuple[str, int, int, int, str, str | None, str | None, int]
                  ) -> CampaignRef:
    name, _, _, days, channel, segment, sku, budget = template
    ends = start + dt.timedelta(days=days)
    starts_at = dt.datetime.combine(start, dt.time(), dt.UTC)
    ends_at = dt.datetime.combine(ends, dt.time(), dt.UTC)
    status = ("planned" if start > world.today else
              "active" if ends >= world.today else "completed")
    planned = money(int(round(budget * world.rng.uniform(0.9, 1.1), -2)))
    elapsed = min(max((world.now - starts_at) / (ends_at - starts_at), 0.0), 1.0)
    spent = money(planned * Decimal(str(round(elapsed * world.rng.uniform(0.85, 1.05), 3))))
    product = world.ref.products.get(sku) if sku else None
    campaign_id = world.add(
        "campaigns", name=f"{name} {start.year}", channel=channel, status=status, budget=planned,
        cost=spent, starts_on=start, ends_on=ends,
        segment_id=world.ref.segments.get(segment) if segment else None,
        product_id=product.id if product else None,
        created_at=starts_at - dt.timedelta(days=world.rng.randint(14, 45)))
    return CampaignRef(campaign_id, f"{name} {start.year}", channel, status, starts_at, ends_at,
                       product, SEGMENTS[segment] if segment else None,
                       holdout=HOLDOUT.get(name, 0.0))


def _eligible(world: World, campaign: CampaignRef) -> list[Customer]:
    reachable = [customer for customer in world.customers
                 if customer.consent and customer.since < campaign.starts
                 and not (campaign.channel == "phone" and customer.do_not_call)]
    if campaign.definition is None:
        return [customer for customer in reachable if world.chance(0.33)]
    return [customer for customer in reachable
            if matches(customer, campaign.definition, campaign.starts)]


def matches(customer: Customer, definition: dict[str, Any], on: dt.datetime) -> bool:
    """Whether a segment's definition selects the customer on a day (all fields must hold)."""
    return all(_FIELDS[name](customer, value, on) for name, value in definition.items())


def _texts(value: Any) -> set[str]:
    return {str(item).lower() for item in ([value] if isinstance(value, str) else value)}


def _age(customer: Customer, value: Any, on: dt.datetime) -> bool:
    low, high = value
    age = customer.age_on(on.date())
    return (low is None or age >= low) and (high is None or age <= high)


def _tags(customer: Customer, value: Any, on: dt.datetime) -> bool:
    return (set(value.get("all", ())) <= customer.tags
            and (not value.get("any") or bool(set(value["any"]) & customer.tags)))


def _bought(customer: Customer, value: Any, on: dt.datetime) -> bool:
    wanted = set(value)
    return any(bought < on and kind in wanted for bought, _, kind, _ in customer.purchases)


#: the definition fields the seed's segments use, read as ``crm_core.segments`` reads them
_FIELDS: dict[str, Callable[[Customer, Any, dt.datetime], bool]] = {
    "age": _age, "tags": _tags, "bought_category": _bought,
    "region": lambda customer, value, on: customer.region.lower() in _texts(value),
    "gender": lambda customer, value, on: customer.gender.lower() in _texts(value),
    "consent_marketing": lambda customer, value, on: customer.consent == value,
    "exclude_do_not_call": lambda customer, value, on: not (value and customer.do_not_call),
}


def _list_members(world: World, campaign: CampaignRef) -> None:
    """Every eligible customer on the list, in an arm drawn as ``crm_core.holdout`` draws
    it (the campaign's id the seed); only the treated stay ``members``, to be contacted."""
    added = min(campaign.starts - dt.timedelta(days=2), world.now - dt.timedelta(hours=1))
    treated = []
    for customer in campaign.members:
        side = arm(customer.contact_id, holdout=campaign.holdout, seed=campaign.id)
        world.add("campaign_members", campaign_id=campaign.id, contact_id=customer.contact_id,
                  added_at=added, arm=side)
        if side == TREATED:
            treated.append(customer)
    campaign.members = treated


def _planted_lift(world: World, campaign: CampaignRef) -> None:
    """A campaign with a control arm: each treated member buys from it with
    ``PLANTED_LIFT`` chance, some time in its run."""
    if not campaign.holdout:
        return
    last = min(campaign.ends, world.now - dt.timedelta(hours=1))
    for customer in campaign.members:
        if world.chance(PLANTED_LIFT):
            campaign_order(world, campaign, customer,
                           campaign.starts + (last - campaign.starts) * world.rng.random())


def _responses(world: World, campaign: CampaignRef) -> None:
    """Some members answer; unsubscribers leave the lists; a quarter of the interested buy.
    A phone campaign's answers come from its calls."""
    if campaign.channel == "phone":
        _campaign_calls(world, campaign)
        return
    kinds = RESPONSES_BY_CHANNEL[campaign.channel]
    weights = [len(kinds) - n for n in range(len(kinds))]
    last = min(campaign.ends, world.now - dt.timedelta(hours=1))
    for customer in campaign.members:
        if not world.chance(RESPONSE_RATE[campaign.channel]):
            continue
        kind = world.rng.choices(kinds, weights)[0]
        when = campaign.starts + (last - campaign.starts) * world.rng.random()
        if kind == "click" and campaign.channel == "email":
            respond(world, campaign, customer, "open", when - dt.timedelta(minutes=5))
        respond(world, campaign, customer, kind, when)
        if kind == "unsubscribe":
            customer.consent = False
        elif kind in _INTENT and world.chance(0.25):
            campaign_order(world, campaign, customer, when)


def _campaign_calls(world: World, campaign: CampaignRef) -> None:
    """A phone campaign: agents call most of the list; some who answer are interested."""
    last = min(campaign.ends, world.now - dt.timedelta(hours=1))
    for customer in campaign.members:
        if not world.chance(0.8):
            continue
        day = (campaign.starts + (last - campaign.starts) * world.rng.random()).date()
        when = world.local_time(day, customer.time_zone, (9, 19))
        _, answered = outbound_call(world, customer.phone, when, agent(world),
                                    contact_id=customer.contact_id, campaign_id=campaign.id)
        if answered and world.chance(RESPONSE_RATE["phone"]):
            respond(world, campaign, customer, "reply", when)
            if world.chance(0.25):
                campaign_order(world, campaign, customer, when)


def respond(world: World, campaign: CampaignRef, customer: Customer | None, kind: str,
            when: dt.datetime, lead_id: int | None = None) -> None:
    world.add("campaign_responses", campaign_id=campaign.id,
              contact_id=customer.contact_id if customer else None, lead_id=lead_id, kind=kind,
              responded_at=when)


def campaign_order(world: World, campaign: CampaignRef, customer: Customer,
                   after: dt.datetime) -> None:
    """An order attributed to the campaign, within three days of the response, at 10 % off."""
    ordered = world.later(after, 10, 3 * 24 * 60)
    if ordered >= world.now:
        return
    products = world.ref.product_list()
    picks = [campaign.product] if campaign.product else world.rng.sample(products, 2)
    place_order(world, customer, basket(world, picks, discount=10), ordered,
                Links(campaign_id=campaign.id))
