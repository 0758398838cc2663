"""One driver's face over the engines the platform runs on (Asterisk, Twilio, sim).

The engine sends every command to ``DriverRouter.execute`` and hears every
driver's events through it, as if there were one driver. ``Owners`` says which
engine carries each call; this module only carries the words both ways:

- a command goes to the driver of the engine that carries its call;
- an event is passed on as it came, once ``Owners`` has learnt from it whose it is;
- a driver's resync (after it reconnected, or at start) is passed on with the test of
  what is that engine's (``mine``: an id it claimed, or nobody's on the default
  engine), so that the engine ends and hangs up only what that engine lost: one
  engine's restart never ends another engine's calls. What the driver lists becomes
  its own; what it carried and no longer lists is forgotten as ended.

With a single engine the router changes nothing but the names: each call still
learns its engine, and the records say it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Protocol, TypeVar

from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.owners import Owners, started_by

OnEvent = Callable[[de.DriverEvent], None]
Resync = Callable[[Mapping[str, de.CallArrived], Mapping[str, de.AnsweredLeg],
                   AbstractSet[str]], None]
#: ``engine.resync`` with the test of which ids are the resyncing engine's
OnResync = Callable[[Mapping[str, de.CallArrived], Mapping[str, de.AnsweredLeg],
                     AbstractSet[str], Callable[[str], bool]], None]


class Driver(Protocol):
    async def start(self) -> None: ...
    async def wait_connected(self, timeout: float) -> None: ...
    def status(self) -> dict[str, bool]: ...
    async def execute(self, command: dc.DriverCommand) -> None: ...
    async def stop(self) -> None: ...


D = TypeVar("D", bound=Driver)


class DriverRouter:
    """``drivers`` are added by name with ``add``, each built with the callbacks the
    router gives it (``on_event``, ``on_resync``) so that their news is told apart."""

    def __init__(self, owners: Owners, *, on_event: OnEvent,
                 on_resync: OnResync | None = None) -> None:
        self.owners = owners
        self.drivers: dict[str, Driver] = {}
        self._on_event = on_event
        self._on_resync = on_resync

    def add(self, engine: str, build: Callable[[OnEvent, Resync], D]) -> D:
        """Build ``engine``'s driver with callbacks that tag its news as its own."""
        driver = build(self._heard(engine), self._resynced(engine))
        self.drivers[engine] = driver
        return driver

    @property
    def engines(self) -> tuple[str, ...]:
        return tuple(self.drivers)

    def engine_of(self, call_id: str, caller_id: str = "") -> str:
        """The engine carrying ``call_id``, or that a new call for it would go out on."""
        return self.owners.for_new(call_id, caller_id)

    async def execute(self, command: dc.DriverCommand) -> None:
        engine = self.owners.choose(command)
        driver = self.drivers.get(engine)
        try:
            if driver is None:
                raise LookupError(f"no driver runs engine {engine!r} (for {command.call_id})")
            await driver.execute(command)
        except Exception:
            for leg in started_by(command):  # a leg that could not start is up nowhere
                self.owners.gone(leg, engine)
            raise

    def status(self) -> dict[str, dict[str, bool]]:
        return {engine: driver.status() for engine, driver in self.drivers.items()}

    def ready(self, key: Mapping[str, str], via: str | None = None) -> bool:
        """The engine a call on behalf of number ``via`` goes out on can place calls
        (``key``: the status flag saying so, by engine); no ``via``: every engine can."""
        engines = self.drivers if via is None else [self.owners.for_new("", via)]
        return all(self.drivers[engine].status().get(key.get(engine, ""), True)
                   for engine in engines if engine in self.drivers)

    async def start(self, engines: Iterable[str] | None = None) -> None:
        for engine in self.engines if engines is None else engines:
            await self.drivers[engine].start()

    async def wait_connected(self, timeout: float) -> None:
        for driver in self.drivers.values():
            await driver.wait_connected(timeout)

    async def stop(self) -> None:
        for driver in reversed(list(self.drivers.values())):
            await driver.stop()

    def _heard(self, engine: str) -> OnEvent:
        def heard(event: de.DriverEvent) -> None:
            self.owners.heard(engine, event)
            self._on_event(event)
        return heard

    def _resynced(self, engine: str) -> Resync:
        def resynced(live: Mapping[str, de.CallArrived], legs: Mapping[str, de.AnsweredLeg],
                     present: AbstractSet[str]) -> None:
            self.owners.claim(engine, live, callers=True)
            self.owners.claim(engine, {leg.leg_id for leg in legs.values()} | set(present))
            if self._on_resync is not None:
                self._on_resync(live, legs, present,
                                lambda name: self.owners.belongs(name, engine))
            self.owners.settle(engine, set(live) | set(present)
                               | {leg.leg_id for leg in legs.values()})
        return resynced
