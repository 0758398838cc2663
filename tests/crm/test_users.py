"""Users in the database: the config's users at start, admins managing users over
the API (and tokens following at once), and the session cookie with its CSRF token."""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
import time
from pathlib import Path

import pytest
from aiohttp import WSMsgType
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.web.auth import Authenticator, load_secret
from crm_core.db import sessions
from crm_core.models import AuditEntry, User
from crm_core.users import ConfiguredUser, load_users, upsert_configured, verify_password
from tests.crm.api_client import PASSWORD, Api, start_api
from tests.support import missing

# -- the config's users ---------------------------------------------------------------------

async def _stored(engine: AsyncEngine) -> dict[str, User]:
    async with sessions(engine)() as session:
        return {user.username: user for user in await session.scalars(select(User))}


async def test_the_configs_users_are_upserted_with_hashed_passwords(engine: AsyncEngine) -> None:
    crm = sessions(engine)
    config = [ConfiguredUser("admin", "first-password", "admin"),
              ConfiguredUser("agent101", "agent-password", "agent", "agent101")]
    assert await upsert_configured(crm, config) == 2
    stored = await _stored(engine)
    assert re.fullmatch(r"scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{86}", stored["admin"].password_hash)
    assert verify_password("first-password", stored["admin"].password_hash)
    assert (stored["agent101"].role, stored["agent101"].agent) == ("agent", "agent101")
    assert await upsert_configured(crm, config) == 0
    assert (await _stored(engine))["admin"].password_hash == stored["admin"].password_hash


