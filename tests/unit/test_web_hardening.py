"""Bad input anyone can send, and the headers on every answer, on a real aiohttp server
(no CRM, no Asterisk): a 4xx with a reason, never a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from contactcenter.config.settings import UserSettings
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, load_secret
from contactcenter.web.headers import SERVER
from contactcenter.web.http import MAX_BODY, MAX_DEPTH

USERS = [UserSettings(username="admin", password="admin-password", role="admin")]
SIGN_INS = ("/api/v1/auth/token", "/api/v1/auth/session")
DEEP = {
    "arrays": b'{"a": ' + b"[" * 200_000 + b"]" * 200_000 + b"}",
    "objects": b'{"a":' * 150_000 + b"1" + b"}" * 150_000,  # 900 KB: under the limit
    "bare arrays": b"[" * 200_000 + b"]" * 200_000,
    "just too deep": b'{"a": ' * (MAX_DEPTH + 1) + b"1" + b"}" * (MAX_DEPTH + 1),
}


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    app = create_app(bus=EventBus(), journal=journal, health_check=dict,
                     auth=Authenticator.from_config(USERS, load_secret(tmp_path)))
    served = TestClient(TestServer(app))
    await served.start_server()
    yield served
    await served.close()
    journal.close()


async def _token(client: TestClient) -> str:
    response = await client.post("/api/v1/auth/token",
                                 json={"username": "admin", "password": "admin-password"})
    return str((await response.json())["token"])


@pytest.mark.parametrize("path", SIGN_INS)
@pytest.mark.parametrize("body", DEEP.values(), ids=DEEP.keys())
async def test_deeply_nested_json_is_a_400_before_sign_in(client: TestClient, path: str,
                                                          body: bytes) -> None:
    response = await client.post(path, data=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "JSON" in (await response.json())["error"] or "deep" in (
        await response.json())["error"]


async def test_json_nested_as_deep_as_allowed_is_read(client: TestClient) -> None:
    nested = b'{"a": ' * (MAX_DEPTH - 1) + b"1" + b"}" * (MAX_DEPTH - 1)
    response = await client.post("/api/v1/auth/token", data=nested,
                                 headers={"Content-Type": "application/json"})
    assert (response.status, (await response.json())["error"]) == (
        400, "username: required string")


@pytest.mark.parametrize("body", [
    b'{"username": NaN, "password": "x"}', b'{"username": 1e400, "password": "x"}',
    b'{"username": "\\ud800", "password": "x"}', b'{"username": "\xff"}',
])
async def test_what_json_does_not_have_is_a_400(client: TestClient, body: bytes) -> None:
    response = await client.post("/api/v1/auth/token", data=body,
                                 headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert (await response.json())["error"]


@pytest.mark.parametrize("body", [
    b'{"username": "' + b"a" * MAX_BODY + b'", "password": "x"}',
    b'{"a":' * 200_000 + b"1" + b"}" * 200_000,
])
async def test_a_body_beyond_the_limit_is_a_413(client: TestClient, body: bytes) -> None:
    for path in SIGN_INS:
        response = await client.post(path, data=body,
                                     headers={"Content-Type": "application/json"})
        assert response.status == 413
        assert (await response.json())["error"]


async def test_a_json_body_with_an_unknown_charset_is_a_400(client: TestClient) -> None:
    response = await client.post("/api/v1/auth/token", data=b'{"username": "a"}',
                                 headers={"Content-Type": "application/json; charset=nope"})
    assert response.status == 400


async def test_an_api_answer_is_not_sniffed_nor_stored(client: TestClient) -> None:
    token = await _token(client)
    for path, headers, status in [
            ("/api/v1/calls", {"Authorization": f"Bearer {token}"}, 200),
            ("/api/v1/calls", {}, 401),
            ("/api/v1/calls/nope", {"Authorization": f"Bearer {token}"}, 404),
            ("/api/v1/nothing-here", {}, 404),
            ("/api/v1/health", {}, 200)]:
        response = await client.get(path, headers=headers)
        assert response.status == status, path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["Cache-Control"] == "no-store", path


async def test_the_server_header_names_no_versions(client: TestClient) -> None:
    for method, path in [("GET", "/api/v1/health"), ("GET", "/login"),
                         ("GET", "/assets/style.css"), ("GET", "/nothing-here"),
                         ("TRACE", "/api/v1/health"), ("POST", "/api/v1/auth/token")]:
        response = await client.request(method, path)
        assert response.headers["Server"] == SERVER, (method, path)


async def test_a_request_too_malformed_to_reach_the_app_names_no_versions(
        client: TestClient) -> None:
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Bad: \x00\r\n\r\n")
    await writer.drain()
    head = (await reader.read(1000)).split(b"\r\n\r\n")[0].decode()
    writer.close()
    assert head.startswith("HTTP/1.0 400")
    assert f"\r\nServer: {SERVER}" in head


async def test_the_websocket_handshake_names_no_versions(client: TestClient) -> None:
    token = await _token(client)
    async with client.ws_connect("/api/v1/events",
                                 headers={"Authorization": f"Bearer {token}"}) as socket:
        assert socket._response.headers["Server"] == SERVER
        assert socket._response.headers["X-Content-Type-Options"] == "nosniff"
        assert (await socket.receive_json())["type"] == "hello"


async def test_pages_and_static_files_are_not_sniffed(client: TestClient) -> None:
    page = await client.get("/login")
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Cache-Control"] == "no-store"
    script = await client.get("/assets/login.js")
    assert script.headers["X-Content-Type-Options"] == "nosniff"
    assert script.headers["Cache-Control"] == "no-cache"  # revalidated, as before


@pytest.mark.parametrize("method, path, allowed", [
    ("TRACE", "/api/v1/calls", {"GET"}),
    ("PUT", "/api/v1/auth/session", {"POST", "DELETE"}),
    ("DELETE", "/login", {"GET"}),
    ("PATCH", "/assets/login.js", {"GET"}),
])
async def test_a_405_says_which_methods_are_allowed(client: TestClient, method: str,
                                                   path: str, allowed: set[str]) -> None:
    response = await client.request(method, path)
    assert response.status == 405
    assert set(response.headers["Allow"].split(",")) >= allowed
    assert (await response.json())["error"]


@pytest.mark.parametrize("path", ["/help/case", "/help/callback"])
async def test_a_help_form_that_is_not_the_pages_form_is_refused(client: TestClient,
                                                                 path: str) -> None:
    for content_type, status in [("multipart/form-data", 415), ("application/json", 415),
                                 ("application/x-www-form-urlencoded; charset=nope", 400)]:
        response = await client.post(path, data=b"name=x",
                                     headers={"Content-Type": content_type})
        assert response.status == status, content_type
        assert response.content_type == "text/html"
