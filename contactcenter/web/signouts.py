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
import math
import os
from pathlib import Path

from contactcenter.server.statedir import private_opener

log = logging.getLogger(__name__)

FILE_NAME = "signed-out.json"


def load_signouts(path: Path, now: float) -> dict[str, float]:
    """The ids still unexpired at ``now``; none when the file is missing or unreadable."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, RecursionError) as exc:
        log.warning("%s unreadable (%s): signed-out tokens from before are forgotten",
                    path, type(exc).__name__)
        return {}
    if not isinstance(stored, dict):
        log.warning("%s is not a table of ids: signed-out tokens from before are forgotten",
                    path)
        return {}
    return {sid: float(exp) for sid, exp in stored.items()
            if isinstance(sid, str) and _expiry(exp) and exp >= now}


def save_signouts(path: Path, ended: dict[str, float]) -> bool:
    """Replace the file with ``ended`` (private, atomic); False, logged, when it cannot
    be written (the sign-out still holds until the next restart)."""
    partial = path.with_name(path.name + ".partial")
    try:
        with open(partial, "w", encoding="utf-8", opener=private_opener) as file:
            json.dump(ended, file, separators=(",", ":"))
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, path)
    except OSError:
        log.exception("%s could not be written: a restart would forget these sign-outs",
                      path)
        if partial.is_file():
            partial.unlink()
        return False
    return True


def _expiry(value: object) -> bool:
    """A finite number (huge integers and infinities are no expiry)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False
