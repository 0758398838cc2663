"""The analytics' exports for BI tools and spreadsheets (docs/dashboards.md).

``GET /api/v1/analytics/export/rfm.parquet``: every contact's RFM figures, scores and
segment as of the last run; ``GET /api/v1/analytics/export/scores.parquet``: every
customer's lifetime value and churn scores (``contact_scores``). Each is one Parquet
file streamed from the database in row groups (``analytics_export_parquet``) so that
a million contacts never sit in memory at once; each slice is read in a session of its
own, so a slow download holds no connection (nor SQLite's read lock) between slices, and
a file whose rows a new run replaced midway is cut short without its footer. ``GET /api/v1/analytics/export/rfm-segments.csv``: the segment sizes the
customers page charts, as CSV; ``GET /api/v1/analytics/export/scores-run.csv``: the
last lifetime value and churn run's figures the page shows, as CSV. Both read the ``analytics`` resource: managers,
marketing, supervisors and admins; agents are refused.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import pyarrow as pa
from aiohttp import web
from sqlalchemy import select

from contactcenter.web import analytics_export_parquet as parquet
from contactcenter.web.analytics_params import csv_response
from contactcenter.web.keys import DATABASE
from contactcenter.web.openapi import ERROR
from contactcenter.web.routing import add_route
from crm_core.models import ContactScore
from crm_core.models.rfm import RfmScore
from crm_core.rfm import SEGMENTS
from crm_core.rfm_read import summary
from crm_core.scores_read import last_run

#: the registered media type of Parquet (IANA, 2024)
PARQUET = "application/vnd.apache.parquet"
#: the columns of ``rfm_scores``, typed as BI tools expect them (money as exact decimals)
RFM_SCHEMA = pa.schema([
    ("contact_id", pa.int64()), ("as_of", pa.date32()), ("recency_days", pa.int32()),
    ("frequency", pa.int32()), ("monetary", pa.decimal128(18, 2)), ("r_score", pa.int8()),
    ("f_score", pa.int8()), ("m_score", pa.int8()), ("segment", pa.string()),
    ("computed_at", pa.timestamp("us", tz="UTC"))])
#: the columns of ``contact_scores``: estimates, so floats
SCORES_SCHEMA = pa.schema([
    ("contact_id", pa.int64()), ("as_of", pa.date32()), ("expected_purchases", pa.float64()),
    ("p_alive", pa.float64()), ("clv", pa.float64()), ("churn_probability", pa.float64()),
    ("median_days_to_churn", pa.float64()), ("computed_at", pa.timestamp("us", tz="UTC"))])
log = logging.getLogger(__name__)
SEGMENT_COLUMNS = ("segment", "r", "f", "meaning", "contacts", "as_of")
RUN_COLUMNS = ("as_of", "customers", "horizon_days", "window_days", "auc", "p_alive_auc",
               "computed_at")


def _last_is_a_time(row: Sequence[Any]) -> tuple[Any, ...]:
    *rest, computed_at = row
    return (*rest, parquet.utc(computed_at))


async def rfm_parquet(request: web.Request) -> web.StreamResponse:
    """The RFM scores per contact, in contact order, one row group per slice read."""
    return await _stream(request, RfmScore, RFM_SCHEMA, "rfm-scores.parquet")


async def scores_parquet(request: web.Request) -> web.StreamResponse:
    """The lifetime value and churn scores per contact, in contact order."""
    return await _stream(request, ContactScore, SCORES_SCHEMA, "contact-scores.parquet")


class _RunChanged(Exception):
    """A new run replaced the table while it was being sent: its slices would mix two."""


async def _slices(database: Any, model: Any, schema: pa.Schema
                  ) -> AsyncGenerator[Sequence[Any]]:
    """``model``'s rows in contact order, ``ROW_GROUP`` at a time, each slice read in a
    session of its own (by the last contact id sent) so that no connection, nor on SQLite
    the read lock that keeps every writer out, is held while a slow client downloads."""
    columns = [getattr(model, name) for name in schema.names]
    size, after, run = parquet.ROW_GROUP, None, None
    while True:
        query = select(*columns).order_by(model.contact_id).limit(size)
        if after is not None:
            query = query.where(model.contact_id > after)
        async with database() as session:
            rows = (await session.execute(query)).all()
        if not rows:
            return
        run = rows[0][-1] if run is None else run
        if any(row[-1] != run for row in rows):  # computed_at: one per run
            raise _RunChanged
        yield rows
        if len(rows) < size:
            return
        after = rows[-1][0]


async def _stream(request: web.Request, model: Any, schema: pa.Schema,
                  filename: str) -> web.StreamResponse:
    """``model``'s table as Parquet of ``schema`` (its columns by name, a time last)."""
    response = web.StreamResponse(headers={
        "Content-Type": PARQUET, "Content-Disposition": f'attachment; filename="{filename}"'})
    chunks = parquet.ParquetChunks(schema, _last_is_a_time)
    slices = _slices(request.app[DATABASE], model, schema)
    first = await anext(slices, None)  # a failure here is still a 500 with its reason
    await response.prepare(request)
    try:
        if first is not None:
            await response.write(await asyncio.to_thread(chunks.add, first))
            async for rows in slices:
                await response.write(await asyncio.to_thread(chunks.add, rows))
        await response.write(await asyncio.to_thread(chunks.close))
        await response.write_eof()
    except _RunChanged:
        # no footer: the file cannot be read, rather than read as a mix of two runs
        log.warning("%s: a new run replaced the rows mid-download; sent no footer",
                    request.path)
        _cut(request)
    except ConnectionResetError:
        pass  # the client left mid-download: nothing more to send, and no failure
    except Exception:
        _cut(request)  # the 200 is gone: only a cut connection tells the client
        raise
    finally:
        await slices.aclose()
    return response


