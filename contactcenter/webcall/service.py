"""The asyncio side of web visitors' calls: grants made, pushed to Asterisk, taken back.

``WebCalls.grant`` checks what a page asks (the target, the rate per client address),
looks the visitor's e-mail up in the CRM, makes a fresh endpoint name and password,
pushes the auth and the endpoint to Asterisk over ARI (``dialplan``) and files the
grant with the book (``grants``). ``arrived`` is the engine's question at each inbound
call: a call marked ``web`` is matched to its grant (used once, within its time, to its
own target's extension) and goes to the target's flow, its caller the contact's number
when the visitor is known; its credential is withdrawn at once. ``run`` withdraws the
credentials nobody called with by their deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from contactcenter.ivr.loader import Flow, parse_flow
from contactcenter.telephony import events as de
from contactcenter.telephony.asterisk.ari import AriClient, AriError
from contactcenter.telephony.asterisk.translate import AriRequest
from contactcenter.web.pages.selfservice import RateLimit
from contactcenter.webcall.dialplan import WEB_ARG, auth_fields, endpoint_fields
from contactcenter.webcall.grants import PREFIX, Grant, GrantBook, Refusal, extension
from contactcenter.webcall.settings import WebCallSettings

log = logging.getLogger(__name__)

#: the longest the CRM may take to say who an e-mail is; the grant goes out without it
LOOKUP_TIMEOUT = 2.0
_DYNAMIC = "/asterisk/config/dynamic/res_pjsip"

ContactLookup = Callable[[str], Awaitable[Mapping[str, Any] | None]]


class GrantError(Exception):
    """A grant refused: the HTTP status, why, and the field at fault if one is."""

    def __init__(self, status: int, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.field = status, reason, field


@dataclass(frozen=True, slots=True)
class WebArrival:
    """A web visitor's call as the engine runs it: None ``flow``: refused.

    ``arrival`` is what the IVR and the queue see: its caller stays the unproven ``web``,
    so no lookup by number, VIP priority or callback to ``{caller}`` acts on a phone
    line the visitor only named by typing an e-mail. ``caller`` and ``caller_name`` are
    what the record and the screen-pop say: the contact the visitor named, if any."""

    arrival: de.CallArrived
    flow: Flow | None
    facts: dict[str, Any]
    caller: str = ""
    caller_name: str = ""


def limit_key(address: str) -> str:
    """The rate limit's key for a client address: itself, or its /64 for IPv6 (one
    subscriber line holds a /64, so counting each address would be no limit)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def target_flows(settings: WebCallSettings, flows: Mapping[str, Flow]) -> dict[str, Flow]:
    """Each target's flow: an IVR flow of the settings, or one that queues at once."""
    made = {}
    for name, target in settings.targets.items():
        if target.flow is not None:
            made[name] = flows[target.flow]
        else:
            made[name] = parse_flow({"start": "queue", "nodes": {
                "queue": {"type": "queue", "queue": target.queue}}}, name=extension(name))
    return made


