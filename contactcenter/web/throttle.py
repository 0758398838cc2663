"""Slowing down password guessing: failed sign-ins counted per username and per address.

Three tables keep the times of recent failed sign-ins: per username and client
address together, per username wherever from, per address whatever the name.
Once a key's ``limit`` of them fall within ``WINDOW`` seconds, the key is
refused (a 429 with ``Retry-After``) until the oldest one ages out, without the
password being checked at all: thirty guesses in a row get ten answers, then
waits. The tight limit is the pair's, so that somebody guessing at a user's
password from elsewhere does not lock that user out of their own desk; the
username alone has a limit ten times higher, against guessing spread over many
addresses; a user's own desk (an address they signed in from within
``TRUSTED_FOR``) is spared that wider limit, so that guessing spread over many
addresses cannot lock the user out from where they work. A sign-in counts as failed from the moment it starts, so a burst of
parallel guesses cannot slip past the count before the first answer; a
success takes its own entry back and clears its user's failures (not its
address's: one good account must not reset the count of an address that
guesses at others).

Memory is bounded: keys are kept in the order of their last failure, those
whose failures all aged out are dropped from the front, and past ``MAX_KEYS``
the longest-quiet key goes first. The clock is injected, so the tests run the
real thresholds without waiting.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

#: seconds a failed sign-in counts against its username and its address
WINDOW = 15 * 60
#: failed sign-ins for one username from one address within the window before refusal
USER_LIMIT = 10
#: failed sign-ins for one username from anywhere (guessing spread over many addresses)
USER_WIDE_LIMIT = 10 * USER_LIMIT
#: seconds an address a user signed in from stays spared the username-wide limit
TRUSTED_FOR = 30 * 24 * 3600
#: failed sign-ins from one address within the window (higher: an office shares one)
ADDRESS_LIMIT = 50
#: keys kept per table at most; the longest-quiet one goes first beyond that
MAX_KEYS = 10_000


class _Failures:
    """Failure times per key, within the window, oldest key (by last failure) first."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._times: dict[str, deque[float]] = {}

    def __len__(self) -> int:
        return len(self._times)

    def wait(self, key: str, now: float) -> float:
        """Seconds until ``key`` may try again; 0 when it may now."""
        times = self._times.get(key)
        if times is None or len(times) < self.limit:
            return 0.0
        return max(0.0, times[0] + WINDOW - now)

    def add(self, key: str, now: float) -> None:
        times = self._times.pop(key, None) or deque(maxlen=self.limit)
        times.append(now)
        self._times[key] = times  # to the back: the order stays by last failure
        self._prune(now)

    def take_back(self, key: str, at: float) -> None:
        times = self._times.get(key)
        if times is not None and at in times:
            times.remove(at)

    def clear(self, key: str) -> None:
        self._times.pop(key, None)

    def _prune(self, now: float) -> None:
        while self._times:
            key, times = next(iter(self._times.items()))
            if len(self._times) <= MAX_KEYS and times and times[-1] + WINDOW > now:
                return
            del self._times[key]


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sign-in under way: counted as failed until ``LoginThrottle.succeeded``."""

    username: str
    address: str
    at: float


def address_key(address: str | None) -> str:
    """The key of a client address: an IPv6 client counts by its /64, which one
    subscriber usually holds whole."""
    if not address:
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(parsed), 64), strict=False))
    return str(parsed)


class Refused(Exception):
    """Too many failed sign-ins for this username or from this address."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 user_limit: int = USER_LIMIT, address_limit: int = ADDRESS_LIMIT,
                 user_wide_limit: int = USER_WIDE_LIMIT) -> None:
        self.clock = clock
        self.pairs = _Failures(user_limit)
        self.users = _Failures(user_wide_limit)
        self.addresses = _Failures(address_limit)
        #: (username, address) -> when that user last signed in from there
        self.trusted: dict[str, float] = {}

    def begin(self, username: str, address: str | None) -> Attempt:
        """Count a sign-in as failed until it succeeds; ``Refused`` while any key waits."""
        now, where = self.clock(), address_key(address)
        keys = ((self.pairs, _pair(username, where), "for this user from this address"),
                (self.users, username, "for this user"),
                (self.addresses, where, "from this address"))
        own_desk = now - self.trusted.get(keys[0][1], -TRUSTED_FOR) < TRUSTED_FOR
        for failures, key, whose in keys:
            if own_desk and failures is self.users:
                continue
            wait = failures.wait(key, now)
            if wait > 0:
                seconds = max(1, math.ceil(wait))
                raise Refused(f"too many failed sign-ins {whose}: try again in "
                              f"{seconds} s", seconds)
        for failures, key, _ in keys:
            failures.add(key, now)
        return Attempt(username, where, now)

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: the user starts afresh, the address loses this entry."""
        pair = _pair(attempt.username, attempt.address)
        self.pairs.clear(pair)
        self.trusted.pop(pair, None)
        self.trusted[pair] = attempt.at  # to the back: the oldest goes first past the bound
        if len(self.trusted) > MAX_KEYS:
            del self.trusted[next(iter(self.trusted))]
        self.users.clear(attempt.username)
        self.addresses.take_back(attempt.address, attempt.at)


def _pair(username: str, address: str) -> str:
    return f"{username}\n{address}"  # an address holds no line break: one key per pair
