"""What a credential is good for and for how long: no tokens in URLs, one-use tickets
for the events WebSocket, only the platform's own pages on it, signed-out tokens and
malformed ones refused (401, never 500), and password guessing slowed down."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from contactcenter.config.settings import UserSettings
from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.web.app import create_app
from contactcenter.web.auth import (
    TICKET_LIFETIME,
    TOKEN_LIFETIME,
    Authenticator,
    Principal,
    load_secret,
)
from contactcenter.web.keys import AUTH
from contactcenter.web.origins import allow_origins
from contactcenter.web.throttle import ADDRESS_LIMIT, USER_LIMIT, WINDOW, LoginThrottle
from crm_core.users import UserRecord, hash_password
from tests.support import until

USERS = [
    UserSettings(username="admin", password="admin-password", role="admin"),
    UserSettings(username="agent101", password="agent-password", role="agent", agent="agent101"),
]


_RECORDS: list[UserRecord] = []


def records() -> list[UserRecord]:
    """The users with hashes made once for the module (scrypt is slow by design)."""
    if not _RECORDS:
        _RECORDS.extend(UserRecord(id=None, username=user.username, role=user.role,
                                   agent=user.agent, password_hash=hash_password(user.password))
                        for user in USERS)
    return _RECORDS


class Clock:
    """The throttle's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    app = create_app(bus=EventBus(), journal=journal,
                     auth=Authenticator(records(), load_secret(tmp_path)),
                     health_check=dict)
    allow_origins(app, ["https://cc.example.com"])
    client = TestClient(TestServer(app))
    await client.start_server()
    yield client
    await client.close()
    journal.close()


