"""Which engine carries each call, when the platform runs on more than one.

Theory of operation. The settings give each phone number to one engine
(``twilio.numbers`` run on Twilio; the rest on the default engine, ``driver``).
A call belongs to the engine it arrived on, and so does every leg started for
it: the agent's phone rung for a waiting caller, the consulted party, the
bridge, the recording. Media cannot cross from one engine to another, so a
leg's engine is never a choice of its own: it is the engine of the call it is
for. A supervisor's phone goes with the agent's leg it listens to (``near``).
A call the platform places for no known call goes out on the engine of the
company number it is on behalf of: a campaign's dial shows its caller id, and
the agents' open lines of that campaign name it (``via``); with no such
number (an agent's click-to-talk), on the default engine. A callback goes out
on the engine its caller came in on: the calls that ended are remembered (the
last ``remember`` of them; at start, the journal's ended records), and a caller
forgotten since is found by the company number they called (``RingAgent.via``).

``Owners`` is that bookkeeping, pure: ids in, engine names out. The router
(``router.py``) feeds it the drivers' events and the engine's commands. An id
no engine has claimed is the default engine's.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping

from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

#: ended calls (and other ids lately seen) whose engine is still known, each bounded
REMEMBER = 20_000


class _Recent:
    """Names and their engines, the oldest forgotten first past ``size``."""

    def __init__(self, size: int) -> None:
        self._items: OrderedDict[str, str] = OrderedDict()
        self._size = size

    def get(self, name: str) -> str | None:
        return self._items.get(name)

    def put(self, name: str, engine: str) -> None:
        self._items[name] = engine
        self._items.move_to_end(name)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


class Owners:
    """``numbers``: phone number -> engine, for the numbers not on ``default``."""

    def __init__(self, *, default: str, numbers: Mapping[str, str],
                 remember: int = REMEMBER) -> None:
        self.default = default
        self.numbers = dict(numbers)
        #: channels up: the calls that arrived, the legs started, until they end or their
        #: engine's resync no longer lists them
        self._live: dict[str, str] = {}
        #: the callers' calls that ended: a callback goes back on their engine
        self._calls = _Recent(remember)
        #: any other id lately seen (ended legs, a dial's or a session's own id)
        self._other = _Recent(remember)
        #: a dial's id -> its callee's leg (an unanswered dial ends with the dial's id), and
        #: back, until the dial is answered or ends
        self._dials: dict[str, str] = {}
        self._dial_of: dict[str, str] = {}
        #: the live calls that are callers' (arrived, or open in the journal at start)
        self._callers: set[str] = set()

    def of(self, name: str) -> str | None:
        """The engine carrying ``name`` (or that carried it, lately), if known."""
        return self._live.get(name) or self._calls.get(name) or self._other.get(name)

    def live_ids(self) -> set[str]:
        """The ids known to be up, on any engine."""
        return set(self._live)

    def dials_pending(self) -> set[str]:
        """The campaign dials placed and not answered nor ended yet."""
        return set(self._dials)

    def belongs(self, name: str, engine: str) -> bool:
        """Whether ``engine`` carries ``name``; an id nobody claimed is the default's."""
        return (self.of(name) or self.default) == engine

    def for_new(self, call_id: str, via: str = "") -> str:
        """The engine a call begun now for ``call_id`` goes out on."""
        return self.of(call_id) or self.numbers.get(via, self.default)

    def choose(self, command: dc.DriverCommand) -> str:
        """The engine that runs ``command``; a leg it starts belongs there from now on."""
        engine = self._choice(command)
        for leg in started_by(command):
            self._live.setdefault(leg, engine)
        if isinstance(command, dc.PlaceDial):
            self._dials[command.call_id] = command.leg_id
            self._dial_of[command.leg_id] = command.call_id
        if command.call_id not in self._live:
            self._other.put(command.call_id, engine)
        return engine

    def _choice(self, command: dc.DriverCommand) -> str:
        match command:
            case dc.SnoopChannel(target=target):
                return self.of(target) or self.of(command.call_id) or self.default
            case dc.RingAgent(near=near) if near and self.of(near) is not None:
                return self.of(near) or self.default
            case dc.RingAgent(via=via) | dc.DialCustomer(via=via):
                return self.for_new(command.call_id, via)
            case dc.PlaceDial(caller_id=caller_id):
                return self.for_new(command.call_id, caller_id)
        return self.of(command.call_id) or self.default

    def heard(self, engine: str, event: de.DriverEvent) -> None:
        """A driver's news: its ids are its own; an ended one is remembered a while."""
        match event:
            case de.CallEnded(call_id=name):
                self.gone(name, engine)
            case de.DialUnanswered(call_id=dial):
                leg = self._dials.get(dial)
                if leg is not None:
                    self.gone(leg, engine)
            case de.DialAnswered(leg_id=leg):  # its leg's end is a CallEnded
                self._live.setdefault(leg, engine)
                self._forget_dial(leg)
            case de.CallArrived(call_id=name):
                self._live.setdefault(name, engine)
                self._callers.add(name)
            case _ if getattr(event, "leg_id", None):
                self._live.setdefault(event.leg_id, engine)  # type: ignore[union-attr]

    def gone(self, name: str, engine: str) -> None:
        """``name`` is up no more; its engine is remembered a while."""
        owner = self._live.pop(name, engine)
        self._forget_dial(name)
        if name in self._callers:
            self._callers.discard(name)
            self._calls.put(name, owner)
        else:
            self._other.put(name, owner)

    def _forget_dial(self, leg: str) -> None:
        dial = self._dial_of.pop(leg, None)
        if dial is not None:
            self._dials.pop(dial, None)

    def claim(self, engine: str, names: Iterable[str], *, callers: bool = False) -> None:
        """``engine`` says it has ``names`` up (its resync); ``callers``: callers' calls."""
        for name in names:
            self._live[name] = engine
            if callers:
                self._callers.add(name)

    def settle(self, engine: str, up: Collection[str]) -> None:
        """After ``engine``'s resync: what it carried and no longer lists is gone."""
        for name in [name for name, owner in self._live.items()
                     if owner == engine and name not in up]:
            self.gone(name, engine)

    def seed(self, live: Iterable[tuple[str, str]], ended: Iterable[tuple[str, str]] = (),
             ) -> None:
        """The calls known from before a restart (the journal's records): those still open,
        and those that ended (a callback promised on one goes back on its engine)."""
        for call_id, engine in ended:
            self._calls.put(call_id, engine or self.default)
        for call_id, engine in live:
            self._live.setdefault(call_id, engine or self.default)
            self._callers.add(call_id)


def started_by(command: dc.DriverCommand) -> tuple[str, ...]:
    """The new legs a command starts."""
    match command:
        case dc.RingAgent(leg_id=leg) | dc.DialCustomer(leg_id=leg) | dc.PlaceDial(leg_id=leg):
            return (leg,)
        case dc.SnoopChannel(snoop_id=snoop):
            return (snoop,)
    return ()
