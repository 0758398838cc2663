"""Service metrics on both engines, and the registry the metrics route will serve.

The period is November 2026 (UTC), half-open. A case is finished at
``resolved_at``, else ``closed_at``. Every expected figure is worked out in the
comments.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.db import sessions
from crm_core.metrics import AREAS, REGISTRY, compute_area, metrics_of, service
from crm_core.metrics.period import Period
from crm_core.models import Case, Interaction, Opportunity, User
from tests.crm.metrics_support import NOVEMBER, measure, store

UTC = dt.UTC
DOC = Path(__file__).resolve().parents[2] / "docs" / "crm-metrics.md"


def at(month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0) -> dt.datetime:
    """A UTC moment in the second half of 2026."""
    return dt.datetime(2026, month, day, hour, minute, second, tzinfo=UTC)


def case_(opened: dt.datetime, **fields: Any) -> Case:
    return Case(subject="help", opened_at=opened, **fields)


def call(when: dt.datetime, direction: str = "inbound", channel: str = "voice",
         case_id: int | None = None) -> Interaction:
    return Interaction(started_at=when, direction=direction, channel=channel, case_id=case_id)


async def test_cases_closed_the_same_utc_day_they_were_opened(engine: AsyncEngine) -> None:
    await store(
        engine,
        case_(at(11, 3, 9), resolved_at=at(11, 3, 17)),  # yes
        case_(at(11, 3, 23), resolved_at=at(11, 4, 1)),  # two hours, but the next day: no
        case_(at(11, 5, 8), closed_at=at(11, 5, 10)),  # closed without a resolution: yes
        case_(at(11, 7, 3), resolved_at=at(11, 7, 6)),  # yes (the evening before in New York)
        case_(at(10, 31, 10), resolved_at=at(10, 31, 11)),  # October's
        case_(at(11, 30, 22), resolved_at=at(12, 1, 0, 30)),  # finished in December
        case_(at(11, 30, 12), resolved_at=at(11, 30, 23, 59, 59)),  # yes
        case_(at(11, 10)),  # still open
    )
    assert await measure(engine, service.cases_closed_same_day) == 4
    if engine.dialect.name == "postgresql":
        # the day is UTC's whatever the connection's time zone: New York would put
        # the second case on one day and the fourth across two
        async with sessions(engine)() as session:
            await session.execute(text("SET TIME ZONE 'America/New_York'"))
            second = Period(at(11, 3, 20), at(11, 4, 12))
            fourth = Period(at(11, 7, 0), at(11, 8, 0))
            assert await service.cases_closed_same_day(session, second) == 0
            assert await service.cases_closed_same_day(session, fourth) == 1


async def test_cases_per_agent_busiest_first(engine: AsyncEngine) -> None:
    await store(
        engine,
        User(id=1, username="ana", role="agent", password_hash="x"),
        User(id=2, username="ben", role="agent", password_hash="x"),
        case_(at(11, 1, 0), owner_id=1), case_(at(11, 2), owner_id=1),
        case_(at(11, 3), owner_id=1), case_(at(11, 4), owner_id=2),
        case_(at(10, 4), owner_id=2),  # October's
        case_(at(11, 5)),  # unassigned
    )
    # ana 3; ben 1 and unassigned 1 tie, the unassigned last
    assert await measure(engine, service.cases_per_agent) == [
        {"owner_id": 1, "agent": "ana", "cases": 3},
        {"owner_id": 2, "agent": "ben", "cases": 1},
        {"owner_id": None, "agent": None, "cases": 1}]


async def test_service_calls_and_calls_per_day(engine: AsyncEngine) -> None:
    await store(
        engine, case_(at(11, 1)),
        call(at(11, 2)),  # inbound: yes
        call(at(11, 3), "outbound", case_id=1),  # called back on a case: yes
        call(at(11, 4), "outbound"),  # an outbound call on no case (sales): no
        call(at(11, 5), channel="email"),  # not a call
        call(at(12, 1, 0)), call(at(10, 31, 23, 59, 59)),  # outside November
        call(at(11, 30, 23, 59)),  # yes
    )
    assert await measure(engine, service.service_calls) == 3
    # 3 calls over November's 30 days
    assert await measure(engine, service.calls_per_day) == pytest.approx(0.1)
    # half a day holding the one call of 2 Nov: 2 a day
    half_day = Period(at(11, 2, 6), at(11, 2, 18))
    assert await measure(engine, service.calls_per_day, half_day) == pytest.approx(2.0)


async def test_requests_by_type_lists_every_type(engine: AsyncEngine) -> None:
    await store(
        engine,
        case_(at(11, 1), type="problem"), case_(at(11, 2), type="problem"),
        case_(at(11, 3), type="billing"), case_(at(11, 4), type="question"),
        case_(at(11, 5), type="warranty"),  # a type the list does not know is kept
        case_(at(10, 5), type="complaint"),  # October's
    )
    assert await measure(engine, service.requests_by_type) == {
        "question": 1, "problem": 2, "complaint": 0, "request": 0, "billing": 1,
        "renewal": 0, "warranty": 1}


async def test_average_time_to_resolution_over_cases_finished_in_the_period(
        engine: AsyncEngine) -> None:
    await store(
        engine,
        case_(at(11, 1, 10), resolved_at=at(11, 1, 12)),  # 2 h = 7,200 s
        case_(at(10, 30, 10), resolved_at=at(11, 2, 10)),  # opened in October: 259,200 s
        case_(at(11, 5, 10), closed_at=at(11, 5, 10, 30)),  # closed only: 1,800 s
        case_(at(11, 20), resolved_at=at(12, 2)),  # finished in December
        case_(at(11, 21)),  # open
    )
    # (7,200 + 259,200 + 1,800) / 3 = 89,400 s
    assert await measure(engine, service.average_time_to_resolution) == pytest.approx(89_400)


async def test_sla_compliance_counts_open_overdue_cases_as_missed(engine: AsyncEngine) -> None:
    await store(
        engine,
        # met both targets
        case_(at(11, 1, 10), first_response_due=at(11, 1, 11), first_response_at=at(11, 1, 10, 30),
              resolution_due=at(11, 2, 10), resolved_at=at(11, 1, 20)),
        # answered late: missed, though resolved in time
        case_(at(11, 2, 10), first_response_due=at(11, 2, 11), first_response_at=at(11, 2, 12),
              resolution_due=at(11, 3, 10), resolved_at=at(11, 2, 20)),
        # resolved before the first-response target, with no response logged: met
        case_(at(11, 3, 10), first_response_due=at(11, 3, 11), resolved_at=at(11, 3, 10, 45),
              resolution_due=at(11, 4, 10)),
        # still open, resolution due 6 Nov: missed
        case_(at(11, 4, 10), first_response_due=at(11, 4, 11), first_response_at=at(11, 4, 10, 10),
              resolution_due=at(11, 6, 10), status="open"),
        # open, answered, resolution due 20 Dec, after now: pending
        case_(at(11, 30, 10), first_response_due=at(11, 30, 11),
              first_response_at=at(11, 30, 10, 5), resolution_due=at(12, 20), status="open"),
        # open with no response and its first-response target passed: missed, though the
        # resolution target is still ahead
        case_(at(11, 25, 10), first_response_due=at(11, 25, 11), resolution_due=at(12, 25)),
        # only a resolution target, met to the second: met
        case_(at(11, 9, 10), resolution_due=at(11, 10, 10), resolved_at=at(11, 10, 10)),
        case_(at(11, 9, 10), resolved_at=at(11, 20)),  # no SLA: left out
        case_(at(10, 30, 10), resolution_due=at(10, 30, 11)),  # opened in October: left out
    )
    async with sessions(engine)() as session:
        figures = await service.sla_compliance(session, NOVEMBER, now=at(12, 10))
    # met 3, missed 3, pending 1: 3 / (3 + 3)
    assert figures == {"met": 3, "missed": 3, "pending": 1, "rate": 0.5}


async def test_renewals_won_and_lost_in_the_period(engine: AsyncEngine) -> None:
    def deal(kind: str, stage: str, closed: dt.datetime | None) -> Opportunity:
        return Opportunity(name="renew", kind=kind, stage=stage, closed_at=closed)

    await store(
        engine,
        deal("renewal", "customer_billed", at(11, 10)),  # won
        deal("renewal", "lost", at(11, 11)),  # lost
        deal("renewal", "customer_billed", at(11, 30, 23, 59, 59)),  # won
        deal("renewal", "customer_billed", at(10, 31)),  # October's
        deal("new", "customer_billed", at(11, 12)),  # not a renewal
        deal("renewal", "meeting", None),  # still open
    )
    assert await measure(engine, service.renewals) == {
        "won": 2, "lost": 1, "rate": pytest.approx(2 / 3)}


async def test_satisfaction_average_and_csat_share(engine: AsyncEngine) -> None:
    await store(
        engine,
        *(case_(at(11, n), resolved_at=at(11, n, 15), satisfaction=score)
          for n, score in enumerate([5, 4, 2, 1, 5], start=1)),
        case_(at(10, 31, 9), resolved_at=at(10, 31, 10), satisfaction=5),  # October's
        case_(at(11, 8), resolved_at=at(11, 8, 13)),  # no answer to the survey
        case_(at(11, 9), satisfaction=3),  # scored but not finished
    )
    # 17 / 5 = 3.4 on average; three of five gave 4 or 5
    assert await measure(engine, service.satisfaction) == {
        "responses": 5, "average": pytest.approx(3.4), "csat": pytest.approx(0.6)}


async def test_a_period_without_data_gives_zeros_and_nones(engine: AsyncEngine) -> None:
    await store(engine, case_(at(11, 1), resolved_at=at(11, 2), satisfaction=5,
                              resolution_due=at(11, 3)),
                call(at(11, 2)))
    empty = Period(dt.datetime(2020, 1, 1, tzinfo=UTC), dt.datetime(2020, 2, 1, tzinfo=UTC))
    async with sessions(engine)() as session:
        figures = await compute_area(session, "service", empty)
    assert figures == {
        "cases_closed_same_day": 0, "cases_per_agent": [], "service_calls": 0,
        "requests_by_type": {"question": 0, "problem": 0, "complaint": 0, "request": 0,
                             "billing": 0, "renewal": 0},
        "average_time_to_resolution": None, "calls_per_day": 0.0,
        "sla_compliance": {"met": 0, "missed": 0, "pending": 0, "rate": None},
        "renewals": {"won": 0, "lost": 0, "rate": None},
        "satisfaction": {"responses": 0, "average": None, "csat": None}}
    json.dumps(figures)


# The registry: what GET /api/v1/metrics/{area} will serve


def test_every_area_has_its_metrics_in_report_order() -> None:
    assert [m.name for m in metrics_of("sales")][:3] == [
        "prospective_customers", "new_customers", "retained_customers"]
    assert {area: len(metrics_of(area)) for area in AREAS} == {
        "sales": 9, "marketing": 9, "service": 9}
    assert REGISTRY["sla_compliance"].area == "service"
    with pytest.raises(KeyError):
        metrics_of("finance")


def _documented() -> dict[str, str]:
    """Metric name -> definition, from the tables of docs/crm-metrics.md."""
    rows = re.findall(r"^\| `(\w+)` \| (.+?) \| .+? \|$", DOC.read_text(), re.MULTILINE)
    return dict(rows)


def test_each_metric_has_one_definition_shared_by_code_and_docs() -> None:
    documented = _documented()
    assert set(documented) == set(REGISTRY)
    for name, metric in REGISTRY.items():
        assert metric.definition, name
        assert documented[name] == metric.definition, name
