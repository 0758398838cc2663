"""A call's course: arrival, the IVR, a queue, voicemail or a callback, the hang-up and
its outcome; sans-I/O (``states.py`` has the theory of operation, ``core.py`` the table
of transitions). The engine's adapter is ``contactcenter.engine.calls.CallTask``."""

from contactcenter.calls.course import commands, events
from contactcenter.calls.course.core import CallCourse, CourseFailure, CourseUsageError
from contactcenter.calls.course.exits import priority_of
from contactcenter.calls.course.states import (
    GATE_GUARD,
    GOODBYE,
    HANGUP_GUARD,
    OUTCOME_ON_HANGUP,
    REFUSED_CALLBACK,
    VOICEMAIL_GUARD,
    WITH_ACD,
    CallState,
)

__all__ = ["GATE_GUARD", "GOODBYE", "HANGUP_GUARD", "OUTCOME_ON_HANGUP", "REFUSED_CALLBACK",
           "VOICEMAIL_GUARD", "WITH_ACD", "CallCourse", "CallState", "CourseFailure",
           "CourseUsageError", "commands", "events", "priority_of"]
