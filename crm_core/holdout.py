"""A campaign's list written with a control group: who is held out, and the insert.

Theory of operation: when contacts are put on a campaign's list, a share of them
(``holdout``, 0 to ``MAX_HOLDOUT``) goes on it with ``arm = "control"``: they are
never contacted (``crm_core.dial_lists.members_list`` skips them) and are there so
that the campaign's effect can be measured against them (treated against control
conversion, ``crm_core.metrics.marketing``; the uplift model, docs/analytics-uplift.md).

Each contact's arm is a draw from the seed and the contact's id alone (a keyed hash
read as a number in [0, 1), control when below the share), not from a generator run
over the list in some order: the same seed gives every contact the same arm however
the list was selected, sorted or split into chunks, and each contact is held out with
probability ``holdout`` independently of the others (so the control group's size is
binomial around ``holdout`` times the list). Without a seed, the campaign's id is the
seed, so that two campaigns' control arms are drawn independently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from crm_core.models import CampaignMember

TREATED = "treated"
CONTROL = "control"
#: the largest share held out: beyond half, the campaign is mostly not run
MAX_HOLDOUT = 0.5
#: rows per INSERT: both engines cap a statement's parameters at about 32,000
_CHUNK = 1000


def check_holdout(value: object, field: str = "holdout") -> float:
    """The share as a float; ValueError naming ``field`` unless a number in [0, 0.5]."""
    if (isinstance(value, bool) or not isinstance(value, int | float)
            or not math.isfinite(value) or not 0 <= value <= MAX_HOLDOUT):
        raise ValueError(f"{field}: expected a share from 0 to {MAX_HOLDOUT}, got {value!r}")
    return float(value)


def draw(seed: int, contact_id: int) -> float:
    """The contact's draw in [0, 1) for ``seed``: the same every time."""
    digest = hashlib.blake2b(f"{seed}:{contact_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def arm(contact_id: int, *, holdout: float, seed: int) -> str:
    """``control`` for the share ``holdout`` of contacts the seed picks, else ``treated``."""
    return CONTROL if holdout > 0 and draw(seed, contact_id) < holdout else TREATED


async def add_members(session: AsyncSession, campaign_id: int, contact_ids: Sequence[int],
                      *, now: dt.datetime, holdout: float = 0.0,
                      seed: int | None = None) -> int:
    """Put the contacts on the campaign's list with their arms; return how many were
    added. ``seed`` defaults to the campaign's id: one seed for every campaign would hold
    out the same contacts from all of them (never marketed to, and each campaign's
    lift would carry the others' effect). Contacts already on it keep their row and arm (ON CONFLICT DO NOTHING), so
    a contact is never moved between arms. The caller commits."""
    check_holdout(holdout)
    seed = campaign_id if seed is None else seed
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stamp = now.astimezone(dt.UTC)
    added = 0
    for start in range(0, len(contact_ids), _CHUNK):
        rows = [{"campaign_id": campaign_id, "contact_id": int(contact), "added_at": stamp,
                 "arm": arm(int(contact), holdout=holdout, seed=seed)}
                for contact in contact_ids[start:start + _CHUNK]]
        if rows:
            statement = dialect.insert(CampaignMember).values(rows).on_conflict_do_nothing()
            added += cast(CursorResult[Any], await session.execute(statement)).rowcount
    return added
