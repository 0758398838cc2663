"""What the synthetic company is built in: one random stream, one clock, the id
blocks, and the rows made so far.

Everything is drawn from one ``random.Random(seed)`` in a fixed order and every
date is relative to ``today``, so the same seed and day give the same company.
Nothing happens at or after ``now`` (midnight UTC starting ``today``) except
what is due or planned. Ids are allocated here, after the largest id each table
already has, so the rows can be inserted in bulk without asking the database
for ids one by one.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from crm_core.synthetic.catalog import USERS

Row = dict[str, Any]
#: how far back the company's history goes
HISTORY_DAYS = 730
#: orders and calls by month, January first: the holidays sell, summer is steady
MONTH_WEIGHT = (0.8, 0.75, 0.9, 0.95, 1.0, 1.05, 1.0, 1.0, 0.95, 1.05, 1.5, 1.8)
#: the fictional range the seed's numbers come from: +1 555 01X XXXX
PHONE_PREFIX = "+155501"
PHONE_CAPACITY = 100_000
CENT = Decimal("0.01")


class CallRefs(TypedDict, total=False):
    """What a call was about, besides its contact."""

    lead_id: int | None
    opportunity_id: int | None
    case_id: int | None
    campaign_id: int | None


class Refs(CallRefs, total=False):
    """What an activity is about."""

    contact_id: int | None
    account_id: int | None


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT)


@dataclass
class Ids:
    """The next free id of each table."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        value = self.next.get(table, 1)
        self.next[table] = value + 1
        return value


@dataclass(frozen=True, slots=True)
class ProductRef:
    id: int
    sku: str
    name: str
    category: str
    price: Decimal


@dataclass
class Reference:
    """The catalogue as stored: ids of rows made now or already in the database."""

    users: dict[str, int] = field(default_factory=dict)  #: username -> id
    products: dict[str, ProductRef] = field(default_factory=dict)  #: sku -> product
    sla: dict[str, tuple[int, int]] = field(default_factory=dict)  #: priority -> minutes
    segments: dict[str, int] = field(default_factory=dict)  #: name -> id

    def product_list(self) -> list[ProductRef]:
        return sorted(self.products.values(), key=lambda product: product.id)


@dataclass(slots=True, eq=False)
class Customer:
    """A seeded contact as the later generators need it (not a row)."""

    contact_id: int
    account_id: int
    account_name: str
    first_name: str
    last_name: str
    email: str
    phone: str
    gender: str
    birth_date: dt.date
    region: str
    time_zone: str
    tags: frozenset[str]
    vip: bool
    do_not_call: bool
    consent: bool
    since: dt.datetime
    demo: bool = False
    #: (ordered at, order id, category, product name), oldest first
    purchases: list[tuple[dt.datetime, int, str, str]] = field(default_factory=list)

    def age_on(self, day: dt.date) -> int:
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class PhonePool:
    """Unused numbers of the fictional range, drawn at random, never twice."""

    def __init__(self, rng: random.Random, used: set[str]) -> None:
        self._rng = rng
        self._taken = {int(phone[len(PHONE_PREFIX):]) for phone in used
                       if phone.startswith(PHONE_PREFIX) and phone[len(PHONE_PREFIX):].isdigit()}

    def take(self) -> str:
        # drawing until a free one turns up is quick while most are free; the seed's
        # sizes use a few percent of the range
        if len(self._taken) >= PHONE_CAPACITY * 0.9:
            raise ValueError(f"the numbers of {PHONE_PREFIX}XXXXX are nearly all taken; "
                             "seed fewer customers")
        while (number := self._rng.randrange(PHONE_CAPACITY)) in self._taken:
            pass
        self._taken.add(number)
        return f"{PHONE_PREFIX}{number:05d}"


class World:
    """The company being built: its random stream, clock, ids and rows."""

    def __init__(self, *, seed: int, today: dt.date, ids: Ids, ref: Reference,
                 used_phones: set[str]) -> None:
        self.rng = random.Random(seed)
        self.today = today
        self.now = dt.datetime.combine(today, dt.time(), dt.UTC)
        self.start = self.now - dt.timedelta(days=HISTORY_DAYS)
        self.ids = ids
        self.ref = ref
        self.rows: defaultdict[str, list[Row]] = defaultdict(list)
        self.customers: list[Customer] = []
        self.phones = PhonePool(self.rng, used_phones)
        self._staff: dict[str, list[tuple[int, str]]] = {}
        self.days = [self.start.date() + dt.timedelta(days=n) for n in range(HISTORY_DAYS)]
        weights = [MONTH_WEIGHT[day.month - 1] * (1.2 if day.weekday() >= 5 else 1.0)
                   for day in self.days]
        self._cumulative = [sum(weights[:1])]
        for weight in weights[1:]:
            self._cumulative.append(self._cumulative[-1] + weight)

    def add(self, table: str, **values: Any) -> int:
        """Append a row with the table's next id; return the id."""
        row_id = self.ids.take(table)
        self.rows[table].append({"id": row_id, **values})
        return row_id

    def put(self, table: str, row: Row) -> None:
        """Append a row whose id the caller took already."""
        self.rows[table].append(row)

    def seasonal_day(self, after: dt.datetime | None = None) -> dt.date:
        """A day of the history, busier in the holidays and at weekends, not before ``after``."""
        low = 0.0
        if after is not None:
            first = (after.date() - self.days[0]).days
            if first >= len(self.days):
                return self.days[-1]
            low = self._cumulative[first - 1] if first > 0 else 0.0
        index = bisect.bisect_right(self._cumulative,
                                    self.rng.uniform(low, self._cumulative[-1]))
        return self.days[min(index, len(self.days) - 1)]

    def local_time(self, day: dt.date, time_zone: str, hours: tuple[int, int] = (8, 20)
                   ) -> dt.datetime:
        """A moment in the customer's waking hours of ``day``, in UTC, before ``now``."""
        minute = self.rng.randrange(hours[0] * 60, hours[1] * 60)
        local = dt.datetime(day.year, day.month, day.day, minute // 60, minute % 60,
                            self.rng.randrange(60), tzinfo=ZoneInfo(time_zone))
        moment = local.astimezone(dt.UTC)
        while moment >= self.now:
            moment -= dt.timedelta(days=1)
        return moment

    def later(self, moment: dt.datetime, low_minutes: float, high_minutes: float) -> dt.datetime:
        return moment + dt.timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))

    def tenure(self, customer: Customer) -> float:
        """The share of the history the customer was a customer for (0 to 1)."""
        joined = max(customer.since, self.start)
        return max((self.now - joined) / (self.now - self.start), 0.0)

    def staff(self, role: str) -> list[tuple[int, str]]:
        """(id, username) of the catalogue's users with this role."""
        if role not in self._staff:
            self._staff[role] = [(self.ref.users[name], name) for name, _, user_role, _ in USERS
                                 if user_role == role and name in self.ref.users]
        return self._staff[role]

    def chance(self, probability: float) -> bool:
        return self.rng.random() < probability
