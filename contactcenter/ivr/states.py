"""The states of one IVR call, and how the session moves between them.

Theory of operation
-------------------
An ``IvrSession`` walks one call through a ``Flow``. It never does I/O and
never reads the clock: the engine hands it events (``handle(event, now)``)
and, when ``next_deadline()`` has passed, the time (``handle_timer(now)``),
and gets back commands to run.

The session is always in one ``State``. Its table ``_ON_EVENT`` (in
``session.py``, beside the handlers it names) says which event types each state
acts on and how; any other event is the peer's disorder (a duplicate
DigitPressed, a PromptEnded for a playback already stopped, a LookupAnswered
after its timeout, anything after the end) and is ignored. Events of a type
the IVR does not know are our own misuse and raise ``IvrUsageError``.

A menu or input with ``speech`` takes ``SpeechHeard`` where it takes keys: a
phrase of an option picks it, spoken digits are an input's, and what is not
understood is an invalid answer (``speech.py``).

Entering a node emits ``ivr.step`` and either waits (a prompt, keys, a
lookup) or moves straight on (set, branch, hours). A state has at most one
deadline: the menu or input timeout, the lookup timeout, or the guard on a
prompt's length (``max_prompt_seconds``) so that a lost PlaybackFinished
cannot strand a caller. The session ends in ``FINISHED`` exactly once: by an
exit node (an ``Exit`` command, the last command it ever emits) or by the
caller hanging up (no command; ``exit.kind`` is ``ExitKind.ABANDONED``).
"""

from __future__ import annotations

from enum import Enum


class State(Enum):
    """Where one call is in the IVR; each state has at most one deadline."""

    IDLE = "idle"  #: created; waiting for CallStarted
    PLAYING = "playing"  #: a play node's prompt is playing; keys are not for it
    MENU_PROMPT = "menu_prompt"  #: a menu prompt is playing; a key stops it and is the choice
    MENU_WAIT = "menu_wait"  #: the menu prompt ended; waiting for a key until the timeout
    INPUT_PROMPT = "input_prompt"  #: an input prompt is playing; a key stops it and is kept
    INPUT_WAIT = "input_wait"  #: collecting keys until the terminator, max_digits or a pause
    LOOKUP = "lookup"  #: waiting for LookupAnswered or the lookup timeout
    EXITING = "exiting"  #: an exit node's prompt is playing; the Exit follows its end
    FINISHED = "finished"  #: exited or abandoned; every event is ignored


#: states that wait on a prompt, so their deadline is the prompt guard
PROMPT_STATES = frozenset({State.PLAYING, State.MENU_PROMPT, State.INPUT_PROMPT, State.EXITING})
