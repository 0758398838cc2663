"""The analytics' exports over the real app, on SQLite and PostgreSQL: the RFM scores and
the lifetime value and churn scores as Parquet read back with pyarrow equal the
database's rows, in several row groups when the table is longer than one; the segment
sizes as CSV; who may download them."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import Decimal
from typing import Any

import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from contactcenter.web import analytics_export_parquet
from contactcenter.web.analytics_export import RFM_SCHEMA, SCORES_SCHEMA
from crm_core import rfm
from crm_core.db import sessions
from crm_core.models import Contact, ContactScore, Order, ScoreRunRecord
from crm_core.models.rfm import RfmScore
from tests.crm.api_client import Api

PARQUET = "/api/v1/analytics/export/rfm.parquet"
SCORES_PARQUET = "/api/v1/analytics/export/scores.parquet"
SEGMENTS_CSV = "/api/v1/analytics/export/rfm-segments.csv"
RUN_CSV = "/api/v1/analytics/export/scores-run.csv"


async def _buyers(api: Api, count: int) -> None:
    """``count`` contacts with 1 to 6 orders of odd amounts over two years, and one who
    never bought; then an RFM run over them."""
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    rng = random.Random(7)
    async with sessions(api.engine)() as session, session.begin():
        people = [Contact(first_name=f"Buyer{n}", last_name="Export") for n in range(count)]
        session.add_all([*people, Contact(first_name="Never", last_name="Bought")])
        await session.flush()
        session.add_all(
            Order(contact_id=person.id, total=Decimal(rng.randrange(100, 99_999)) / 100,
                  ordered_at=today - dt.timedelta(days=rng.randrange(0, 730)))
            for person in people for _ in range(rng.randrange(1, 7)))
    await rfm.recompute(sessions(api.engine), as_of=today.date(), now=dt.datetime.now(dt.UTC))


async def _download(api: Api, path: str, role: str = "manager") -> tuple[int, str, bytes]:
    async with api.client.get(path, headers={
            "Authorization": f"Bearer {api.token(role)}"}) as response:
        return response.status, response.content_type, await response.read()


async def _stored(api: Api, model: Any = RfmScore, schema: Any = RFM_SCHEMA
                  ) -> list[dict[str, Any]]:
    columns = [getattr(model, name) for name in schema.names]
    async with sessions(api.engine)() as session:
        rows = (await session.execute(select(*columns).order_by(model.contact_id))).all()
    return [dict(zip(schema.names, (*row[:-1], analytics_export_parquet.utc(row[-1])),
                     strict=True)) for row in rows]


async def _scored(api: Api, count: int) -> None:
    """``count`` customers with lifetime value and churn scores, as a run stores them."""
    rng = random.Random(11)
    now = dt.datetime.now(dt.UTC)
    async with sessions(api.engine)() as session, session.begin():
        people = [Contact(first_name=f"Scored{n}", last_name="Export") for n in range(count)]
        session.add_all(people)
        await session.flush()
        session.add_all(ContactScore(
            contact_id=person.id, as_of=now.date(), expected_purchases=rng.random() * 4,
            p_alive=rng.random(), clv=rng.random() * 900, churn_probability=rng.random(),
            median_days_to_churn=rng.random() * 400, computed_at=now) for person in people)


async def test_the_rfm_scores_as_parquet_equal_the_database_rows(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    await _buyers(api, 60)
    monkeypatch.setattr(analytics_export_parquet, "ROW_GROUP", 25)
    status, kind, body = await _download(api, PARQUET)
    assert (status, kind) == (200, "application/vnd.apache.parquet")
    file = pq.ParquetFile(io.BytesIO(body))
    assert file.metadata.num_row_groups == 3  # 25 + 25 + 10: streamed in slices
    table = file.read()
    assert table.schema == RFM_SCHEMA
    stored = await _stored(api)
    assert len(stored) == 60  # the contact who never bought has no scores
    assert table.to_pylist() == stored
    assert {row["segment"] for row in stored} <= set(rfm.SEGMENT_NAMES)


async def test_the_value_and_churn_scores_as_parquet_equal_the_database_rows(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    await _scored(api, 30)
    monkeypatch.setattr(analytics_export_parquet, "ROW_GROUP", 16)
    status, kind, body = await _download(api, SCORES_PARQUET)
    assert (status, kind) == (200, "application/vnd.apache.parquet")
    file = pq.ParquetFile(io.BytesIO(body))
    assert file.metadata.num_row_groups == 2
    table = file.read()
    assert table.schema == SCORES_SCHEMA
    stored = await _stored(api, ContactScore, SCORES_SCHEMA)
    assert len(stored) == 30 and table.to_pylist() == stored


async def test_before_any_run_the_parquet_file_has_the_columns_and_no_rows(api: Api) -> None:
    status, _kind, body = await _download(api, PARQUET, "marketing")
    assert status == 200
    table = pq.read_table(io.BytesIO(body))
    assert (table.num_rows, table.schema) == (0, RFM_SCHEMA)


async def test_the_segment_sizes_as_csv(api: Api) -> None:
    await _buyers(api, 20)
    status, kind, body = await _download(api, SEGMENTS_CSV)
    assert (status, kind) == (200, "text/csv")
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [row["segment"] for row in rows] == list(rfm.SEGMENT_NAMES)
    assert sum(int(row["contacts"]) for row in rows) == 20
    champions = rows[0]
    assert (champions["r"], champions["f"]) == ("5", "4-5")
    assert champions["as_of"] == dt.datetime.now(dt.UTC).date().isoformat()


async def test_the_scores_run_as_csv(api: Api) -> None:
    status, _kind, body = await _download(api, RUN_CSV)
    assert status == 200
    assert list(csv.DictReader(io.StringIO(body.decode()))) == []  # no run yet: no row
    async with sessions(api.engine)() as session, session.begin():
        session.add(ScoreRunRecord(
            as_of=dt.date(2026, 11, 30), horizon_days=365, window_days=90, customers=1424,
            parameters={}, figures={"auc": 0.641, "p_alive_auc": 0.333},
            computed_at=dt.datetime(2026, 11, 30, 3, tzinfo=dt.UTC)))
    status, _kind, body = await _download(api, RUN_CSV)
    [row] = list(csv.DictReader(io.StringIO(body.decode())))
    assert (row["as_of"], row["customers"], row["auc"], row["p_alive_auc"]) == (
        "2026-11-30", "1424", "0.641", "0.333")


@pytest.mark.parametrize("role", ["agent", "sales"])
async def test_agents_and_sales_may_not_download(api: Api, role: str) -> None:
    for path in (PARQUET, SCORES_PARQUET, SEGMENTS_CSV, RUN_CSV):
        assert (await _download(api, path, role))[0] == 403
    assert (await api.call("GET", PARQUET, None))[0] == 401
