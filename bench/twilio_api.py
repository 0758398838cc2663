"""A stand-in for Twilio's REST API on the load generator's side: a call update the
platform sends (``POST Calls/{CallSid}.json`` with ``Twiml``, or ``Status=completed``)
reaches the caller it is for, who runs the new document, as on Twilio.

Answers are in the documented shapes: a call resource
(https://www.twilio.com/docs/voice/api/call-resource, the fields of
``tests/unit/twilio_fake_api.created_call``), 201 for a created call, and error 21220
(400) for an update of a call that has completed. The platform's
REST requests are counted by kind, so the report can say how many documents went out
as updates rather than as webhook answers.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable

from aiohttp import web

from tests.unit.twilio_fake_api import created_call

#: hands an update to the call; False: no such call in progress
Deliver = Callable[[str, "str | None"], bool]
#: Twilio's answer to an update of a completed call (https://www.twilio.com/docs/errors/21220)
NOT_IN_PROGRESS = {"code": 21220, "message": "Call is not in-progress. Cannot redirect.",
                   "more_info": "https://www.twilio.com/docs/errors/21220", "status": 400}


class TwilioApi:
    """The REST API; ``deliver(sid, twiml or None)`` hands an update to its call."""


    def __init__(self, deliver: Deliver) -> None:
        self.deliver = deliver
        self.counts: Counter[str] = Counter()
        self._sids = (f"CA{n:032x}" for n in itertools.count(0xC0000000))
        self.app = web.Application()
        self.app.router.add_post("/2010-04-01/Accounts/{account}/Calls.json", self._create)
        self.app.router.add_post("/2010-04-01/Accounts/{account}/Calls/{sid}.json",
                                 self._update)
        self.app.router.add_route("*", "/2010-04-01/Accounts/{rest:.*}", self._other)

    async def _create(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        self.counts["create call"] += 1
        return web.json_response(created_call(next(self._sids), form), status=201)

    async def _update(self, request: web.Request) -> web.Response:
        form = {key: str(value) for key, value in (await request.post()).items()}
        sid = request.match_info["sid"]
        what = "TwiML" if "Twiml" in form else "hang-up" if form.get(
            "Status") == "completed" else "other"
        live = self.deliver(sid, form.get("Twiml")) if what != "other" else True
        if not live:  # the caller hung up already
            self.counts[f"call update ({what}) of a completed call: 400"] += 1
            return web.json_response(NOT_IN_PROGRESS, status=400)
        self.counts[f"call update ({what})"] += 1
        return web.json_response({**created_call(sid, form), "status": "in-progress"})

    async def _other(self, request: web.Request) -> web.Response:
        await request.read()
        self.counts[f"{request.method} other"] += 1
        return web.json_response({"sid": request.path.rsplit("/", 1)[-1].split(".")[0]})
