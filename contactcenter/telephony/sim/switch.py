"""The simulated telephone network, behind the same driver interface as Asterisk.

Theory of operation. The platform drives a telephony driver with commands
(``contactcenter.telephony.commands``: answer, play, hold, ring an agent,
bridge, hang up) through ``execute``, and hears back driver events
(``contactcenter.telephony.events``: a call arrived, a digit, a playback
ended, an agent answered, a channel ended). ``SimSwitch`` is such a driver
with the world simulated behind it: callers who dial in, press their keys
while the menu plays, wait on hold until their patience runs out, and talk
for their handle time once bridged with an agent; agents' phones that answer
after the floor's answer delay; prompts that last a fixed time per media.
So a simulated call takes exactly the path of a real one through the engine,
the IVR, the ACD and call control: only the other end of the wire differs.

It runs on the event loop's clock (a ``VirtualTimeLoop`` for hours in
seconds). Events are delivered from the loop, never from inside ``execute``,
as a socket would deliver them. Commands for channels that are gone change
nothing, as Asterisk's 404s change nothing for the engine.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from contactcenter.telephony import commands as dc
from contactcenter.telephony import events as de
from contactcenter.telephony.sim.scenario import Caller

OnEvent = Callable[[de.DriverEvent], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Wire:
    """How long the simulated world takes to do things, in seconds."""

    answer_delay: float = 0.0  #: an agent's phone rings this long before they answer
    prompt_seconds: float = 2.0  #: each media of a prompt lasts this long
    key_delay: float = 1.0  #: a caller presses their next key this long into a prompt
    message_seconds: float = 20.0  #: a voicemail message left by a caller
    customer_talk: float = 120.0  #: a customer called back talks this long


@dataclass(slots=True)
class _Channel:
    """One channel: a caller's line, an agent's leg or a customer's leg."""

    channel_id: str
    caller: Caller | None = None  #: the caller on a caller's line
    keys: list[str] = field(default_factory=list)  #: keys still to press
    bridge: str | None = None
    held: bool = False  #: ever put on hold: waiting in a queue
    talked: bool = False  #: bridged with someone else once
    timers: list[asyncio.TimerHandle] = field(default_factory=list)
    playbacks: dict[str, asyncio.TimerHandle] = field(default_factory=dict)


def _new_york(serial: int) -> str:
    """A valid New York number of its own for each caller (area code 212)."""
    exchange, line = divmod(serial, 10_000)
    return f"+1212{200 + exchange:03d}{line:04d}"


