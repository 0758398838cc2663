"""Sending ``RestRequest``s to Twilio: a calls-per-second budget, and back-off when told
to slow down.

Requests go through the ``twilio`` library's ``Client.request_async`` over its
``AsyncTwilioHttpClient`` (aiohttp): the library adds the basic authentication, its
User-Agent and form encoding, and its logger never writes the ``Authorization`` header nor
the form. The request's URL is ``api_base`` + the translated path, so a test (or a
regional endpoint) only changes ``api_base``.

Limits, from Twilio's documentation:

- Calls are created at most at the account's CPS (calls per second, 1 by default,
  https://help.twilio.com/articles/223180028): ``POST .../Calls.json`` waits for a token of
  a bucket refilled at ``calls_per_second``. Other requests are not paced.
- HTTP 429, or error code 20429 ("Too Many Requests",
  https://www.twilio.com/docs/api/errors/20429), means the request was not carried out:
  it is sent again after ``min(cap, base * 2**attempt)``, scaled by a random factor in
  [0.5, 1] (jitter, so that senders told to wait together do not return together), at
  most ``retries`` times. A ``Retry-After`` header, when present, is waited at least.
  Nothing else is retried: a create whose answer was lost may have placed the call.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from contactcenter.telephony.twilio.translate import RestRequest

log = logging.getLogger(__name__)

#: Twilio's API, where every translated path lives
API_BASE = "https://api.twilio.com"
#: "Too Many Requests" (https://www.twilio.com/docs/api/errors/20429)
TOO_MANY_REQUESTS = 20429


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """How fast, and how patiently, requests are sent."""

    #: calls created per second at most (the account's CPS; Twilio's default is 1)
    calls_per_second: float = 1.0
    #: calls that may be created at once after a quiet while
    burst: int = 1
    #: times a request told to slow down (429, 20429) is sent again before giving up
    retries: int = 5
    #: seconds before the first retry; doubled for each next one
    backoff_base: float = 0.5
    #: seconds a retry ever waits at most
    backoff_cap: float = 30.0
    #: seconds a request may take
    timeout: float = 10.0


DEFAULT_LIMITS = Limits()


class TokenBucket:
    """``calls_per_second`` tokens a second, ``burst`` at most; no clock of its own."""

    def __init__(self, rate: float, burst: int, now: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of 1 or more")
        self._rate, self._burst = rate, float(burst)
        self._tokens, self._at = float(burst), now

    def reserve(self, now: float) -> float:
        """Take a token; the seconds to wait before using it (0: at once)."""
        self._tokens = min(self._burst, self._tokens + (now - self._at) * self._rate)
        self._at = now
        self._tokens -= 1.0
        return 0.0 if self._tokens >= 0 else -self._tokens / self._rate


class RestError(Exception):
    """Twilio refused a request (or kept asking to slow down): the status, Twilio's error
    code and message, the method and path; never the credentials."""

    def __init__(self, request: RestRequest, status: int, code: int | None,
                 message: str) -> None:
        super().__init__(f"{request.method} {request.path}: HTTP {status}"
                         + (f", Twilio error {code}" if code else "")
                         + (f": {message}" if message else ""))
        self.status, self.code = status, code


def _body(text: str) -> dict[str, Any]:
    try:
        parsed = json.loads(text) if text else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _retry_after(headers: Any) -> float:
    try:
        return float((headers or {}).get("Retry-After", 0))
    except (TypeError, ValueError):
        return 0.0


Sleep = Callable[[float], Awaitable[None]]


class RestSender:
    """Sends one request at a time per caller; ``client`` is a ``twilio.rest.Client``
    over an asynchronous HTTP client."""

    def __init__(self, client: Any, *, api_base: str = API_BASE, limits: Limits | None = None,
                 clock: Callable[[], float] = time.monotonic, sleep: Sleep = asyncio.sleep,
                 rng: random.Random | None = None) -> None:
        self._client = client
        self._base = api_base.rstrip("/")
        self._limits = limits = limits or DEFAULT_LIMITS
        self._clock, self._sleep = clock, sleep
        self._rng = rng or random.Random()
        self._bucket = TokenBucket(limits.calls_per_second, limits.burst, clock())
        #: requests sent again after a 429 or 20429, since the start
        self.retried = 0

    def backoff(self, attempt: int) -> float:
        """Seconds before retry number ``attempt`` (0 for the first)."""
        limits = self._limits
        ceiling = min(limits.backoff_cap, limits.backoff_base * 2.0 ** attempt)
        return ceiling * self._rng.uniform(0.5, 1.0)

    async def send(self, request: RestRequest) -> dict[str, Any] | None:
        """The answer's JSON; ``None`` for a tolerated status or error code (a call
        already gone); ``RestError`` when Twilio refuses, or still says "too many" after
        the retries."""
        if request.method == "POST" and request.path.endswith("/Calls.json"):
            wait = self._bucket.reserve(self._clock())
            if wait > 0:
                await self._sleep(wait)
        for attempt in range(self._limits.retries + 1):
            response = await self._request(request)
            status, body = response.status_code, _body(response.text)
            code = body.get("code") if isinstance(body.get("code"), int) else None
            if status != 429 and code != TOO_MANY_REQUESTS:
                return self._outcome(request, status, code, body)
            if attempt == self._limits.retries:
                break
            delay = max(self.backoff(attempt), _retry_after(response.headers))
            log.info("Twilio asks to slow down (HTTP %s, code %s) on %s %s: again in %.2f s",
                     status, code, request.method, request.path, delay)
            self.retried += 1
            await self._sleep(delay)
        raise RestError(request, status, code, "still too many requests after "
                        f"{self._limits.retries} retries")

    async def _request(self, request: RestRequest) -> Any:
        form = list(request.params)
        get = request.method == "GET"
        return await self._client.request_async(
            request.method, f"{self._base}{request.path}", params=form if get else None,
            data=None if get else form, timeout=self._limits.timeout)

    @staticmethod
    def _outcome(request: RestRequest, status: int, code: int | None,
                 body: dict[str, Any]) -> dict[str, Any] | None:
        if 200 <= status < 300:
            return body
        if status in request.tolerated or (code is not None and code in request.tolerated):
            return None
        raise RestError(request, status, code, str(body.get("message", "")))
