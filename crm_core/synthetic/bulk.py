"""Rows by the million for load tests: contacts, their phones and their calls, as tuples.

``bulk_rows`` yields ``(table, rows)`` batches in an order that respects the
foreign keys (a contacts batch, then its phones; all calls after all contacts),
each row a tuple in the order of ``COLUMNS[table]``, ready for asyncpg::

    for table, rows in bulk_rows(1_000_000, 10_000_000):
        await connection.copy_records_to_table(table, records=rows, columns=COLUMNS[table])

Values have the types asyncpg's COPY expects: aware UTC datetimes, dates,
bools, floats, and JSON columns as JSON text. Nothing is kept between batches
but counters, so memory does not grow with the volume: a contact's number is a
function of its position (``bulk_phone``), and calls pick contacts by position.
Contacts have no account. Numbers are +1 555 200 0000 upward (area code 555 is
not in service), clear of the demo's +1 555 000 and the seed's +1 555 01X.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator, Mapping
from itertools import accumulate
from typing import Any

from crm_core.synthetic.calls import ivr_path
from crm_core.synthetic.vocab import CITIES, EMAIL_DOMAINS, FEMALE_NAMES, LAST_NAMES, MALE_NAMES
from crm_core.synthetic.world import HISTORY_DAYS, MONTH_WEIGHT

COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": ("id", "first_name", "last_name", "email", "language", "time_zone",
                 "birth_date", "gender", "vip", "do_not_call", "consent_marketing",
                 "created_at"),
    "contact_phones": ("id", "contact_id", "e164", "kind"),
    "interactions": ("id", "call_id", "contact_id", "channel", "direction", "caller", "dialed",
                     "started_at", "ended_at", "queue", "agent", "outcome", "wait_seconds",
                     "talk_seconds", "wrap_seconds", "ivr_path"),
}
#: how many numbers +1 555 200 0000 to +1 555 999 9999 hold (contacts plus second phones)
CAPACITY = 8_000_000
_AGENTS = tuple(f"agent{n}" for n in range(101, 111))
_QUEUES = ("support", "sales", "operator")
_PATHS = {(queue, known): json.dumps(ivr_path(queue, known=known, vip=False))
          for queue in _QUEUES for known in (True, False)}
_CITY_CUMULATIVE = list(accumulate(city[4] for city in CITIES))


def bulk_phone(position: int) -> str:
    """The number of the contact at ``position`` (0-based); second phones come after."""
    if not 0 <= position < CAPACITY:
        raise ValueError(f"position {position} is outside the {CAPACITY:,} bulk numbers")
    return f"+1555{2_000_000 + position:07d}"


def bulk_rows(contacts: int, interactions: int, *, seed: int = 1,
              today: dt.date | None = None, batch: int = 10_000,
              first_ids: Mapping[str, int] | None = None
              ) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """``contacts`` contacts (one in ten with a second phone), then ``interactions`` calls
    over the two years before ``today``, in batches of ``batch`` rows."""
    if contacts + contacts // 10 + 1 > CAPACITY:
        raise ValueError(f"at most {CAPACITY * 10 // 11:,} contacts")
    rng = random.Random(seed)
    now = dt.datetime.combine(today or dt.datetime.now(dt.UTC).date(), dt.time(), dt.UTC)
    first = {"contacts": 1, "contact_phones": 1, "interactions": 1, **(first_ids or {})}
    phone_id = first["contact_phones"]
    for offset in range(0, contacts, batch):
        people, phones = _contacts(rng, now, range(offset, min(offset + batch, contacts)),
                                   contacts, first["contacts"], phone_id)
        phone_id += len(phones)
        yield "contacts", people
        yield "contact_phones", phones
    for offset in range(0, interactions, batch):
        count = min(batch, interactions - offset)
        yield "interactions", _calls(rng, now, contacts, first, offset, count)


def _contacts(rng: random.Random, now: dt.datetime, positions: range, contacts: int,
              first_contact: int, first_phone: int
              ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    people: list[tuple[Any, ...]] = []
    phones: list[tuple[Any, ...]] = []
    cities = rng.choices(CITIES, cum_weights=_CITY_CUMULATIVE, k=len(positions))
    for position, city in zip(positions, cities, strict=True):
        contact_id = first_contact + position
        female = rng.random() < 0.5
        first_name = rng.choice(FEMALE_NAMES if female else MALE_NAMES)
        last_name = rng.choice(LAST_NAMES)
        people.append((
            contact_id, first_name, last_name,
            f"{first_name}.{last_name}.{contact_id}@{EMAIL_DOMAINS[position % 3]}".lower(),
            "es" if rng.random() < 0.11 else "en", city[2],
            now.date() - dt.timedelta(days=rng.randrange(18 * 365, 85 * 365)),
            "f" if female else "m", rng.random() < 0.03, rng.random() < 0.03,
            rng.random() < 0.65, now - dt.timedelta(seconds=rng.randrange(86_400 * 2_000))))
        phones.append((first_phone + len(phones), contact_id, bulk_phone(position), "mobile"))
        if position % 10 == 0:
            phones.append((first_phone + len(phones), contact_id,
                           bulk_phone(contacts + position // 10), "home"))
    return people, phones


def _call_days(now: dt.datetime) -> tuple[list[dt.datetime], list[float]]:
    days = [now - dt.timedelta(days=HISTORY_DAYS - n) for n in range(HISTORY_DAYS)]
    weights = accumulate(MONTH_WEIGHT[day.month - 1] for day in days)
    return days, list(weights)


def _calls(rng: random.Random, now: dt.datetime, contacts: int, first: Mapping[str, int],
           offset: int, count: int) -> list[tuple[Any, ...]]:
    """Inbound calls to the demo number: most answered, some abandoned; busier callers
    (low positions) call more, one call in twenty-five is from an unknown number."""
    days, cumulative = _call_days(now)
    starts = rng.choices(days, cum_weights=cumulative, k=count)
    rows: list[tuple[Any, ...]] = []
    for n, day in enumerate(starts):
        row_id = first["interactions"] + offset + n
        started = day + dt.timedelta(seconds=rng.randrange(12 * 3600, 24 * 3600))
        started = started if started < now else started - dt.timedelta(days=1)
        roll = rng.random() * 100
        queue = _QUEUES[0] if roll < 55 else _QUEUES[1] if roll < 80 else _QUEUES[2]
        known = contacts > 0 and rng.random() >= 0.04
        position = int(contacts * rng.random() ** 1.5) if known else -1
        caller = bulk_phone(position) if known else f"+155519{rng.randrange(100_000):05d}"
        abandoned = rng.random() < 0.1
        wait = round(rng.uniform(15, 240) if abandoned else rng.expovariate(1 / 35), 1)
        talk = None if abandoned else round(min(rng.lognormvariate(5.35, 0.6), 3600), 1)
        rows.append((
            row_id, f"bulk-{row_id}", first["contacts"] + position if known else None,
            "voice", "inbound", caller, "5000", started,
            started + dt.timedelta(seconds=wait + (talk or 0)), queue,
            None if abandoned else _AGENTS[row_id % len(_AGENTS)],
            "abandoned" if abandoned else "answered", wait, talk,
            None if abandoned else round(rng.uniform(10, 90), 1), _PATHS[(queue, known)]))
    return rows
