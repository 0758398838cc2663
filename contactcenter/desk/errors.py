"""The desk's refusals: an HTTP status, a reason the agent can act on, the field at fault."""

from __future__ import annotations


class DeskError(Exception):
    """A request the desk refuses; nothing changed."""

    def __init__(self, status: int, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.field = field
