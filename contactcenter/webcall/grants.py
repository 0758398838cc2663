"""The one-time SIP identities web visitors call with, sans-I/O.

Theory of operation: a page asks for a grant to call one target; the platform makes a
PJSIP endpoint of its own for it (its name, its digest user and a fresh password: the
``Grant``), whose dialplan context reaches that target's extension only. The grant is
*issued* until a call arrives on its endpoint, then *used*: the credential is taken
back at once, so it places one call at most. A grant nobody called with is *expired*
at its deadline and taken back too. The book only decides; the caller of its methods
(``service``) pushes and deletes the endpoints, and reads the clock.

    issued -[call on its endpoint, target's extension, before expiry]-> used
    issued -[deadline]-> expired
    used / expired: the endpoint is taken back (and the grant forgotten)
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

#: every grant's endpoint name starts so: nothing in pjsip.conf does, so a leftover of
#: an earlier run is known as one
PREFIX = "webcall-"


def extension(target: str) -> str:
    """The dialplan extension (and context) of a target: ``web-<target>``."""
    return f"web-{target}"


class GrantState(enum.Enum):
    ISSUED = "issued"  #: the page holds the credential; no call yet
    USED = "used"  #: its one call arrived; the credential is withdrawn
    EXPIRED = "expired"  #: nobody called with it in time; withdrawn


@dataclass(frozen=True, slots=True, kw_only=True)
class Grant:
    """One page's right to one call to one target."""

    id: str  #: the endpoint's, auth's and digest user's name: ``webcall-<random>``
    password: str
    target: str
    issued: float
    expires: float
    address: str  #: the client address that asked (rate limited per address)
    origin: str = ""  #: the embedding site's origin; "" for the platform's own pages
    page: str = ""  #: the page the visitor was on
    email: str | None = None  #: what the visitor typed, unverified
    #: the CRM contact the e-mail names: id, name, phone (None: unknown or none typed)
    contact: Mapping[str, Any] | None = None
    state: GrantState = GrantState.ISSUED

    def facts(self) -> dict[str, Any]:
        """What the call's record and the agent's screen-pop say of the web."""
        return {"target": self.target, "page": self.page, "origin": self.origin,
                "email": self.email, "contact": dict(self.contact) if self.contact else None,
                "grant": self.id}


class Refusal(enum.Enum):
    UNKNOWN = "no such grant"
    EXPIRED = "the grant expired"
    USED = "the grant placed its call already"
    WRONG_TARGET = "the grant is for another target"


@dataclass
class GrantBook:
    """The live grants by endpoint name; the decisions, never the I/O."""

    grants: dict[str, Grant] = field(default_factory=dict)

    def issue(self, grant: Grant) -> None:
        if grant.id in self.grants or not grant.id.startswith(PREFIX):
            raise ValueError(f"grant id {grant.id!r} is taken or not a web call's")
        self.grants[grant.id] = grant

    def arrive(self, endpoint: str, dialed: str, now: float) -> Grant | Refusal:
        """A call arrived from ``endpoint`` to ``dialed``: its grant, now used (its
        credential to withdraw), or why it is refused (the call is hung up)."""
        grant = self.grants.get(endpoint)
        if grant is None:
            return Refusal.UNKNOWN
        if grant.state is GrantState.USED:
            return Refusal.USED
        if grant.state is GrantState.EXPIRED or now >= grant.expires:
            return Refusal.EXPIRED
        if dialed != extension(grant.target):
            return Refusal.WRONG_TARGET
        used = self.grants[endpoint] = replace(grant, state=GrantState.USED)
        return used

    def due(self, now: float) -> list[Grant]:
        """The issued grants past their deadline, now expired: their credentials go."""
        expired = [replace(grant, state=GrantState.EXPIRED)
                   for grant in self.grants.values()
                   if grant.state is GrantState.ISSUED and now >= grant.expires]
        for grant in expired:
            self.grants[grant.id] = grant
        return expired

    def forget(self, grant_id: str) -> None:
        """The endpoint is gone from Asterisk: nothing more to keep."""
        self.grants.pop(grant_id, None)

    def next_deadline(self) -> float | None:
        deadlines = [grant.expires for grant in self.grants.values()
                     if grant.state is GrantState.ISSUED]
        return min(deadlines, default=None)
