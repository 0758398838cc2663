"""The emulated Twilio's calls and conferences, and the webhooks it signs and posts.

``TwilioCall`` is one call as Twilio keeps it (its SID, parties, status, the callbacks
it was given); ``Conferences`` keeps who is in which conference and tells the
conference's ``statusCallback`` (https://www.twilio.com/docs/voice/twiml/conference,
``statusCallbackEvent``: start, end, join, leave, mute, hold); ``Poster`` signs each
webhook as Twilio does (``X-Twilio-Signature``: the full URL and the posted form, with
the account's auth token, https://www.twilio.com/docs/usage/security) and posts it to
the platform, which it reaches at a local address in place of the public URL.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate

import aiohttp
from twilio.request_validator import RequestValidator
from yarl import URL

from tests.unit.twilio_fake_api import ACCOUNT, PUBLIC, TOKEN


def _sids(prefix: str, start: int) -> Iterator[str]:
    return (f"{prefix}{n:032x}" for n in itertools.count(start))


@dataclass(eq=False)
class TwilioCall:
    """One call: ``inbound`` (a caller dialed a number) or ``outbound-api`` (``Calls.json``)."""

    sid: str
    source: str  #: ``From``
    target: str  #: ``To``
    direction: str
    status: str = "queued"
    status_callback: str = ""
    status_events: tuple[str, ...] = ("completed",)
    answered_at: float | None = None
    #: the conference it is in (its friendly name), and its ``<Dial action>``
    conference: str | None = None
    left: asyncio.Event = field(default_factory=asyncio.Event)  #: set as it leaves it
    dial_action: str = ""
    #: a ``<Record>`` under way: its action, and when it started
    recording: tuple[str, float] | None = None
    #: what the caller heard: each ``<Play>``'s file name without its extension, each
    #: ``<Say>``'s words, in order
    heard: list[str] = field(default_factory=list)
    #: keys pressed that a gather listening now takes
    keys: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    listening: bool = False
    #: the task running the call's current document
    runner: asyncio.Task[None] | None = None
    recordings: list[tuple[str, Mapping[str, str]]] = field(default_factory=list)
    sequence: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def over(self) -> bool:
        return self.status in ("completed", "busy", "no-answer", "canceled", "failed")

    def form(self, **extra: str) -> dict[str, str]:
        """The parameters of every call webhook
        (https://www.twilio.com/docs/usage/webhooks/voice-webhooks)."""
        return {"AccountSid": ACCOUNT, "ApiVersion": "2010-04-01", "CallSid": self.sid,
                "From": self.source, "To": self.target, "Caller": self.source,
                "Called": self.target, "CallStatus": self.status,
                "Direction": self.direction, **extra}


class Poster:
    """Posts signed webhooks to the platform behind the public URL."""

    def __init__(self, platform_url: str = "") -> None:
        #: where the platform listens (the public URL leads there)
        self.platform = platform_url.rstrip("/")
        self._session = aiohttp.ClientSession()
        self._validator = RequestValidator(TOKEN)
        #: every webhook posted: (URL, form, answer)
        self.posted: list[tuple[str, dict[str, str], str]] = []

    async def post(self, url: str, form: Mapping[str, str], method: str = "POST") -> str:
        """The platform's answer (TwiML) to a webhook Twilio makes to ``url``."""
        assert method.upper() == "POST", f"the platform asked for {method} of {url}"
        assert url.startswith(PUBLIC), f"{url} is not under the public URL {PUBLIC}"
        signature = self._validator.compute_signature(url, dict(form))
        # the URL as it is written, not re-quoted: Twilio signs the URL it requests
        target = URL(f"{self.platform}{url[len(PUBLIC):]}", encoded=True)
        async with self._session.post(target, data=dict(form),
                                      headers={"X-Twilio-Signature": signature}) as answer:
            text = await answer.text()
            assert answer.status == 200, f"{url}: {answer.status} {text}"
        self.posted.append((url, dict(form), text))
        return text

    async def close(self) -> None:
        await self._session.close()


@dataclass(eq=False)
class _Conference:
    sid: str
    name: str
    callback: str
    events: tuple[str, ...]
    members: dict[str, dict[str, str]] = field(default_factory=dict)  #: CallSid -> flags
    sequence: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


class Conferences:
    """The account's conferences, by friendly name; each tells its ``statusCallback``."""

    def __init__(self, poster: Poster) -> None:
        self._poster = poster
        self._sids = _sids("CF", 0xC000)
        self._live: dict[str, _Conference] = {}
        #: the conferences left when their last participant left, by SID
        self.ended: list[str] = []

    def named(self, name: str) -> _Conference | None:
        return self._live.get(name)

    def by_sid(self, sid: str) -> _Conference | None:
        return next((c for c in self._live.values() if c.sid == sid), None)

    async def join(self, call: TwilioCall, noun: Mapping[str, str],
                   name: str) -> asyncio.Event:
        """``<Conference>``: the first to join starts it with their ``statusCallback``
        (the conference's events go where its first participant's attributes say)."""
        conference = self._live.get(name)
        if conference is None:
            conference = self._live[name] = _Conference(
                next(self._sids), name, noun.get("statusCallback", ""),
                tuple(noun.get("statusCallbackEvent", "").split()))
            await self._tell(conference, "start", "conference-start")
        conference.members[call.sid] = {
            "Muted": noun.get("muted", "false"), "Hold": "false",
            "Coaching": "true" if noun.get("coach") else "false",
            "CallSidToCoach": noun.get("coach", ""),
            "EndConferenceOnExit": noun.get("endConferenceOnExit", "false"),
            "StartConferenceOnEnter": noun.get("startConferenceOnEnter", "true")}
        call.conference, call.left = name, asyncio.Event()
        await self._tell(conference, "join", "participant-join", call.sid)
        return call.left

    async def leave(self, call: TwilioCall, reason: str) -> None:
        conference = self._live.get(call.conference or "")
        call.conference = None
        call.left.set()
        if conference is None or call.sid not in conference.members:
            return
        await self._tell(conference, "leave", "participant-leave", call.sid,
                         ParticipantCallStatus="completed" if call.over else "in-progress",
                         ReasonParticipantLeft=reason)
        del conference.members[call.sid]
        if not conference.members:
            del self._live[conference.name]
            self.ended.append(conference.sid)
            await self._tell(conference, "end", "conference-end",
                             ReasonConferenceEnded="last-participant-left")

    async def update(self, sid: str, call_sid: str, form: Mapping[str, str]) -> None:
        """``Conferences/{CF}/Participants/{CA}.json``: ``Hold``, ``Muted``."""
        conference = self.by_sid(sid)
        if conference is None or call_sid not in conference.members:
            return
        flags = conference.members[call_sid]
        for name, event in (("Hold", "hold"), ("Muted", "mute")):
            if name in form and form[name] != flags[name]:
                flags[name] = form[name]
                news = f"participant-{'un' if form[name] == 'false' else ''}{event}"
                await self._tell(conference, event, news, call_sid)

    async def _tell(self, conference: _Conference, wanted: str, event: str,
                    call_sid: str = "", **extra: str) -> None:
        if not conference.callback or wanted not in conference.events:
            return
        form = {"AccountSid": ACCOUNT, "ConferenceSid": conference.sid,
                "FriendlyName": conference.name, "StatusCallbackEvent": event,
                "SequenceNumber": str(next(conference.sequence)),
                "Timestamp": formatdate(usegmt=True), **extra}
        if call_sid:
            form.update(CallSid=call_sid, **conference.members.get(call_sid, {}))
        await self._poster.post(conference.callback, form)
