"""The list generator's RFM fields (``crm_core.segments``): by named segment or by score.

- ``rfm_segment``: a list of segment names (``crm_core.rfm.SEGMENTS``, or ``none`` for
  contacts without scores: no counted order as of the last run);
- ``rfm_r``, ``rfm_f``, ``rfm_m``: ``[min, max]`` scores from 1 to 5, either may be null.

They read the stored scores of the last run (``rfm_scores``), not the orders, so a
segment selects what the screen-pop shows; a score range leaves out contacts without
scores.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, select

from crm_core.models import Contact, RfmScore
from crm_core.rfm import NONE, SEGMENT_NAMES

#: the score columns by field
SCORE_FIELDS = {"rfm_r": RfmScore.r_score, "rfm_f": RfmScore.f_score,
                "rfm_m": RfmScore.m_score}


def _segments(name: str, value: object, refuse: Callable[[str], Exception]) -> dict[str, Any]:
    items = [value] if isinstance(value, str) else value
    known = (*SEGMENT_NAMES, NONE)
    if not isinstance(items, list | tuple) or not items:
        raise refuse(f"{name}: expected a non-empty list of RFM segments, got {value!r}")
    for item in items:
        if item not in known:
            raise refuse(f"{name}: {item!r} is not an RFM segment ({', '.join(known)})")
    return {name: tuple(dict.fromkeys(items))}


def _score_range(name: str, value: object,
                 refuse: Callable[[str], Exception]) -> dict[str, Any]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise refuse(f"{name}: expected [min, max] scores from 1 to 5, got {value!r}")
    for end in value:
        if end is not None and (isinstance(end, bool) or not isinstance(end, int)
                                or end not in range(1, 6)):
            raise refuse(f"{name}: scores are whole numbers from 1 to 5, got {value!r}")
    low, high = value[0] or 1, value[1] or 5
    if low > high:
        raise refuse(f"{name}: min {low} is above max {high}")
    return {name: (low, high)}


def checks(refuse: Callable[[str], Exception]) -> dict[str, Callable[[str, object],
                                                                     dict[str, Any]]]:
    """The RFM fields' checks, merged into ``segments.FIELDS``; ``refuse`` makes the error."""
    def segments(name: str, value: object) -> dict[str, Any]:
        return _segments(name, value, refuse)

    def scores(name: str, value: object) -> dict[str, Any]:
        return _score_range(name, value, refuse)

    return {"rfm_segment": segments, **{field: scores for field in SCORE_FIELDS}}


def rfm_conditions(segments: tuple[str, ...],
                   ranges: dict[str, tuple[int, int] | None]) -> list[ColumnElement[bool]]:
    """The WHERE clauses on ``contacts`` for the RFM fields given."""
    where: list[ColumnElement[bool]] = []
    if segments:
        named = [name for name in segments if name != NONE]
        scored = select(RfmScore.contact_id)
        picks = [Contact.id.in_(scored.where(RfmScore.segment.in_(named)))] if named else []
        if NONE in segments:
            picks.append(Contact.id.not_in(scored))
        where.append(picks[0] if len(picks) == 1 else picks[0] | picks[1])
    bounds = [SCORE_FIELDS[field].between(*span) for field, span in ranges.items()
              if span is not None]
    if bounds:
        where.append(Contact.id.in_(select(RfmScore.contact_id).where(*bounds)))
    return where
