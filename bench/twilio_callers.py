"""Callers as Twilio would carry them: each one runs the TwiML the platform answers.

A caller dials the number (the voice webhook), then runs each document it gets back as
Twilio does: a prompt ``<Gather>`` plays its ``<Play>``/``<Say>`` (``Pace.media_seconds``
each) and posts its action with ``Digits`` when the caller presses a key during it, or
with none once it has played and its ``timeout`` passed (``actionOnEmptyResult``); a
silent ``<Gather>`` (the platform's park) posts a digit the caller types, or follows its
``<Redirect>`` when its timeout passes; hold music (``<Play loop="0">``) plays until the
caller hangs up or a call update replaces it; ``<Record>`` takes a message
(``Pace.message_seconds``, then ``#``); ``<Hangup/>`` ends the call. A document
the platform sends later through the REST API (``POST Calls/{CallSid}.json Twiml=...``,
see ``twilio_api.py``) replaces the one running. Status callbacks go out as Twilio's
``statusCallback`` of the number would send them: ``ringing`` with the voice webhook,
``in-progress`` once it is answered, ``completed`` when the call ends.

What a caller does is a ``Plan`` drawn per call (``draw_plan``): the keys it presses each
time it hears the main menu, the account number it types, how long it waits in a queue
before it hangs up. The caller listens to which prompt plays (the ``<Play>`` URLs), so it
stays coherent whatever document comes: every webhook is for a call the platform knows.

Every webhook is signed as Twilio signs it (``RequestValidator.compute_signature`` over
the exact URL, query included, and the form) and posted with its URL unchanged; each is
recorded as a ``Sample``: when it was sent, its kind, and the time to its whole body.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import random
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from email.utils import formatdate

import aiohttp
from twilio.request_validator import RequestValidator
from yarl import URL

from contactcenter.telephony.twilio.signature import SORRY
from tests.unit.twilio_fake_api import ACCOUNT, PUBLIC, TOKEN

NUMBER = "+15550005000"
#: callers' numbers; the directory knows the first two (a VIP and a regular caller)
CALLERS = ("+15550001001", "+15550001002", "+15550001003", "+15550001004")


@dataclass(frozen=True, slots=True, kw_only=True)
class Pace:
    """How long things take on the phone, in seconds (shorter than life, for short runs)."""

    media_seconds: float = 1.0  #: each <Play> or <Say> of a prompt
    key_after: float = 0.6  #: a key pressed this long into the main menu
    digit_every: float = 0.3  #: the digits of an account number, one after the other
    min_wait: float = 5.0  #: a caller waits in a queue between these two
    max_wait: float = 30.0
    message_seconds: int = 3  #: a voicemail message, until the caller presses #


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What one caller does."""

    kind: str
    menu: tuple[str, ...]  #: the key pressed at each hearing of the main menu ("" none)
    more: tuple[str, ...] = ()  #: the keys at each hearing of the more-options menu
    account: str = ""  #: typed after "enter the account number", ``#`` included
    wait: float = 0.0  #: seconds in a queue, then the caller hangs up


#: (share, kind): the call mix
MIX = ((0.40, "queue"), (0.20, "account"), (0.10, "no input"), (0.10, "invalid key"),
       (0.10, "more options"), (0.10, "hang up in menu"))


def draw_plan(rng: random.Random, pace: Pace) -> Plan:
    kind = rng.choices([k for _s, k in MIX], weights=[s for s, _k in MIX])[0]
    wait = rng.uniform(pace.min_wait, pace.max_wait)
    queue = rng.choice("120")  # sales, support, operator
    if kind == "queue":
        return Plan(kind=kind, menu=(queue,), wait=wait)
    if kind == "account":  # the balance, then back in the menu, then a queue
        account = rng.choice(("12345#", "67890#"))
        return Plan(kind=kind, menu=("3", queue), account=account, wait=wait / 2)
    if kind == "no input":  # the menu plays out, is asked again, then a queue
        return Plan(kind=kind, menu=("", queue), wait=wait)
    if kind == "invalid key":
        return Plan(kind=kind, menu=("7", queue), wait=wait)
    if kind == "more options":  # more options, back (*), then the operator
        return Plan(kind=kind, menu=("9", "0"), more=("*",), wait=wait)
    return Plan(kind=kind, menu=("hangup",))


@dataclass(frozen=True, slots=True)
class Sample:
    """One webhook: sent at ``sent`` (perf_counter), answered after ``latency`` s."""

    sent: float
    kind: str
    latency: float
    status: int
    lag: float  #: how late the generator sent it against its plan


