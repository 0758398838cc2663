"""The Twilio driver's I/O: answers webhooks with TwiML, sends REST requests.

Same face as the Asterisk driver (``start``, ``wait_connected``, ``status``,
``execute``, ``stop``; events to ``on_event``). Wire messages go through ``translate``
both ways. Theory of operation:

- A webhook (``routes.twilio_routes``, signature already checked) is translated; a replay
  (same ``dedupe_key``) gets the answer of the original and is not handed on. Its events
  go to the engine, and if Twilio waits for the call's next document (the voice webhook,
  a leg answered, a gather, a park, a dial or ``<Record>`` ending), the webhook stays
  open up to ``answer_within`` seconds for the commands the events lead to: the last
  document they give the call is the answer. None in time: the call waits parked (or
  back on its hold music), and later documents go as call updates.
- A command (``execute``) is translated against the book (``book.CallBook``); its
  documents answer the call's open webhook or go as ``call_update``, its requests go
  through ``rest.RestSender``. Commands of one call run one at a time, in order (a lane
  per call id). A command for a leg or conference whose SID Twilio has not given yet
  (``UnknownCall``) is held, with the call's later commands, until a REST answer or a
  webhook names it, or the call ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.twilio import hooks as h
from contactcenter.telephony.twilio import twiml
from contactcenter.telephony.twilio.book import CallBook
from contactcenter.telephony.twilio.credentials import CredentialsError, TwilioCredentials
from contactcenter.telephony.twilio.hooks import Setup
from contactcenter.telephony.twilio.replay import SIZE, ReplayBook
from contactcenter.telephony.twilio.rest import API_BASE, DEFAULT_LIMITS, Limits, RestSender
from contactcenter.telephony.twilio.signature import Verdict, check_signature, polite_twiml
from contactcenter.telephony.twilio.translate import (
    HOLD_DOC,
    CallTwiml,
    UnknownCall,
    Webhook,
    call_update,
    translate_webhook,
    twilio_action,
)
from contactcenter.telephony.twilio.webhooks import FINAL_STATUSES

log = logging.getLogger(__name__)

OnEvent = Callable[[de.DriverEvent], None]
#: the answer to a webhook whose reply Twilio does not run (status, AMD, conference)
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'
#: webhooks whose answer is the call's next document
_DOCUMENT_HOOKS = (h.VOICE, h.ANSWERED, h.GATHER, h.PARK, h.DIAL)


@dataclass(slots=True)
class _Open:
    """A webhook waiting for its call's next document."""

    given: asyncio.Event = field(default_factory=asyncio.Event)
    name: str = ""
    xml: str = ""


class _Lanes:
    """One lock per call id, dropped when nobody holds or waits for it."""

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: defaultdict[str, int] = defaultdict(int)

    @contextlib.asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] += 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]