class WebCalls:
    def __init__(self, settings: WebCallSettings, *, flows: Mapping[str, Flow],
                 media_address: str, ari: Callable[[], AriClient | None],
                 contacts: ContactLookup | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.flows = target_flows(settings, flows)
        self.book = GrantBook()
        self.limit = RateLimit(settings.grants_per_address, settings.window_seconds)
        self._media_address = media_address
        self._ari = ari
        self._contacts = contacts
        self._clock = clock
        self._wake: asyncio.Event | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    # -- a page asks ------------------------------------------------------------------

    async def grant(self, *, target: str, address: str, origin: str = "", page: str = "",
                    email: str | None = None) -> Grant:
        if target not in self.settings.targets:
            raise GrantError(422, f"target: {target!r} is not a target this site may call",
                             "target")
        if not self.limit.allow(limit_key(address), time.monotonic()):
            raise GrantError(429, "too many calls asked for from this address; try again "
                                  "later")
        ari = self._ari()
        if ari is None:
            raise GrantError(503, "web calls cannot be placed right now")
        if len(self.book.grants) >= self.settings.max_live_grants:
            log.warning("web call grants: %d live, the most allowed; refusing more",
                        len(self.book.grants))
            raise GrantError(503, "too many web calls are being set up; try again shortly")
        now = self._clock()
        grant = Grant(id=PREFIX + secrets.token_hex(8), password=secrets.token_urlsafe(18),
                      target=target, issued=now, expires=now + self.settings.grant_seconds,
                      address=address, origin=origin, page=page, email=email,
                      contact=await self._contact(email))
        try:
            await ari.send(AriRequest("PUT", f"{_DYNAMIC}/auth/{grant.id}",
                                      body={"fields": auth_fields(grant)}))
            await ari.send(AriRequest("PUT", f"{_DYNAMIC}/endpoint/{grant.id}", body={
                "fields": endpoint_fields(grant, self._media_address)}))
        except (AriError, OSError) as exc:
            log.warning("web call grant %s not pushed to Asterisk: %s", grant.id, exc)
            self._spawn(self._delete(ari, grant.id))
            raise GrantError(503, "web calls cannot be placed right now") from None
        self.book.issue(grant)
        if self._wake is not None:
            self._wake.set()
        log.info("web call grant %s for %s issued (page %s)", grant.id, target, page or "-")
        return grant

    async def _contact(self, email: str | None) -> Mapping[str, Any] | None:
        if not email or self._contacts is None:
            return None
        try:
            return await asyncio.wait_for(self._contacts(email), LOOKUP_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - an unknown visitor beats no call
            log.warning("web call: the CRM did not say who the visitor is: %r", exc)
            return None

    # -- the call arrives ---------------------------------------------------------------

    def arrived(self, arrival: de.CallArrived, *, resumed: bool) -> WebArrival | None:
        """None for a call that is not a web visitor's; else where it goes."""
        marked = arrival.args[:1] == (WEB_ARG,)
        target = arrival.dialed.removeprefix("web-")
        if resumed and (marked or (arrival.dialed.startswith("web-") and target in self.flows)):
            # admitted before a restart (met again in the app without its Stasis
            # arguments): it goes on where it was
            return WebArrival(arrival, self.flows.get(target), {})
        if not marked:
            return None
        endpoint = arrival.args[1] if len(arrival.args) > 1 else ""
        decided = self.book.arrive(endpoint, arrival.dialed, self._clock())
        if isinstance(decided, Refusal):
            log.warning("web call %s from %r refused: %s", arrival.call_id, endpoint,
                        decided.value)
            return WebArrival(arrival, None, {})
        self._spawn(self.withdraw(decided.id))  # one call per grant
        contact = decided.contact or {}
        return WebArrival(arrival, self.flows.get(decided.target), decided.facts(),
                          caller=str(contact.get("phone") or arrival.caller),
                          caller_name=str(contact.get("name") or decided.email
                                          or "Web visitor"))

    # -- credentials taken back -------------------------------------------------------

    async def withdraw(self, grant_id: str) -> None:
        """The grant's endpoint and auth out of Asterisk; the grant forgotten."""
        ari = self._ari()
        if ari is not None:
            await self._delete(ari, grant_id)
        self.book.forget(grant_id)

    async def _delete(self, ari: AriClient, grant_id: str) -> None:
        for kind in ("endpoint", "auth"):
            try:
                await ari.send(AriRequest("DELETE", f"{_DYNAMIC}/{kind}/{grant_id}",
                                          tolerated=(404,)))
            except (AriError, OSError) as exc:
                log.warning("web call grant %s: %s not deleted: %s", grant_id, kind, exc)

    async def sweep(self) -> int:
        """Delete the ``webcall-*`` endpoints no live grant owns: those an earlier run of
        the app gave and lost with its memory (a restart, a crash), which would
        otherwise sit in Asterisk's memory until it restarts. How many went."""
        ari = self._ari()
        if ari is None:
            raise OSError("Asterisk's ARI is not connected")
        listed = await ari.send(AriRequest("GET", "/endpoints/PJSIP")) or []
        stale = {str(item.get("resource", "")) for item in listed
                 if isinstance(item, dict)} - set(self.book.grants)
        stale = {name for name in stale if name.startswith(PREFIX)}
        for name in sorted(stale):
            await self._delete(ari, name)
        if stale:
            log.info("web calls: %d endpoints of an earlier run's grants deleted", len(stale))
        return len(stale)

    async def _sweep_at_start(self, attempts: int = 60, every: float = 2.0) -> None:
        """``sweep`` once Asterisk answers (the app may start before it does)."""
        for _ in range(attempts):
            try:
                await self.sweep()
                return
            except (AriError, OSError) as exc:
                log.debug("web calls: no sweep of old grants yet: %s", exc)
            await asyncio.sleep(every)
        log.warning("web calls: endpoints of an earlier run's grants not swept")

    async def run(self) -> None:
        """Withdraw each grant nobody called with by its deadline; until cancelled."""
        self._wake = asyncio.Event()
        self._spawn(self._sweep_at_start())
        try:
            while True:
                deadline = self.book.next_deadline()
                timeout = None if deadline is None else max(0.0, deadline - self._clock())
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout)
                self._wake.clear()
                for grant in self.book.due(self._clock()):
                    log.info("web call grant %s expired unused", grant.id)
                    await self.withdraw(grant.id)
        finally:
            for task in list(self._tasks):
                task.cancel()

    def _spawn(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
