"""Twilio's part, played from its documented behaviour, for the scenarios.

A caller dials one of the account's numbers: Twilio posts the voice webhook and runs
the TwiML answer verb by verb (https://www.twilio.com/docs/voice/twiml):

- ``<Gather>`` listens for keys from its start, through its nested ``<Play>``/``<Say>``,
  and ``timeout`` seconds after them; ``numDigits`` keys, or a key of ``finishOnKey``,
  end it and post ``Digits`` to its ``action``; silence posts an empty ``Digits`` only
  with ``actionOnEmptyResult="true"``, otherwise the next verb runs;
- ``<Redirect>`` posts to its URL; ``<Hangup/>`` and the end of a document end the call;
- ``<Dial><Conference>`` joins the conference (``twilio_calls.Conferences``); when the
  call leaves it, the ``<Dial action>`` gets ``DialCallStatus=completed``;
- ``<Record>`` records a message of ``Timing.message`` seconds and posts the documented
  ``RecordingUrl``, ``RecordingDuration`` and ``Digits`` to its ``action``.

The REST requests the driver sends reach the local stand-in (``twilio_fake_api``),
which records and answers them; this emulator then acts on each as Twilio would
(https://www.twilio.com/docs/voice/api/call-resource): a created call rings its ``To``
(an agent's ``client:`` phone, or a person whose ``Kind`` the scenario set) and reports
its progress to ``StatusCallback`` for the ``StatusCallbackEvent`` asked; answered, it
fetches ``Url`` and runs the document, and with ``AsyncAmd`` posts ``AnsweredBy`` to
``AsyncAmdStatusCallback``; ``Twiml=`` replaces the document a call runs,
``Status=completed`` ends it; participant updates hold or mute it in its conference.

Where the documentation is silent, this assumes (and the platform's docs/twilio.md
lists the same points as unconfirmed):

- ``Status=completed`` on a call still ringing cancels it: it ends ``canceled``;
- a caller who hangs up during a ``<Dial>`` gets its ``action`` posted with
  ``CallStatus=completed`` (the answer is not run); a document replaced by ``Twiml=``
  posts no ``<Dial>`` action;
- keys pressed while no gather listens (between documents) wait for the next gather,
  one key each, as a caller who presses when prompted;
- a ``no_answer`` person's network gives up ringing after ``Timing.no_answer`` seconds
  (SIP 480), reported as ``no-answer``, before the call's ``Timeout``.

Seconds are shortened (``Timing``) so that a scenario takes about a second.
"""

from __future__ import annotations

import asyncio
import contextlib
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlparse

from tests.scenarios.lines import Kind
from tests.scenarios.twilio_calls import Conferences, Poster, TwilioCall, _sids
from tests.scenarios.twilio_rest import RestReactions
from tests.support import until


@dataclass(frozen=True, slots=True, kw_only=True)
class Timing:
    """The seconds of the emulated world, shortened."""

    play: float = 0.1  #: each ``<Play>``/``<Say>`` (not looped forever)
    gather_scale: float = 0.2  #: a ``<Gather timeout>`` second lasts this long
    ring: float = 0.1  #: a phone rings this long before it is answered
    amd: float = 0.2  #: the detector's verdict comes this long after the answer
    message: float = 1.0  #: a message left to ``<Record>``
    no_answer: float = 1.0  #: a phone nobody answers rings this long (see the docstring)


