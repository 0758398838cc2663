"""Agents' states, kept where they survive a restart of the app.

An agent who was available or on a break before the app restarted is so
again after it, without clicking anything: every ``agent.state`` report is
appended to a small JSON-lines file, and at start the last line of each agent
is read back (and the file rewritten with only those). A state that needs a
call (ringing, on call, wrap-up) comes back as available: the calls still in
Asterisk give their agents back their calls (``CallRestored``), and a phone
that is not registered any more logs its agent out. Like everything in the state
folder, the file is for the platform's account alone (0600).

Each line holds the change's time (``since``) too: the file is the outbox of the
agents' time in the CRM (``events.agent_time_outbox``), which at start offers again
the changes it holds before they are rewritten away.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from contactcenter.acd import events as ae
from contactcenter.acd.model import AgentId
from contactcenter.server.statedir import private_opener

log = logging.getLogger(__name__)

#: the pause of an agent on a call they placed (click-to-talk), which a restart ends
OUTBOUND_PAUSE = "outbound"
#: the pause of an agent being consulted by a colleague, which a restart ends too
CONSULT_PAUSE = "consult"
#: pauses that last only as long as a call the restart ended
CALL_PAUSES = frozenset({OUTBOUND_PAUSE, CONSULT_PAUSE})


class AgentStateStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: Any = None

    def load(self) -> dict[str, tuple[str, str]]:
        """The last state and reason of each agent; the file keeps only those."""
        last: dict[str, dict[str, Any]] = {}
        for entry in read_entries(self.path):
            last[str(entry["agent"])] = entry
        self._rewrite(list(last.values()))
        return {agent: (str(entry["state"]), str(entry.get("reason") or ""))
                for agent, entry in last.items()}

    def _rewrite(self, last: list[dict[str, Any]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fresh = self.path.with_suffix(".tmp")
        with open(fresh, "w", encoding="utf-8", opener=private_opener) as out:
            out.writelines(json.dumps(entry) + "\n" for entry in last)
            out.flush()
            os.fsync(out.fileno())
        fresh.replace(self.path)

    def save(self, agent: str, state: str, reason: str, since: float | None = None) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = open(self.path, "a", encoding="utf-8", opener=private_opener)  # noqa: SIM115
        self._file.write(_line(agent, state, reason, since))
        self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _line(agent: str, state: str, reason: str, since: float | None) -> str:
    entry: dict[str, Any] = {"agent": agent, "state": state, "reason": reason}
    if since is not None:
        entry["since"] = since
    return json.dumps(entry) + "\n"


def read_entries(path: Path) -> list[dict[str, Any]]:
    """Every state change the file holds, in order (each agent's last, and those since
    the last start: the outbox of agents' time in the CRM); a line a crash tore is
    skipped."""
    entries: list[dict[str, Any]] = []
    if not path.exists():
        return entries
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            try:
                entry = json.loads(line)
                if isinstance(entry, dict) and "agent" in entry and "state" in entry:
                    entries.append(entry)
            except ValueError:
                continue
    return entries


def restoring_events(saved: dict[str, tuple[str, str]],
                     known: set[str]) -> list[ae.AcdEvent]:
    """The events that bring the ACD's agents back to their saved states."""
    events: list[ae.AcdEvent] = []
    for agent, (state, reason) in saved.items():
        if agent not in known or state == "logged_out":
            continue
        events.append(ae.AgentLoggedIn(agent=AgentId(agent)))
        if state == "paused" and reason not in CALL_PAUSES:  # that call did not survive
            events.append(ae.AgentPaused(agent=AgentId(agent), reason=reason or "break"))
    return events
