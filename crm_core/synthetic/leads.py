"""Leads: people who may buy, from the web, campaigns, referrals, fairs, cold calls,
partners and social media, scored and worked by the salespeople.

A fifth of them became customers: their name, e-mail and number are the
contact's, and they were converted the day the contact joined. Qualified and
converted leads become deals for the pipeline.
"""

from __future__ import annotations

import datetime as dt

from crm_core.synthetic.calls import outbound_call
from crm_core.synthetic.marketing import CampaignRef, respond
from crm_core.synthetic.pipeline import Deal, add_activity
from crm_core.synthetic.vocab import (
    COMPANY_WORDS,
    EMAIL_DOMAINS,
    FEMALE_NAMES,
    LAST_NAMES,
    MALE_NAMES,
)
from crm_core.synthetic.world import Customer, World

SOURCES = ("web", "campaign", "referral", "trade_show", "cold_call", "partner", "social")
_SOURCE_WEIGHTS = (30, 20, 15, 8, 10, 7, 10)
#: the score range of each status: the better the fit, the higher
SCORES = {"new": (5, 50), "contacted": (20, 65), "qualified": (50, 90),
          "unqualified": (0, 35), "converted": (60, 100)}
_SETTLED, _SETTLED_WEIGHTS = ("new", "contacted", "qualified", "unqualified"), (8, 22, 30, 40)


def add_leads(world: World, campaigns: list[CampaignRef], count: int
              ) -> list[tuple[Deal, dt.datetime]]:
    """``count`` leads; return the deals of the qualified and converted ones."""
    joined = [c for c in world.customers
              if not c.demo and c.since > world.start + dt.timedelta(days=30)]
    world.rng.shuffle(joined)
    running = [campaign for campaign in campaigns if campaign.status != "planned"]
    deals = []
    for _ in range(count):
        buyer = joined.pop() if joined and world.chance(0.2) else None
        deal = _add_lead(world, running, buyer)
        if deal is not None:
            deals.append(deal)
    return deals


def _add_lead(world: World, running: list[CampaignRef], buyer: Customer | None
              ) -> tuple[Deal, dt.datetime] | None:
    rng = world.rng
    source = rng.choices(SOURCES, _SOURCE_WEIGHTS)[0]
    campaign = rng.choice(running) if source == "campaign" and running else None
    if campaign is None and source == "campaign":
        source = "web"
    lead_id = world.ids.take("leads")
    created = _created(world, campaign, buyer)
    status = "converted" if buyer else _status(world, created)
    first, last, email, phone = _person(world, buyer, lead_id)
    business = world.chance(0.35) if buyer is None else \
        not buyer.account_name.endswith(" family")
    company = (buyer.account_name if buyer else f"{last} {rng.choice(COMPANY_WORDS)}") \
        if business else None
    sales = world.staff("sales")
    owner = rng.choice(sales) if sales and (status != "new" or world.chance(0.75)) else None
    product = rng.choice(world.ref.product_list())
    low, high = SCORES[status]
    world.put("leads", {
        "id": lead_id, "first_name": first, "last_name": last, "company": company,
        "email": email, "phone": phone, "source": source, "status": status,
        "score": rng.randint(low, high), "owner_id": owner[0] if owner else None,
        "product_id": product.id, "campaign_id": campaign.id if campaign else None,
        "contact_id": buyer.contact_id if buyer else None, "created_at": created,
        "converted_at": buyer.since if buyer else None})
    if campaign is not None:
        respond(world, campaign, buyer, "reply" if campaign.channel in ("sms", "phone")
                else "click", created, lead_id)
    _work(world, lead_id, status, created, phone, owner)
    if status not in ("qualified", "converted") or owner is None:
        return None
    start = min(created + dt.timedelta(days=rng.uniform(1, 7)), world.now - dt.timedelta(hours=1))
    return Deal(company or f"{first} {last}", buyer, lead_id, owner, business), start


def _created(world: World, campaign: CampaignRef | None, buyer: Customer | None
             ) -> dt.datetime:
    if buyer is not None:
        return buyer.since - dt.timedelta(days=world.rng.uniform(5, 60))
    if campaign is not None:
        last = min(campaign.ends, world.now - dt.timedelta(hours=1))
        return campaign.starts + (last - campaign.starts) * world.rng.random()
    return world.local_time(world.seasonal_day(), "America/New_York", (7, 22))


def _status(world: World, created: dt.datetime) -> str:
    if world.now - created < dt.timedelta(days=14):
        return world.rng.choice(("new", "new", "contacted"))
    return world.rng.choices(_SETTLED, _SETTLED_WEIGHTS)[0]


def _person(world: World, buyer: Customer | None, lead_id: int
            ) -> tuple[str, str, str, str | None]:
    """The lead's name, e-mail and number: the customer's when the lead became one."""
    if buyer is not None:
        return buyer.first_name, buyer.last_name, buyer.email, buyer.phone
    rng = world.rng
    first = rng.choice(FEMALE_NAMES if world.chance(0.5) else MALE_NAMES)
    last = rng.choice(LAST_NAMES)
    email = f"{first}.{last}.lead{lead_id}@{rng.choice(EMAIL_DOMAINS)}".lower()
    return first, last, email, world.phones.take() if world.chance(0.85) else None


def _work(world: World, lead_id: int, status: str, created: dt.datetime, phone: str | None,
          owner: tuple[int, str] | None) -> None:
    """The salesperson's first call, or the task to make it."""
    if owner is None:
        return
    if status == "new":
        add_activity(world, "task", "Call the new lead", owner[0],
                     due=created + dt.timedelta(days=2), lead_id=lead_id)
        return
    called = min(world.later(created, 60, 5 * 24 * 60), world.now - dt.timedelta(minutes=30))
    add_activity(world, "call", "Introduction call", owner[0], done=called, lead_id=lead_id)
    if phone is not None:
        outbound_call(world, phone, called, owner[1], contact_id=None, must_answer=True,
                      lead_id=lead_id)