class TwilioEmulator:
    """The calls of one account, run against the platform at ``platform_url``."""

    def __init__(self, platform_url: str = "", *, timing: Timing = Timing()) -> None:
        self.timing = timing
        self.poster = Poster(platform_url)
        self.conferences = Conferences(self.poster)
        self.calls: dict[str, TwilioCall] = {}
        self.phones: dict[str, bool] = {}  #: ``client:`` identity -> whether it answers
        self.callees: dict[str, Kind] = {}
        #: the numbers and the Voice URL they lead to, with the number's status callback
        self.voice_url, self.number_status = "", ""
        self._inbound = _sids("CA", 0x1000)
        self._tasks: set[asyncio.Task[Any]] = set()
        #: what went wrong in the emulator's own tasks (a scenario fails on any)
        self.failures: list[BaseException] = []
        self.rest = RestReactions(self)
        self._closed = False  #: once closing, Twilio acts on no more requests

    def middleware(self) -> Any:
        """For the REST stand-in's app: each request answered, then acted on."""
        return self.rest.middleware()

    def spawn(self, work: Awaitable[Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        if self._closed:  # the platform's requests during the teardown: not acted on
            task.cancel()
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.failures.append(task.exception())

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.poster.close()  # (closing twice changes nothing)

    # -- a caller ----------------------------------------------------------------------------

    async def dial_in(self, source: str, number: str) -> TwilioCall:
        """A caller dials ``number``: the voice webhook, then the document it answers."""
        call = TwilioCall(next(self._inbound), source, number, "inbound", status="ringing",
                          status_callback=self.number_status)
        self.calls[call.sid] = call
        document = await self.poster.post(self.voice_url, call.form())
        call.status, call.answered_at = "in-progress", asyncio.get_running_loop().time()
        self.run(call, document)
        return call

    async def press(self, call: TwilioCall, digit: str, seconds: float) -> None:
        """A key pressed when a gather listens (see the module's docstring)."""
        await until(lambda: call.listening or call.over, seconds=seconds,
                    what=f"no gather listened for {digit!r} on {call.sid}", every=0.01)
        assert not call.over, f"{call.sid} is over: nobody hears {digit!r}"
        call.listening = False  # this key is the gather's; the next waits for the next
        call.keys.put_nowait(digit)

    async def hang_up(self, call: TwilioCall, reason: str = "participant_hung_up") -> None:
        """The party hangs up (or the platform ends the call): the document stops, a
        ``<Dial>`` under way is told, its conference is left, the status callback told."""
        if call.over:
            return
        await self._stop(call)
        call.status = "completed"
        if call.recording is not None:  # the message is kept, and the action told
            await self._recorded(call, "hangup")
        if call.conference is not None:
            await self.conferences.leave(call, reason)
            if call.dial_action:
                await self.poster.post(call.dial_action, call.form(
                    DialCallStatus="completed"))
        await self.end(call, "completed")

    async def end(self, call: TwilioCall, status: str, **extra: str) -> None:
        """The call's final status, to its status callback."""
        await self._stop(call)
        call.status = status
        loop = asyncio.get_running_loop()
        talked = 0 if call.answered_at is None else loop.time() - call.answered_at
        for sid, callback in call.recordings:
            await self.poster.post(callback["RecordingStatusCallback"], {
                "AccountSid": call.form()["AccountSid"], "CallSid": call.sid,
                "RecordingSid": sid, "RecordingStatus": "completed",
                "RecordingDuration": str(int(talked)), "RecordingChannels": "2",
                "RecordingSource": "StartCallRecordingAPI"})
        call.recordings.clear()
        await self.progress(call, "completed", CallDuration=str(int(talked)), **extra)

    async def progress(self, call: TwilioCall, event: str, **extra: str) -> None:
        """A status callback, if the call asked for ``event``."""
        if call.status_callback and event in call.status_events:
            await self.poster.post(call.status_callback, call.form(
                CallbackSource="call-progress-events",
                SequenceNumber=str(next(call.sequence)),
                Timestamp=formatdate(usegmt=True), **extra))

    # -- documents ---------------------------------------------------------------------------

    async def replace(self, call: TwilioCall, document: str) -> None:
        """``Twiml=``: the document replaces what the call runs; a call in a conference
        leaves it (without its ``<Dial action>``)."""
        await self._stop(call)
        if call.conference is not None:
            call.dial_action = ""
            await self.conferences.leave(call, "participant_updated_via_api")
        self.run(call, document)

    def run(self, call: TwilioCall, document: str) -> None:
        """``document`` replaces what the call runs."""
        if call.runner is not None and not call.runner.done():
            call.runner.cancel()
        call.listening = False
        call.runner = self.spawn(self._run(call, document))

    async def _stop(self, call: TwilioCall) -> None:
        runner, call.runner = call.runner, None
        call.listening = False
        if runner is not None and runner is not asyncio.current_task() and not runner.done():
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner

    async def _run(self, call: TwilioCall, document: str | None) -> None:
        """Each verb in turn; a verb that posts a webhook runs its answer instead."""
        while document is not None and not call.over:
            document = await self._verbs(call, ET.fromstring(document))
        if document is None and not call.over:  # no verb left: Twilio hangs up
            call.runner = None
            await self.hang_up(call)

    async def _verbs(self, call: TwilioCall, response: ET.Element) -> str | None:
        for verb in response:
            handler = self._VERBS.get(verb.tag)
            assert handler is not None, f"the emulator has no <{verb.tag}>"
            next_document = await handler(self, call, verb)
            if next_document == _HANG_UP:
                return None
            if next_document is not None:
                return next_document
        return None

    async def _say(self, call: TwilioCall, verb: ET.Element) -> None:
        """``<Play>`` or ``<Say>``; ``loop="0"`` plays until something else runs."""
        text = (verb.text or "").strip()
        call.heard.append(PurePosixPath(urlparse(text).path).stem if verb.tag == "Play"
                          else text)
        loop = int(verb.get("loop", "1"))
        await asyncio.sleep(self.timing.play * loop if loop else 1e6)

    async def _play(self, call: TwilioCall, verb: ET.Element) -> str | None:
        await self._say(call, verb)
        return None

    async def _gather(self, call: TwilioCall, verb: ET.Element) -> str | None:
        digits = await self._listen(call, verb)
        if not digits and verb.get("actionOnEmptyResult") != "true":
            return None  # on to the next verb
        return await self.poster.post(verb.get("action", ""), call.form(
            Digits=digits, FinishedOnKey=""), verb.get("method", "POST"))

    async def _listen(self, call: TwilioCall, verb: ET.Element) -> str:
        """The keys a gather takes: through its prompts, then ``timeout`` after them."""
        wanted, finish = int(verb.get("numDigits", "0") or 0), verb.get("finishOnKey", "#")
        timeout = float(verb.get("timeout", "5")) * self.timing.gather_scale
        got: list[str] = []
        call.listening = True
        prompts = self.spawn(self._prompts(call, list(verb)))
        try:
            while not wanted or len(got) < wanted:
                waited = call.keys.get()
                if not prompts.done():
                    key = await _first(waited, prompts)
                    if key is None:
                        continue
                else:
                    try:
                        key = await asyncio.wait_for(waited, timeout)
                    except TimeoutError:
                        break
                if finish and key in finish:
                    break
                got.append(key)
                call.listening = True
        finally:
            prompts.cancel()
            call.listening = False
        return "".join(got)

    async def _prompts(self, call: TwilioCall, items: list[ET.Element]) -> None:
        for item in items:
            await self._say(call, item)

    async def _redirect(self, call: TwilioCall, verb: ET.Element) -> str:
        return await self.poster.post((verb.text or "").strip(), call.form(),
                                      verb.get("method", "POST"))

    async def _dial(self, call: TwilioCall, verb: ET.Element) -> str | None:
        noun = verb.find("Conference")
        assert noun is not None, "the emulator dials conferences only"
        call.dial_action = verb.get("action", "")
        left = await self.conferences.join(call, noun.attrib, (noun.text or "").strip())
        await left.wait()  # until it leaves (the conference ends)
        action, call.dial_action = call.dial_action, ""
        if not action:
            return None
        return await self.poster.post(action, call.form(DialCallStatus="completed"),
                                      verb.get("method", "POST"))

    async def _record(self, call: TwilioCall, verb: ET.Element) -> str | None:
        """A message of ``Timing.message`` seconds; a caller who hangs up first leaves
        what they said (``hang_up`` posts the action with ``Digits=hangup``)."""
        call.recording = (verb.get("action", ""), asyncio.get_running_loop().time())
        if verb.get("playBeep", "true") == "true":
            call.heard.append("beep")
        await asyncio.sleep(self.timing.message)
        return await self._recorded(call, "hangup", verb.get("method", "POST"))

    async def _recorded(self, call: TwilioCall, digits: str, method: str = "POST") -> str:
        """``<Record>``'s action (https://www.twilio.com/docs/voice/twiml/record#action)."""
        assert call.recording is not None
        (action, since), call.recording = call.recording, None
        seconds = max(1, round(asyncio.get_running_loop().time() - since))
        recording = "RE" + call.sid[2:]
        return await self.poster.post(action, call.form(
            RecordingSid=recording, RecordingDuration=str(seconds),
            RecordingUrl=f"https://api.twilio.com/2010-04-01/Accounts/"
                         f"{call.form()['AccountSid']}/Recordings/{recording}",
            Digits=digits), method)

    async def _pause(self, call: TwilioCall, verb: ET.Element) -> None:
        await asyncio.sleep(float(verb.get("length", "1")) * self.timing.gather_scale)

    async def _hangup(self, call: TwilioCall, verb: ET.Element) -> str:
        return _HANG_UP

    _VERBS: Mapping[str, Callable[[TwilioEmulator, TwilioCall, ET.Element],
                                  Awaitable[str | None]]] = {
        "Say": _play, "Play": _play, "Gather": _gather, "Redirect": _redirect,
        "Dial": _dial, "Record": _record, "Pause": _pause, "Hangup": _hangup}


#: a verb's answer that ends the call
_HANG_UP = "<hang up>"


async def _first(waited: Awaitable[str], prompts: asyncio.Task[None]) -> str | None:
    """A key, or None once the prompts ended first (the key is still awaited after)."""
    key_task = asyncio.ensure_future(waited)
    done, _ = await asyncio.wait({key_task, prompts}, return_when=asyncio.FIRST_COMPLETED)
    if key_task in done:
        return key_task.result()
    key_task.cancel()
    return None

