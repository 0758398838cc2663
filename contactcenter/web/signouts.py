"""Signed-out tokens and sessions, kept in the state folder across restarts.

A token is refused after its sign-out only because the platform remembers its
id until it expires; held in memory alone, a restart would forget it and the
token would work again for the rest of its twelve hours. The ids go to one
small JSON file (0600, like everything in the state folder), rewritten whole
through a temporary file and a rename, so that a crash leaves the old list or
the new one, never half of one. Expired ids are dropped as it is read.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

FILE_NAME = "signed-out.json"


def load_signouts(path: Path, now: float) -> dict[str, float]:
    """The ids still unexpired at ``now``; none when the file is missing or unreadable."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s unreadable (%s): signed-out tokens from before are forgotten",
                    path, exc)
        return {}
    if not isinstance(stored, dict):
        return {}
    return {sid: float(exp) for sid, exp in stored.items()
            if isinstance(sid, str) and _number(exp) and exp >= now}


def save_signouts(path: Path, ended: dict[str, float]) -> None:
    """Replace the file with ``ended`` (private, atomic)."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(ended, file, separators=(",", ":"))
        file.flush()
        os.fsync(file.fileno())
    os.replace(partial, path)


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
