"""Monitoring: supervisors listening to, whispering to, or barging into agents' calls,
sans-I/O (``states.py`` has the theory of operation, ``core.py`` the table of
transitions). The engine's adapter is ``contactcenter.engine.monitoring``."""

from contactcenter.calls.monitor import commands, events
from contactcenter.calls.monitor.core import (
    Monitoring,
    MonitorUsageError,
    Session,
    mode_of,
    phone_of,
)
from contactcenter.calls.monitor.states import (
    SNOOPS,
    SUPERVISOR_RING,
    WEB_PHONE_SUFFIX,
    Mode,
    SessionState,
)

__all__ = ["SNOOPS", "SUPERVISOR_RING", "WEB_PHONE_SUFFIX", "Mode", "MonitorUsageError",
           "Monitoring", "Session", "SessionState", "commands", "events", "mode_of",
           "phone_of"]
