"""One call's walk through an IVR flow: a sans-I/O state machine.

See ``states.py`` for the theory of operation. ``IvrSession`` meets events and
timers; ``FlowWalker`` (``walk.py``) enters nodes. The tables at the end of
this module are the transitions as data: which events each state acts on, and
what a due timer means in each state.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from contactcenter.ivr.commands import Answer, Exit, ExitKind, IvrCommand, StopPlay
from contactcenter.ivr.events import (
    CallerHungUp,
    CallStarted,
    DigitPressed,
    IvrEvent,
    LookupAnswered,
    PromptEnded,
    SpeechHeard,
)
from contactcenter.ivr.model import (
    DTMF_KEYS,
    ExitNode,
    Flow,
    InputNode,
    LookupNode,
    MenuNode,
    PlayNode,
)
from contactcenter.ivr.states import PROMPT_STATES, State
from contactcenter.ivr.walk import FlowWalker

_log = logging.getLogger(__name__)

_EVENTS = (CallStarted, DigitPressed, SpeechHeard, PromptEnded, LookupAnswered, CallerHungUp)


class IvrUsageError(Exception):
    """The engine used a session wrongly: our bug, unlike the peer's disorder, which is ignored."""


class IvrSession(FlowWalker):
    """One call in one flow: feed it events and due timers, run the commands it returns."""

    __slots__ = ()

    def __init__(self, flow: Flow, *, call_id: str) -> None:
        if flow.start not in flow.nodes:
            raise IvrUsageError(f"flow {flow.name!r} has no start node {flow.start!r}")
        super().__init__(flow, call_id=call_id)

    # -- the API the engine uses ------------------------------------------------

    def handle(self, event: IvrEvent, now: float) -> list[IvrCommand]:
        """Act on one event at ``now``; a timer already due fires first, since it came first."""
        if not isinstance(event, _EVENTS):
            raise IvrUsageError(f"not an IVR event: {event!r}")
        out: list[IvrCommand] = []
        self._out = out
        before = self._state
        if self._deadline is not None and now >= self._deadline:
            self._fire_timer(now)
        handler = _ON_EVENT[self._state].get(type(event))
        if handler is None:
            self._ignored += 1
        else:
            handler(self, event, now)
        self._log_transition(before, event)
        return out

    def handle_timer(self, now: float) -> list[IvrCommand]:
        """Act on the deadline if ``now`` has reached it; an early or stale call does nothing."""
        out: list[IvrCommand] = []
        self._out = out
        if self._deadline is not None and now >= self._deadline:
            before = self._state
            self._fire_timer(now)
            self._log_transition(before, "timer")
        return out

    def next_deadline(self) -> float | None:
        """When to call ``handle_timer``; None when only an event can move the call on."""
        return self._deadline

    @property
    def state(self) -> State:
        return self._state

    @property
    def finished(self) -> bool:
        return self._state is State.FINISHED

    @property
    def exit(self) -> Exit | None:
        """How the call left; ``kind`` is ABANDONED when the caller hung up in the IVR."""
        return self._exit

    @property
    def variables(self) -> dict[str, str]:
        """A copy of the call variables (``caller``, ``dialed``, lookups, inputs, sets)."""
        return dict(self._vars)

    @property
    def path(self) -> list[str]:
        """The nodes entered, in order (a node entered twice appears twice)."""
        return list(self._path)

    @property
    def node(self) -> str | None:
        """The node the call is in now (or left the IVR from)."""
        return self._node

    @property
    def ignored(self) -> int:
        """How many events were ignored as duplicates, late or out of place."""
        return self._ignored

    # -- events -------------------------------------------------------------------

    def _on_call_started(self, event: CallStarted, now: float) -> None:
        self._vars["caller"] = event.caller
        self._vars["dialed"] = event.dialed
        self._out.append(Answer())
        self._goto(self._flow.start, now)

    def _on_hangup(self, event: CallerHungUp, now: float) -> None:
        self._finish(ExitKind.ABANDONED, self._node, "caller_hung_up", command=False)

    def _on_prompt_ended(self, event: PromptEnded, now: float) -> None:
        if event.playback_id != self._playback:  # stopped earlier, or not ours
            self._ignored += 1
            return
        self._prompt_done(now)

    def _prompt_done(self, now: float) -> None:
        self._playback = None
        self._deadline = None
        node = self._at
        if isinstance(node, PlayNode):
            self._goto(node.next, now)
        elif isinstance(node, MenuNode | InputNode):
            self._await_keys(node, now)
        elif isinstance(node, ExitNode):
            self._leave(node)

    def _on_digit(self, event: DigitPressed, now: float) -> None:
        node = self._at
        if event.digit not in DTMF_KEYS or not isinstance(node, MenuNode | InputNode):
            self._ignored += 1
            return
        if self._playback is not None:  # barge-in: the key stops the prompt
            self._out.append(StopPlay(playback_id=self._playback))
            self._playback = None
        self._deadline = None
        if isinstance(node, MenuNode):
            self._choose(node, event.digit, now)
        else:
            self._collect(node, event.digit, now)

    def _on_speech(self, event: SpeechHeard, now: float) -> None:
        node = self._at
        if not isinstance(node, MenuNode | InputNode) or not node.speech:
            self._ignored += 1  # keys only here: nothing was listening
            return
        if self._playback is not None:  # barge-in, as a key
            self._out.append(StopPlay(playback_id=self._playback))
            self._playback = None
        self._deadline = None
        self._hear(node, event, now)

    def _on_lookup_answered(self, event: LookupAnswered, now: float) -> None:
        node = self._at
        if event.request_id != self._request or not isinstance(node, LookupNode):
            self._ignored += 1  # answered after its timeout, or not ours
            return
        self._request = None
        self._deadline = None
        if event.data is not None:
            for field, variable in node.fields.items():
                value = event.data.get(field)
                if value is not None:
                    self._vars[variable] = str(value)
        self._lookup_done(node, found=event.data is not None, timed_out=False, now=now)

    # -- timers -------------------------------------------------------------------

    def _fire_timer(self, now: float) -> None:
        self._deadline = None
        _ON_TIMER[self._state](self, now)

    def _on_prompt_guard(self, now: float) -> None:
        """The prompt's end never came (a lost event): carry on as if it had."""
        self._prompt_done(now)

    def _on_pause(self, now: float) -> None:
        node = self._at
        if isinstance(node, InputNode) and self._buffer:
            self._complete(node, now)
        elif isinstance(node, MenuNode | InputNode):
            self._fail(node, None, now)

    def _on_lookup_timeout(self, now: float) -> None:
        node = self._at
        self._request = None  # its answer, should it come, is now late and ignored
        if isinstance(node, LookupNode):
            self._lookup_done(node, found=False, timed_out=True, now=now)

    def _log_transition(self, before: State, cause: IvrEvent | str) -> None:
        """A ``state -[event]-> state`` line per transition, as wazo-calld logs them."""
        if self._state is not before and _log.isEnabledFor(logging.DEBUG):
            name = cause if isinstance(cause, str) else type(cause).__name__
            _log.debug("%s %s -[%s]-> %s", self._call_id, before.value, name, self._state.value)


