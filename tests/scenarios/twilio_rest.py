"""What the emulated Twilio does about each REST request the driver sends.

The local stand-in (``tests.unit.twilio_fake_api.FakeTwilio``) records each request and
answers it in Twilio's documented JSON; a middleware on its app hands each answered
request here, and the emulator acts on it in a task of its own (the driver gets its
answer first, as from Twilio, and the call's webhooks follow):

- ``POST Calls.json`` (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource):
  the call rings ``To``; ``initiated``, ``ringing``, ``answered`` (``in-progress``) and
  ``completed`` go to ``StatusCallback`` as far as ``StatusCallbackEvent`` asks (only
  ``completed`` when it asks none); answered, ``Url`` gives its document; with
  ``AsyncAmd=true`` the verdict goes to ``AsyncAmdStatusCallback``
  (https://www.twilio.com/docs/voice/answering-machine-detection: ``human``,
  ``machine_end_beep`` with ``DetectMessageEnd``, and ``MachineDetectionDuration``);
- ``POST Calls/{CallSid}.json``: ``Twiml`` replaces the document, ``Status=completed``
  ends the call (cancels it while it rings);
- ``POST Calls/{CallSid}/Recordings.json``: the call is recorded; the recording's
  status callback comes when the call ends;
- ``POST Conferences/{CF}/Participants/{CallSid}.json`` (``Hold``, ``Muted``) and
  ``POST Conferences/{CF}.json`` (``Status=completed`` ends the conference: everyone in
  it leaves, each ``<Dial>`` ends).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiDictProxy

from tests.scenarios.twilio_calls import TwilioCall

if TYPE_CHECKING:
    from tests.scenarios.twilio_emulator import TwilioEmulator

_UNDER_ACCOUNT = re.compile(r"^/2010-04-01/Accounts/AC[0-9a-f]{32}/(?P<rest>.+)\.json$")
_RINGING = ("queued", "initiated", "ringing")
#: ``AnsweredBy`` for each kind of person (``MachineDetection=DetectMessageEnd``)
_VERDICTS = {"human": ("human", "1800"), "machine": ("machine_end_beep", "7400")}


class RestReactions:
    def __init__(self, emulator: TwilioEmulator) -> None:
        self._emulator = emulator

    def middleware(self) -> Callable[..., Awaitable[web.StreamResponse]]:
        @web.middleware
        async def react(request: web.Request, handler: Callable[..., Any]) -> Any:
            response = await handler(request)
            matched = _UNDER_ACCOUNT.match(request.path)
            if request.method == "POST" and matched and response.status < 300:
                form = await request.post()
                body = json.loads(response.body) if response.body else {}
                self._emulator.spawn(self._react(matched["rest"], form, body))
            return response

        return react

    async def _react(self, resource: str, form: MultiDictProxy[Any],
                     body: Mapping[str, Any]) -> None:
        parts = resource.split("/")
        emulator = self._emulator
        if parts == ["Calls"]:
            await self._create(form, str(body["sid"]))
        elif parts[0] == "Calls" and len(parts) == 2:
            await self._update(emulator.calls[parts[1]], form)
        elif parts[0] == "Calls" and parts[2:] == ["Recordings"]:
            emulator.calls[parts[1]].recordings.append(
                (f"RE{parts[1][2:]}", {k: str(v) for k, v in form.items()}))
        elif parts[0] == "Conferences" and parts[2:3] == ["Participants"]:
            await emulator.conferences.update(parts[1], parts[3],
                                              {k: str(v) for k, v in form.items()})
        elif parts[0] == "Conferences" and len(parts) == 2 and form.get("Status") == "completed":
            await self._end_conference(parts[1])

    async def _create(self, form: MultiDictProxy[Any], sid: str) -> None:
        emulator = self._emulator
        events = tuple(str(e) for e in form.getall("StatusCallbackEvent", [])) or ("completed",)
        call = TwilioCall(sid, str(form["From"]), str(form["To"]), "outbound-api",
                          status_callback=str(form.get("StatusCallback", "")),
                          status_events=events)
        emulator.calls[sid] = call
        call.runner = emulator.spawn(self._ring(call, {k: str(v) for k, v in form.items()}))

    async def _ring(self, call: TwilioCall, form: Mapping[str, str]) -> None:
        """The call's life until it is answered, or not."""
        emulator, timing = self._emulator, self._emulator.timing
        call.status = "initiated"
        await emulator.progress(call, "initiated")
        call.status = "ringing"
        await emulator.progress(call, "ringing")
        kind = self._kind(call.target)
        timeout = float(form.get("Timeout", "60"))
        if kind == "busy":
            await asyncio.sleep(timing.ring)
            await self._unanswered(call, "busy", "486")
        elif kind == "no_answer":
            await asyncio.sleep(min(timeout, timing.no_answer))
            await self._unanswered(call, "no-answer", "480")
        elif kind == "unanswered phone":
            await asyncio.sleep(timeout)
            await self._unanswered(call, "no-answer", "487")
        else:
            await asyncio.sleep(timing.ring)
            await self._answered(call, form, kind)

    def _kind(self, target: str) -> str:
        """A ``client:`` phone answers if its agent does; a number as its person does."""
        if target.startswith("client:"):
            answers = self._emulator.phones.get(target.partition(":")[2], False)
            return "human" if answers else "unanswered phone"
        return self._emulator.callees.get(target, "human")

    async def _unanswered(self, call: TwilioCall, status: str, sip: str) -> None:
        call.runner = None  # this task ends the call: it is not to be cancelled
        await self._emulator.end(call, status, SipResponseCode=sip)

    async def _answered(self, call: TwilioCall, form: Mapping[str, str], kind: str) -> None:
        emulator = self._emulator
        call.status, call.answered_at = "in-progress", asyncio.get_running_loop().time()
        call.runner = None
        await emulator.progress(call, "answered")
        document = await emulator.poster.post(form["Url"], call.form(),
                                              form.get("Method", "POST"))
        if form.get("AsyncAmd") == "true" and form.get("AsyncAmdStatusCallback"):
            emulator.spawn(self._verdict(call, form, kind))
        if not call.over:
            emulator.run(call, document)

    async def _verdict(self, call: TwilioCall, form: Mapping[str, str], kind: str) -> None:
        await asyncio.sleep(self._emulator.timing.amd)
        answered_by, took = _VERDICTS.get(kind, ("unknown", "5000"))
        await self._emulator.poster.post(form["AsyncAmdStatusCallback"], {
            "AccountSid": call.form()["AccountSid"], "CallSid": call.sid,
            "AnsweredBy": answered_by, "MachineDetectionDuration": took},
            form.get("AsyncAmdStatusCallbackMethod", "POST"))

    async def _update(self, call: TwilioCall, form: MultiDictProxy[Any]) -> None:
        emulator = self._emulator
        if call.over:
            return
        if "Twiml" in form:
            await emulator.replace(call, str(form["Twiml"]))
        if form.get("Status") in ("completed", "canceled"):
            if call.status in _RINGING:
                await emulator.end(call, "canceled")
            else:
                await emulator.hang_up(call, "participant_updated_via_api")

    async def _end_conference(self, sid: str) -> None:
        conference = self._emulator.conferences.by_sid(sid)
        if conference is None:
            return
        for call_sid in list(conference.members):
            await self._emulator.conferences.leave(self._emulator.calls[call_sid],
                                                   "conference_ended_via_api")
