"""Callbacks booked for a time slot: the asyncio side of the slot rule.

The rule of which slots are offered is ``contactcenter.calls.callback.slots``
(pure). This module feeds it the queue's hours and booking settings (the ACD's
config), its staffing (the agents on the queue's roster, less those the
forecast inbound calls need, when a forecast is known), the bookings made so
far and the time; it asks the call gate what the CRM knows of a number (the
do-not-call flag, its time zone) so that a number the rules refuse is told so
when the booking is made, and keeps each booking in ``bookings.jsonl``.

At its slot's start a booking becomes a callback like any other
(``CallbackLine.request_callback``, source ``callback_booked``): through the
call gate again (a rule may say no by then; the calling hours are checked on
that moment's clock), a virtual caller in the queue's line in its place from
the slot's start, and an agent of the queue rings first, then the customer.
The bus says what became of it (``call.dialed``, ``callback.refused``,
``callback.withdrawn``), and the booking's state follows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from contactcenter.acd.model import DAY, AcdConfig, QueueConfig
from contactcenter.calls import Cleared, Refused
from contactcenter.calls.callback.changes import (
    change_refused,
    orphan_reason,
    others,
    reconciled,
    target,
)
from contactcenter.calls.callback.slots import Slot, offered, refusal
from contactcenter.dialer.compliance import Callee, callee_zones
from contactcenter.engine.booking_store import Booking, BookingState, BookingStore
from contactcenter.engine.deadlines import run_deadlines
from contactcenter.engine.gatekeeper import Gatekeeper
from contactcenter.events.bus import EventBus, Subscription

log = logging.getLogger(__name__)

#: the staffing plan's grain: the forecast's needs are per half hour
HALF_HOUR = 1800


class BookingRefused(Exception):
    """The booking cannot be made: ``rule`` (the gate's, or ``no_slot``, ``full``) and
    why, for the customer; ``field``: the request's field at fault."""

    def __init__(self, rule: str, reason: str, field: str) -> None:
        super().__init__(reason)
        self.rule, self.reason, self.field = rule, reason, field


class Line(Protocol):
    """The distributor's side of callbacks (``CallbackLine``)."""

    def request_callback(self, call_id: str, *, queue: str, number: str, priority: int,
                         skill: str | None, variables: dict[str, str],
                         since: float | None = None,
                         source: Any = "callback_ivr") -> Any: ...


class Bookings:
    """Slots offered, bookings made and kept, each released at its slot's start."""

    def __init__(self, acd: AcdConfig, *, line: Line, gate: Gatekeeper | None,
                 store: BookingStore, clock: Callable[[], float],
                 publish: Callable[[dict[str, Any]], None]) -> None:
        self.acd = acd
        self._line = line
        self._gate = gate
        self._store = store
        self._clock = clock
        self._publish = publish
        self._bookings: dict[str, Booking] = {b.id: b for b in store.load(clock())}
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        #: bookings handed to the ACD by this process
        self._released: set[str] = set()
        #: queue -> half hour's start -> agents its forecast inbound calls need
        self.inbound_need: dict[str, Mapping[float, int]] = {}
        self._reconcile()

    def now(self) -> float:
        return self._clock()

    @property
    def folder(self) -> Path:
        """Where the bookings are kept: the state folder."""
        return self._store.path.parent

    # -- what is offered -------------------------------------------------------------------

    def queues(self) -> list[str]:
        """The queues that take bookings."""
        return [name for name, queue in self.acd.queues.items() if queue.callback_slots]

    def config(self, queue: str) -> QueueConfig:
        """The queue's config; BookingRefused when it takes no bookings."""
        config = self.acd.queues.get(queue)
        if config is None or config.callback_slots is None:
            raise BookingRefused("no_slot", f"queue: {queue!r} takes no booked callbacks "
                                            f"(those that do: {', '.join(self.queues())})",
                                 "queue")
        return config

    def slots(self, queue: str, callee: Callee | None = None, limit: int = 48,
              moving: Booking | None = None) -> list[Slot]:
        """The slots offered now, for ``callee``'s calling hours when known; ``moving``:
        for this booking, whose own place is free to it."""
        config = self.config(queue)
        assert config.callback_slots is not None
        booked = self._booked(queue)
        if moving is not None:
            booked = others(booked.elements(), moving.start)
        return offered(now=self._clock(), rules=config.callback_slots, hours=config.hours,
                       spare=lambda start: self.spare_agents(queue, start),
                       booked=booked,
                       zones=callee_zones(callee) if callee is not None else None,
                       window=self._gate.window if callee and self._gate else None,
                       limit=limit)

    def spare_agents(self, queue: str, start: float) -> float:
        """The agents of the queue's roster, less those the forecast inbound calls need in
        the busiest half hour the slot from ``start`` covers (an hour-long slot has only
        the agents its second half hour spares, when that one is busier)."""
        roster = sum(1 for agent in self.acd.agents.values() if queue in agent.queues)
        rules = self.acd.queues[queue].callback_slots
        end = start + (rules.slot_seconds if rules is not None else HALF_HOUR)
        needs, half = self.inbound_need.get(queue, {}), start - start % HALF_HOUR
        need = 0
        while half < end:
            need, half = max(need, needs.get(half, 0)), half + HALF_HOUR
        return max(0, roster - need)

    def _booked(self, queue: str) -> Counter[float]:
        return Counter(b.start for b in self._bookings.values()
                       if b.queue == queue and b.state not in ("cancelled", "orphaned"))

    # -- the rules, when the booking is made -----------------------------------------------

    async def callee(self, number: str) -> Callee:
        """What the gate knows of ``number``; refused at once for the do-not-call list,
        an unknown local time, or a list that could not be read."""
        if self._gate is None:
            return Callee(number=number, time_zone="UTC")  # no gate: no rules to keep
        try:
            callee = await self._gate.callee(number)
        except Exception as exc:  # noqa: BLE001 - a list not read is no list checked
            log.warning("booking for %s: the lookup failed: %r", number, exc)
            raise BookingRefused("lookup_failed", "the do-not-call list could not be "
                                                  "checked", "number") from None
        said = refusal(callee, None, self._gate.window)
        if said is not None:
            raise BookingRefused(*said, "number")
        return callee

    async def book(self, queue: str, number: str, start: float | None, *, source: str,
                   name: str = "", topic: str = "", origin: str | None = None) -> Booking:
        """Book ``number`` for the slot starting at ``start`` (None: the first offered);
        BookingRefused says why not."""
        self.config(queue)
        callee = await self.callee(number)
        self._one_open(queue, number)
        slots = self.slots(queue, callee if self._gate else None, limit=10_000)
        if start is None:
            if not slots:
                raise BookingRefused("no_slot", "no slot is free inside this number's "
                                                "calling hours", "start")
            slot = slots[0]
        else:
            slot = self._chosen(queue, callee, start, slots)
        booking = Booking(id=f"booking-{uuid.uuid4()}", queue=queue, number=number,
                          start=slot.start, end=slot.end, booked_at=self._clock(),
                          source=source, name=name, topic=topic, origin=origin,
                          changed_at=self._clock())
        self._keep(booking)
        self._publish({"type": "callback.booked", "booking": booking.id, "queue": queue,
                       "number": number, "start": slot.start, "end": slot.end,
                       "source": source, "time": self._clock()})
        log.info("callback %s booked for %s", booking.id, _iso(slot.start))
        return booking

    def _one_open(self, queue: str, number: str, besides: str | None = None) -> None:
        """A number holds one open booking per queue: a second would call the customer
        twice, and one number could fill a queue's slots (the form and the API are public).
        Checked after the lookup's await, in the same step as the booking is kept. The
        answer does not say when the call booked comes: whoever types a number is not
        necessarily the customer it belongs to."""
        if any(b.open and b.queue == queue and b.number == number and b.id != besides
               for b in self._bookings.values()):
            raise BookingRefused("already_booked", "a callback to this number is booked "
                                 "already", "number")

    def _chosen(self, queue: str, callee: Callee, start: float, slots: list[Slot]) -> Slot:
        """The slot asked for, or why it cannot be had."""
        for slot in slots:
            if slot.start == start:
                return slot
        config = self.config(queue)
        assert config.callback_slots is not None
        now = self._clock()
        # the hours are asked of a start the queue might offer (centuries away, no clock reads it)
        if self._gate is not None \
                and now <= start <= now + config.callback_slots.days_ahead * DAY:
            end = start + config.callback_slots.slot_seconds
            said = refusal(callee, (start, end), self._gate.window)
            if said is not None:
                raise BookingRefused(*said, "start")
        raise BookingRefused("full", f"start: {_iso(start)} is not a slot offered (taken, "
                                     "closed, too soon or past); choose another", "start")

    def book_for_call(self, call_id: str, *, queue: str, number: str,
                      variables: Mapping[str, str]) -> asyncio.Future[Cleared | Refused]:
        """The IVR's booking: the first slot for the caller's number; answered like the
        gate's first word on a callback (Cleared with the slot's start, or Refused)."""
        answer: asyncio.Future[Cleared | Refused] = asyncio.get_running_loop().create_future()

        async def booking() -> None:
            try:
                made = await self.book(queue, number, None, source="ivr", origin=call_id,
                                       topic=variables.get("topic", ""))
            except BookingRefused as refused:
                self._publish({"type": "callback.refused", "call_id": call_id,
                               "number": number, "rule": refused.rule,
                               "reason": refused.reason, "source": "callback_ivr",
                               "asked_by": None, "time": self._clock()})
                answer.set_result(Refused(placement_id=call_id, rule=refused.rule,
                                          reason=refused.reason))
            else:
                answer.set_result(Cleared(placement_id=call_id, earliest=made.start))

        task = asyncio.ensure_future(booking())
        self._tasks.add(task)  # held until done: the loop keeps only a weak reference
        task.add_done_callback(self._tasks.discard)
        return answer

    # -- kept, listed, released ------------------------------------------------------------

    def listing(self) -> list[Booking]:
        """Every booking kept, by slot."""
        return sorted(self._bookings.values(), key=lambda b: (b.start, b.booked_at))

    def get(self, booking_id: str) -> Booking | None:
        return self._bookings.get(booking_id)

    def cancel(self, booking_id: str, by: str = "admin") -> Booking:
        """A booking not yet due is cancelled (KeyError: no such booking; ValueError:
        due or over already); ``by``: an admin, or the customer through their link
        (whose slot must not have started either)."""
        booking = self._bookings[booking_id]
        said = change_refused(booking.state, booking.start if by == "customer" else math.inf,
                              self._clock())
        if said is not None:
            raise ValueError(f"the booking is {booking.state}: {said.reason}")
        self._change(booking, "cancelled")
        self._changed(booking, "cancelled", by)
        return booking

    async def move(self, booking_id: str, start: float) -> Booking:
        """The customer's booking moves to the slot from ``start``, by the rules of a new
        booking (offered, with room, inside the number's calling hours, one open booking
        per number); KeyError: no such booking; ValueError: it may not change any more;
        BookingRefused: not to that slot."""
        booking = self._bookings[booking_id]
        self._movable(booking)
        callee = await self.callee(booking.number)
        self._movable(booking)  # again: its time may have come during the lookup
        self._one_open(booking.queue, booking.number, besides=booking.id)
        slots = self.slots(booking.queue, callee if self._gate else None, limit=10_000,
                           moving=booking)
        slot = target(slots, start) or self._chosen(booking.queue, callee, start, [])
        if slot.start != booking.start:
            booking.start, booking.end = slot.start, slot.end
            self._change(booking, "booked")
            self._changed(booking, "moved", "customer")
            log.info("callback %s moved to %s", booking.id, _iso(slot.start))
        return booking

    def _movable(self, booking: Booking) -> None:
        said = change_refused(booking.state, booking.start, self._clock())
        if said is not None:
            raise ValueError(f"the booking is {booking.state}: {said.reason}")

    def _changed(self, booking: Booking, change: str, by: str) -> None:
        """Its news on the bus, for the supervisors' list."""
        self._publish({"type": "callback.changed", "booking": booking.id,
                       "queue": booking.queue, "number": booking.number,
                       "state": booking.state, "start": booking.start, "end": booking.end,
                       "change": change, "by": by, "reason": booking.reason,
                       "time": self._clock()})

    def _reconcile(self) -> None:
        """At start: an open booking whose queue left the config is orphaned (never
        dialed, kept with why, one warning per queue); one orphaned earlier whose queue
        is back before its slot is booked again."""
        now, orphaned = self._clock(), Counter[str]()
        for booking in self.listing():
            state = reconciled(booking.state, booking.queue, booking.start, self.acd.queues,
                               now)
            if state is None:
                continue
            booking.reason = orphan_reason(booking.queue) if state == "orphaned" else ""
            self._change(booking, state)
            self._changed(booking, state, "config")
            orphaned[booking.queue] += state == "orphaned"
        for queue, count in (+orphaned).items():  # those with a booking orphaned
            log.warning("%d booked callback(s) orphaned, kept but never dialed: %s",
                        count, orphan_reason(queue))

    def next_deadline(self) -> float | None:
        waiting = [b.start for b in self._bookings.values() if b.state == "booked"]
        return min(waiting, default=None)

    def tick(self) -> None:
        """Release each booking whose slot has come (and those released before a restart
        that had not been dialed yet)."""
        now = self._clock()
        for booking in self.listing():
            if booking.state == "due" and booking.id not in self._released:
                self._release(booking)  # released before a restart, forgotten by the ACD
            elif booking.state == "booked" and booking.start <= now:
                self._change(booking, "due")
                self._release(booking)

    async def run(self, bus: EventBus) -> None:
        """Release bookings at their time and follow what became of them; until cancelled."""
        self.tick()
        follow = asyncio.ensure_future(self._follow(bus, bus.subscribe()))
        try:
            await run_deadlines(self.next_deadline, self.tick, self._wake, self._clock,
                                name="booked callbacks")
        finally:
            follow.cancel()
            self._store.close()

    def _release(self, booking: Booking) -> None:
        self._released.add(booking.id)
        log.info("callback %s: its slot %s has come", booking.id, _iso(booking.start))
        checked = self._line.request_callback(
            booking.id, queue=booking.queue, number=booking.number, priority=0, skill=None,
            variables={"name": booking.name, "topic": booking.topic, "source": "booking",
                       "booked_for": _iso(booking.start)},
            since=booking.start, source="callback_booked")
        if isinstance(checked, asyncio.Future):
            checked.add_done_callback(lambda done: self._checked(booking.id, done))

    def _checked(self, booking_id: str, done: asyncio.Future[Any]) -> None:
        if not done.cancelled() and done.exception() is None \
                and isinstance(done.result(), Refused):
            self._outcome(booking_id, "refused")

    async def _follow(self, bus: EventBus, subscription: Subscription) -> None:
        """What became of each booking due, from the bus; subscribed again when a burst
        the bookings had no turn to read cut them off (a booking left ``due`` after it
        was dialed would be dialed again after a restart)."""
        while True:
            try:
                async for event in subscription:
                    self._heard(event)
            finally:
                subscription.close()
            if not subscription.overflowed:
                return  # the bus closed
            log.warning("booked callbacks: cut off by a burst of events; following again")
            subscription = bus.subscribe()

    def _heard(self, event: Mapping[str, Any]) -> None:
        kind = event.get("type")
        if kind == "call.dialed" and event.get("origin"):
            self._outcome(str(event["origin"]), "dialed")
        elif kind in ("callback.refused", "callback.withdrawn") and event.get("call_id"):
            self._outcome(str(event["call_id"]), "refused" if kind == "callback.refused"
                          else "withdrawn")

    def _outcome(self, booking_id: str, state: BookingState) -> None:
        booking = self._bookings.get(booking_id)
        if booking is not None and booking.state == "due":
            self._change(booking, state)

    def _change(self, booking: Booking, state: BookingState) -> None:
        booking.state, booking.changed_at = state, self._clock()
        self._store.save(booking)
        self._wake.set()

    def _keep(self, booking: Booking) -> None:
        self._bookings[booking.id] = booking
        self._store.save(booking)
        self._wake.set()


def _iso(moment: float) -> str:
    return dt.datetime.fromtimestamp(moment, dt.UTC).isoformat()
