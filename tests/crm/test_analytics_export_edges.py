"""Edge cases of the analytics' Parquet exports, on SQLite and PostgreSQL: a slow or
departed client, and the CSV exports' cells."""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import threading
from collections.abc import Sequence
from typing import Any

import aiohttp
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from aiohttp import web

from contactcenter.web import analytics_export, analytics_export_parquet
from contactcenter.web.http import SERVER_ERRORS
from crm_core import rfm
from crm_core.db import sessions
from tests.crm.api_client import Api
from tests.crm.test_analytics_export import PARQUET, _buyers, _download, _stored
from tests.support import until


class Held:
    """``ParquetChunks.add`` held at its first row group until released, noting how
    many database connections the pool had lent out while it waited."""

    def __init__(self, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.calls = 0
        self.lent: int | None = None
        self.requests: list[web.Request] = []
        self.done = asyncio.Event()
        pool = api.engine.sync_engine.pool
        add = analytics_export_parquet.ParquetChunks.add
        stream = analytics_export._stream

        def held_add(chunks: Any, rows: Sequence[Sequence[Any]]) -> bytes:
            self.calls += 1
            if self.calls == 1:
                self.lent = pool.checkedout()  # type: ignore[attr-defined]
                self.entered.set()
                assert self.release.wait(30), "never released"
            return add(chunks, rows)

        async def watched(request: web.Request, *args: Any) -> web.StreamResponse:
            self.requests.append(request)
            try:
                return await stream(request, *args)
            finally:
                self.done.set()

        monkeypatch.setattr(analytics_export_parquet.ParquetChunks, "add", held_add)
        monkeypatch.setattr(analytics_export, "_stream", watched)


async def test_no_database_connection_is_held_while_a_row_group_goes_out(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client that reads slowly held a connection (on SQLite, a read lock that kept
    every writer out: call records, orders) for the whole download."""
    await _buyers(api, 60)
    monkeypatch.setattr(analytics_export_parquet, "ROW_GROUP", 10)
    held = Held(api, monkeypatch)
    download = asyncio.ensure_future(_download(api, PARQUET))
    await until(held.entered.is_set, what="the first row group was never made")
    lent = held.lent
    held.release.set()
    status, _kind, body = await download
    assert lent == 0
    assert status == 200
    assert pq.read_table(io.BytesIO(body)).to_pylist() == await _stored(api)


async def test_a_client_that_leaves_mid_download_is_no_server_error(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    await _buyers(api, 60)
    monkeypatch.setattr(analytics_export_parquet, "ROW_GROUP", 10)
    held = Held(api, monkeypatch)
    response = await api.client.get(PARQUET, headers={
        "Authorization": f"Bearer {api.token('manager')}"})
    assert response.status == 200
    await until(held.entered.is_set, what="the first row group was never made")
    response.close()  # the client goes away
    [request] = held.requests
    await until(lambda: request.transport is None or request.transport.is_closing(),
                what="the server never saw the client leave")
    held.release.set()
    await until(held.done.is_set, what="the download never ended")
    assert held.calls == 1  # nothing more read nor encoded for nobody
    assert api.app[SERVER_ERRORS].count == 0, api.app[SERVER_ERRORS].last


async def test_a_run_that_replaces_the_rows_mid_download_leaves_the_file_unreadable(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Slices of two runs would make a file of rows scored on different days: the file
    is cut short, without its footer, so that no reader takes it for a whole one."""
    await _buyers(api, 60)
    monkeypatch.setattr(analytics_export_parquet, "ROW_GROUP", 10)
    held = Held(api, monkeypatch)
    download = asyncio.ensure_future(_download(api, PARQUET))
    await until(held.entered.is_set, what="the first row group was never made")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
    await rfm.recompute(sessions(api.engine), as_of=later.date(), now=later)
    held.release.set()
    with pytest.raises((aiohttp.ClientPayloadError, pa.ArrowInvalid)):
        _status, _kind, body = await download
        pq.read_table(io.BytesIO(body))
    assert api.app[SERVER_ERRORS].count == 0


@pytest.mark.expects_server_error
async def test_a_failure_after_the_first_row_group_is_a_broken_download_not_a_file(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """The headers (200) are gone by then: the client must see the download fail, never
    a file that reads as whole with rows missing."""
    await _buyers(api, 60)
    monkeypatch.setattr(analytics_export_parquet, "ROW_GROUP", 10)
    add = analytics_export_parquet.ParquetChunks.add
    made: list[int] = []

    def failing_add(chunks: Any, rows: Sequence[Sequence[Any]]) -> bytes:
        made.append(len(rows))
        if len(made) == 3:
            raise OSError("disk full")
        return add(chunks, rows)

    monkeypatch.setattr(analytics_export_parquet.ParquetChunks, "add", failing_add)
    download = asyncio.ensure_future(_download(api, PARQUET))
    # it hung: the server stopped sending and kept the connection open, so the client
    # waited for the rest of a file that would never come
    await until(download.done, what="the broken download never ended for the client")
    with pytest.raises((aiohttp.ClientPayloadError, pa.ArrowInvalid)):
        _status, _kind, body = download.result()
        pq.read_table(io.BytesIO(body))
    assert api.app[SERVER_ERRORS].count == 1  # a real failure: logged and counted


#: role -> (/analytics, /analytics/customers, the exports' CSV and Parquet, the history)
WHO_SEES = {"agent": (403, 403, 403, 403), "sales": (403, 403, 403, 403),
            "marketing": (403, 200, 200, 403), "supervisor": (200, 200, 200, 200),
            "manager": (200, 200, 200, 200), "admin": (200, 200, 200, 200)}


@pytest.mark.parametrize("role", sorted(WHO_SEES))
async def test_each_role_sees_the_pages_links_and_exports_it_may_read(
        api: Api, role: str) -> None:
    headers = {"Authorization": f"Bearer {api.token(role)}"}
    seen = []
    for path in ("/analytics", "/analytics/customers", "/api/v1/analytics/export/rfm.parquet",
                 "/api/v1/analytics/calls?from=2026-11-02&to=2026-11-03&format=csv"):
        async with api.client.get(path, headers=headers) as got:
            seen.append(got.status)
            if path == "/analytics/customers" and got.status == 200:
                links = await got.text()
    assert tuple(seen) == WHO_SEES[role]
    for path, status in (("/analytics", WHO_SEES[role][0]),
                         ("/analytics/customers", WHO_SEES[role][1])):
        if WHO_SEES[role][1] == 200:
            assert (f'href="{path}"' in links) == (status == 200), path
