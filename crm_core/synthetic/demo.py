"""The three customers the demo's callers are, each with a history worth a screen-pop:
orders, an open case, an open deal and recent calls.

Their numbers, names, VIP flag and account names are fixed (the demo's SIP
phones call from them and the IVR greets them); the history is written out
here, dated back from ``today``, so that every seed tells the same story.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from crm_core.models.sales import STAGES
from crm_core.synthetic.calls import add_call, agent, inbound_call, ivr_path, talk
from crm_core.synthetic.cases import Timeline, add_case
from crm_core.synthetic.orders import Fulfilment, basket, place_order
from crm_core.synthetic.people import store_customer
from crm_core.synthetic.pipeline import Deal, add_activity, add_opportunity
from crm_core.synthetic.vocab import CITIES
from crm_core.synthetic.world import Customer, ProductRef, World

#: (first, last, phone, vip, account, segment)
DEMO_CUSTOMERS = (
    ("Ada", "Lovelace", "+15550001001", True, "Lovelace Analytical Engines", "gold"),
    ("Grace", "Hopper", "+15550001002", False, "Hopper Compilers", "silver"),
    ("Alan", "Turing", "+15550001003", False, "Bletchley Consulting", "bronze"),
)


@dataclass(frozen=True)
class Story:
    """What happened to one demo customer, in days before today (at local office hours)."""

    gender: str
    birth_date: dt.date
    city: str
    tags: frozenset[str]
    industry: str
    customer_for_days: int
    #: (days ago, skus) of each order, oldest first
    orders: tuple[tuple[int, tuple[str, ...]], ...]
    #: (subject, type, priority, channel, days ago, local hour, hours to answer)
    case: tuple[str, str, str, str, int, int, float | None]
    #: (skus, units, kind, last stage, days ago it started)
    deal: tuple[tuple[str, ...], int, str, str, int]
    #: (days ago, queue) of the calls before yesterday's
    calls: tuple[tuple[int, str], ...]


STORIES = {
    "+15550001001": Story(
        "f", dt.date(1985, 12, 10), "Boston", frozenset({"traveller", "tech-enthusiast",
                                                         "online-shopper", "outdoor"}),
        "engineering", 1600,
        ((700, ("ELE-PHONE", "SVC-CARE")), (610, ("TRV-CARRYON",)),
         (540, ("OUT-TENT2", "OUT-PACK40")), (400, ("TRV-INSURE",)), (330, ("ELE-BUDS",)),
         (210, ("SVC-CLUB",)), (45, ("ELE-PHONEPRO",)), (4, ("ELE-BUDS",))),
        ("Nimbus wireless earbuds not delivered yet", "problem", "high", "phone", 2, 11, 0.7),
        (("ELE-PHONEPRO", "SVC-CARE"), 12, "upsell", "quote_generated", 20),
        ((25, "sales"), (12, "support"))),
    "+15550001002": Story(
        "f", dt.date(1976, 12, 9), "Washington", frozenset({"gamer", "pet-owner", "parent"}),
        "software", 900,
        ((600, ("GAM-CONSOLE", "GAM-PAD")), (420, ("PET-FEEDER",)), (260, ("ELE-PHONE",)),
         (90, ("SVC-CARE",)), (20, ("OUT-PACK40",))),
        ("Charged twice for CarePlus protection", "billing", "normal", "phone", 3, 9, 5.0),
        (("SVC-CARE",), 8, "renewal", "meeting", 10),
        ((30, "sales"), (14, "operator"))),
    "+15550001003": Story(
        "m", dt.date(1982, 6, 23), "Seattle", frozenset({"fitness", "outdoor", "bargain-hunter"}),
        "consulting", 500,
        ((400, ("ELE-PHONE",)), (300, ("ELE-BUDS",)), (150, ("OUT-TENT2",)),
         (60, ("TRV-CARRYON",)), (10, ("GAM-PAD",))),
        ("Nimbus phone stopped charging", "problem", "urgent", "web", 1, 15, None),
        (("GAM-CONSOLE", "GAM-PAD"), 5, "new", "contacted", 6),
        ((15, "support"), (5, "sales"))),
}


def add_demo_customers(world: World, phones: list[str]) -> None:
    """The demo customers with these numbers, and their histories."""
    sales = world.staff("sales")
    for first, last, phone, vip, account_name, segment in DEMO_CUSTOMERS:
        if phone not in phones:
            continue
        story = STORIES[phone]
        city = next(place for place in CITIES if place[0] == story.city)
        since = world.now - dt.timedelta(days=story.customer_for_days)
        account_id = world.add("accounts", name=account_name, segment=segment,
                               industry=story.industry, time_zone=city[2],
                               owner_id=sales[0][0] if sales else None, created_at=since)
        customer = Customer(
            contact_id=world.ids.take("contacts"), account_id=account_id,
            account_name=account_name, first_name=first, last_name=last,
            email=f"{first.lower()}@example.com", phone=phone, gender=story.gender,
            birth_date=story.birth_date, region=city[1], time_zone=city[2], tags=story.tags,
            vip=vip, do_not_call=False, consent=True, since=since, demo=True)
        store_customer(world, customer, language="en", owner_id=sales[0][0] if sales else None,
                       address={"kind": "work", "line1": f"{1000 + len(first) * 7} Market St",
                                "line2": None, "city": city[0], "region": city[1],
                                "postal_code": f"{city[3]}01", "country": "US",
                                "time_zone": city[2]})
        world.customers.append(customer)
        _history(world, customer, story, sales[0] if sales else None)


def _history(world: World, customer: Customer, story: Story,
             owner: tuple[int, str] | None) -> None:
    for days, skus in story.orders:
        ordered = _local(world, customer, days, 19, 30)  # shopping in the evening
        fate = Fulfilment("shipped", None, None) if days < 6 else None
        place_order(world, customer, basket(world, _products(world, skus)), ordered, fate=fate)
    case_id = _open_case(world, customer, story)
    if owner is not None:
        _open_deal(world, customer, story, owner)
        add_activity(world, "task", f"Call {customer.first_name} back about the open case",
                     owner[0], due=world.now + dt.timedelta(days=1),
                     contact_id=customer.contact_id, account_id=customer.account_id,
                     case_id=case_id)
    for days, queue in story.calls:
        inbound_call(world, customer, _local(world, customer, days, 10, 5), queue=queue,
                     answered=True)
    _last_call(world, customer, case_id)


def _local(world: World, customer: Customer, days: int, hour: int, minute: int = 0
           ) -> dt.datetime:
    """``days`` before today at this time of the customer's day, in UTC."""
    day = world.today - dt.timedelta(days=days)
    local = dt.datetime(day.year, day.month, day.day, hour, minute,
                        tzinfo=ZoneInfo(customer.time_zone))
    return local.astimezone(dt.UTC)


