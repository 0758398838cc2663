"""The Twilio driver's REST side against a local stand-in of Twilio's API
(``twilio_fake_api``): what the ``twilio`` library sends, the calls-per-second budget,
the back-off on HTTP 429 and error 20429, a call's commands kept in order meanwhile, and
no credential in any log line."""

from __future__ import annotations

import asyncio
import base64
import logging
import random
from collections.abc import AsyncIterator
from typing import Any

import pytest
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from contactcenter.telephony import commands as dc
from contactcenter.telephony.twilio.credentials import Secret, TwilioCredentials
from contactcenter.telephony.twilio.driver import TwilioDriver
from contactcenter.telephony.twilio.hooks import Setup
from contactcenter.telephony.twilio.rest import Limits, RestError, RestSender, TokenBucket
from contactcenter.telephony.twilio.translate import RestRequest
from tests.unit.twilio_fake_api import (
    ACCOUNT,
    PUBLIC,
    TOKEN,
    Answer,
    FakeTwilio,
    fake_twilio,
    too_many,
)

CALLS = f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
CREATE = RestRequest("POST", CALLS, (("To", "+15550001002"), ("From", "+15550005000"),
                                     ("Url", f"{PUBLIC}/twilio/answered")))
API_KEY, API_SECRET = "SK" + "5" * 32, "secretsecretsecretsecretsecret42"