_Handler = Callable[[IvrSession, Any, float], None]
_Timer = Callable[[IvrSession, float], None]

_HUNG_UP: dict[type, _Handler] = {CallerHungUp: IvrSession._on_hangup}
_PROMPT_ENDED: dict[type, _Handler] = {PromptEnded: IvrSession._on_prompt_ended}
_DIGIT: dict[type, _Handler] = {DigitPressed: IvrSession._on_digit,
                                 SpeechHeard: IvrSession._on_speech}

#: state -> event type -> handler; an event missing here is ignored as the peer's disorder
_ON_EVENT: dict[State, dict[type, _Handler]] = {
    State.IDLE: {CallStarted: IvrSession._on_call_started, **_HUNG_UP},
    State.PLAYING: {**_PROMPT_ENDED, **_HUNG_UP},
    State.MENU_PROMPT: {**_PROMPT_ENDED, **_DIGIT, **_HUNG_UP},
    State.MENU_WAIT: {**_DIGIT, **_HUNG_UP},
    State.INPUT_PROMPT: {**_PROMPT_ENDED, **_DIGIT, **_HUNG_UP},
    State.INPUT_WAIT: {**_DIGIT, **_HUNG_UP},
    State.LOOKUP: {LookupAnswered: IvrSession._on_lookup_answered, **_HUNG_UP},
    State.EXITING: {**_PROMPT_ENDED, **_HUNG_UP},
    State.FINISHED: {},
}

#: state -> what its deadline means (states without a deadline are absent)
_ON_TIMER: dict[State, _Timer] = {
    **{state: IvrSession._on_prompt_guard for state in PROMPT_STATES},
    State.MENU_WAIT: IvrSession._on_pause,
    State.INPUT_WAIT: IvrSession._on_pause,
    State.LOOKUP: IvrSession._on_lookup_timeout,
}
