"""A local stand-in for Twilio's REST API and a signed-webhook poster, for the Twilio
driver's tests.

The stand-in records what the ``twilio`` library sends (method, path, form with repeated
names kept, the Authorization header) and answers in the documented shapes: a created
call as in https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource
(201, ``sid``, ``status: queued``...), an error as Twilio's 2010 API gives it
(``code``, ``message``, ``more_info``, ``status``;
https://www.twilio.com/docs/errors/20429 for "Too Many Requests"). Answers queued in
``script`` are given first, in order.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from twilio.request_validator import RequestValidator

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeed"
PUBLIC = "https://cc.example.com"


@dataclass(frozen=True, slots=True)
class Sent:
    method: str
    path: str
    form: tuple[tuple[str, str], ...]
    authorization: str

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.form if key == name]


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def too_many(status: int = 429) -> Answer:
    return Answer(status, {"code": 20429, "message": "Too Many Requests",
                           "more_info": "https://www.twilio.com/docs/errors/20429",
                           "status": status})


def created_call(sid: str, form: dict[str, str]) -> dict[str, Any]:
    """A ``Calls.json`` create's answer, with the documented fields."""
    return {
        "sid": sid, "account_sid": ACCOUNT, "to": form.get("To", ""),
        "from": form.get("From", ""), "status": "queued", "direction": "outbound-api",
        "api_version": "2010-04-01", "duration": None, "price": None, "price_unit": "USD",
        "start_time": None, "end_time": None, "parent_call_sid": None,
        "date_created": "Fri, 04 Dec 2026 21:00:00 +0000",
        "date_updated": "Fri, 04 Dec 2026 21:00:00 +0000",
        "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{sid}.json",
    }


class FakeTwilio:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.script: list[Answer] = []
        self._sids = (f"CA{n:032x}" for n in itertools.count(0xA000))
        self.app = web.Application()
        self.app.router.add_route("*", "/2010-04-01/Accounts/{rest:.*}", self._answer)

    def created(self) -> list[str]:
        return [f"CA{n:032x}" for n in range(0xA000, 0xA000 + len(self.sent))]

    async def _answer(self, request: web.Request) -> web.Response:
        posted = await request.post()
        form = tuple((key, str(value)) for key, value in posted.items())
        self.sent.append(Sent(request.method, request.path, form,
                              request.headers.get("Authorization", "")))
        if self.script:
            answer = self.script.pop(0)
            return web.json_response(answer.body, status=answer.status,
                                     headers=answer.headers)
        if request.path.endswith("/Calls.json"):
            return web.json_response(created_call(next(self._sids), dict(form)), status=201)
        return web.json_response({"sid": request.path.rsplit("/", 1)[-1].split(".")[0]})


@asynccontextmanager
async def fake_twilio() -> AsyncIterator[tuple[FakeTwilio, str]]:
    fake = FakeTwilio()
    server = TestServer(fake.app)
    await server.start_server()
    try:
        yield fake, str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


async def post_signed(client: TestClient[Any, Any], path: str, form: dict[str, str],
                      query: dict[str, str] | None = None, *, token: str = TOKEN,
                      signed_for: str = PUBLIC, signature: str | None = None) -> Any:
    """Post a webhook as Twilio would: signed over the public URL and the form."""
    target = f"{path}?{urlencode(query)}" if query else path
    if signature is None:
        signature = RequestValidator(token).compute_signature(f"{signed_for}{target}", form)
    headers = {"X-Twilio-Signature": signature} if signature else {}
    return await client.post(target, data=form, headers=headers)
