"""Which engine carries each call, when the platform runs on more than one.

Theory of operation. The settings give each phone number to one engine
(``twilio.numbers`` run on Twilio; the rest on the default engine, ``driver``).
A call belongs to the engine it arrived on, and so does every leg started for
it: the agent's phone rung for a waiting caller, the consulted party, the
bridge, the recording. Media cannot cross from one engine to another, so a
leg's engine is never a choice of its own: it is the engine of the call it is
for. A supervisor's phone goes with the agent's leg it listens to (``near``).
A call the platform places with nothing to follow (a campaign's dial, an
agent's click-to-talk) goes out on the engine that owns its caller id, and
on the default engine when no engine owns it. A callback goes out on the
engine its caller came in on: ended calls are remembered (the last
``remember`` of them), and after a restart the journal's records say.

``Owners`` is that bookkeeping, pure: ids in, engine names out. The router
(``router.py``) feeds it the drivers' events and the engine's commands.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Mapping

from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de

#: ended calls whose engine is still known (a callback dials its caller back on it)
REMEMBER = 20_000


class Owners:
    """``numbers``: phone number -> engine, for the numbers not on ``default``."""

    def __init__(self, *, default: str, numbers: Mapping[str, str],
                 remember: int = REMEMBER) -> None:
        self.default = default
        self.numbers = dict(numbers)
        #: channels up: the calls that arrived, the legs started (until they end)
        self._live: dict[str, str] = {}
        #: any other id lately seen (ended channels, a dial's or a session's own id), bounded
        self._recent: OrderedDict[str, str] = OrderedDict()
        self._remember = remember

    def of(self, call_id: str) -> str | None:
        """The engine carrying ``call_id`` (or that carried it, lately), if known."""
        return self._live.get(call_id) or self._recent.get(call_id)

    def for_new(self, call_id: str, caller_id: str = "") -> str:
        """The engine a call begun now for ``call_id`` goes out on."""
        known = self.of(call_id)
        if known is not None:
            return known
        return self.numbers.get(caller_id, self.default)

    def choose(self, command: dc.DriverCommand) -> str:
        """The engine that runs ``command``; a leg it starts belongs there from now on."""
        engine = self._choice(command)
        for leg in _started(command):
            self._live.setdefault(leg, engine)
        if command.call_id not in self._live:
            self._note(command.call_id, engine)
        return engine

    def _choice(self, command: dc.DriverCommand) -> str:
        match command:
            case dc.SnoopChannel(target=target):
                return self.of(target) or self.of(command.call_id) or self.default
            case dc.RingAgent(near=near) if near and self.of(near) is not None:
                return self.of(near) or self.default
            case dc.RingAgent(caller_id=caller_id) | dc.DialCustomer(caller_id=caller_id) \
                    | dc.PlaceDial(caller_id=caller_id):
                return self.for_new(command.call_id, caller_id)
        return self.of(command.call_id) or self.default

    def heard(self, engine: str, event: de.DriverEvent) -> None:
        """A driver's news: its ids are its own; an ended one is remembered a while."""
        if isinstance(event, de.CallEnded):
            self._note(event.call_id, self._live.pop(event.call_id, engine))
        elif isinstance(event, de.CallArrived):
            self._live.setdefault(event.call_id, engine)
        elif getattr(event, "leg_id", None):
            self._live.setdefault(event.leg_id, engine)  # type: ignore[union-attr]

    def seed(self, engines: Iterable[tuple[str, str]]) -> None:
        """Calls known from before a restart (the journal's records), and their engine."""
        for call_id, engine in engines:
            self._live.setdefault(call_id, engine or self.default)

    def elsewhere(self, engine: str) -> frozenset[str]:
        """The live ids another engine carries: ``engine``'s resync leaves them alone."""
        return frozenset(name for name, owner in self._live.items() if owner != engine)

    def _note(self, name: str, engine: str) -> None:
        self._recent[name] = engine
        self._recent.move_to_end(name)
        while len(self._recent) > self._remember:
            self._recent.popitem(last=False)


def _started(command: dc.DriverCommand) -> tuple[str, ...]:
    """The new legs a command starts."""
    match command:
        case dc.RingAgent(leg_id=leg) | dc.DialCustomer(leg_id=leg) | dc.PlaceDial(leg_id=leg):
            return (leg,)
        case dc.SnoopChannel(snoop_id=snoop):
            return (snoop,)
    return ()
