"""Signed play links: a recording is fetched only with a link made for this user and
this recording, a short while ago.

A link is ``/api/v1/recordings/<payload>.<mac>``: the payload names the user,
the interaction and the recording and when the link ends; the MAC is
HMAC-SHA256 under a key derived from the platform's secret (the one tokens are
signed with, kept in the state folder). Nothing in it can be guessed or
changed: another user's session, another recording or a later time all fail
the check, which runs on every fetch, beside the session's own role check.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contactcenter.signing import MAX_TOKEN, Signer

#: how long a link plays: long enough to listen and seek through a call, short enough
#: that a copied link is soon worth nothing
LINK_LIFETIME = 15 * 60
PREFIX = "/api/v1/recordings/"
#: the longest link taken: payloads are far shorter
MAX_LINK = MAX_TOKEN


@dataclass(frozen=True, slots=True)
class Grant:
    """What a checked link allows: this user may fetch this recording of this call."""

    username: str
    interaction_id: int
    recording: str
    expires: float
    #: what ``interaction_id`` names: a call's interaction, or another kind of record
    #: with a recording of its own (``voicemail``: a message's id)
    kind: str = "call"


class PlayLinks:
    def __init__(self, secret: bytes) -> None:
        # a key of its own: a link is never a valid bearer token, nor the other way round
        self._signer = Signer(secret, "recording play links")

    def token(self, grant: Grant) -> str:
        data: dict[str, Any] = {"u": grant.username, "i": grant.interaction_id,
                                "r": grant.recording, "e": grant.expires}
        if grant.kind != "call":
            data["k"] = grant.kind
        return self._signer.sign(data)

    def url(self, grant: Grant, prefix: str = PREFIX) -> str:
        return prefix + self.token(grant)

    def check(self, token: str, *, username: str, now: float,
              kind: str = "call") -> Grant | None:
        """The grant if the link is ours, unexpired, made for ``username`` and for a
        recording of ``kind`` (a call's link plays no voicemail, nor the other way)."""
        grant = _grant(self._signer.open(token))
        if grant is None or grant.username != username or grant.expires <= now \
                or grant.kind != kind:
            return None
        return grant


def _grant(data: Any) -> Grant | None:
    if not isinstance(data, dict):
        return None
    user, call, name, ends = data.get("u"), data.get("i"), data.get("r"), data.get("e")
    kind = data.get("k", "call")
    if not (isinstance(user, str) and isinstance(call, int) and isinstance(name, str)
            and isinstance(ends, int | float) and isinstance(kind, str)) \
            or isinstance(call, bool):
        return None
    return Grant(user, call, name, float(ends), kind)
