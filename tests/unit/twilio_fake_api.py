"""A local stand-in for Twilio's REST API and a signed-webhook poster, for the Twilio
driver's tests.

The stand-in records what the ``twilio`` library sends (method, path, form with repeated
names kept, the Authorization header) and answers in the documented shapes: a created
call as in https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource
(201, ``sid``, ``status: queued``...), an error as Twilio's 2010 API gives it
(``code``, ``message``, ``more_info``, ``status``;
https://www.twilio.com/docs/errors/20429 for "Too Many Requests"). Answers queued in
``script`` are given first, in order.

The list endpoints a restarted driver reads (``GET Calls.json?Status=...``,
``Conferences.json?Status=...``, ``Conferences/{CF}/Participants.json``) answer from
``calls``, ``conferences`` and ``participants`` (resources in the documented JSON) as
Twilio pages them: ``page_size`` items a page, ``next_page_uri`` to the next one, null on
the last (https://www.twilio.com/docs/usage/twilios-response#pagination). Those reads are
recorded in ``listed``, not ``sent``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from twilio.request_validator import RequestValidator

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeed"
PUBLIC = "https://cc.example.com"
#: the number the demo's main flow answers on, on Twilio (E.164, as Twilio gives ``To``)
NUMBER = "+15550005000"
ROOT = Path(__file__).resolve().parents[2]


def demo_on_twilio(folder: Path, api_base: str, **twilio: Any) -> Path:
    """The demo's settings on Twilio (its flows, queues and agents, ``folder``'s state, the
    credentials in a 0600 file), REST to ``api_base``; ``twilio``: the section's others.
    Written to ``folder/config/twilio.yaml``."""
    data = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    credentials = folder / "twilio.json"
    credentials.write_text(json.dumps({"account_sid": ACCOUNT, "auth_token": TOKEN}))
    credentials.chmod(0o600)
    data.update(state_dir=str(folder / "var"), driver="twilio", dialer={},
                scripts={"dir": str(ROOT / "config/scripts")},
                acd={"queues": str(ROOT / "config/queues.yaml"),
                     "agents": str(ROOT / "config/agents.yaml"),
                     "voicemail": str(ROOT / "config/voicemail.yaml")})
    data["ivr"].update(dir=str(ROOT / "config/ivr"), numbers={NUMBER: "main"})
    data["twilio"] = {"public_url": PUBLIC, "account_sid": ACCOUNT,
                      "credentials_file": str(credentials), "numbers": [NUMBER],
                      "api_base": api_base, **twilio}
    path = folder / "config" / "twilio.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@dataclass(frozen=True, slots=True)
class Sent:
    method: str
    path: str
    form: tuple[tuple[str, str], ...]
    authorization: str

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.form if key == name]


#: the list endpoints, and the key of their items in a page
_LISTS = ((re.compile(r"/Calls\.json$"), "calls"),
          (re.compile(r"/Conferences\.json$"), "conferences"),
          (re.compile(r"/Conferences/(CF\w+)/Participants\.json$"), "participants"))


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
        #: Call resources and Conference resources Twilio has, participants by ConferenceSid
        self.calls: list[dict[str, Any]] = []
        self.conferences: list[dict[str, Any]] = []
        self.participants: dict[str, list[dict[str, Any]]] = {}
        self.page_size = 2
        #: the list pages read: (path, query string)
        self.listed: list[tuple[str, str]] = []
        self._sids = (f"CA{n:032x}" for n in itertools.count(0xA000))
        self.app = web.Application()
        self.app.router.add_route("*", "/2010-04-01/Accounts/{rest:.*}", self._answer)

    def created(self) -> list[str]:
        return [f"CA{n:032x}" for n in range(0xA000, 0xA000 + len(self.sent))]

    async def _answer(self, request: web.Request) -> web.Response:
        if request.method == "GET":
            for pattern, key in _LISTS:
                found = pattern.search(request.path)
                if found:
                    self.listed.append((request.path, request.query_string))
                    if self.script:
                        answer = self.script.pop(0)
                        return web.json_response(answer.body, status=answer.status)
                    return web.json_response(self._page(request, key, found))
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


    def _page(self, request: web.Request, key: str, found: re.Match[str]) -> dict[str, Any]:
        """One page of a list, in the documented shape."""
        if key == "participants":
            items = self.participants.get(found.group(1), [])
        else:
            wanted = request.query.get("Status")
            items = [item for item in getattr(self, key)
                     if wanted is None or item.get("status") == wanted]
        number = int(request.query.get("Page", "0"))
        size = self.page_size
        chunk = items[number * size:(number + 1) * size]
        more = (number + 1) * size < len(items)
        status = f"Status={request.query['Status']}&" if "Status" in request.query else ""
        after = f"{request.path}?{status}PageSize={size}&Page={number + 1}"
        return {key: chunk, "page": number, "page_size": size, "start": number * size,
                "end": number * size + max(len(chunk) - 1, 0),
                "uri": f"{request.path}?{request.query_string}",
                "first_page_uri": f"{request.path}?{status}PageSize={size}&Page=0",
                "previous_page_uri": None,
                "next_page_uri": f"{after}&PageToken=PA{number + 1:032x}" if more else None}


def listed_call(sid: str, *, status: str = "in-progress", direction: str = "inbound",
                to: str = "+15550005000", caller: str = "+15550001002",
                caller_name: str | None = None) -> dict[str, Any]:
    """A Call resource as ``GET Calls.json`` lists it (the documented fields)."""
    return {**created_call(sid, {"To": to, "From": caller}), "status": status,
            "direction": direction, "caller_name": caller_name,
            "start_time": "Fri, 04 Dec 2026 21:00:01 +0000"}


def listed_conference(sid: str, name: str) -> dict[str, Any]:
    """A Conference resource as ``GET Conferences.json`` lists it."""
    return {"sid": sid, "account_sid": ACCOUNT, "friendly_name": name,
            "status": "in-progress", "region": "us1", "api_version": "2010-04-01",
            "reason_conference_ended": None, "call_sid_ending_conference": None,
            "date_created": "Fri, 04 Dec 2026 21:00:05 +0000",
            "date_updated": "Fri, 04 Dec 2026 21:00:05 +0000",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Conferences/{sid}.json",
            "subresource_uris": {
                "participants": f"/2010-04-01/Accounts/{ACCOUNT}/Conferences/{sid}/"
                                "Participants.json",
                "recordings": f"/2010-04-01/Accounts/{ACCOUNT}/Conferences/{sid}/"
                              "Recordings.json"}}


def listed_participant(conference: str, call_sid: str, *, muted: bool = False,
                       hold: bool = False) -> dict[str, Any]:
    """A Participant resource as ``GET Conferences/{CF}/Participants.json`` lists it."""
    return {"account_sid": ACCOUNT, "call_sid": call_sid, "conference_sid": conference,
            "label": None, "call_sid_to_coach": None, "coaching": False,
            "end_conference_on_exit": False, "start_conference_on_enter": True,
            "muted": muted, "hold": hold, "status": "connected",
            "queue_time": None, "date_created": "Fri, 04 Dec 2026 21:00:05 +0000",
            "date_updated": "Fri, 04 Dec 2026 21:00:05 +0000",
            "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Conferences/{conference}/Participants/"
                   f"{call_sid}.json"}


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
