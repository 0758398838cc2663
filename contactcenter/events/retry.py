"""When an outbox tries the database again: a doubling pause after each failure.

The CRM's outboxes (the calls' interactions, voicemail, the agents' states) keep
taking events from the bus while the database is down, but an event must not be
another attempt: the bus carries every queue's figures many times a second, and
each attempt is a connection and a warning. ``Backoff`` says when the next
attempt is due. It reads the clock it is given (the event loop's, in the
outboxes), so that it is tested without waiting.
"""

from __future__ import annotations

from collections.abc import Callable


class Backoff:
    """The next attempt's moment: at once at first and after a success; after a failure
    a pause away, the pause doubling with each failure up to ``max_pause`` and back to
    ``first_pause`` at a success."""

    def __init__(self, clock: Callable[[], float], *, first_pause: float,
                 max_pause: float) -> None:
        self._clock = clock
        self._first_pause, self._max_pause = first_pause, max_pause
        self._pause = first_pause  #: the pause the next failure waits
        self._due = clock()  #: the first attempt is due at once

    def wait(self) -> float:
        """Seconds until the next attempt is due; zero or less: due now."""
        return self._due - self._clock()

    def succeeded(self) -> None:
        """The database took the write: the next attempt is due at once, and the next
        failure waits the first pause again."""
        self._pause = self._first_pause
        self._due = min(self._due, self._clock())

    def failed(self) -> float:
        """The database refused: the next attempt is due a pause from now, and the pause
        after it doubles (up to the cap). Returns this pause."""
        pause = self._pause
        self._pause = min(pause * 2, self._max_pause)
        self._due = self._clock() + pause
        return pause
