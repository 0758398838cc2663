"""The driver's book of the calls under way, kept from REST answers, webhooks and the
commands sent: what ``translate.Known`` shows the translation, and what each call runs.
After a restart it is rebuilt from Twilio's lists and the legs on disk (``resynced``).

``running`` is the name and text of the document each call runs now
(``CallTwiml.replaces`` is checked against the name); ``music`` is the class a call is
held with, so that a digit pressed on hold gets the music again under a new name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contactcenter.telephony import commands as c
from contactcenter.telephony.twilio import twiml
from contactcenter.telephony.twilio.hooks import Setup
from contactcenter.telephony.twilio.resync import Resynced
from contactcenter.telephony.twilio.translate import HOLD_DOC, Known, Webhook
from contactcenter.telephony.twilio.webhooks import ConferenceNews

#: conference news after which the call is out of its conference
_LEFT = ("participant-leave",)


@dataclass(slots=True)
class CallBook:
    call_sids: dict[str, str] = field(default_factory=dict)
    bridged: dict[str, str] = field(default_factory=dict)
    conferences: dict[str, str] = field(default_factory=dict)
    snoops: dict[str, c.SnoopChannel] = field(default_factory=dict)
    muted: set[str] = field(default_factory=set)
    #: call id -> (name, xml) of the document it runs
    running: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: call id -> the music class it is held with (``StartHold``)
    music: dict[str, str] = field(default_factory=dict)

    def waiting(self, setup: Setup, call_id: str, doc: str, *, keyed: bool) -> str:
        """The document of a call the engine has nothing new for: parked, or, after a key
        pressed on hold (``keyed``), its music again under a new name, so that the next
        key's callback is not taken for a replay of this one's."""
        music = self.music.get(call_id)
        if keyed and music is not None \
                and self.running.get(call_id, ("", ""))[0].startswith(HOLD_DOC):
            doc = f"{HOLD_DOC}{doc}"
            xml = twiml.hold(setup, call_id, music, doc)
        else:
            xml = twiml.park(setup, call_id, doc)
        self.running[call_id] = (doc, xml)
        return xml

    def known(self) -> Known:
        return Known(call_sids=self.call_sids, bridged=self.bridged,
                     conferences=self.conferences, snoops=self.snoops,
                     muted=frozenset(self.muted))

    def platform_id(self, call_sid: str) -> str:
        """The platform's id of a CallSid (a leg it started), or the CallSid itself."""
        for call_id, sid in self.call_sids.items():
            if sid == call_sid:
                return call_id
        return call_sid

    def learn(self, hook: Webhook) -> None:
        """What a webhook tells of the calls: a leg's CallSid, conferences."""
        if hook.call_sid and hook.call_id and hook.call_id != hook.call_sid:
            self.call_sids.setdefault(hook.call_id, hook.call_sid)
        if hook.conference is not None:
            self._conference(hook.conference)

    def _conference(self, news: ConferenceNews) -> None:
        if news.conference_sid and news.bridge_id:
            if news.event == "conference-end":
                self.conferences.pop(news.bridge_id, None)
            else:
                self.conferences[news.bridge_id] = news.conference_sid
        call = self.platform_id(news.call_sid) if news.call_sid else ""
        if not call:
            return
        if news.event == "participant-join" and news.bridge_id:
            self.bridged[call] = news.bridge_id
        elif (news.event in _LEFT or news.event.startswith("dial-")) \
                and self.bridged.get(call) == news.bridge_id:
            del self.bridged[call]

    def sent(self, command: c.DriverCommand) -> None:
        """What a command changes in the book once it is carried out."""
        match command:
            case c.SnoopChannel(snoop_id=snoop):
                self.snoops[snoop] = command
            case c.StartHold(call_id=call, music_class=music):
                self.music[call] = music
            case c.StopHold(call_id=call):
                self.music.pop(call, None)
            case c.MuteChannel(call_id=call, on=on):
                (self.muted.add if on else self.muted.discard)(call)
            case c.AddToBridge(bridge_id=bridge, channels=channels):
                for channel in channels:
                    if channel not in self.snoops:
                        self.bridged[channel] = bridge
            case c.RemoveFromBridge(bridge_id=bridge, channel=channel):
                if self.bridged.get(channel) == bridge:
                    del self.bridged[channel]
            case c.DestroyBridge(bridge_id=bridge):
                self.conferences.pop(bridge, None)

    def resynced(self, view: Resynced) -> None:
        """After a restart: the legs, conferences and mutes as Twilio's lists give them
        (what the books on disk said of a leg no longer listed is dropped)."""
        self.call_sids = dict(view.call_sids)
        self.conferences = dict(view.conferences)
        self.bridged = dict(view.bridged)
        self.muted = set(view.muted)

    def forget(self, call_id: str) -> None:
        """A call ended: nothing more is sent to it."""
        self.call_sids.pop(call_id, None)
        self.bridged.pop(call_id, None)
        self.snoops.pop(call_id, None)
        self.running.pop(call_id, None)
        self.music.pop(call_id, None)
        self.muted.discard(call_id)
