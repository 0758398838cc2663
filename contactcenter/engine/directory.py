"""The IVR's data dip: caller and account data by number.

A small in-memory directory filled from the settings; the CRM replaces it
behind the same ``lookup`` signature.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from contactcenter.config.settings import DirectoryEntry

_NOT_DIGITS = re.compile(r"[^0-9]")


def normalise_number(number: str) -> str:
    """Digits only, so ``+1 (555) 000-1000`` and ``15550001000`` meet."""
    return _NOT_DIGITS.sub("", number)


class Directory:
    def __init__(self, entries: Iterable[DirectoryEntry]) -> None:
        self._entries: dict[tuple[str, str], dict[str, str]] = {
            (entry.kind, normalise_number(entry.key) or entry.key): dict(entry.data)
            for entry in entries
        }

    async def lookup(self, kind: str, key: str) -> dict[str, str] | None:
        return self._entries.get((kind, normalise_number(key) or key))
