"""GET /api/v1/agents/{agent}/twilio-token: the access token of an agent's browser phone on
Twilio, for its own agent or an admin only, never cached, valid with Twilio's checks
(signed with the API key's secret, the account and key in its header and claims, the
identity the agent the ACD rings at client:<agent>, allowed to take calls)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import jwt
import pytest
from aiohttp.test_utils import TestClient, TestServer

from contactcenter.events.bus import EventBus
from contactcenter.events.journal import CallJournal
from contactcenter.telephony.twilio.credentials import Secret, TwilioCredentials
from contactcenter.web.app import create_app
from contactcenter.web.auth import Authenticator, load_secret
from contactcenter.web.twilio_token_routes import TwilioPhones, add_twilio_token_routes
from tests.unit.test_softphone_routes import get, users

ACCOUNT = "AC" + "a" * 32
KEY, SECRET = "SK" + "b" * 32, "api-secret-of-the-key-" + "s" * 16
WITH_KEY = TwilioCredentials(account_sid=Secret(ACCOUNT), auth_token=Secret("t" * 32),
                             api_key=Secret(KEY), api_secret=Secret(SECRET))


async def _client(tmp_path: Path, credentials: TwilioCredentials) -> TestClient:
    journal = CallJournal(tmp_path / "calls.jsonl")
    journal.open()
    app = create_app(bus=EventBus(), journal=journal,
                     auth=Authenticator(users(), load_secret(tmp_path)), health_check=dict)
    add_twilio_token_routes(app, TwilioPhones(credentials, agents=["agent101", "supervisor1"]))
    client = TestClient(TestServer(app))
    await client.start_server()
    return client


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    started = await _client(tmp_path, WITH_KEY)
    yield started
    await started.close()


async def test_an_agent_gets_a_token_twilio_accepts_for_their_own_phone(
        client: TestClient) -> None:
    status, headers, body = await get(client, "agent101", "/api/v1/agents/agent101/twilio-token")
    assert status == 200 and headers["Cache-Control"] == "no-store"
    token = str(body["token"])
    assert jwt.get_unverified_header(token)["cty"] == "twilio-fpa;v=1"
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert (claims["iss"], claims["sub"]) == (KEY, ACCOUNT)
    assert claims["grants"]["identity"] == "agent101" == body["identity"]
    assert claims["grants"]["voice"]["incoming"] == {"allow": True}
    assert claims["exp"] == body["expires"] and claims["exp"] - claims["nbf"] == 3600
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another secret " + "x" * 32, algorithms=["HS256"])
    assert SECRET not in token


@pytest.mark.parametrize(("user", "agent", "status"), [
    ("agent101", "supervisor1", 403), ("sales", "agent101", 403), (None, "agent101", 401),
    ("admin", "agent101", 200), ("sue", "supervisor1", 200), ("admin", "agent999", 404)])
async def test_only_the_agent_s_own_user_or_an_admin_gets_it(
        client: TestClient, user: str | None, agent: str, status: int) -> None:
    answer, _headers, body = await get(client, user, f"/api/v1/agents/{agent}/twilio-token")
    assert answer == status, body
    assert (status == 200) == ("token" in body)


async def test_without_an_api_key_the_answer_says_what_is_missing(tmp_path: Path) -> None:
    token_only = TwilioCredentials(account_sid=Secret(ACCOUNT), auth_token=Secret("t" * 32))
    client = await _client(tmp_path, token_only)
    try:
        status, _headers, body = await get(client, "agent101",
                                           "/api/v1/agents/agent101/twilio-token")
    finally:
        await client.close()
    assert status == 409 and "API key" in str(body)