@dataclass(slots=True)
class Doc:
    """A TwiML document, read as far as a caller needs."""

    verb: str  #: "prompt", "park", "hold", "hangup", "redirect", "other"
    action: str = ""  #: the URL to post the gather's result to
    redirect: str = ""
    timeout: float = 0.0
    media: tuple[str, ...] = ()


def read_twiml(xml: str) -> Doc:
    root = ET.fromstring(xml)
    verbs = list(root)
    if not verbs:
        return Doc("other")
    first = verbs[0]
    redirect = next((html.unescape(v.text or "") for v in verbs if v.tag == "Redirect"), "")
    if first.tag == "Gather":
        media = tuple(child.text or "" for child in first)
        loops = any(child.get("loop") == "0" for child in first)
        verb = "hold" if loops else "prompt" if media else "park"
        return Doc(verb, action=first.get("action", ""), redirect=redirect,
                   timeout=float(first.get("timeout", "5")), media=media)
    if first.tag == "Record":
        return Doc("record", action=first.get("action", ""), redirect=redirect)
    if first.tag == "Hangup" or any(v.tag == "Hangup" for v in verbs):
        return Doc("hangup")
    if first.tag == "Redirect":
        return Doc("redirect", redirect=redirect)
    return Doc("other")


@dataclass
class Phone:
    """What every caller shares: the HTTP session, the platform's address, the samples."""

    session: aiohttp.ClientSession
    base: str  #: where the platform listens, e.g. http://127.0.0.1:8099
    pace: Pace
    samples: list[Sample] = field(default_factory=list)
    calls: dict[str, Caller] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    validator: RequestValidator = field(default_factory=lambda: RequestValidator(TOKEN))
    record: bool = True

    async def post(self, url: str, form: dict[str, str], kind: str, lag: float = 0.0) -> str:
        """Post a webhook to ``url`` (the public URL Twilio was given), signed over it."""
        signature = self.validator.compute_signature(url, form)
        target = URL(self.base + url[len(PUBLIC):], encoded=True)  # the query unchanged
        sent = time.perf_counter()
        async with self.session.post(target, data=form,
                                     headers={"X-Twilio-Signature": signature}) as answer:
            body = await answer.text()
        if self.record:
            status = 500 if SORRY in body else answer.status  # the apology: a failure
            self.samples.append(Sample(sent, kind, time.perf_counter() - sent, status, lag))
        if answer.status != 200 or SORRY in body:  # refused, or the platform failed
            self.errors.append(f"{kind} {answer.status}")
        return body


_sids = (f"CA{n:032x}" for n in itertools.count(0xB0000000))