def _products(world: World, skus: tuple[str, ...]) -> list[ProductRef]:
    return [world.ref.products[sku] for sku in skus if sku in world.ref.products]


def _open_case(world: World, customer: Customer, story: Story) -> int:
    subject, kind, priority, channel, days, hour, answer_hours = story.case
    opened = _local(world, customer, days, hour, 20)
    responded = None if answer_hours is None else opened + dt.timedelta(hours=answer_hours)
    return add_case(world, customer, opened, subject, kind=kind, priority=priority,
                    channel=channel, timeline=Timeline(opened, responded, None, None),
                    subject=subject)


def _open_deal(world: World, customer: Customer, story: Story,
               owner: tuple[int, str]) -> None:
    skus, units, kind, stage, days = story.deal
    steps = STAGES.index(stage) + 1
    # evenly spread up to two days ago, an hour later each move so that none ties
    history = [(name, _local(world, customer, days - n * (days - 2) // max(steps - 1, 1),
                             9 + n, 30)) for n, name in enumerate(STAGES[:steps])]
    start = history[0][1]
    lines = [(product, units, product.price) for product in _products(world, skus)]
    deal = Deal(customer.account_name, customer, None, owner, True)
    add_opportunity(world, deal, start, lines, kind=kind, history=history)


def _last_call(world: World, customer: Customer, case_id: int) -> None:
    """Yesterday's call about the open case: the first thing the screen-pop lists."""
    add_call(world, started=_local(world, customer, 1, 16, 40), caller=customer.phone,
             dialed="5000", contact_id=customer.contact_id, queue="support",
             agent=agent(world), outcome="answered", disposition="follow_up",
             wait=8.0 if customer.vip else 41.0, talk=talk(world), wrap=35.0,
             ivr_path=ivr_path("support", known=True, vip=customer.vip),
             call_id=f"demo-{customer.contact_id}", case_id=case_id)