async def sign_in(client: TestClient, username: str = "admin",
                  password: str = "admin-password") -> str:
    response = await client.post("/api/v1/auth/token",
                                 json={"username": username, "password": password})
    assert response.status == 200, await response.text()
    return str((await response.json())["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def ticket(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await client.post("/api/v1/events/ticket", headers=headers)
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def handshake(client: TestClient, path: str, **kwargs: Any) -> int:
    """The status the events WebSocket answers a handshake with (101: opened)."""
    try:
        socket = await client.ws_connect(path, **kwargs)
    except aiohttp.WSServerHandshakeError as refused:
        return refused.status
    assert (await socket.receive_json(timeout=5))["type"] == "hello"
    await socket.close()
    return 101


# -- tokens stay out of URLs ------------------------------------------------------------------

async def test_a_token_in_the_query_string_is_refused_on_rest_and_on_the_socket(
        client: TestClient) -> None:
    token = await sign_in(client)
    response = await client.get(f"/api/v1/calls?token={token}")
    assert response.status == 401
    assert "Authorization header" in (await response.json())["error"]
    assert await handshake(client, f"/api/v1/events?token={token}") == 401
    assert (await client.get("/api/v1/calls", headers=bearer(token))).status == 200
    assert await handshake(client, "/api/v1/events", headers=bearer(token)) == 101


# -- tickets ---------------------------------------------------------------------------------

async def test_a_ticket_opens_the_socket_once_as_its_user(client: TestClient) -> None:
    token = await sign_in(client, "agent101", "agent-password")
    given = await ticket(client, bearer(token))
    assert 0 < given["expires"] - time.time() <= TICKET_LIFETIME
    socket = await client.ws_connect(f"/api/v1/events?ticket={given['ticket']}")
    hello = await socket.receive_json(timeout=5)
    assert (hello["user"], hello["role"]) == ("agent101", "agent")
    await socket.close()
    assert await handshake(client, f"/api/v1/events?ticket={given['ticket']}") == 401


async def test_a_ticket_is_no_token_for_rest_and_needs_a_sign_in_to_get(
        client: TestClient) -> None:
    assert (await client.post("/api/v1/events/ticket")).status == 401
    given = await ticket(client, bearer(await sign_in(client)))
    response = await client.get(f"/api/v1/calls?ticket={given['ticket']}")
    assert response.status == 401
    response = await client.get("/api/v1/calls", headers=bearer(given["ticket"]))
    assert response.status == 401
    assert await handshake(client, "/api/v1/events", headers=bearer(given["ticket"])) == 401
    # not even a request that claims to be a WebSocket upgrade, on any other route
    upgrade = {"Upgrade": "websocket", "Connection": "Upgrade"}
    response = await client.get(f"/api/v1/calls?ticket={given['ticket']}", headers=upgrade)
    assert response.status == 401


async def test_signing_out_a_token_that_is_not_ours_is_a_401(client: TestClient) -> None:
    response = await client.delete("/api/v1/auth/token", headers=bearer("not.a-token"))
    assert response.status == 401
    token = await sign_in(client)
    assert (await client.delete("/api/v1/auth/token", headers=bearer(token))).status == 204
    assert (await client.get("/api/v1/calls", headers=bearer(token))).status == 401


async def test_a_form_sign_in_without_its_boundary_is_a_400(client: TestClient) -> None:
    response = await client.post("/api/v1/auth/session", data=b"username=x",
                                 headers={"Content-Type": "multipart/form-data"})
    assert response.status == 400


async def test_a_session_gets_a_ticket_with_its_csrf_token(client: TestClient) -> None:
    opened = await client.post("/api/v1/auth/session",
                               json={"username": "admin", "password": "admin-password"})
    csrf = (await opened.json())["csrf_token"]
    assert (await client.post("/api/v1/events/ticket")).status == 403  # no CSRF token
    given = await ticket(client, {"X-CSRF-Token": csrf})
    client.session.cookie_jar.clear()
    assert await handshake(client, f"/api/v1/events?ticket={given['ticket']}") == 101


def test_a_ticket_expires_after_thirty_seconds_and_dies_with_its_token(
        tmp_path: Path) -> None:
    auth = Authenticator(records(), load_secret(tmp_path))
    principal = auth.check_password("admin", "admin-password")
    assert principal is not None
    now = time.time()
    token = auth.issue(principal, now)
    claims = auth.claims(token, now, kind="bearer")
    assert claims is not None
    late, _ = auth.issue_ticket(claims, now)
    assert auth.redeem_ticket(late, now + TICKET_LIFETIME + 1) is None
    orphan, _ = auth.issue_ticket(claims, now)
    auth.end(claims["sid"], claims["exp"], now)  # the token is signed out
    assert auth.redeem_ticket(orphan, now) is None


# -- the Origin of a browser's handshake -----------------------------------------------------

async def test_the_socket_takes_a_browsers_cookie_only_from_the_platforms_own_pages(
        client: TestClient) -> None:
    await client.post("/api/v1/auth/session",
                      json={"username": "admin", "password": "admin-password"})
    own = f"http://127.0.0.1:{client.port}"
    sibling = f"http://127.0.0.1:{client.port + 1}"  # another port of the same host
    assert await handshake(client, "/api/v1/events", origin=sibling) == 403
    assert await handshake(client, "/api/v1/events", origin="https://evil.example") == 403
    assert await handshake(client, "/api/v1/events", origin="null") == 403
    assert await handshake(client, "/api/v1/events", origin=own) == 101
    assert await handshake(client, "/api/v1/events", origin="https://CC.example.com:443") == 101
    assert await handshake(client, "/api/v1/events") == 101  # no Origin: not a browser


async def test_a_foreign_page_cannot_use_a_ticket_either(client: TestClient) -> None:
    given = await ticket(client, bearer(await sign_in(client)))
    path = f"/api/v1/events?ticket={given['ticket']}"
    assert await handshake(client, path, origin="http://127.0.0.1:1") == 403


# -- signing out, and tokens that are signed but malformed ----------------------------------

async def test_a_signed_out_token_is_refused_and_its_open_socket_closed(
        client: TestClient) -> None:
    token = await sign_in(client)
    other = await sign_in(client)
    socket = await client.ws_connect("/api/v1/events", headers=bearer(token))
    assert (await socket.receive_json(timeout=5))["type"] == "hello"
    revoked = await client.delete("/api/v1/auth/token", headers=bearer(token))
    assert revoked.status == 204
    assert (await client.get("/api/v1/calls", headers=bearer(token))).status == 401
    assert (await client.get("/api/v1/calls", headers=bearer(other))).status == 200
    closing = await socket.receive(timeout=5)
    assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 1008)
    assert (await client.delete("/api/v1/auth/token")).status == 401


@pytest.mark.parametrize("through", ["token", "ticket"])
async def test_an_open_socket_closes_when_its_credential_expires(
        client: TestClient, through: str) -> None:
    auth = client.app[AUTH]
    # a token issued long enough ago to have a second or two left
    token = auth.issue(Principal("admin", "admin", None), time.time() - TOKEN_LIFETIME + 2)
    if through == "token":
        socket = await client.ws_connect("/api/v1/events", headers=bearer(token))
    else:  # a ticket's stream lasts as long as the token it was asked with, not 30 s more
        given = await ticket(client, bearer(token))
        socket = await client.ws_connect(f"/api/v1/events?ticket={given['ticket']}")
    assert (await socket.receive_json(timeout=5))["type"] == "hello"
    closing = await socket.receive(timeout=10)
    assert (closing.type, closing.data, closing.extra) == (
        aiohttp.WSMsgType.CLOSE, 1008, "credential expired")


def _signed(secret: bytes, body: bytes) -> str:
    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    text = b64(body)
    return f"{text}.{b64(hmac.new(secret, text.encode(), hashlib.sha256).digest())}"


GOOD = {"sub": "admin", "typ": "bearer", "sid": "s1", "gen": "g", "exp": 4_000_000_000}


MALFORMED = {
    "an array": b"[1, 2]", "a string": b'"admin"', "null": b"null", "not JSON": b"not json",
    "not UTF-8": b"\xff\xfe", "deeply nested": b"[" * 2000 + b"]" * 2000,
    "sub a list": json.dumps({**GOOD, "sub": ["admin"]}).encode(),
    "sub an object": json.dumps({**GOOD, "sub": {"a": 1}}).encode(),
    "exp a string": json.dumps({**GOOD, "exp": "never"}).encode(),
    "exp a boolean": json.dumps({**GOOD, "exp": True}).encode(),
    "exp null": json.dumps({**GOOD, "exp": None}).encode(),
    "exp NaN": json.dumps({**GOOD, "exp": float("nan")}).encode(),
    "typ a list": json.dumps({**GOOD, "typ": ["bearer"]}).encode(),
    "sid a number": json.dumps({**GOOD, "sid": 7}).encode(),
    "no generation": json.dumps({k: v for k, v in GOOD.items() if k != "gen"}).encode(),
    "via a number": json.dumps({**GOOD, "via": 3}).encode(),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_signed_token_with_a_malformed_payload_is_a_401(
        client: TestClient, tmp_path: Path, body: bytes) -> None:
    token = _signed(load_secret(tmp_path), body)
    response = await client.get("/api/v1/calls", headers=bearer(token))
    assert response.status == 401
    cookie = await client.get("/api/v1/calls", headers={"Cookie": f"cc_session={token}"})
    assert cookie.status == 401
    assert await handshake(client, f"/api/v1/events?ticket={token}") == 401


# -- password guessing ----------------------------------------------------------------------

async def attempt(client: TestClient, password: str, username: str = "admin",
                  path: str = "/api/v1/auth/token") -> aiohttp.ClientResponse:
    response = await client.post(path, json={"username": username, "password": password})
    await response.read()
    return response


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/auth/session"])
async def test_thirty_wrong_passwords_then_the_right_one_is_made_to_wait(
        client: TestClient, path: str) -> None:
    clock = Clock()
    client.app[AUTH].throttle = LoginThrottle(clock=clock)
    statuses = [(await attempt(client, f"guess-{n}", path=path)).status for n in range(30)]
    assert statuses == [401] * USER_LIMIT + [429] * (30 - USER_LIMIT)
    right = await attempt(client, "admin-password", path=path)
    assert right.status == 429
    wait = int(right.headers["Retry-After"])
    assert 0 < wait <= WINDOW
    assert "try again" in (await right.json())["error"]
    clock.now += wait
    assert (await attempt(client, "admin-password", path=path)).status == 200


async def test_a_success_starts_the_user_afresh(client: TestClient) -> None:
    client.app[AUTH].throttle = LoginThrottle(clock=Clock())
    for _ in range(USER_LIMIT - 1):
        assert (await attempt(client, "wrong-password")).status == 401
    assert (await attempt(client, "admin-password")).status == 200
    for _ in range(USER_LIMIT - 1):
        assert (await attempt(client, "wrong-password")).status == 401
    assert (await attempt(client, "admin-password")).status == 200


async def test_one_address_guessing_at_many_users_is_made_to_wait(client: TestClient) -> None:
    client.app[AUTH].throttle = LoginThrottle(clock=Clock())
    for n in range(ADDRESS_LIMIT):
        assert (await attempt(client, "wrong-password", username=f"user{n}")).status == 401
    refused = await attempt(client, "agent-password", username="agent101")
    assert refused.status == 429 and "address" in (await refused.json())["error"]


def test_a_signed_payload_nested_past_the_recursion_limit_is_no_token(tmp_path: Path) -> None:
    secret = load_secret(tmp_path)
    token = _signed(secret, b"[" * 100_000 + b"]" * 100_000)
    auth = Authenticator(records(), secret)
    assert auth.claims(token, time.time(), kind="bearer") is None


def test_a_signed_out_token_stays_refused_after_a_restart(tmp_path: Path) -> None:
    secret, file = load_secret(tmp_path), tmp_path / "signed-out.json"
    now = time.time()
    before = Authenticator(records(), secret, signouts=file)
    ended, kept = (before.issue(Principal("admin", "admin", None), now) for _ in range(2))
    claims = before.claims(ended, now, kind="bearer")
    assert claims is not None
    before.end(claims["sid"], claims["exp"], now)
    assert oct(file.stat().st_mode & 0o777) == "0o600"
    after = Authenticator(records(), secret, signouts=file)  # the next start
    assert after.verify(ended, now) is None
    assert after.verify(kept, now) is not None


@pytest.mark.parametrize("content", ["not json", "[1, 2]", '{"sid": "never"}'])
def test_an_unreadable_sign_out_file_forgets_rather_than_stops_the_start(
        tmp_path: Path, content: str) -> None:
    file = tmp_path / "signed-out.json"
    file.write_text(content)
    auth = Authenticator(records(), load_secret(tmp_path), signouts=file)
    token = auth.issue(Principal("admin", "admin", None), time.time())
    assert auth.verify(token, time.time()) is not None


async def test_a_sign_out_that_cannot_be_saved_still_signs_out(
        tmp_path: Path) -> None:
    file = tmp_path / "signed-out.json"
    file.mkdir()  # cannot be replaced by a file
    auth = Authenticator(records(), load_secret(tmp_path), signouts=file)
    closed: list[bool] = []
    auth.watch(lambda: closed.append(True))
    token = auth.issue(Principal("admin", "admin", None), time.time())
    claims = auth.claims(token, time.time(), kind="bearer")
    assert claims is not None
    auth.end(claims["sid"], claims["exp"], time.time())
    assert auth.verify(token, time.time()) is None and closed == [True]
    assert not (tmp_path / "signed-out.json.partial").exists()


@pytest.mark.parametrize("content", ['{"a": 1' + "0" * 400 + "}", "[" * 100_000,
                                     '{"a": 1e999}'])
def test_a_damaged_sign_out_file_does_not_stop_the_start(tmp_path: Path, content: str) -> None:
    file = tmp_path / "signed-out.json"
    file.write_text(content)
    Authenticator(records(), load_secret(tmp_path), signouts=file)


async def test_a_ticket_asked_just_before_its_token_expired_opens_nothing(
        client: TestClient) -> None:
    auth = client.app[AUTH]
    token = auth.issue(Principal("admin", "admin", None), time.time() - TOKEN_LIFETIME + 2)
    given = await ticket(client, bearer(token))
    await until(lambda: auth.verify(token, time.time()) is None, seconds=5)
    assert await handshake(client, f"/api/v1/events?ticket={given['ticket']}") == 401
