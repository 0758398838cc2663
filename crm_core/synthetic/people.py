"""The synthetic company's customers: accounts (households and small firms) with one
to a few contacts each, their phones, e-mails, addresses and habits.

Ages, places and habits are drawn so that the saved segments find people:
gamers are mostly young, parents mostly between 28 and 55. Most customers
joined before the two years of history, the rest during them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from crm_core.synthetic.vocab import (
    CITIES,
    COMPANY_WORDS,
    EMAIL_DOMAINS,
    FEMALE_NAMES,
    INDUSTRIES,
    LAST_NAMES,
    MALE_NAMES,
    NEUTRAL_NAMES,
    STREET_KINDS,
    STREET_NAMES,
    TAGS,
)
from crm_core.synthetic.world import Customer, World

City = tuple[str, str, str, str, int]
_CITY_WEIGHTS = [city[4] for city in CITIES]
#: contacts per account, and how often
_SIZES, _SIZE_WEIGHTS = (1, 2, 3, 4, 5), (55, 28, 12, 3, 2)
_LANGUAGES, _LANGUAGE_WEIGHTS = ("en", "es", "fr", "zh"), (86, 11, 2, 1)


@dataclass(frozen=True, slots=True)
class Household:
    """What the contacts of one account share."""

    account_id: int
    name: str
    last_name: str
    city: City
    since: dt.datetime
    business: bool


def add_customers(world: World, count: int) -> None:
    """``count`` contacts in accounts of one to five people."""
    added = 0
    while added < count:
        size = min(world.rng.choices(_SIZES, _SIZE_WEIGHTS)[0], count - added)
        household = _add_account(world, business=world.chance(0.25))
        for _ in range(size):
            world.customers.append(_add_contact(world, household))
        added += size


def _add_account(world: World, *, business: bool) -> Household:
    rng = world.rng
    last = rng.choice(LAST_NAMES)
    city: City = rng.choices(CITIES, _CITY_WEIGHTS)[0]
    name = f"{last} {rng.choice(COMPANY_WORDS)}" if business else f"{last} family"
    since = _joined(world)
    sales = world.staff("sales")
    account_id = world.add(
        "accounts", name=name, segment=rng.choices(("gold", "silver", "bronze"), (8, 22, 70))[0],
        industry=rng.choice(INDUSTRIES) if business else None, time_zone=city[2],
        owner_id=rng.choice(sales)[0] if sales and (business or world.chance(0.3)) else None,
        created_at=since)
    return Household(account_id, name, last, city, since, business)


def _joined(world: World) -> dt.datetime:
    """When a customer joined: most before the history starts, the others during it."""
    if world.chance(0.55):
        return world.start - dt.timedelta(days=world.rng.uniform(1, 1500))
    return world.start + dt.timedelta(days=world.rng.uniform(0, 720))


def _add_contact(world: World, household: Household) -> Customer:
    rng = world.rng
    gender = rng.choices(("f", "m", "x"), (49, 49, 2))[0]
    first = rng.choice({"f": FEMALE_NAMES, "m": MALE_NAMES}.get(gender, NEUTRAL_NAMES))
    last = rng.choice(LAST_NAMES) if household.business or world.chance(0.15) \
        else household.last_name
    age = min(max(int(rng.gauss(44, 15)), 18), 88)
    birth = world.today - dt.timedelta(days=age * 365.25 + rng.randrange(365))
    contact_id = world.ids.take("contacts")
    customer = Customer(
        contact_id=contact_id, account_id=household.account_id, account_name=household.name,
        first_name=first, last_name=last,
        email=f"{first}.{last}{contact_id}@{rng.choice(EMAIL_DOMAINS)}".lower(),
        phone=world.phones.take(), gender=gender, birth_date=birth, region=household.city[1],
        time_zone=household.city[2], tags=_habits(world, age), vip=world.chance(0.03),
        do_not_call=world.chance(0.03), consent=world.chance(0.65),
        since=household.since + dt.timedelta(hours=rng.uniform(0, 72)))
    store_customer(world, customer, language=rng.choices(_LANGUAGES, _LANGUAGE_WEIGHTS)[0],
                   address=random_address(world, household.city, household.business))
    _extras(world, customer, household.business)
    return customer


def _habits(world: World, age: int) -> frozenset[str]:
    """Habits drawn one by one, some leaning on age."""
    lean = {"gamer": 1.8 if age < 35 else 0.5, "parent": 1.5 if 28 <= age <= 55 else 0.3,
            "fitness": 1.3 if age < 45 else 0.7}
    return frozenset(tag for tag, probability in TAGS
                     if world.chance(probability * lean.get(tag, 1.0)))


def random_address(world: World, city: City, business: bool) -> dict[str, object]:
    rng = world.rng
    return {"kind": "work" if business else "home",
            "line1": f"{rng.randrange(1, 9999)} {rng.choice(STREET_NAMES)} "
                     f"{rng.choice(STREET_KINDS)}",
            "line2": f"Apt {rng.randrange(1, 40)}" if world.chance(0.25) else None,
            "city": city[0], "region": city[1], "postal_code": f"{city[3]}{rng.randrange(100):02d}",
            "country": "US", "time_zone": city[2]}


def store_customer(world: World, customer: Customer, *, language: str,
                   address: dict[str, object], owner_id: int | None = None) -> None:
    """The contact row with its main phone, home address and habits."""
    world.put("contacts", {
        "id": customer.contact_id, "account_id": customer.account_id,
        "first_name": customer.first_name, "last_name": customer.last_name,
        "email": customer.email, "language": language, "time_zone": customer.time_zone,
        "birth_date": customer.birth_date, "gender": customer.gender, "vip": customer.vip,
        "do_not_call": customer.do_not_call, "consent_marketing": customer.consent,
        "owner_id": owner_id, "created_at": customer.since})
    world.add("contact_phones", contact_id=customer.contact_id, e164=customer.phone,
              kind="mobile")
    world.add("addresses", contact_id=customer.contact_id, **address)
    for tag in sorted(customer.tags):
        world.add("contact_tags", contact_id=customer.contact_id, tag=tag)


def _extras(world: World, customer: Customer, business: bool) -> None:
    """A second number for some, a second e-mail for fewer."""
    if world.chance(0.2):
        world.add("contact_phones", contact_id=customer.contact_id, e164=world.phones.take(),
                  kind="work" if business else "home")
    if world.chance(0.15):
        domain = world.rng.choice(EMAIL_DOMAINS)
        world.add("contact_emails", contact_id=customer.contact_id,
                  email=f"{customer.first_name[0]}{customer.last_name}.{customer.contact_id}"
                        f"@work.{domain}".lower(), kind="work")