class TwilioDriver:
    """``api_base``: where REST requests go (Twilio's API; a local server in tests)."""

    def __init__(self, *, setup: Setup, credentials: TwilioCredentials, on_event: OnEvent,
                 limits: Limits = DEFAULT_LIMITS, api_base: str = API_BASE,
                 answer_within: float = 2.0, settle: float = 0.05,
                 replay_size: int = SIZE) -> None:
        self.setup = setup
        self._credentials = credentials
        self._on_event = on_event
        self._limits, self._api_base = limits, api_base
        self._answer_within, self._settle = answer_within, settle
        self._replays = ReplayBook(replay_size)
        self.book = CallBook()
        self._open: dict[str, _Open] = {}
        self._held: dict[str, list[dc.DriverCommand]] = {}
        self._lanes = _Lanes()
        self._docs = 0
        self._epoch = f"{int(time.time()):x}"
        self._http: Any = None
        self.sender: RestSender | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        user, password = self._credentials.rest_auth()
        self._http = AsyncTwilioHttpClient(timeout=self._limits.timeout)
        client = Client(user, password, self._credentials.account_sid.reveal(),
                        http_client=self._http)
        self.sender = RestSender(client, api_base=self._api_base, limits=self._limits)

    async def wait_connected(self, timeout: float) -> None:
        """Nothing to connect to: Twilio calls the platform, which asks per request."""

    def status(self) -> dict[str, bool]:
        return {"rest": self.sender is not None}

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # gone before the client
        for open_hook in self._open.values():
            open_hook.given.set()
        if self._http is not None:
            await self._http.close()
            self._http = None
        self.sender = None

    # webhooks -------------------------------------------------------------------------

    def verify(self, path: str, query: str, form: Mapping[str, str],
               signature: str | None) -> Verdict:
        """Is the webhook Twilio's (``X-Twilio-Signature`` over the public URL)?"""
        try:
            token = self._credentials.signing_token()
        except CredentialsError as exc:
            return Verdict(False, str(exc), path)
        try:
            return check_signature(token, base=self.setup.public_url, path=path,
                                   query=query, form=form, signature=signature)
        except ValueError as exc:  # a public URL that is not one: nothing can be checked
            return Verdict(False, str(exc), path)

    async def answer(self, path: str, query: Mapping[str, str],
                     form: Mapping[str, str]) -> str:
        """The TwiML answer to a signed webhook; ``WebhookError`` if it cannot be read."""
        hook = translate_webhook(path, query, form)
        earlier = self._replays.seen(hook.dedupe_key)
        if earlier is not None:
            log.info("Twilio replayed %s: answered as before", hook.dedupe_key)
            return await asyncio.shield(earlier)
        answer = self._replays.open(hook.dedupe_key)
        xml = polite_twiml(language=self.setup.language)
        try:
            xml = await self._handle(hook, form)
        finally:
            answer.set_result(xml)
        return xml

    async def _handle(self, hook: Webhook, form: Mapping[str, str]) -> str:
        self.book.learn(hook)
        wants = hook.path in _DOCUMENT_HOOKS or (
            hook.path == h.RECORDING and not form.get("RecordingStatus"))
        waiting = _Open() if wants and hook.events else None
        if waiting is not None:
            self._open[hook.call_id] = waiting
        try:
            for event in hook.events:
                self._on_event(event)
                if isinstance(event, de.CallEnded):
                    self._ended(event.call_id)
                elif isinstance(event, de.DialUnanswered):  # names the dial, not its leg
                    self._ended(hook.call_id)
            self._flush_held()
            if not wants:
                return EMPTY
            if form.get("CallStatus") in FINAL_STATUSES:  # a <Dial> action after a hang-up
                self._ended(hook.call_id)
                return twiml.hangup()
            if waiting is not None:
                await self._wait_for_document(waiting)
        finally:
            if waiting is not None and self._open.get(hook.call_id) is waiting:
                del self._open[hook.call_id]
        return self._next_document(hook, waiting)

    async def _wait_for_document(self, waiting: _Open) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(waiting.given.wait(), self._answer_within)
            await asyncio.sleep(self._settle)  # the commands right after: the last wins

    def _next_document(self, hook: Webhook, waiting: _Open | None) -> str:
        if waiting is not None and waiting.xml:
            return waiting.xml
        running = self.book.running.get(hook.call_id, ("", ""))[0]
        music = self.book.music.get(hook.call_id)
        if running.startswith(HOLD_DOC) and music is not None and hook.path in (h.GATHER,
                                                                               h.PARK):
            # a digit pressed on hold: the music goes on, under a new name, so that the
            # next digit's callback is not taken for a replay of this one's
            doc = f"{HOLD_DOC}{self._next_doc()}"
            xml = twiml.hold(self.setup, hook.call_id, music, doc)
        else:
            doc = self._next_doc()
            xml = twiml.park(self.setup, hook.call_id, doc)
        self.book.running[hook.call_id] = (doc, xml)
        return xml

    def _ended(self, call_id: str) -> None:
        self.book.forget(call_id)
        dropped = self._held.pop(call_id, [])
        if dropped:
            log.warning("call %s ended with %d commands held: dropped", call_id, len(dropped))

    # commands -------------------------------------------------------------------------

    def _next_doc(self) -> str:
        """A document's name, unique across restarts too: a gather or dial callback of a
        document from before a restart is not taken for a replay of a new one's."""
        self._docs += 1
        return f"{self._epoch}.{self._docs}"

    async def execute(self, command: dc.DriverCommand) -> None:
        async with self._lanes.hold(command.call_id):
            held = self._held.get(command.call_id)
            if held is not None:
                held.append(command)  # behind the one held: the call's order kept
                return
            try:
                await self._carry_out(command)
            except UnknownCall as unknown:
                log.info("call %s: %s held until Twilio names %s", command.call_id,
                         type(command).__name__, unknown)
                self._held[command.call_id] = [command]
            except Exception as exc:
                leg = getattr(command, "leg_id", "")
                if leg and leg != command.call_id:  # a leg never created: nothing will name it
                    self._ended(leg)
                if not isinstance(command, dc.PlaceDial):
                    raise
                self._dial_refused(command, exc)

    def _dial_refused(self, command: dc.PlaceDial, exc: Exception) -> None:
        """A dial Twilio refused (or that could not be sent) ended unanswered, as the
        Asterisk driver reports a refused originate: the campaign goes on."""
        log.warning("dial %s: the call was not created: %s", command.call_id, exc)
        self._on_event(de.DialUnanswered(call_id=command.call_id, reason="failed",
                                         cause=str(exc) or type(exc).__name__))

    async def _carry_out(self, command: dc.DriverCommand) -> None:
        assert self.sender is not None, "the driver is not started"
        action = twilio_action(command, self.setup, self.book.known(), self._next_doc())
        updates = [self._update_for(document) for document in action.twiml]  # UnknownCall
        skipped = False
        for document, update in zip(action.twiml, updates, strict=True):
            if self._replaces(document):
                await self._deliver(document, update)
            else:
                skipped = True
        for request in action.requests:
            answer = await self.sender.send(request)
            sid = (answer or {}).get("sid")
            leg = getattr(command, "leg_id", "")
            if request.path.endswith("/Calls.json") and leg and isinstance(sid, str):
                self.book.call_sids[leg] = sid
                self._flush_held()
        self.book.sent(command)
        if not skipped:  # a playback that had ended already is not reported ended again
            for event in action.reports:
                self._on_event(event)
                if isinstance(event, de.CallEnded):  # a snoop hung up: out of the book
                    self._ended(event.call_id)

    def _update_for(self, document: CallTwiml) -> Any:
        if document.call_id in self._open:
            return None
        return call_update(self.setup, self.book.known(), document)

    def _replaces(self, document: CallTwiml) -> bool:
        """Only the document named (``c:announce:1`` does not stop ``c:announce:12``);
        ``HOLD_DOC``: any music on hold."""
        running, wanted = self.book.running.get(document.call_id, ("", ""))[0], document.replaces
        return not wanted or running == wanted or (
            wanted == HOLD_DOC and running.startswith(HOLD_DOC))

    async def _deliver(self, document: CallTwiml, update: Any) -> None:
        self.book.running[document.call_id] = (document.doc, document.xml)
        waiting = self._open.get(document.call_id)
        if waiting is not None and update is None:
            waiting.name, waiting.xml = document.doc, document.xml
            waiting.given.set()
            return
        assert self.sender is not None
        await self.sender.send(update or call_update(self.setup, self.book.known(), document))

    def _flush_held(self) -> None:
        """Try the held commands again, in a task (their lanes may be taken now)."""
        if self._held:
            task = asyncio.ensure_future(self._retry_held())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _retry_held(self) -> None:
        for call_id in list(self._held):
            async with self._lanes.hold(call_id):
                queue = self._held.pop(call_id, [])
                while queue:
                    try:
                        await self._carry_out(queue[0])
                    except UnknownCall:
                        self._held[call_id] = queue
                        break
                    except Exception:  # one failed command; the rest go on
                        log.exception("call %s: a held %s failed", call_id,
                                      type(queue[0]).__name__)
                    queue.pop(0)
