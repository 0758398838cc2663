"""Voicemail, reviewed: a message's news reaches the streams of those who see the
message and nobody else's (the general box's caller is no news to a supervisor of
one queue)."""

from __future__ import annotations

from typing import Any

import pytest

from contactcenter.voicemail.access import Owned, may_see
from contactcenter.voicemail.outbox import event_of
from contactcenter.web.app import visible_to
from contactcenter.web.auth import Principal
from contactcenter.web.scope import Scopes

SCOPE = Scopes({"sue": frozenset({"support"})},
               {"agent101": frozenset({"support"}), "agent102": frozenset({"sales"})})
PEOPLE = (Principal("root", "admin", None), Principal("sue", "supervisor", None),
          Principal("ann", "supervisor", None), Principal("agent101", "agent", "agent101"),
          Principal("max", "manager", None))


def _row(**owner: Any) -> dict[str, Any]:
    return {"id": 7, "call_id": "c-7", "mailbox": owner.pop("mailbox", "x"),
            "queue": None, "agent": None, "assignee": None} | owner


@pytest.mark.parametrize("row", [_row(mailbox="lost"), _row(queue="support"),
                                 _row(queue="sales"), _row(agent="agent101"),
                                 _row(agent="agent102"),
                                 _row(queue="sales", assignee="agent101")])
@pytest.mark.parametrize("kind", ["voicemail.message", "voicemail.assigned",
                                  "voicemail.handled", "voicemail.overdue"])
def test_a_message_s_news_goes_to_a_supervisor_who_sees_the_message(
        row: dict[str, Any], kind: str) -> None:
    event = event_of(kind, row, 0.0, caller="+15550001234")
    for who in PEOPLE:
        if who.role in ("admin", "supervisor"):
            assert visible_to(who, event, SCOPE) == may_see(who, Owned.of(row), SCOPE), who