class SimSwitch:
    """A driver over simulated phones: ``execute`` takes commands, ``on_event`` hears back."""

    def __init__(self, on_event: OnEvent, wire: Wire | None = None) -> None:
        self._on_event = on_event
        self.wire = wire or Wire()
        self._loop = asyncio.get_running_loop()
        self._channels: dict[str, _Channel] = {}
        self._bridges: dict[str, set[str]] = {}
        self._serial = 0
        #: every command the platform sent, by kind (a run's fingerprint)
        self.commands: dict[str, int] = {}

    # -- the world ---------------------------------------------------------------------------

    def register(self, endpoint: str) -> None:
        """An agent's phone registers (the ACD rings the phone an agent registered)."""
        self._emit(de.EndpointRegistration(endpoint=endpoint, registered=True))

    def dial_in(self, caller: Caller, *, dialed: str, number: str = "",
                keys: str = "") -> str:
        """A caller dials ``dialed``; the id of their line. Their number is ``number``, or
        one in New York (a known time zone: a callback to it may be placed)."""
        self._serial += 1
        call_id = f"sim-{self._serial:06d}"
        self._channels[call_id] = _Channel(call_id, caller=caller, keys=list(keys))
        self._emit(de.CallArrived(call_id=call_id, caller=number or _new_york(self._serial),
                                  dialed=dialed))
        return call_id

    # -- the driver interface ----------------------------------------------------------------

    async def execute(self, command: dc.DriverCommand) -> None:
        """Carry out one of the platform's commands, as Asterisk would."""
        kind = type(command).__name__
        self.commands[kind] = self.commands.get(kind, 0) + 1
        handler = _ON_COMMAND.get(type(command))
        if handler is not None:
            handler(self, command)

    def _play(self, command: dc.PlayMedia) -> None:
        line = self._channels.get(command.call_id)
        if line is None:
            return
        length = self.wire.prompt_seconds * max(1, len(command.media))
        line.playbacks[command.playback_id] = self._loop.call_later(
            length, self._playback_done, line, command.playback_id)
        if line.keys and not line.held:  # in the menu: the caller answers it
            line.timers.append(self._loop.call_later(
                min(self.wire.key_delay, length), self._press, line))

    def _press(self, line: _Channel) -> None:
        if line.keys and not line.held and line.channel_id in self._channels:
            self._emit(de.DigitReceived(call_id=line.channel_id, digit=line.keys.pop(0)))

    def _playback_done(self, line: _Channel, playback_id: str) -> None:
        if line.playbacks.pop(playback_id, None) is not None:
            self._emit(de.PlaybackEnded(call_id=line.channel_id, playback_id=playback_id))

    def _stop(self, command: dc.StopMedia) -> None:
        line = self._channels.get(command.call_id)
        timer = line.playbacks.pop(command.playback_id, None) if line else None
        if line is not None and timer is not None:  # Asterisk reports a stopped one too
            timer.cancel()
            self._emit(de.PlaybackEnded(call_id=line.channel_id, playback_id=command.playback_id))

    def _hold(self, command: dc.StartHold) -> None:
        """A caller on hold is waiting in a queue: their patience starts (once)."""
        line = self._channels.get(command.call_id)
        if line is None or line.held or line.caller is None:
            return
        line.held = True
        if math.isfinite(line.caller.patience):
            line.timers.append(self._loop.call_later(line.caller.patience, self._give_up, line))

    def _give_up(self, line: _Channel) -> None:
        if not line.talked:
            self._gone(line.channel_id, "abandoned")

    def _record(self, command: dc.RecordMessage) -> None:
        line = self._channels.get(command.call_id)
        if line is not None:
            seconds = min(self.wire.message_seconds, command.max_seconds)
            line.timers.append(self._loop.call_later(seconds, self._emit, de.RecordingEnded(
                call_id=line.channel_id, name=command.name, duration=seconds, cause="done")))

    def _ring(self, command: dc.RingAgent) -> None:
        """An agent's phone rings and is answered after the answer delay (or rings out)."""
        leg = self._channels[command.leg_id] = _Channel(command.leg_id)
        if self.wire.answer_delay < command.timeout:
            answered = de.AgentAnswered(call_id=command.call_id, leg_id=command.leg_id,
                                        endpoint=command.endpoint)
            leg.timers.append(self._loop.call_later(self.wire.answer_delay, self._emit,
                                                    answered))
        else:
            leg.timers.append(self._loop.call_later(command.timeout, self._gone,
                                                    command.leg_id, "no answer"))

    def _dial(self, command: dc.DialCustomer) -> None:
        """A customer called back answers after the answer delay, then talks a while."""
        leg = self._channels[command.leg_id] = _Channel(
            command.leg_id, caller=Caller(at=0.0, handle=self.wire.customer_talk))
        answered = de.CustomerAnswered(call_id=command.call_id, leg_id=command.leg_id)
        leg.timers.append(self._loop.call_later(self.wire.answer_delay, self._emit, answered))

    def _hang_up(self, command: dc.HangupCall) -> None:
        self._gone(command.call_id, command.reason)

    def _create(self, command: dc.CreateBridge) -> None:
        self._bridges.setdefault(command.bridge_id, set())

    def _add(self, command: dc.AddToBridge) -> None:
        members = self._bridges.setdefault(command.bridge_id, set())
        for channel_id in command.channels:
            channel = self._channels.get(channel_id)
            if channel is not None:
                self._leave_bridge(channel)
                channel.bridge = command.bridge_id
                members.add(channel_id)
        self._talk(members)

    def _remove(self, command: dc.RemoveFromBridge) -> None:
        channel = self._channels.get(command.channel)
        if channel is not None:
            self._leave_bridge(channel)

    def _destroy(self, command: dc.DestroyBridge) -> None:
        for channel_id in self._bridges.pop(command.bridge_id, set()):
            channel = self._channels.get(channel_id)
            if channel is not None:
                channel.bridge = None

    # -- what follows --------------------------------------------------------------------------

    def _talk(self, members: set[str]) -> None:
        """Two or more in a bridge talk: a caller's handle time starts the first time."""
        if len(members) < 2:
            return
        for channel_id in members:
            channel = self._channels[channel_id]
            if channel.caller is not None and not channel.talked:
                channel.talked = True
                channel.timers.append(self._loop.call_later(
                    channel.caller.handle, self._gone, channel_id, "normal"))

    def _leave_bridge(self, channel: _Channel) -> None:
        if channel.bridge is not None:
            self._bridges.get(channel.bridge, set()).discard(channel.channel_id)
            channel.bridge = None

    def _gone(self, channel_id: str, cause: str) -> None:
        """A channel hangs up, whoever asked: its timers stop, the platform hears of it."""
        channel = self._channels.pop(channel_id, None)
        if channel is None:
            return
        for timer in [*channel.timers, *channel.playbacks.values()]:
            timer.cancel()
        self._leave_bridge(channel)
        self._emit(de.CallEnded(call_id=channel_id, cause=cause))

    def _emit(self, event: de.DriverEvent) -> None:
        """From the loop, not from inside the caller's stack: as a socket delivers."""
        self._loop.call_soon(self._on_event, event)

    @property
    def live(self) -> int:
        """Channels up now (callers, agents' and customers' legs)."""
        return len(self._channels)


_ON_COMMAND: dict[type, Callable[[SimSwitch, dc.DriverCommand], None]] = {
    dc.PlayMedia: SimSwitch._play,  # type: ignore[dict-item]
    dc.StopMedia: SimSwitch._stop,  # type: ignore[dict-item]
    dc.StartHold: SimSwitch._hold,  # type: ignore[dict-item]
    dc.RecordMessage: SimSwitch._record,  # type: ignore[dict-item]
    dc.RingAgent: SimSwitch._ring,  # type: ignore[dict-item]
    dc.DialCustomer: SimSwitch._dial,  # type: ignore[dict-item]
    dc.HangupCall: SimSwitch._hang_up,  # type: ignore[dict-item]
    dc.CreateBridge: SimSwitch._create,  # type: ignore[dict-item]
    dc.AddToBridge: SimSwitch._add,  # type: ignore[dict-item]
    dc.RemoveFromBridge: SimSwitch._remove,  # type: ignore[dict-item]
    dc.DestroyBridge: SimSwitch._destroy,  # type: ignore[dict-item]
}
