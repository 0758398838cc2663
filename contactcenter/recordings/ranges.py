"""Which bytes of a recording a request asks for (RFC 9110, section 14).

The player seeks with one range at a time (``bytes=1000-``, ``bytes=-500``);
the answer is then those bytes (206), or 416 when the range starts past the
end. Anything else a client may send (several ranges, another unit, a
malformed value, a range made conditional by ``If-Range``, which can never
match since no validator is ever handed out) is ignored as the RFC allows, and
the whole file is the answer (200). Deciding here, and not in a general file
server, is what lets the route know for sure whether a fetch starts at the
first byte, which is what makes it a play for the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: one byte range: ``first-[last]`` or ``-suffix`` (digits only, as the RFC's grammar;
#: the unit compared without case, RFC 9110, 14.1)
_ONE = re.compile(r"bytes=(?:(\d{1,18})-(\d{0,18})|-(\d{1,18}))", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Span:
    """The bytes to send: ``first`` to ``last`` included, of a file of ``size``."""

    first: int
    last: int
    size: int
    partial: bool  #: a range was asked for and is answered (206), not the whole file

    @property
    def length(self) -> int:
        return self.last - self.first + 1 if self.size else 0

    @property
    def from_start(self) -> bool:
        """The answer holds the recording's first byte: a play, not a seek."""
        return self.first == 0


class Unsatisfiable(Exception):
    """The one range asked for lies past the file's end (416)."""


def span_of(header: str | None, size: int, *, conditional: bool = False) -> Span:
    """The bytes to answer ``Range: header`` with; ``conditional``: an ``If-Range``
    came with it (never a match: the whole file)."""
    whole = Span(first=0, last=max(size - 1, 0), size=size, partial=False)
    found = _ONE.fullmatch(header.strip()) if header and not conditional else None
    if found is None:
        return whole
    first, last, suffix = found.groups()
    if suffix is not None:
        if int(suffix) == 0 or size == 0:
            raise Unsatisfiable
        return Span(first=max(size - int(suffix), 0), last=size - 1, size=size, partial=True)
    start = int(first)
    end = size - 1 if not last else min(int(last), size - 1)
    if last and int(last) < start:
        return whole  # an invalid range: ignored
    if start >= size:
        raise Unsatisfiable
    return Span(first=start, last=end, size=size, partial=True)