class Caller:
    """One call: its webhooks, as Twilio would send them for what this caller does."""

    def __init__(self, phone: Phone, plan: Plan, rng: random.Random) -> None:
        self.phone, self.plan = phone, plan
        self.sid = next(_sids)
        self.form = {"AccountSid": ACCOUNT, "ApiVersion": "2010-04-01", "CallSid": self.sid,
                     "From": rng.choice(CALLERS), "To": NUMBER, "Direction": "inbound",
                     "Caller": "", "Called": NUMBER}
        self.form["Caller"] = self.form["From"]
        self._menu, self._more = list(plan.menu), list(plan.more)
        self._digits = ""
        self._sequence = 0
        self._leave_at: float | None = None  #: when the caller hangs up on hold
        self._updates: asyncio.Queue[str | None] = asyncio.Queue()
        self.ended = False

    def update(self, twiml: str | None) -> None:
        """A document sent through the REST API (``None``: the platform hung up)."""
        self._updates.put_nowait(twiml)

    async def run(self, lag: float) -> None:
        self.phone.calls[self.sid] = self
        try:
            voice = {**self.form, "CallStatus": "ringing"}
            ringing = asyncio.ensure_future(self.status("ringing", lag))
            try:
                xml = await self.phone.post(f"{PUBLIC}/twilio/voice", voice, "voice", lag)
            finally:
                await ringing
            await self.status("in-progress")
            await self._follow(xml)
        except asyncio.CancelledError:
            pass
        finally:
            self.phone.calls.pop(self.sid, None)
        if not self.ended:
            await self.hang_up()

    async def hang_up(self) -> None:
        self.ended = True
        await self.status("completed")

    async def status(self, status: str, lag: float = 0.0) -> None:
        self._sequence += 1
        form = {**self.form, "CallStatus": status, "CallbackSource": "call-progress-events",
                "SequenceNumber": str(self._sequence), "Timestamp": formatdate(usegmt=True)}
        if status == "completed":
            form["CallDuration"] = "30"
        await self.phone.post(f"{PUBLIC}/twilio/status", form, f"status {status}", lag)

    async def _follow(self, first: str) -> None:
        """Run each document until the call ends."""
        xml: str | None = first
        while xml is not None and not self.ended:
            doc = read_twiml(xml)
            if doc.verb == "hangup":
                return
            run = asyncio.ensure_future(self._run_doc(doc))
            update = asyncio.ensure_future(self._updates.get())
            try:
                done, _ = await asyncio.wait({run, update},
                                             return_when=asyncio.FIRST_COMPLETED)
            finally:  # the caller hung up (the trial's end): nothing of it goes on
                for task in (run, update):
                    if not task.done():
                        task.cancel()
            if update in done:  # a call update replaces the document running
                xml = update.result()
                if xml is None:  # the platform hung up: Twilio tells the status callback
                    await self.hang_up()
                continue
            xml = run.result()

    async def _run_doc(self, doc: Doc) -> str | None:
        """Run one document as Twilio would with this caller on the line; the next
        document (the answer of the webhook it led to), or ``None`` when the caller hung up."""
        form = {**self.form, "CallStatus": "in-progress"}
        pace = self.phone.pace
        if doc.verb == "prompt":
            key = self._key_for(doc.media)
            if key == "hangup":
                await asyncio.sleep(pace.key_after)
                await self.hang_up()
                return None
            if key:
                await asyncio.sleep(pace.key_after)
                return await self.phone.post(doc.action, {**form, "Digits": key}, "menu key")
            await asyncio.sleep(pace.media_seconds * len(doc.media) + doc.timeout)
            return await self.phone.post(doc.action, form, "prompt ended")
        if doc.verb == "park" and self._digits:
            await asyncio.sleep(pace.digit_every)
            digit, self._digits = self._digits[0], self._digits[1:]
            return await self.phone.post(doc.action, {**form, "Digits": digit}, "typed digit")
        if doc.verb == "record":  # a voicemail: the caller speaks, then presses #
            await asyncio.sleep(pace.message_seconds)
            return await self.phone.post(doc.action, {**form, **self._recording()},
                                         "voicemail recorded")
        if doc.verb in ("park", "redirect") and doc.redirect:
            await asyncio.sleep(doc.timeout)
            return await self.phone.post(doc.redirect, form, "park redirect")
        loop = asyncio.get_running_loop()  # hold music, or nothing to do: wait, hang up
        if self._leave_at is None:
            self._leave_at = loop.time() + self.plan.wait
        await asyncio.sleep(max(0.0, self._leave_at - loop.time()))
        await self.hang_up()
        return None

    def _recording(self) -> dict[str, str]:
        """``<Record action>``'s parameters (twilio.com/docs/voice/twiml/record)."""
        sid = "RE" + self.sid[2:]
        return {"RecordingSid": sid, "RecordingDuration": str(self.phone.pace.message_seconds),
                "RecordingUrl": f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}"
                                f"/Recordings/{sid}", "Digits": "#"}

    def _key_for(self, media: tuple[str, ...]) -> str:
        """What this caller presses while ``media`` plays ("" nothing: let it play)."""
        heard = " ".join(media)
        if "basic-pbx-ivr-main" in heard:
            return self._menu.pop(0) if self._menu else "hangup"
        if "vm-tocallback" in heard:
            return self._more.pop(0) if self._more else "hangup"
        if "vm-enter-num-to-call" in heard:
            self._digits = self.plan.account
        return ""


async def arrivals(phone: Phone, rate: float, seconds: float, seed: int,
                   started: Callable[[asyncio.Task[None]], None]) -> int:
    """Calls at ``rate`` per second (Poisson, open loop) for ``seconds``; how many."""
    rng = random.Random(seed)
    loop = asyncio.get_running_loop()
    start = loop.time()
    due, count = start, 0
    while True:
        due += rng.expovariate(rate)
        if due - start >= seconds:
            return count
        await asyncio.sleep(max(0.0, due - loop.time()))
        caller = Caller(phone, draw_plan(rng, phone.pace), random.Random(rng.random()))
        started(asyncio.ensure_future(caller.run(max(0.0, loop.time() - due))))
        count += 1
