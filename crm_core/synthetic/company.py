"""A synthetic company for the demo and for tests: thousands of customers with two
years of orders, cases, campaigns, leads, deals and calls.

``build_company`` is pure: from a seed, a day and what the database already
holds (``Existing``) it makes every row as a dict with its id, table by table,
and ``crm_core.seed`` inserts them in bulk in ``TABLE_ORDER`` (parents first).
The same seed, day and starting state give the same rows.

The parts, in the order they are drawn: the catalogue (``catalog``,
reused where the database has it), the demo customers (``demo``), the
customers (``people``), their own orders (``orders``),
campaigns (``marketing``), leads (``leads``), the pipeline
(``pipeline``), cases (``cases``) and calls
(``calls``). ``bulk`` streams far larger volumes for
benchmarks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from crm_core.synthetic.articles import ARTICLES
from crm_core.synthetic.calls import add_calls
from crm_core.synthetic.cases import add_cases
from crm_core.synthetic.catalog import NO_PASSWORD, OFFERS, PRODUCTS, SEGMENTS, SLA, USERS
from crm_core.synthetic.demo import DEMO_CUSTOMERS, add_demo_customers
from crm_core.synthetic.leads import add_leads
from crm_core.synthetic.marketing import add_campaigns
from crm_core.synthetic.orders import add_orders
from crm_core.synthetic.people import add_customers
from crm_core.synthetic.pipeline import add_opportunities, customer_deals
from crm_core.synthetic.shifts import add_agent_shifts
from crm_core.synthetic.world import Ids, ProductRef, Reference, Row, World, money

#: every table the seed writes, parents before the rows that point at them
TABLE_ORDER = (
    "users", "products", "sla_policies", "kb_articles", "offers", "segments", "campaigns",
    "accounts", "contacts", "contact_phones", "contact_emails", "addresses", "contact_tags",
    "campaign_members", "leads", "campaign_responses", "opportunities", "opportunity_stages",
    "quotes", "quote_lines", "orders", "order_lines", "invoices", "cases", "activities",
    "interactions", "agent_states",
)
DEMO_PHONES = tuple(demo[2] for demo in DEMO_CUSTOMERS)


@dataclass
class Existing:
    """What the database holds already, that the company is built around."""

    #: the largest id of each table (new ids start after it)
    max_ids: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)
    products: dict[str, ProductRef] = field(default_factory=dict)
    sla: dict[str, tuple[int, int]] = field(default_factory=dict)  #: first, resolution minutes
    segments: dict[str, int] = field(default_factory=dict)
    article_titles: set[str] = field(default_factory=set)
    offer_names: set[str] = field(default_factory=set)
    #: numbers of the seed's fictional range already given to a contact or lead
    phones: set[str] = field(default_factory=set)
    demo_phones: set[str] = field(default_factory=set)


@dataclass
class Company:
    """The rows to insert, by table, and how many customers (contacts) they add."""

    rows: dict[str, list[Row]]
    customers: int


def build_company(*, customers: int, seed: int, today: dt.date,
                  existing: Existing | None = None) -> Company:
    """The synthetic company around the three demo customers.

    Nothing when the demo customers are all there already; only the missing ones
    (with their histories) when some are, since the rest came with them.
    """
    existing = existing or Existing()
    missing = [phone for phone in DEMO_PHONES if phone not in existing.demo_phones]
    if not missing:
        return Company({}, 0)
    ids = Ids({table: existing.max_ids.get(table, 0) + 1 for table in TABLE_ORDER})
    world = World(seed=seed, today=today, ids=ids, ref=_reference(existing),
                  used_phones=existing.phones)
    _catalogue(world, existing)
    add_demo_customers(world, missing)
    if customers > 0 and len(missing) == len(DEMO_PHONES):
        _company(world, customers)
    return Company(dict(world.rows), len(world.customers))


def _company(world: World, customers: int) -> None:
    add_customers(world, customers)
    add_orders(world)
    campaigns = add_campaigns(world)
    deals = add_leads(world, campaigns, max(customers // 4, 1))
    deals += customer_deals(world, max(customers // 20, 1))
    add_opportunities(world, sorted(deals, key=lambda deal: deal[1]))
    add_cases(world)
    add_calls(world)
    add_agent_shifts(world)
    withdrawn = {c.contact_id for c in world.customers if not c.consent}
    for row in world.rows["contacts"]:  # unsubscribing from a campaign withdrew consent
        row["consent_marketing"] = row["id"] not in withdrawn


def _reference(existing: Existing) -> Reference:
    return Reference(users=dict(existing.users), products=dict(existing.products),
                     sla=dict(existing.sla),
                     segments=dict(existing.segments))


def _catalogue(world: World, existing: Existing) -> None:
    """The staff, products, SLA, articles, offers and segments the database lacks."""
    ref, joined = world.ref, world.start - dt.timedelta(days=90)
    for username, full_name, role, agent in USERS:
        if username not in ref.users:
            ref.users[username] = world.add(
                "users", username=username, full_name=full_name, role=role, agent=agent,
                password_hash=NO_PASSWORD, active=True, created_at=joined)
    for sku, name, category, price in PRODUCTS:
        if sku not in ref.products:
            product_id = world.add("products", sku=sku, name=name, category=category,
                                   price=money(price), active=True)
            ref.products[sku] = ProductRef(product_id, sku, name, category, money(price))
    for priority, (first, resolution) in SLA.items():
        if priority not in ref.sla:
            world.add("sla_policies", priority=priority, first_response_minutes=first,
                      resolution_minutes=resolution)
            ref.sla[priority] = (first, resolution)
    for name, definition in SEGMENTS.items():
        if name not in ref.segments:
            ref.segments[name] = world.add("segments", name=name, definition=definition,
                                           created_at=joined)
    _articles_and_offers(world, existing, joined)


def _articles_and_offers(world: World, existing: Existing, joined: dt.datetime) -> None:
    for title, tags, body in ARTICLES:
        if title not in existing.article_titles:
            written = joined + dt.timedelta(days=world.rng.uniform(0, 60))
            edited = world.later(written, 0, 600 * 24 * 60) if world.chance(0.4) else None
            world.add("kb_articles", title=title, body=body, tags=tags, published=True,
                      created_at=written, updated_at=edited)
    for name, kind, sku, requires, pitch, discount, priority in OFFERS:
        if name not in existing.offer_names:
            world.add("offers", name=name, kind=kind, product_id=world.ref.products[sku].id,
                      requires_product_id=world.ref.products[requires].id if requires else None,
                      pitch=pitch, discount_percent=money(discount), priority=priority,
                      active=True, starts_on=None, ends_on=None)
