"""The caller's value and churn scores on the screen-pop, beside RFM, from the CRM's own
database (SQLite and PostgreSQL): shown once computed, null before the first run and for
a caller who never ordered."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.analytics.churn_planted import planted_history
from contactcenter.desk.screenpop import ScreenPops
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.server.analytics import contact_sources
from crm_core.customers import CustomerService
from crm_core.db import sessions
from crm_core.models import Contact, ContactPhone
from crm_core.scores import recompute_scores
from tests.crm.screenpop_support import popped_customer
from tests.crm.test_scores import NOW, _day, load_history

BUYER, NEWCOMER = "+15550001001", "+15550001002"


async def test_the_pop_shows_the_callers_scores_once_computed(
        engine: AsyncEngine, journal: CallJournal) -> None:
    history = planted_history(1500, seed=5)
    await load_history(engine, history)
    maker = sessions(engine)
    async with maker() as session, session.begin():
        session.add(ContactPhone(contact_id=1, e164=BUYER))
        session.add(Contact(first_name="Cy", last_name="New",
                            phones=[ContactPhone(e164=NEWCOMER)]))
    pops = ScreenPops(bus=EventBus(), journal=journal, customers=CustomerService(maker),
                      extras=contact_sources(maker))
    before = await popped_customer(pops, journal, "c1", BUYER)
    assert before["scores"] is None and "rfm" in before
    await recompute_scores(engine, as_of=_day(history.end), now=NOW)
    shown = (await popped_customer(pops, journal, "c2", BUYER))["scores"]
    assert shown["as_of"] == str(history.end) and 0 <= shown["p_alive"] <= 1
    assert set(shown) == {"as_of", "expected_purchases", "p_alive", "clv",
                          "churn_probability", "median_days_to_churn"}
    newcomer = await popped_customer(pops, journal, "c3", NEWCOMER)
    assert newcomer["scores"] is None
