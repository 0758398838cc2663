"""Where a call's script is, and how the session moves between steps.

Theory of operation
-------------------
A ``ScriptSession`` walks one call through one ``Script`` while the agent
talks. It never does I/O and never reads the clock; a script has no timers,
so unlike the IVR and ACD cores its ``handle(event)`` takes no time and
there is no ``next_deadline``. The engine feeds it what the agent did on the
desktop and sends the commands it returns back down the agent's websocket
(``ShowStep``, ``ShowError``) and to the call's record (``RecordAnswers``,
``Finish``).

The session always shows exactly one step: a ``say``, a ``question`` or an
``end``. ``branch`` steps are passed through on the way (on an answer, or on
CRM data), never shown. An answer is validated by its question first; a bad
answer yields one ``ShowError`` and changes nothing.

Objections are detours: raising one remembers the main-script step and
history, and walks the objection's steps; ``resume`` (a target, or the
agent's ``ResumedFromObjection``) goes back to that step. Raising another
objection during a detour replaces the detour but keeps the return point, so
that "back to the script" always means the script. A detour may also end
the call (an ``end`` step).

Back navigation undoes one answer at a time: each step left by an answer is
remembered with the value its answer replaced, and ``WentBack`` restores it
and shows the step again, pre-filled with the answer given. Going back from
a detour's first step leaves the detour. ``answers()`` is therefore always
the answers along the path walked.

The tables ``_ON_EVENT`` and ``_REFUSED`` (in ``session.py``) say which
events each state acts on, and what the agent is told otherwise. Events of a
type the core does not know are our own misuse and raise
``ScriptUsageError``.
"""

from __future__ import annotations

from enum import Enum


class State(Enum):
    """Where the script is; in every state exactly one step is shown."""

    STEP = "step"  #: on a step of the main script
    OBJECTION = "objection"  #: on a step of an objection's detour
    ENDED = "ended"  #: on an end step; only going back leaves it
