"""GET /api/v1/analytics/calls in a time zone, on SQLite and PostgreSQL: ``tz`` per
request, the contact center's zone (``use_time_zone``, from the ``time_zone`` setting)
otherwise, ``from`` and ``to`` as local dates, and every answer naming its zone."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer

from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.web.analytics_routes import use_time_zone
from contactcenter.web.app import create_app
from crm_core.db import sessions
from tests.crm.api_client import Api
from tests.crm.call_history_support import call, plant

NEW_YORK = ZoneInfo("America/New_York")
#: three New York days of March 2026, the middle one 23 hours long
MARCH = "/api/v1/analytics/calls?from=2026-03-07&to=2026-03-10&interval=day"


def in_new_york(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=NEW_YORK).astimezone(dt.UTC)  # type: ignore[misc]


async def _evening_calls(api: Api) -> None:
    """Two calls of a New York Saturday evening, the second already Sunday in UTC."""
    await plant(api.engine, [call(in_new_york(2026, 3, 7, 18, 0)),
                             call(in_new_york(2026, 3, 7, 23, 30))])


async def test_tz_cuts_the_days_at_local_midnight(api: Api) -> None:
    await _evening_calls(api)
    status, body = await api.call("GET", f"{MARCH}&tz=America/New_York")
    assert status == 200, body
    assert body["time_zone"] == "America/New_York"
    assert (body["from"], body["to"]) == ("2026-03-07T00:00:00-05:00",
                                          "2026-03-10T00:00:00-04:00")
    assert [(row["start"], row["offered"]) for row in body["rows"]] == [
        ("2026-03-07T00:00:00-05:00", 2)]
    assert body["buckets"] == ["2026-03-07T00:00:00-05:00", "2026-03-08T00:00:00-05:00",
                               "2026-03-09T00:00:00-04:00"]


async def test_without_tz_the_days_are_utc_as_before(api: Api) -> None:
    await _evening_calls(api)
    status, body = await api.call("GET", MARCH)
    assert status == 200, body
    assert (body["time_zone"], body["from"]) == ("UTC", "2026-03-07T00:00:00+00:00")
    assert [(row["start"], row["offered"]) for row in body["rows"]] == [
        ("2026-03-07T00:00:00+00:00", 1), ("2026-03-08T00:00:00+00:00", 1)]


async def test_a_datetime_without_offset_is_the_zone_s_wall_clock(api: Api) -> None:
    await _evening_calls(api)
    status, body = await api.call(
        "GET", "/api/v1/analytics/calls?from=2026-03-07T20:00&to=2026-03-08T00:00"
               "&interval=hour&tz=America/New_York")
    assert status == 200, body
    assert body["from"] == "2026-03-07T20:00:00-05:00"
    assert [row["start"] for row in body["rows"]] == ["2026-03-07T23:00:00-05:00"]


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "America", "EST5", "../etc/passwd"])
async def test_an_unknown_tz_is_a_422_naming_it(api: Api, tz: str) -> None:
    status, body = await api.call("GET", f"{MARCH}&tz={tz}")
    assert (status, body["field"]) == (422, "tz"), body
    assert "not an IANA time zone" in body["error"]


async def test_a_tz_longer_than_the_document_allows_is_a_400(api: Api) -> None:
    status, body = await api.call("GET", f"{MARCH}&tz={'A' * 65}")
    assert (status, body["field"]) == (400, "tz")


async def test_the_csv_carries_the_local_offsets_and_names_the_zone(api: Api) -> None:
    await _evening_calls(api)
    async with api.client.get(f"{MARCH}&tz=America/New_York&format=csv", headers={
            "Authorization": f"Bearer {api.token('admin')}"}) as response:
        assert response.status == 200
        assert response.headers["X-Time-Zone"] == "America/New_York"
        rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert [(row["start"], row["end"], row["offered"]) for row in rows] == [
        ("2026-03-07T00:00:00-05:00", "2026-03-08T00:00:00-05:00", "2")]


@pytest.fixture
async def berlin_api(api: Api, tmp_path: Path) -> AsyncIterator[Api]:
    """The same CRM and users behind an app whose contact center is in Berlin."""
    journal = CallJournal(tmp_path / "berlin-calls.jsonl")
    journal.open()
    app = create_app(bus=EventBus(), journal=journal, auth=api.auth, health_check=dict,
                     database=sessions(api.engine))
    use_time_zone(app, "Europe/Berlin")
    client = TestClient(TestServer(app))
    await client.start_server()
    yield Api(client, app, api.auth, api.engine)
    await client.close()
    journal.close()


async def test_the_contact_center_s_zone_is_the_default(berlin_api: Api) -> None:
    # 23:30 UTC on Saturday is Sunday 00:30 in Berlin
    await plant(berlin_api.engine, [call(dt.datetime(2026, 3, 7, 23, 30, tzinfo=dt.UTC))])
    status, body = await berlin_api.call("GET", MARCH)
    assert status == 200, body
    assert body["time_zone"] == "Europe/Berlin"
    assert [row["start"] for row in body["rows"]] == ["2026-03-08T00:00:00+01:00"]
    status, body = await berlin_api.call("GET", f"{MARCH}&tz=UTC")  # the request's wins
    assert [row["start"] for row in body["rows"]] == ["2026-03-07T00:00:00+00:00"]


async def test_the_staffing_day_stays_utc_and_says_so(berlin_api: Api) -> None:
    """The forecast's weeks are 336 UTC half hours: the staffing ignores the zone, and
    its answer names UTC."""
    await plant(berlin_api.engine, [
        call(dt.datetime(2026, 11, 2, 10, minute, tzinfo=dt.UTC) + dt.timedelta(weeks=week),
             wait=10.0, talk=170.0, wrap=10.0, agent="agent101")
        for week in range(3) for minute in range(20)])
    staffing = "/api/v1/analytics/staffing?queue=sales&day=2026-11-23&weeks=3"
    status, body = await berlin_api.call("GET", f"{staffing}&tz=Europe/Berlin")
    assert status == 200, body
    assert body["time_zone"] == "UTC"
    assert body["slots"][20]["start"] == "2026-11-23T10:00:00+00:00"
    assert body["slots"][20]["calls"] == pytest.approx(20.0)