def _cut(request: web.Request) -> None:
    """End a download whose headers are sent: without this the client waits forever
    for the rest of the file."""
    if request.transport is not None:
        request.transport.close()


async def rfm_segments_csv(request: web.Request) -> web.Response:
    """The last run's segment sizes, one row per segment, as the customers page shows."""
    run = await summary(request.app[DATABASE])
    rows = [{"segment": rule.name, "r": _span(rule.r), "f": _span(rule.f),
             "meaning": rule.meaning, "contacts": run["segments"].get(rule.name, 0),
             "as_of": run["as_of"] or ""} for rule in SEGMENTS]
    day = run["as_of"] or dt.datetime.now(dt.UTC).date().isoformat()
    return csv_response(rows, SEGMENT_COLUMNS, f"rfm-segments-{day}.csv")


async def scores_run_csv(request: web.Request) -> web.Response:
    """The last scores run's figures: one row, or none before the first run."""
    async with request.app[DATABASE]() as session:
        run = await last_run(session)
    day = run["as_of"] if run else dt.datetime.now(dt.UTC).date().isoformat()
    return csv_response([run] if run else [], RUN_COLUMNS, f"scores-run-{day}.csv")


def _span(scores: tuple[int, int]) -> str:
    low, high = scores
    return str(low) if low == high else f"{low}-{high}"


_RFM_PARQUET: dict[str, Any] = {
    "summary": "Every contact's RFM scores and segment as of the last run, as Parquet "
               "(docs/dashboards.md)",
    "description": "Columns: " + ", ".join(RFM_SCHEMA.names) + ". Streamed in row groups "
                   "in contact order; no rows before the first run.",
    "responses": {"200": {"description": "a Parquet file", "content": {PARQUET: {}}},
                  "403": ERROR}}
_SCORES_PARQUET: dict[str, Any] = {
    "summary": "Every customer's lifetime value and churn scores as of the last run, as "
               "Parquet (docs/dashboards.md)",
    "description": "Columns: " + ", ".join(SCORES_SCHEMA.names) + ". Streamed in row "
                   "groups in contact order; no rows before the first run.",
    "responses": {"200": {"description": "a Parquet file", "content": {PARQUET: {}}},
                  "403": ERROR}}
_SEGMENTS_CSV: dict[str, Any] = {
    "summary": "The last RFM run's segment sizes with their rules, as CSV "
               "(docs/dashboards.md)",
    "responses": {"200": {"description": "one row per segment: "
                                         + ", ".join(SEGMENT_COLUMNS),
                          "content": {"text/csv": {}}}, "403": ERROR}}

_RUN_CSV: dict[str, Any] = {
    "summary": "The last lifetime value and churn run's figures, as CSV (docs/dashboards.md)",
    "responses": {"200": {"description": "a header and one row (none before the first "
                                         "run): " + ", ".join(RUN_COLUMNS),
                          "content": {"text/csv": {}}}, "403": ERROR}}


def add_export_routes(app: web.Application) -> None:
    """The exports, for whoever may read the analytics."""
    add_route(app, "GET", "/api/v1/analytics/export/rfm.parquet", rfm_parquet,
              resource="analytics", operation=_RFM_PARQUET)
    add_route(app, "GET", "/api/v1/analytics/export/scores.parquet", scores_parquet,
              resource="analytics", operation=_SCORES_PARQUET)
    add_route(app, "GET", "/api/v1/analytics/export/rfm-segments.csv", rfm_segments_csv,
              resource="analytics", operation=_SEGMENTS_CSV)
    add_route(app, "GET", "/api/v1/analytics/export/scores-run.csv", scores_run_csv,
              resource="analytics", operation=_RUN_CSV)
