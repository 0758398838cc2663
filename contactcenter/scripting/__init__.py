"""The call-script core: scripts from YAML, and a sans-I/O session per call.

The engine loads the scripts once (``load_scripts``), picks one per call
(``ScriptBook.select(queue=..., campaign=...)``), makes a ``ScriptSession``
with the CRM's data for the call, shows ``session.view()``, feeds it what the
agent does, and runs the commands it returns. See ``states.py`` for the
theory of operation and ``docs/scripting.md`` for the file format.
"""

from contactcenter.scripting.book import ScriptBook
from contactcenter.scripting.commands import (
    Finish,
    RecordAnswers,
    ScriptCommand,
    ShowError,
    ShowStep,
)
from contactcenter.scripting.events import (
    ObjectionRaised,
    ResumedFromObjection,
    ScriptEvent,
    StepAnswered,
    WentBack,
)
from contactcenter.scripting.loader import load_script, load_scripts, parse_script
from contactcenter.scripting.merge import ROOTS, render
from contactcenter.scripting.model import QUESTION_TYPES, RESUME, STEP_TYPES, Script
from contactcenter.scripting.questions import AnswerError
from contactcenter.scripting.session import MergeData, ScriptSession, ScriptUsageError
from contactcenter.scripting.states import State
from contactcenter.scripting.view import AnswerValue, ObjectionView, QuestionView, StepView

__all__ = [
    "QUESTION_TYPES",
    "RESUME",
    "ROOTS",
    "STEP_TYPES",
    "AnswerError",
    "AnswerValue",
    "Finish",
    "MergeData",
    "ObjectionRaised",
    "ObjectionView",
    "QuestionView",
    "RecordAnswers",
    "ResumedFromObjection",
    "Script",
    "ScriptBook",
    "ScriptCommand",
    "ScriptEvent",
    "ScriptSession",
    "ScriptUsageError",
    "ShowError",
    "ShowStep",
    "State",
    "StepAnswered",
    "StepView",
    "WentBack",
    "load_script",
    "load_scripts",
    "parse_script",
    "render",
]
