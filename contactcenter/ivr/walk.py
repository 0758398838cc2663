"""Walking a flow: entering nodes, asking menus and inputs, leaving the IVR.

This is the half of the session that knows the node types; ``session.py`` is
the half that meets events and timers. The ``_ENTER`` table at the end maps
each node type to how entering it starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from contactcenter.ivr.commands import Exit, ExitKind, IvrCommand, Lookup, Play, Report
from contactcenter.ivr.events import SpeechHeard
from contactcenter.ivr.media import render_prompt, render_text
from contactcenter.ivr.model import (
    BACK,
    BranchNode,
    CallbackNode,
    ExitNode,
    Flow,
    HangupNode,
    HoursNode,
    InputNode,
    LookupNode,
    MenuNode,
    Node,
    PlayNode,
    QueueNode,
    SetNode,
    VoicemailNode,
)
from contactcenter.ivr.speech import hints, match_option, spoken_digits
from contactcenter.ivr.states import State

_log = logging.getLogger(__name__)

#: nodes one event may enter before the session decides the flow loops (the loader
#: refuses loops of set/branch/hours nodes; ``back`` with no menu behind can still loop)
MAX_STEPS = 64

Asking = MenuNode | InputNode


class FlowWalker:
    """The state of one call in a flow, and the moves between nodes."""

    __slots__ = (
        "_at",
        "_attempt",
        "_buffer",
        "_call_id",
        "_deadline",
        "_exit",
        "_fallback",
        "_flow",
        "_ignored",
        "_key",
        "_menus",
        "_node",
        "_out",
        "_path",
        "_playback",
        "_request",
        "_seq",
        "_state",
        "_vars",
    )

    def __init__(self, flow: Flow, *, call_id: str) -> None:
        self._flow = flow
        self._call_id = call_id
        self._state = State.IDLE
        self._vars: dict[str, str] = dict(flow.variables)
        self._path: list[str] = []
        self._menus: list[str] = []  # menus entered, most recent last: where "back" goes
        self._node: str | None = None
        self._at: Node | None = None
        self._seq = 0  # numbers playbacks and lookups, unique within the call
        self._playback: str | None = None  # the one playback we wait on, if any
        self._request: str | None = None  # the one lookup we wait on, if any
        self._key = ""  # what that lookup asked for
        self._deadline: float | None = None
        self._attempt = 1  # of the current menu or input visit
        self._buffer = ""  # digits of the current input
        self._fallback = False  # the route since the caller's last good answer is a fallback
        self._exit: Exit | None = None
        self._ignored = 0
        self._out: list[IvrCommand] = []

    # -- menus and inputs ---------------------------------------------------------

    def _ask(self, node: Asking, prompt: tuple[str, ...], now: float) -> None:
        self._buffer = ""
        if self._play(prompt, now, listen=node):
            self._state = State.MENU_PROMPT if isinstance(node, MenuNode) else State.INPUT_PROMPT
        else:
            self._await_keys(node, now)

    def _await_keys(self, node: Asking, now: float) -> None:
        self._state = State.MENU_WAIT if isinstance(node, MenuNode) else State.INPUT_WAIT
        self._deadline = now + node.timeout

    def _choose(self, node: MenuNode, key: str, now: float,
                said: SpeechHeard | None = None) -> None:
        target = node.options.get(key)
        if target is None:
            self._fail(node, key, now)
            return
        self._report("ivr.digits", node=self._node, digits=key, **_said(said))
        self._fallback = False
        self._goto(target, now)

    def _hear(self, node: Asking, heard: SpeechHeard, now: float) -> None:
        """Speech is a key (a menu's option by its phrases) or digits (an input's); what
        is not understood, or said with too little confidence, is an invalid answer."""
        doubtful = heard.confidence is not None and heard.confidence < node.min_confidence
        if isinstance(node, MenuNode):
            key = None if doubtful else match_option(heard.text, node.say, node.options)
            if key is None:
                self._fail(node, "", now, said=heard)
            else:
                self._choose(node, key, now, said=heard)
            return
        digits = None if doubtful else spoken_digits(heard.text)
        self._state = State.INPUT_WAIT
        if digits is None or len(self._buffer + digits) > node.max_digits:
            self._buffer = ""
            self._fail(node, digits or "", now, said=heard)
            return
        self._buffer += digits
        self._complete(node, now, said=heard)

    def _collect(self, node: InputNode, digit: str, now: float) -> None:
        self._state = State.INPUT_WAIT
        if digit == node.terminator:
            self._complete(node, now)
            return
        self._buffer += digit
        if len(self._buffer) >= node.max_digits:
            self._complete(node, now)
        else:
            self._deadline = now + node.pause

    def _complete(self, node: InputNode, now: float, said: SpeechHeard | None = None) -> None:
        digits, self._buffer = self._buffer, ""
        self._deadline = None
        if len(digits) < node.min_digits:
            self._fail(node, digits, now, said=said)
            return
        self._vars[node.variable] = digits
        self._report("ivr.digits", node=self._node, digits=digits, variable=node.variable,
                     **_said(said))
        self._fallback = False
        self._goto(node.next, now)

    def _fail(self, node: Asking, digits: str | None, now: float,
              said: SpeechHeard | None = None) -> None:
        """A wrong answer (``digits``, or ``said``) or none (None): ask again, or fall back
        when out of retries."""
        if digits is None:
            self._report("ivr.timeout", node=self._node, attempt=self._attempt)
        else:
            self._report("ivr.invalid", node=self._node, digits=digits, attempt=self._attempt,
                         **_said(said))
        if self._attempt > node.max_retries:
            self._fallback = True
            self._goto(node.fallback, now)
            return
        self._attempt += 1
        self._report("ivr.retry", node=self._node, attempt=self._attempt)
        notice = node.invalid_prompt if digits is not None else node.no_input_prompt
        self._ask(node, notice + node.prompt, now)

    # -- walking the flow ---------------------------------------------------------

    def _goto(self, target: str, now: float) -> None:
        """Enter nodes until one waits (for keys, a prompt, the CRM) or the call leaves."""
        for _ in range(MAX_STEPS):
            name = self._back() if target == BACK else target
            node = self._flow.nodes[name]
            self._node, self._at = name, node
            self._deadline = None
            self._path.append(name)
            self._report("ivr.step", node=name, node_type=node.type)
            following = _ENTER[type(node)](self, node, now)
            if following is None:
                return
            target = following
        _log.warning("%s: flow %r loops at %r; hanging up", self._call_id, self._flow.name, target)
        self._finish(ExitKind.HANGUP, None, "flow_loop", command=True)

    def _back(self) -> str:
        """The previous menu: leaving a menu drops it; back from the first menu replays it."""
        menus = self._menus
        if len(menus) > 1 and menus[-1] == self._node:
            menus.pop()
        return menus[-1] if menus else self._flow.start

    def _enter_menu(self, node: MenuNode, now: float) -> str | None:
        name = self._node or ""
        if name in self._menus:  # back at a menu of the stack: what was above it is gone
            del self._menus[self._menus.index(name) + 1 :]
        else:
            self._menus.append(name)
        self._attempt = 1
        self._ask(node, node.prompt, now)
        return None

    def _enter_input(self, node: InputNode, now: float) -> str | None:
        self._attempt = 1
        self._ask(node, node.prompt, now)
        return None

    def _enter_play(self, node: PlayNode, now: float) -> str | None:
        if self._play(node.prompt, now):
            self._state = State.PLAYING
            return None
        return node.next

    def _enter_set(self, node: SetNode, now: float) -> str | None:
        values = {name: render_text(value, self._vars) for name, value in node.variables.items()}
        self._vars.update(values)
        return node.next

    def _enter_branch(self, node: BranchNode, now: float) -> str | None:
        return node.cases.get(self._vars.get(node.variable, ""), node.default)

    def _enter_hours(self, node: HoursNode, now: float) -> str | None:
        is_open = node.is_open(now)
        self._report("ivr.hours", node=self._node, open=is_open)
        return node.open if is_open else node.closed

    def _enter_lookup(self, node: LookupNode, now: float) -> str | None:
        key = render_text(node.key, self._vars)
        if not key:  # e.g. an anonymous caller: nothing to look up
            self._key = key
            self._report(
                "ivr.lookup", node=self._node, kind=node.kind, key=key, found=False, timed_out=False
            )
            return node.not_found
        self._seq += 1
        self._request, self._key = f"{self._call_id}:{self._seq}", key
        self._out.append(Lookup(request_id=self._request, kind=node.kind, key=key))
        self._state = State.LOOKUP
        self._deadline = now + node.timeout
        return None

    def _lookup_done(self, node: LookupNode, *, found: bool, timed_out: bool, now: float) -> None:
        self._report(
            "ivr.lookup",
            node=self._node,
            kind=node.kind,
            key=self._key,
            found=found,
            timed_out=timed_out,
        )
        self._goto(node.found if found else node.not_found, now)

    def _enter_exit(self, node: ExitNode, now: float) -> str | None:
        values = {name: render_text(value, self._vars) for name, value in node.variables.items()}
        if isinstance(node, CallbackNode) and node.queue:
            values["callback_queue"] = render_text(node.queue, self._vars)
        self._vars.update(values)
        if self._play(node.prompt, now):
            self._state = State.EXITING
        else:
            self._leave(node)
        return None

    def _leave(self, node: ExitNode) -> None:
        reason = "retries_exhausted" if self._fallback else (node.reason or self._node or "")
        self._finish(node.kind, node.exit_target(self._vars), reason, command=True)

    def _finish(self, kind: ExitKind, target: str | None, reason: str, *, command: bool) -> None:
        """The one way out: record the exit, report it, and emit Exit unless the caller left."""
        variables = dict(self._vars)
        self._exit = Exit(kind=kind, target=target, variables=variables, reason=reason)
        self._state = State.FINISHED
        self._deadline = self._playback = self._request = None
        self._report("ivr.exit", kind=kind.value, target=target, reason=reason, variables=variables)
        if command:
            self._out.append(self._exit)

    # -- helpers ------------------------------------------------------------------

    def _play(self, prompt: tuple[str, ...], now: float, listen: Asking | None = None) -> bool:
        """Start a playback, guarded by max_prompt_seconds; False if nothing is left to play.
        ``listen``: the menu or input it asks for, which may take speech too."""
        media = render_prompt(prompt, self._vars)
        if not media:
            return False
        self._seq += 1
        self._playback = f"{self._call_id}:{self._seq}"
        language = self._vars.get("language") or None
        speech = listen is not None and listen.speech
        expected = () if not speech else (
            hints(listen.say) if isinstance(listen, MenuNode) else ())
        self._out.append(Play(playback_id=self._playback, media=media, language=language,
                              listen_speech=speech, speech_hints=expected))
        self._deadline = now + self._flow.max_prompt_seconds
        return True

    def _report(self, kind: str, /, **data: object) -> None:
        self._out.append(Report(kind=kind, data=data))


def _said(heard: SpeechHeard | None) -> dict[str, object]:
    """What a report adds for an answer spoken rather than keyed."""
    if heard is None:
        return {}
    return {"said": heard.text, "confidence": heard.confidence}


_Enter = Callable[[FlowWalker, Any, float], "str | None"]

_ENTER: dict[type, _Enter] = {
    MenuNode: FlowWalker._enter_menu,
    InputNode: FlowWalker._enter_input,
    PlayNode: FlowWalker._enter_play,
    SetNode: FlowWalker._enter_set,
    BranchNode: FlowWalker._enter_branch,
    HoursNode: FlowWalker._enter_hours,
    LookupNode: FlowWalker._enter_lookup,
    QueueNode: FlowWalker._enter_exit,
    VoicemailNode: FlowWalker._enter_exit,
    CallbackNode: FlowWalker._enter_exit,
    HangupNode: FlowWalker._enter_exit,
}
