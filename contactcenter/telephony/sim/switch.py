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
nothing, as Asterisk's 404s change nothing for the engine. A hang-up is told
as Asterisk tells it: the prompt playing ends (``PlaybackEnded``), a message
being recorded is saved (``RecordingEnded``), then a channel that was in the
app leaves it (``CallEnded`` "left", ARI's StasisEnd) and every channel is
destroyed (``CallEnded`` with the cause's text, ARI's ChannelDestroyed).
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
    customer_answer: float = 5.0  #: a customer called back answers after this long
    customer_talk: float = 120.0  #: and talks this long (the same for every callback)


#: ARI's ChannelDestroyed cause texts the platform sees
NORMAL, NO_ANSWER = "Normal Clearing", "No answer"


@dataclass(slots=True)
class _Channel:
    """One channel: a caller's line, an agent's leg or a customer's leg."""

    channel_id: str
    caller: Caller | None = None  #: the caller on a caller's line
    keys: list[str] = field(default_factory=list)  #: keys still to press
    up: bool = False  #: in the app (a caller, or a leg that answered): it leaves it on hang-up
    bridge: str | None = None
    queued: bool = False  #: put on hold once: waiting in a queue, their patience running
    talked: bool = False  #: bridged with someone else once
    timers: list[asyncio.TimerHandle] = field(default_factory=list)
    patience: asyncio.TimerHandle | None = None
    #: playbacks in the order asked (Asterisk plays them one after the other); the first
    #: plays, for ``playing``'s timer
    playbacks: list[tuple[str, int]] = field(default_factory=list)
    playing: asyncio.TimerHandle | None = None
    recording: tuple[str, float] | None = None  #: a message being recorded, and since when


def _new_york(serial: int) -> str:
    """A valid New York number of its own for each caller (area code 212)."""
    exchange, line = divmod(serial, 10_000)
    return f"+1212{200 + exchange:03d}{line:04d}"


class SimSwitch:
    """A driver over simulated phones: ``execute`` takes commands, ``on_event`` hears back."""

    def __init__(self, on_event: OnEvent, wire: Wire | None = None,
                 on_quiet: Callable[[], None] | None = None, lines: str = "sim") -> None:
        """``on_quiet``: told each time the last channel up goes. ``lines``: the callers'
        line ids begin so (two switches in one run must not share ids)."""
        self._on_event = on_event
        self._lines = lines
        self._on_quiet = on_quiet
        self.wire = wire or Wire()
        self._loop = asyncio.get_running_loop()
        self._channels: dict[str, _Channel] = {}
        self._bridges: dict[str, set[str]] = {}
        self._serial = 0
        #: every command the platform sent, by kind (a run's fingerprint)
        self.commands: dict[str, int] = {}

    # -- the driver's lifecycle: nothing to connect to --------------------------------------

    async def start(self) -> None:
        """The simulated world is there as soon as it is made."""

    async def wait_connected(self, timeout: float) -> None:
        """Nothing to wait for."""

    def status(self) -> dict[str, bool]:
        return {"sim": True}

    async def stop(self) -> None:
        """Its timers die with the loop; calls still up are the run's to end."""

    # -- the world ---------------------------------------------------------------------------

    def register(self, endpoint: str) -> None:
        """An agent's phone registers (the ACD rings the phone an agent registered)."""
        self._emit(de.EndpointRegistration(endpoint=endpoint, registered=True))

    def dial_in(self, caller: Caller, *, dialed: str, number: str = "",
                keys: str = "") -> str:
        """A caller dials ``dialed``; the id of their line. Their number is ``number``, or
        one in New York (a known time zone: a callback to it may be placed)."""
        self._serial += 1
        call_id = f"{self._lines}-{self._serial:06d}"
        self._channels[call_id] = _Channel(call_id, caller=caller, keys=list(keys), up=True)
        self._emit(de.CallArrived(call_id=call_id, caller=number or _new_york(self._serial),
                                  dialed=dialed))
        return call_id

    @property
    def live(self) -> int:
        """Channels up now (callers, agents' and customers' legs)."""
        return len(self._channels)

    # -- the driver interface ----------------------------------------------------------------

    async def execute(self, command: dc.DriverCommand) -> None:
        """Carry out one of the platform's commands, as Asterisk would."""
        kind = type(command).__name__
        self.commands[kind] = self.commands.get(kind, 0) + 1
        match command:
            case dc.PlayMedia():
                self._play(command)
            case dc.StopMedia():
                self._stop(command)
            case dc.StartHold():
                self._hold(command)
            case dc.RecordMessage():
                self._record(command)
            case dc.RingAgent():
                self._ring(command)
            case dc.DialCustomer():
                self._dial(command)
            case dc.HangupCall(call_id=channel_id):
                self._gone(channel_id, NORMAL)
            case dc.CreateBridge(bridge_id=bridge):
                self._bridges.setdefault(bridge, set())
            case dc.AddToBridge():
                self._add(command)
            case dc.RemoveFromBridge(channel=channel_id):
                self._leave_bridge(self._channels.get(channel_id))
            case dc.DestroyBridge():
                self._destroy(command)

    # -- prompts and messages ------------------------------------------------------------------

    def _play(self, command: dc.PlayMedia) -> None:
        line = self._channels.get(command.call_id)
        if line is None:
            return
        line.playbacks.append((command.playback_id, max(1, len(command.media))))
        if len(line.playbacks) == 1:
            self._start_playback(line)

    def _start_playback(self, line: _Channel) -> None:
        """The first playback asked plays; a caller in the menu answers it with a key."""
        playback_id, media = line.playbacks[0]
        length = self.wire.prompt_seconds * media
        line.playing = self._loop.call_later(length, self._playback_done, line, playback_id)
        if line.keys and not line.queued:
            line.timers.append(self._loop.call_later(
                min(self.wire.key_delay, length), self._press, line))

    def _press(self, line: _Channel) -> None:
        if line.keys and not line.queued and line.channel_id in self._channels:
            self._emit(de.DigitReceived(call_id=line.channel_id, digit=line.keys.pop(0)))

    def _playback_done(self, line: _Channel, playback_id: str) -> None:
        """A playback ended (played out or stopped): the next one asked starts."""
        line.playbacks = [p for p in line.playbacks if p[0] != playback_id]
        if line.playing is not None:
            line.playing.cancel()
            line.playing = None
        self._emit(de.PlaybackEnded(call_id=line.channel_id, playback_id=playback_id))
        if line.playbacks and line.channel_id in self._channels:
            self._start_playback(line)

    def _stop(self, command: dc.StopMedia) -> None:
        line = self._channels.get(command.call_id)
        if line is None or all(p[0] != command.playback_id for p in line.playbacks):
            return
        if line.playbacks[0][0] == command.playback_id:
            self._playback_done(line, command.playback_id)  # reported as Asterisk does
        else:  # not started yet: just dropped
            line.playbacks = [p for p in line.playbacks if p[0] != command.playback_id]

    def _record(self, command: dc.RecordMessage) -> None:
        """A caller leaves a message: no longer waiting for an agent, so no more patience."""
        line = self._channels.get(command.call_id)
        if line is None:
            return
        if line.patience is not None:
            line.patience.cancel()
        seconds = min(self.wire.message_seconds, command.max_seconds)
        line.recording = (command.name, self._loop.time())
        line.timers.append(self._loop.call_later(seconds, self._recorded, line))

    def _recorded(self, line: _Channel) -> None:
        if line.recording is not None:
            name, since = line.recording
            line.recording = None
            self._emit(de.RecordingEnded(call_id=line.channel_id, name=name,
                                         duration=self._loop.time() - since, cause="done"))

    # -- waiting, ringing, talking --------------------------------------------------------------

    def _hold(self, command: dc.StartHold) -> None:
        """A caller first put on hold is waiting in a queue: their patience starts."""
        line = self._channels.get(command.call_id)
        if line is None or line.queued or line.caller is None:
            return
        line.queued = True
        if math.isfinite(line.caller.patience):
            line.patience = self._loop.call_later(line.caller.patience, self._give_up, line)

    def _give_up(self, line: _Channel) -> None:
        if not line.talked:
            self._gone(line.channel_id, NORMAL)

    def _ring(self, command: dc.RingAgent) -> None:
        """A phone rings for the platform and is answered after the answer delay (or rings
        out); its answer is an agent's, a consulted party's or a supervisor's, by purpose."""
        leg = self._channels[command.leg_id] = _Channel(command.leg_id)
        if self.wire.answer_delay >= command.timeout:
            leg.timers.append(self._loop.call_later(command.timeout, self._gone,
                                                    command.leg_id, NO_ANSWER))
            return
        answered: de.DriverEvent = de.AgentAnswered(
            call_id=command.call_id, leg_id=command.leg_id, endpoint=command.endpoint)
        if command.purpose == "party":
            answered = de.PartyAnswered(call_id=command.call_id, leg_id=command.leg_id)
        elif command.purpose == "monitor":
            answered = de.MonitorAnswered(monitor_id=command.call_id, leg_id=command.leg_id)
        leg.timers.append(self._loop.call_later(self.wire.answer_delay, self._answer,
                                                leg, answered))

    def _dial(self, command: dc.DialCustomer) -> None:
        """A customer called back answers after a while (or rings out), then talks."""
        leg = self._channels[command.leg_id] = _Channel(
            command.leg_id, caller=Caller(at=0.0, handle=self.wire.customer_talk))
        if self.wire.customer_answer >= command.timeout:
            leg.timers.append(self._loop.call_later(command.timeout, self._gone,
                                                    command.leg_id, NO_ANSWER))
            return
        answered = de.CustomerAnswered(call_id=command.call_id, leg_id=command.leg_id)
        leg.timers.append(self._loop.call_later(self.wire.customer_answer, self._answer,
                                                leg, answered))

    def _answer(self, leg: _Channel, answered: de.DriverEvent) -> None:
        leg.up = True  # an answered leg enters the app
        self._emit(answered)

    def _add(self, command: dc.AddToBridge) -> None:
        members = self._bridges.setdefault(command.bridge_id, set())
        for channel_id in command.channels:
            channel = self._channels.get(channel_id)
            if channel is not None:
                self._leave_bridge(channel)
                channel.bridge = command.bridge_id
                members.add(channel_id)
        self._talk(members)

    def _destroy(self, command: dc.DestroyBridge) -> None:
        for channel_id in self._bridges.pop(command.bridge_id, set()):
            channel = self._channels.get(channel_id)
            if channel is not None:
                channel.bridge = None

    def _talk(self, members: set[str]) -> None:
        """Two or more in a bridge talk: a caller's handle time starts the first time."""
        if len(members) < 2:
            return
        for channel_id in members:
            channel = self._channels[channel_id]
            if channel.caller is not None and not channel.talked:
                channel.talked = True
                if channel.patience is not None:
                    channel.patience.cancel()
                channel.timers.append(self._loop.call_later(
                    channel.caller.handle, self._gone, channel_id, NORMAL))

    def _leave_bridge(self, channel: _Channel | None) -> None:
        if channel is not None and channel.bridge is not None:
            self._bridges.get(channel.bridge, set()).discard(channel.channel_id)
            channel.bridge = None

    # -- the end ---------------------------------------------------------------------------------

    def _gone(self, channel_id: str, cause: str) -> None:
        """A channel hangs up, whoever asked, told as Asterisk tells it."""
        channel = self._channels.pop(channel_id, None)
        if channel is None:
            return
        for timer in [*channel.timers, channel.patience, channel.playing]:
            if timer is not None:
                timer.cancel()
        if channel.playbacks:  # the prompt playing ends with the channel
            self._emit(de.PlaybackEnded(call_id=channel_id, playback_id=channel.playbacks[0][0]))
        self._recorded(channel)  # a message is kept up to the hang-up
        self._leave_bridge(channel)
        if channel.up:
            self._emit(de.CallEnded(call_id=channel_id, cause="left"))  # StasisEnd
        self._emit(de.CallEnded(call_id=channel_id, cause=cause))  # ChannelDestroyed
        if not self._channels and self._on_quiet is not None:
            self._loop.call_soon(self._on_quiet)

    def _emit(self, event: de.DriverEvent) -> None:
        """From the loop, not from inside the caller's stack: as a socket delivers."""
        self._loop.call_soon(self._on_event, event)
