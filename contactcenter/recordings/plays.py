"""Which fetches of a recording are plays for the audit log.

A fetch whose answer holds the recording's first byte is a play (a player
starting, or starting again), and so is the first fetch made with a link,
whatever its range: all but a WAV's first byte (always ``R``) is the whole
recording, so ``Range: bytes=1-`` must not be a way to hear a call unlogged.
The player's later fetches with the same link, seeking, are that play. The links
fetched already are remembered in memory until they expire (15 minutes): after
a restart, or on another node, a link's next fetch is logged once more, which
logs a play twice rather than not at all.
"""

from __future__ import annotations

#: remembered links past which the expired ones are swept
_SWEEP_AT = 1024


class FetchedLinks:
    """The play links fetched already, each until it expires."""

    def __init__(self) -> None:
        self._until: dict[str, float] = {}
        self._sweep_at = _SWEEP_AT

    def first(self, link: str, *, expires: float, now: float) -> bool:
        """Whether this is the link's first fetch (it is remembered from now on)."""
        if link in self._until:
            return False
        if len(self._until) >= self._sweep_at:
            self._until = {kept: ends for kept, ends in self._until.items() if ends > now}
            self._sweep_at = max(_SWEEP_AT, 2 * len(self._until))
        self._until[link] = expires
        return True

    def forget(self, link: str) -> None:
        """The fetch was not logged after all (the database refused): the next is first."""
        self._until.pop(link, None)
