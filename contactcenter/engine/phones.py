"""Which phones each agent (or supervisor) has registered, and which one to ring.

A person may have two: a SIP phone (a desk phone, a softphone) registered as
their id, ``agent101``, and the softphone in the agent desktop, registered over
WebRTC as ``agent101-web`` (an endpoint of its own: a browser needs DTLS-SRTP
and ICE, which ordinary SIP phones do not speak). A call rings the one
registered last (where the person just signed in); they count as unregistered,
and an agent is logged out, only once both are gone.
"""

from __future__ import annotations

from collections.abc import Iterator

# the endpoint of a person's browser softphone is their id with this suffix (the
# monitoring core's rule of which phone is a supervisor's own rests on it too)
from contactcenter.calls.monitor.states import WEB_PHONE_SUFFIX

__all__ = ["WEB_PHONE_SUFFIX", "Phones", "owner_of"]


def owner_of(endpoint: str) -> str:
    """``agent101-web`` -> ``agent101``; a plain id is its own owner."""
    return endpoint.removesuffix(WEB_PHONE_SUFFIX)


class Phones:
    def __init__(self) -> None:
        self._registered: dict[str, list[str]] = {}  # owner -> endpoints, latest last

    def update(self, endpoint: str, registered: bool) -> tuple[str, bool]:
        """Record a (un)registration: (its owner, whether the owner has no phone left)."""
        owner = owner_of(endpoint)
        phones = self._registered.setdefault(owner, [])
        if registered and endpoint in phones:
            return owner, False  # registered still (a refresh, a reconnect): keeps its place
        if endpoint in phones:
            phones.remove(endpoint)
        if registered:
            phones.append(endpoint)
        elif not phones:
            del self._registered[owner]
        return owner, not phones

    def __contains__(self, owner: object) -> bool:
        return owner in self._registered

    def __iter__(self) -> Iterator[str]:
        return iter(self._registered)

    def ring(self, owner: str) -> str:
        """The endpoint to ring for ``owner``: the phone registered last."""
        phones = self._registered.get(owner)
        return phones[-1] if phones else owner

    def reach(self, endpoint: str) -> str | None:
        """The registered phone that ringing ``endpoint`` reaches, or None: a person's
        id reaches the phone they registered last, a phone's own id that phone only."""
        phones = self._registered.get(owner_of(endpoint))
        if not phones:
            return None
        if endpoint == owner_of(endpoint):
            return phones[-1]
        return endpoint if endpoint in phones else None