class Sleeps:
    """``asyncio.sleep`` that records what it was asked and yields at once."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
async def api() -> AsyncIterator[tuple[FakeTwilio, str]]:
    async with fake_twilio() as found:
        yield found


async def _sender(base: str, limits: Limits, sleeps: Sleeps,
                  clock: Any = lambda: 0.0) -> tuple[RestSender, AsyncTwilioHttpClient]:
    http = AsyncTwilioHttpClient(timeout=5)
    client = Client(ACCOUNT, TOKEN, ACCOUNT, http_client=http)
    return RestSender(client, api_base=base, limits=limits, clock=clock, sleep=sleeps,
                      rng=random.Random(7)), http


def test_the_bucket_gives_a_burst_then_one_token_per_interval() -> None:
    bucket = TokenBucket(rate=2.0, burst=2, now=0.0)
    assert [bucket.reserve(0.0) for _ in range(4)] == [0.0, 0.0, 0.5, 1.0]
    assert bucket.reserve(10.0) == 0.0  # refilled, never above the burst


def test_the_back_off_doubles_with_jitter_and_stays_under_its_cap() -> None:
    sender = RestSender(object(), limits=Limits(backoff_base=0.5, backoff_cap=4.0),
                        rng=random.Random(1))
    for attempt, ceiling in enumerate([0.5, 1.0, 2.0, 4.0, 4.0, 4.0]):
        delays = {sender.backoff(attempt) for _ in range(20)}
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
        assert len(delays) > 1  # jittered


async def test_a_create_is_paced_by_the_calls_per_second(api: tuple[FakeTwilio, str],
                                                         ) -> None:
    twilio, base = api
    sleeps = Sleeps()
    sender, http = await _sender(base, Limits(calls_per_second=2, burst=1), sleeps)
    try:
        answers = [await sender.send(CREATE) for _ in range(3)]
    finally:
        await http.close()
    assert sleeps.asked == [0.5, 1.0]  # the clock stands still: each waits its turn
    assert [answer["status"] for answer in answers if answer] == ["queued"] * 3
    assert len(twilio.sent) == 3


@pytest.mark.parametrize("refusal", [Answer(429, {}), too_many(429)],
                         ids=["HTTP 429", "error 20429"])
async def test_too_many_requests_is_sent_again_after_a_back_off(
        api: tuple[FakeTwilio, str], refusal: Answer) -> None:
    twilio, base = api
    twilio.script = [refusal, refusal]
    sleeps = Sleeps()
    sender, http = await _sender(base, Limits(backoff_base=1.0, calls_per_second=100),
                                 sleeps)
    try:
        answer = await sender.send(CREATE)
    finally:
        await http.close()
    assert answer is not None and answer["sid"].startswith("CA")
    assert len(twilio.sent) == 3 and sender.retried == 2
    assert 0.5 <= sleeps.asked[0] <= 1.0 and 1.0 <= sleeps.asked[1] <= 2.0


async def test_a_20429_whatever_its_status_is_retried_and_retry_after_is_honoured(
        api: tuple[FakeTwilio, str]) -> None:
    twilio, base = api
    twilio.script = [Answer(400, too_many(400).body, {"Retry-After": "3"})]
    sleeps = Sleeps()
    sender, http = await _sender(base, Limits(backoff_base=0.1, calls_per_second=100),
                                 sleeps)
    try:
        assert await sender.send(CREATE) is not None
    finally:
        await http.close()
    assert sleeps.asked == [3.0]


async def test_the_retries_are_bounded_then_the_refusal_is_raised(
        api: tuple[FakeTwilio, str]) -> None:
    twilio, base = api
    twilio.script = [too_many()] * 10
    sender, http = await _sender(base, Limits(retries=3, calls_per_second=100), Sleeps())
    try:
        with pytest.raises(RestError) as refused:
            await sender.send(CREATE)
    finally:
        await http.close()
    assert len(twilio.sent) == 4 and refused.value.code == 20429


async def test_other_refusals_are_raised_at_once_and_tolerated_ones_are_none(
        api: tuple[FakeTwilio, str]) -> None:
    twilio, base = api
    gone = {"code": 20404, "message": "The requested resource was not found",
            "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404}
    twilio.script = [Answer(404, gone), Answer(404, gone)]
    sender, http = await _sender(base, Limits(calls_per_second=100), Sleeps())
    hang_up = RestRequest("POST", f"/2010-04-01/Accounts/{ACCOUNT}/Calls/CA1.json",
                          (("Status", "completed"),), (404,))
    try:
        assert await sender.send(hang_up) is None
        with pytest.raises(RestError, match="HTTP 404, Twilio error 20404"):
            await sender.send(RestRequest("POST", hang_up.path, hang_up.params))
    finally:
        await http.close()
    assert len(twilio.sent) == 2


async def _driver(base: str, credentials: TwilioCredentials) -> TwilioDriver:
    setup = Setup(account_sid=ACCOUNT, public_url=PUBLIC, from_number="+15550005000")
    driver = TwilioDriver(setup=setup, credentials=credentials, on_event=lambda _e: None,
                          api_base=base, limits=Limits(calls_per_second=100,
                                                       backoff_base=0.05))
    await driver.start()
    return driver


async def test_a_calls_commands_keep_their_order_while_one_is_backed_off(
        api: tuple[FakeTwilio, str]) -> None:
    twilio, base = api
    driver = await _driver(base, TwilioCredentials(account_sid=Secret(ACCOUNT),
                                                   auth_token=Secret(TOKEN)))
    caller = "CA" + "c" * 32
    driver.book.bridged[caller] = "bridge-1"
    driver.book.conferences["bridge-1"] = "CF" + "f" * 32
    twilio.script = [too_many()]
    try:
        await asyncio.gather(driver.execute(dc.StartHold(call_id=caller)),
                             driver.execute(dc.StopHold(call_id=caller)),
                             driver.execute(dc.HangupCall(call_id=caller)))
    finally:
        await driver.stop()
    sent = [(request.values("Hold") or request.values("Status")) for request in twilio.sent]
    assert sent == [["true"], ["true"], ["false"], ["completed"]]


async def test_no_credential_shows_in_any_log_line(api: tuple[FakeTwilio, str],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    twilio, base = api
    credentials = TwilioCredentials(account_sid=Secret(ACCOUNT), auth_token=Secret(TOKEN),
                                    api_key=Secret(API_KEY), api_secret=Secret(API_SECRET))
    caplog.set_level(logging.DEBUG)
    driver = await _driver(base, credentials)
    twilio.script = [too_many(), Answer(500, {"message": "boom", "status": 500})]
    try:
        with pytest.raises(RestError):
            await driver.execute(dc.RingAgent(call_id="CA" + "1" * 32, leg_id="leg-1",
                                              endpoint="agent101"))
        driver.verify("/twilio/voice", "", {"CallSid": "CA1"}, "bm9wZQ==")
    finally:
        await driver.stop()
    basic = base64.b64encode(f"{API_KEY}:{API_SECRET}".encode()).decode()
    assert twilio.sent[0].authorization == f"Basic {basic}"  # the API key signs in
    assert {record.name for record in caplog.records} >= {  # both did log
        "twilio.async_http_client", "contactcenter.telephony.twilio.rest"}
    for secret in (TOKEN, API_SECRET, basic):
        assert secret not in caplog.text
        assert all(secret not in repr(record.args) for record in caplog.records)