async def test_a_changed_config_password_or_role_is_taken_at_the_next_start(
        engine: AsyncEngine) -> None:
    crm = sessions(engine)
    await upsert_configured(crm, [ConfiguredUser("admin", "first-password", "admin"),
                                  ConfiguredUser("sue", "sue-password", "agent")])
    async with crm() as session, session.begin():
        (await session.scalars(select(User).where(User.username == "sue"))).one().active = False
    changed = await upsert_configured(crm, [ConfiguredUser("admin", "second-password", "admin"),
                                            ConfiguredUser("sue", "sue-password", "supervisor")])
    assert changed == 2
    stored = await _stored(engine)
    assert verify_password("second-password", stored["admin"].password_hash)
    assert not verify_password("first-password", stored["admin"].password_hash)
    # the config sets the role, but a user an admin deactivated stays so
    assert (stored["sue"].role, stored["sue"].active) == ("supervisor", False)
    async with crm() as session:
        entries = (await session.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
    assert [(e.username, e.action, e.entity) for e in entries][-2:] == [
        ("config", "update", "users"), ("config", "update", "users")]
    assert entries[-2].changes["password_hash"] == {"before": "***", "after": "***"}
    assert {row.username: row.active for row in await load_users(crm)} == {
        "admin": True, "sue": False}


# -- admins manage users --------------------------------------------------------------------

async def _sign_in(api: Api, username: str, password: str) -> tuple[int, dict[str, str]]:
    status, body = await api.call("POST", "/api/v1/auth/token", role=None,
                                  json={"username": username, "password": password})
    return status, body


async def test_an_admin_creates_a_user_who_can_then_sign_in(api: Api) -> None:
    created = await api.create("users", {"username": "nina", "role": "sales",
                                         "password": "nina-password", "full_name": "Nina S"})
    assert created["active"] is True and created["role"] == "sales"
    assert not {"password", "password_hash"} & set(created)
    status, body = await _sign_in(api, "nina", "nina-password")
    assert (status, body["role"]) == (200, "sales")
    status, listed = await api.call("GET", "/api/v1/users?role=sales&sort=username")
    assert [user["username"] for user in listed["items"]] == ["nina", "sam"]
    assert all("password_hash" not in user for user in listed["items"])


async def test_only_admins_see_or_manage_users(api: Api) -> None:
    for role in ("agent", "supervisor", "sales", "marketing"):
        assert (await api.call("GET", "/api/v1/users", role))[0] == 403
        status, _ = await api.call("POST", "/api/v1/users", role, json={
            "username": "x", "role": "admin", "password": "long-enough"})
        assert status == 403


async def test_a_role_change_applies_to_tokens_already_issued(api: Api) -> None:
    _, body = await _sign_in(api, "agent101", PASSWORD)
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert (await api.call("GET", "/api/v1/leads", None, headers=headers))[0] == 403
    users = {u["username"]: u for u in (await api.call("GET", "/api/v1/users"))[1]["items"]}
    status, _ = await api.call("PATCH", f"/api/v1/users/{users['agent101']['id']}",
                               json={"role": "sales"})
    assert status == 200
    assert (await api.call("GET", "/api/v1/leads", None, headers=headers))[0] == 200


async def test_a_deactivated_user_is_locked_out_at_once(api: Api) -> None:
    _, body = await _sign_in(api, "sam", PASSWORD)
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert (await api.call("GET", "/api/v1/leads", None, headers=headers))[0] == 200
    users = {u["username"]: u for u in (await api.call("GET", "/api/v1/users"))[1]["items"]}
    status, changed = await api.call("PATCH", f"/api/v1/users/{users['sam']['id']}",
                                     json={"active": False})
    assert (status, changed["active"]) == (200, False)
    status, refused = await api.call("GET", "/api/v1/leads", None, headers=headers)
    assert (status, refused["error"]) == (401, "invalid or expired token")
    assert (await _sign_in(api, "sam", PASSWORD))[0] == 401


async def test_a_user_made_active_again_does_not_get_their_old_tokens_back(api: Api) -> None:
    _, body = await _sign_in(api, "sam", PASSWORD)
    headers = {"Authorization": f"Bearer {body['token']}"}
    users = {u["username"]: u for u in (await api.call("GET", "/api/v1/users"))[1]["items"]}
    for active in (False, True):
        status, _ = await api.call("PATCH", f"/api/v1/users/{users['sam']['id']}",
                                   json={"active": active})
        assert status == 200
    assert (await api.call("GET", "/api/v1/leads", None, headers=headers))[0] == 401
    status, again = await _sign_in(api, "sam", PASSWORD)  # a new sign-in works
    assert status == 200
    fresh = {"Authorization": f"Bearer {again['token']}"}
    assert (await api.call("GET", "/api/v1/leads", None, headers=fresh))[0] == 200


async def test_a_password_reset_replaces_the_old_password(api: Api) -> None:
    users = {u["username"]: u for u in (await api.call("GET", "/api/v1/users"))[1]["items"]}
    status, body = await api.call("PATCH", f"/api/v1/users/{users['mia']['id']}",
                                  json={"password": "brand-new-secret"})
    assert status == 200 and "password" not in body
    assert (await _sign_in(api, "mia", PASSWORD))[0] == 401
    assert (await _sign_in(api, "mia", "brand-new-secret"))[0] == 200


async def _user_id(api: Api, username: str) -> int:
    users = {u["username"]: u for u in (await api.call("GET", "/api/v1/users"))[1]["items"]}
    return int(users[username]["id"])


async def test_a_password_change_ends_the_users_tokens_and_sessions_at_once(
        api: Api, tmp_path: Path) -> None:
    _, body = await _sign_in(api, "mia", PASSWORD)
    token = {"Authorization": f"Bearer {body['token']}"}
    _, cookie = await _open_session(api, "mia")
    session = {"Cookie": cookie.split(";")[0]}
    api.client.session.cookie_jar.clear()
    for headers in (token, session):
        assert (await api.call("GET", "/api/v1/leads", None, headers=headers))[0] == 200
    status, _ = await api.call("PATCH", f"/api/v1/users/{await _user_id(api, 'mia')}",
                               json={"password": "brand-new-secret"})
    assert status == 200
    for headers in (token, session):
        assert (await api.call("GET", "/api/v1/leads", None, headers=headers))[0] == 401
    _, fresh = await _sign_in(api, "mia", "brand-new-secret")
    fresh_headers = {"Authorization": f"Bearer {fresh['token']}"}
    assert (await api.call("GET", "/api/v1/leads", None, headers=fresh_headers))[0] == 200
    # a restart reads the users again: the old token stays dead, the new one lives
    restarted = Authenticator(await load_users(sessions(api.engine)), load_secret(tmp_path))
    assert restarted.verify(body["token"], time.time()) is None
    assert restarted.verify(fresh["token"], time.time()) is not None


async def test_a_deactivated_users_session_and_open_event_stream_end_at_once(
        api: Api) -> None:
    await _open_session(api, "sue")  # the supervisor, watching the boards
    socket = await api.client.ws_connect("/api/v1/events")
    assert (await socket.receive_json(timeout=5))["user"] == "sue"
    status, _ = await api.call("PATCH", f"/api/v1/users/{await _user_id(api, 'sue')}",
                               json={"active": False})
    assert status == 200
    closing = await socket.receive(timeout=5)
    assert (closing.type, closing.data) == (WSMsgType.CLOSE, 1008)
    assert (await api.call("GET", "/api/v1/calls", role=None))[0] == 401


@pytest.mark.parametrize("change, status, field", [
    ({"active": False}, 409, "active"),
    ({"role": "agent"}, 409, "role"),
    ({"username": "someone"}, 422, "username"),
    ({"role": "overlord"}, 422, "role"),
    ({"password": "short"}, 422, "password"),
])
async def test_bad_user_changes_are_refused_naming_the_field(
        api: Api, change: dict[str, object], status: int, field: str) -> None:
    users = {u["username"]: u for u in (await api.call("GET", "/api/v1/users"))[1]["items"]}
    got, body = await api.call("PATCH", f"/api/v1/users/{users['root']['id']}", json=change)
    assert (got, body["field"]) == (status, field)
    status, root = await api.call("GET", f"/api/v1/users/{users['root']['id']}")
    assert (root["role"], root["active"]) == ("admin", True)


async def test_a_username_is_taken_once(api: Api) -> None:
    status, body = await api.call("POST", "/api/v1/users", json={
        "username": "sam", "role": "sales", "password": "another-password"})
    assert (status, body["field"]) == (409, "username")


# -- the session cookie ---------------------------------------------------------------------

async def _open_session(api: Api, username: str = "sam", **kwargs: object) -> tuple[str, str]:
    """Sign in for a cookie; return the CSRF token and the raw Set-Cookie header."""
    if "json" not in kwargs and "data" not in kwargs:
        kwargs["json"] = {"username": username, "password": PASSWORD}
    async with api.client.post("/api/v1/auth/session", **kwargs) as response:
        assert response.status == 200, await response.text()
        return (await response.json())["csrf_token"], response.headers["Set-Cookie"]


async def test_the_session_cookie_is_http_only_and_strict(api: Api) -> None:
    _, cookie = await _open_session(api)
    assert cookie.startswith("cc_session=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP here; HTTPS adds it


@pytest.fixture
def tls(tmp_path: Path) -> ssl.SSLContext:
    """A server context with a throw-away self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        missing("openssl is needed to make a test certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-subj", "/CN=127.0.0.1", "-days", "1"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


async def test_over_https_the_session_cookie_is_also_secure(
        engine: AsyncEngine, tmp_path: Path, tls: ssl.SSLContext) -> None:
    api = await start_api(engine, tmp_path, tls)
    try:
        _, cookie = await _open_session(api, json={"username": "sam", "password": PASSWORD},
                                        ssl=False)
        assert "Secure" in cookie and "HttpOnly" in cookie
    finally:
        await api.client.close()


async def test_a_form_sign_in_works_too(api: Api) -> None:
    await _open_session(api, data={"username": "sam", "password": PASSWORD})
    status, _ = await api.call("GET", "/api/v1/leads", role=None)
    assert status == 200


async def test_cookie_changes_need_the_csrf_token_and_bearer_ones_do_not(api: Api) -> None:
    csrf, _ = await _open_session(api)
    lead = {"first_name": "Ada", "last_name": "L"}
    assert (await api.call("GET", "/api/v1/leads", role=None))[0] == 200
    status, body = await api.call("POST", "/api/v1/leads", role=None, json=lead)
    assert status == 403 and "X-CSRF-Token" in body["error"]
    status, body = await api.call("POST", "/api/v1/leads", role=None, json=lead,
                                  headers={"X-CSRF-Token": csrf[:-2] + "xx"})
    assert status == 403 and "does not match" in body["error"]
    status, created = await api.call("POST", "/api/v1/leads", role=None, json=lead,
                                     headers={"X-CSRF-Token": csrf})
    assert status == 201
    status, _ = await api.call("DELETE", f"/api/v1/leads/{created['id']}", role="sales")
    assert status == 204


async def test_logging_out_ends_the_session_even_for_a_kept_cookie(api: Api) -> None:
    csrf, _ = await _open_session(api)
    kept = api.client.session.cookie_jar.filter_cookies(api.client.make_url("/"))["cc_session"]
    status, _ = await api.call("DELETE", "/api/v1/auth/session", role=None)
    assert status == 403  # logging out is a change too: it needs the CSRF token
    status, _ = await api.call("DELETE", "/api/v1/auth/session", role=None,
                               headers={"X-CSRF-Token": csrf})
    assert status == 204
    assert (await api.call("GET", "/api/v1/leads", role=None))[0] == 401
    status, body = await api.call("GET", "/api/v1/leads", role=None,
                                  headers={"Cookie": f"cc_session={kept.value}"})
    assert status == 401 and "sign in again" in body["error"]


async def test_a_session_is_not_a_bearer_token_nor_the_other_way_round(api: Api) -> None:
    _, cookie = await _open_session(api)
    session_token = cookie.split(";")[0].removeprefix("cc_session=")
    api.client.session.cookie_jar.clear()
    status, _ = await api.call("GET", "/api/v1/leads", role=None,
                               headers={"Authorization": f"Bearer {session_token}"})
    assert status == 401
    status, _ = await api.call("GET", "/api/v1/leads", role=None,
                               headers={"Cookie": f"cc_session={api.token('sales')}"})
    assert status == 401


async def test_a_sign_in_from_another_site_or_with_a_wrong_password_is_refused(
        api: Api) -> None:
    status, body = await api.call("POST", "/api/v1/auth/session", role=None,
                                  json={"username": "sam", "password": PASSWORD},
                                  headers={"Origin": "https://elsewhere.example"})
    assert status == 403
    status, body = await api.call("POST", "/api/v1/auth/session", role=None,
                                  json={"username": "sam", "password": "wrong-password"})
    assert (status, body["error"]) == (401, "wrong username or password")
    assert not api.client.session.cookie_jar.filter_cookies(api.client.make_url("/"))
