"""Where Twilio calls the platform back, and the static settings the translation needs.

Every webhook the platform asks Twilio for carries the platform's own ids in its query
string (``call``, ``leg``, ``purpose``, ``doc``...): Twilio signs the full URL, so the ids
come back as they were sent, and a leg the platform started is known by its leg id
before its CallSid is. The paths are listed in docs/twilio.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode

#: the phone number's Voice URL: a call arrives
VOICE = "/twilio/voice"
#: the ``Url`` of a call the platform started (``Calls.json``): it answered
ANSWERED = "/twilio/answered"
#: ``statusCallback`` of every call: call progress (queued ... completed)
STATUS = "/twilio/status"
#: ``AsyncAmdStatusCallback`` of a campaign's dial: the detector's verdict
AMD = "/twilio/amd"
#: ``<Gather action>``: the digits pressed (or none) during a playback or a wait
GATHER = "/twilio/gather"
#: ``<Record action>`` and ``RecordingStatusCallback``: a recording ended
RECORDING = "/twilio/recording"
#: ``<Conference statusCallback>``: participants joined, left, were muted or held
CONFERENCE = "/twilio/conference"
#: ``<Dial action>``: a call left a conference (its ``<Dial>`` ended)
DIAL = "/twilio/dial"
#: ``<Redirect>`` at the end of a wait: the call asks again what to do
PARK = "/twilio/park"

PATHS = (VOICE, ANSWERED, STATUS, AMD, GATHER, RECORDING, CONFERENCE, DIAL, PARK)


@dataclass(frozen=True, slots=True, kw_only=True)
class Setup:
    """What the translation needs to know of the deployment (none of it secret)."""

    #: the account every REST path is under (``AC...``)
    account_sid: str
    #: the platform's URL as Twilio reaches it (a proxy or tunnel in front), no trailing /
    public_url: str
    #: the caller id of calls the platform places when the command names none
    from_number: str
    #: where the platform serves its prompts: ``sound:x`` is ``{sounds_url}/{lang}/x.wav``
    sounds_url: str = ""
    #: where recordings played back live: ``recording:x`` is ``{recordings_url}/x.wav``
    recordings_url: str = ""
    #: how an agent's endpoint is dialed: ``client:agent101`` (Voice SDK) or a SIP URI
    agent_uri: str = "client:{endpoint}"
    #: hold music by class; a class not here is ``{sounds_url}/moh/{class}.mp3``
    hold_music: Mapping[str, str] = field(default_factory=dict)
    #: the language of ``<Say>`` when a playback names none (BCP-47)
    language: str = "en-US"
    #: seconds a waiting call listens for a digit before asking again (``PARK``)
    park_seconds: int = 30
    #: the numbers whose Voice URL is the platform's (as Twilio gives ``To``): an inbound
    #: call listed at a restart is the platform's only if it is to one of them (empty: any)
    numbers: tuple[str, ...] = ()

    def url(self, path: str, **query: str) -> str:
        """The absolute URL of a webhook, with the platform's ids in its query."""
        kept = {key: value for key, value in query.items() if value}
        return f"{self.public_url.rstrip('/')}{path}" + (f"?{urlencode(kept)}" if kept else "")

    def music(self, music_class: str) -> str:
        return self.hold_music.get(music_class) or f"{self.sounds_url}/moh/{music_class}.mp3"

    def api_path(self, resource: str) -> str:
        """A REST path under the account: ``Calls.json`` -> ``/2010-04-01/Accounts/AC.../Calls.json``
        (https://www.twilio.com/docs/voice/api/call-resource)."""
        return f"/2010-04-01/Accounts/{self.account_sid}/{resource}"
