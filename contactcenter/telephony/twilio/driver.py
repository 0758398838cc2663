"""The Twilio driver's I/O: answers webhooks with TwiML, sends REST requests.

Same face as the Asterisk driver (``start``, ``wait_connected``, ``status``,
``execute``, ``stop``; events to ``on_event``). Wire messages go through ``translate``
both ways. Theory of operation:

- A webhook (``routes.twilio_routes``, signature already checked) is translated; a replay
  (same ``dedupe_key``) gets the answer of the original and is not handed on. Its events
  go to the engine, and if Twilio waits for the call's next document (the voice webhook,
  a leg answered, a gather, a park, a dial or ``<Record>`` ending), the webhook stays
  open for the commands the events lead to (``opened.py``): until the engine has
  handled them (``settled``), at most ``answer_within`` seconds. The last document they
  give the call is the answer; none: the call's waiting document (a gather running
  again, parked, or back on its hold music), and later documents go as call updates.
- A command (``execute``) is translated against the book (``book.CallBook``); its
  documents answer the call's open webhook or go as ``call_update``, its requests go
  through ``rest.RestSender``. Commands of one call run one at a time, in order (a lane
  per call id). A command for a leg or conference whose SID Twilio has not given yet
  (``UnknownCall``) is held, with the call's later commands, until a REST answer or a
  webhook names it, or the call ends, or ``hold_within`` seconds pass (``held.py``): the
  engine is then told the call failed.
- At start (``start``) the books on disk (``store.py``) give back the webhooks answered
  and the legs placed before a restart; Twilio's lists of the calls and conferences in
  progress (``listing.py``, ``resync.py``) say which still exist, and the engine gets
  them through ``on_resync``, as from the Asterisk driver.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.twilio import hooks as h
from contactcenter.telephony.twilio import twiml
from contactcenter.telephony.twilio.book import CallBook
from contactcenter.telephony.twilio.credentials import CredentialsError, TwilioCredentials
from contactcenter.telephony.twilio.held import HeldCommands
from contactcenter.telephony.twilio.hooks import Setup
from contactcenter.telephony.twilio.lanes import Lanes
from contactcenter.telephony.twilio.listing import take_up
from contactcenter.telephony.twilio.opened import OpenHook, Settled, Waits
from contactcenter.telephony.twilio.replay import SIZE, ReplayBook
from contactcenter.telephony.twilio.rest import API_BASE, DEFAULT_LIMITS, Limits, RestSender
from contactcenter.telephony.twilio.resync import LegInfo
from contactcenter.telephony.twilio.signature import Verdict, check_signature, polite_twiml
from contactcenter.telephony.twilio.store import BookFile
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
#: the engine's ``resync``: the callers in progress, the answered legs of theirs, and
#: every call of the platform in progress (the Asterisk driver's ``OnResync``)
OnResync = Callable[[Mapping[str, de.CallArrived], Mapping[str, de.AnsweredLeg],
                     AbstractSet[str]], None]
#: seconds a held command waits beyond ``answer_within`` by default
HOLD_GRACE = 5.0
#: what a leg is for, by the command that places it (its ``purpose`` otherwise)
_PLACED_FOR = {dc.DialCustomer: "customer", dc.PlaceDial: "dialer"}
#: the answer to a webhook whose reply Twilio does not run (status, AMD, conference)
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response />'
#: webhooks whose answer is the call's next document
_DOCUMENT_HOOKS = (h.VOICE, h.ANSWERED, h.GATHER, h.PARK, h.DIAL)
#: webhooks whose events may well lead to no document: they wait ``quiet`` seconds only
_MAYBE_DOCUMENT = (h.GATHER, h.PARK)


class TwilioDriver:
    """``api_base``: where REST requests go (Twilio's API; a local server in tests).
    ``state_file``: the books on disk (none: nothing survives a restart); ``hold_within``:
    seconds a command waits for its call's SID (default ``answer_within + HOLD_GRACE``);
    ``quiet``: how long a caller's keys wait for a document (``_MAYBE_DOCUMENT``) when
    ``settled`` cannot tell."""

    def __init__(self, *, setup: Setup, credentials: TwilioCredentials, on_event: OnEvent,
                 on_resync: OnResync | None = None, limits: Limits = DEFAULT_LIMITS,
                 api_base: str = API_BASE, answer_within: float = 2.0, settle: float = 0.05,
                 replay_size: int = SIZE, state_file: Path | None = None,
                 hold_within: float | None = None, quiet: float = 0.25,
                 settled: Settled | None = None) -> None:
        self.setup = setup
        self.waits = Waits(answer_within=answer_within, settle=settle, quiet=quiet,
                           settled=settled)
        self._credentials = credentials
        self._on_event, self._on_resync = on_event, on_resync
        self._limits, self._api_base = limits, api_base
        self._replays = ReplayBook(replay_size)
        self._file = BookFile(state_file, size=replay_size) if state_file else None
        self.book = CallBook()
        self._open: dict[str, OpenHook] = {}
        self._held = HeldCommands(hold_within or answer_within + HOLD_GRACE,
                                  self._hold_expired)
        #: campaign dials placed and not yet answered or unanswered: leg id -> dial id
        self._dials: dict[str, str] = {}
        self._lanes = Lanes()
        self._docs = 0
        self._epoch = f"{time.time_ns() // 1_000_000:x}"  # ms: a quick restart differs too
        self._http: Any = None
        self.sender: RestSender | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        user, password = self._credentials.rest_auth()
        self._http = AsyncTwilioHttpClient(timeout=self._limits.timeout)
        client = Client(user, password, self._credentials.account_sid.reveal(),
                        http_client=self._http)
        self.sender = RestSender(client, api_base=self._api_base, limits=self._limits)
        await self._resync()

    async def _resync(self) -> None:
        """The books on disk, then what Twilio has now (it wins), then the engine's view."""
        assert self.sender is not None
        view = await take_up(self.sender, self.setup, self._file, self._replays, self.book)
        if view is not None and self._on_resync is not None:
            self._on_resync(view.live, view.legs, view.present)

    async def wait_connected(self, timeout: float) -> None:
        """Nothing to connect to: Twilio calls the platform, which asks per request."""

    def status(self) -> dict[str, bool]:
        return {"rest": self.sender is not None}

    async def stop(self) -> None:
        await self._held.close()
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # gone before the client
        if self._file is not None:
            self._file.close()
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
            if self._file is not None:
                self._file.answered(hook.dedupe_key, xml)
        return xml

    async def _handle(self, hook: Webhook, form: Mapping[str, str]) -> str:
        self.book.learn(hook)
        wants = hook.path in _DOCUMENT_HOOKS or (
            hook.path == h.RECORDING and not form.get("RecordingStatus"))
        waiting = OpenHook() if wants and hook.events else None
        if waiting is not None:
            self._open[hook.call_id] = waiting
        try:
            for event in hook.events:
                self._on_event(event)
                if isinstance(event, de.CallEnded):
                    self._ended(event.call_id)
                elif isinstance(event, de.DialUnanswered):  # names the dial, not its leg
                    self._ended(hook.call_id)
                elif isinstance(event, de.DialAnswered):
                    self._dials.pop(event.leg_id, None)
            self._flush_held()
            if not wants:
                return EMPTY
            if form.get("CallStatus") in FINAL_STATUSES:  # a <Dial> action after a hang-up
                self._ended(hook.call_id)
                return twiml.hangup()
            if waiting is not None:
                await self._wait_for_document(hook, waiting)
        finally:
            if waiting is not None and self._open.get(hook.call_id) is waiting:
                del self._open[hook.call_id]
        return self._next_document(hook, waiting)

    async def _wait_for_document(self, hook: Webhook, waiting: OpenHook) -> None:
        await self.waits.for_document(hook.call_id, waiting, keyed=hook.path in _MAYBE_DOCUMENT)

    def _next_document(self, hook: Webhook, waiting: OpenHook | None) -> str:
        if waiting is not None and waiting.xml:
            return waiting.xml
        return self.book.waiting(self.setup, hook.call_id, self._next_doc(),
                                 keyed=hook.path in (h.GATHER, h.PARK))

    def _ended(self, call_id: str) -> None:
        self.book.forget(call_id)
        self._dials.pop(call_id, None)
        if self._file is not None:
            self._file.gone(call_id)
        dropped = self._held.take(call_id)
        self._held.release(call_id)
        if dropped:
            log.warning("call %s ended with %d commands held: dropped", call_id, len(dropped))

    async def _hold_expired(self, call_id: str) -> None:
        """No SID for the call within ``hold_within``: its commands are dropped and the
        engine told it failed, as if Twilio had said so (a dial not answered yet: its
        ``DialUnanswered``); a call Twilio has (its conference went unnamed) is hung up."""
        async with self._lanes.hold(call_id):
            if not self._held.overdue(call_id):
                return  # named, or ended, while the lane was taken
            dropped = self._held.take(call_id)
            cause = (f"no SID from Twilio within {self._held.within:g} s "
                     f"({len(dropped)} commands dropped)")
            log.warning("call %s: %s", call_id, cause)
            dial = self._dials.get(call_id)
            self._on_event(de.DialUnanswered(call_id=dial, reason="failed", cause=cause)
                           if dial else de.CallEnded(call_id=call_id, cause=cause))
            if self._known_sid(call_id):
                with contextlib.suppress(Exception):  # gone already: nothing to hang up
                    await self._carry_out(dc.HangupCall(call_id=call_id, reason="failed"))
            self._ended(call_id)

    def _known_sid(self, call_id: str) -> bool:
        try:
            self.book.known().sid(call_id)
        except UnknownCall:
            return False
        return True

    # commands -------------------------------------------------------------------------

    def _next_doc(self) -> str:
        """A document's name, unique across restarts too: a gather or dial callback of a
        document from before a restart is not taken for a replay of a new one's."""
        self._docs += 1
        return f"{self._epoch}.{self._docs}"

    async def execute(self, command: dc.DriverCommand) -> None:
        async with self._lanes.hold(command.call_id):
            if self._held.append(command):  # behind the one held: the call's order kept
                return
            try:
                await self._carry_out(command)
            except UnknownCall as unknown:
                log.info("call %s: %s held until Twilio names %s", command.call_id,
                         type(command).__name__, unknown)
                self._held.hold(command.call_id, [command])
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
        if isinstance(command, dc.PlaceDial):  # unanswered until it answers or ends
            self._dials[command.leg_id] = command.call_id
        for request in action.requests:
            leg = getattr(command, "leg_id", "") if request.path.endswith("/Calls.json") else ""
            answer = await self._create(request, leg) if leg else await self.sender.send(
                request)
            sid = (answer or {}).get("sid")
            if leg and isinstance(sid, str):
                self._placed(command, leg, sid)
        self.book.sent(command)
        if not skipped:  # a playback that had ended already is not reported ended again
            for event in action.reports:
                self._on_event(event)
                if isinstance(event, de.CallEnded):  # a snoop hung up: out of the book
                    self._ended(event.call_id)

    async def _create(self, request: Any, leg: str) -> dict[str, Any] | None:
        """A leg's create: commands held for the leg are not late while it is on its way."""
        assert self.sender is not None
        self._held.creating.add(leg)
        try:
            return await self.sender.send(request)
        finally:
            self._held.creating.discard(leg)

    def _placed(self, command: dc.DriverCommand, leg: str, sid: str) -> None:
        """A leg Twilio created: booked (on disk too), and its held commands tried again."""
        self.book.call_sids[leg] = sid
        if self._file is not None:
            self._file.leg(LegInfo(
                leg_id=leg, sid=sid, call_id=command.call_id,
                purpose=_PLACED_FOR.get(type(command)) or str(getattr(command, "purpose", "")),
                endpoint=getattr(command, "endpoint", "")))
        self._flush_held()

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
        for call_id in self._held.calls():
            async with self._lanes.hold(call_id):
                queue = self._held.take(call_id)
                progressed = False
                while queue:
                    try:
                        await self._carry_out(queue[0])
                    except UnknownCall:  # a later command waits for another SID: anew
                        self._held.hold(call_id, queue, anew=progressed)
                        break
                    except Exception:  # one failed command; the rest go on
                        log.exception("call %s: a held %s failed", call_id,
                                      type(queue[0]).__name__)
                    queue.pop(0)
                    progressed = True
                if not queue:
                    self._held.release(call_id)
