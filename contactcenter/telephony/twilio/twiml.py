"""The TwiML documents a call runs, built with the twilio library's ``VoiceResponse``.

Twilio runs one document per call at a time; a new one (the answer to a webhook, or a
call update) replaces it. So a call is never left without one: when the platform has
nothing for it, it waits in ``park`` (silence, listening for a digit, asking again every
``Setup.park_seconds``). Each document that ends by itself calls back (``hooks.py``),
which is how its end becomes the event the Asterisk driver reports for the same fact:
a playback's gather -> ``PlaybackEnded``, a ``<Record>``'s action -> ``RecordingEnded``.

Verbs and attributes: https://www.twilio.com/docs/voice/twiml/gather,
https://www.twilio.com/docs/voice/twiml/play, https://www.twilio.com/docs/voice/twiml/say,
https://www.twilio.com/docs/voice/twiml/record, https://www.twilio.com/docs/voice/twiml/dial,
https://www.twilio.com/docs/voice/twiml/conference, https://www.twilio.com/docs/voice/twiml/redirect.
"""

from __future__ import annotations

from twilio.twiml.voice_response import Dial, Gather, VoiceResponse

from contactcenter.telephony import commands as c
from contactcenter.telephony.twilio import hooks as h
from contactcenter.telephony.twilio.hooks import Setup

#: the conference events the platform hears of (``ConferenceNews``)
CONFERENCE_EVENTS = "start end join leave mute hold"
#: seconds a playback's gather waits for a digit after the playback ended
AFTER_PLAYBACK = 1
#: seconds a playback's gather that listens for speech waits for the caller to start
#: speaking after it ended: longer than for a key, as people pause before they speak
AFTER_SPEECH_PROMPT = 3
#: ARI's ``terminateOn`` words -> ``<Record finishOnKey>``, which lists the keys themselves
_FINISH_ON = {"none": "", "any": "0123456789*#"}


class UnsupportedMedia(ValueError):
    """A media URI no TwiML verb plays (the platform's misuse)."""


def _xml(response: VoiceResponse) -> str:
    return str(response.to_xml())


def _gather(setup: Setup, call_id: str, *, timeout: int, playback: str = "",
            doc: str = "", **speech: str) -> Gather:
    """One digit ends it (a keypad press is ``DigitReceived``, one at a time, as ARI's).
    ``finishOnKey`` is "": Twilio's default ``#`` would end the gather with no digits,
    and a ``#`` pressed would never be reported. ``speech``: the attributes of a gather
    that listens for speech too (``_speech``)."""
    action = setup.url(h.GATHER, call=call_id, playback=playback, doc=doc)
    return Gather(input="dtmf speech" if speech else "dtmf", num_digits=1, timeout=timeout,
                  action=action, method="POST", finish_on_key="",
                  action_on_empty_result=True if playback else None, **speech)


def speech_language(setup: Setup, language: str | None) -> str:
    """The recognizer's language as a BCP-47 tag: a call's ``pt_BR`` is ``pt-BR``, and a
    bare ``en`` takes the region of ``Setup.language`` when that is English too."""
    if not language:
        return setup.language
    tag = language.replace("_", "-")
    if "-" not in tag and setup.language.split("-")[0].lower() == tag.lower():
        return setup.language
    return tag


def _speech(setup: Setup, command: c.PlayMedia) -> dict[str, str]:
    """``speechTimeout="auto"``: the answer is what was said up to the first pause; the
    hints are the phrases the menu listens for, comma-separated as Twilio takes them."""
    if not command.listen_speech:
        return {}
    attributes = {"speech_timeout": "auto",
                  "language": speech_language(setup, command.language)}
    if command.speech_hints:
        attributes["hints"] = ", ".join(command.speech_hints)
    return attributes


def park(setup: Setup, call_id: str, doc: str) -> str:
    """Silence that listens for a digit, then asks the platform again (``PARK``)."""
    response = VoiceResponse()
    response.append(_gather(setup, call_id, timeout=setup.park_seconds, doc=doc))
    response.redirect(setup.url(h.PARK, call=call_id, doc=doc), method="POST")
    return _xml(response)


def _add_media(gather: Gather, setup: Setup, item: str, language: str | None) -> None:
    """``sound:``, ``recording:``, ``tone:`` are files the platform serves; ``digits:`` and
    ``number:`` are spoken (Asterisk's say.conf in ``<Say>``'s words)."""
    kind, _, value = item.partition(":")
    spoken = language or setup.language
    if kind == "sound":
        gather.play(f"{setup.sounds_url}/{spoken.split('-')[0]}/{value}.wav")
    elif kind == "recording":
        gather.play(f"{setup.recordings_url}/{value}.wav")
    elif kind == "tone":  # a ringback: as long as it is not stopped
        gather.play(f"{setup.sounds_url}/tones/{value}.wav", loop=0)
    elif kind == "digits":
        gather.say(" ".join(value), language=spoken)
    elif kind == "number":
        gather.say(value, language=spoken)
    else:
        raise UnsupportedMedia(f"no TwiML plays {item!r}")


def playback(setup: Setup, command: c.PlayMedia) -> str:
    """The media in order inside one gather: a digit (or speech, when the command listens
    for it) cuts it short and is reported with the playback's end; silence after it is
    the playback's natural end."""
    speech = _speech(setup, command)
    gather = _gather(setup, command.call_id,
                     timeout=AFTER_SPEECH_PROMPT if speech else AFTER_PLAYBACK,
                     playback=command.playback_id, **speech)
    for item in command.media:
        _add_media(gather, setup, item, command.language)
    response = VoiceResponse()
    response.append(gather)
    return _xml(response)


def hold(setup: Setup, call_id: str, music_class: str, doc: str) -> str:
    """Music on hold for a call alone (a call in a conference is held there instead)."""
    gather = _gather(setup, call_id, timeout=setup.park_seconds, doc=doc)
    gather.play(setup.music(music_class), loop=0)
    response = VoiceResponse()
    response.append(gather)
    return _xml(response)


def record(setup: Setup, command: c.RecordMessage) -> str:
    """Voicemail: ``#`` (``finishOnKey``), silence (``timeout``) or the limit
    (``maxLength``) ends it; a recording that heard nothing falls through to the redirect."""
    response = VoiceResponse()
    response.record(action=setup.url(h.RECORDING, call=command.call_id, name=command.name),
                    method="POST", max_length=command.max_seconds,
                    timeout=command.max_silence_seconds,
                    finish_on_key=_FINISH_ON.get(command.terminate_on, command.terminate_on),
                    play_beep=command.beep)
    response.redirect(setup.url(h.RECORDING, call=command.call_id, name=command.name,
                                empty="1"), method="POST")
    return _xml(response)


def conference(setup: Setup, call_id: str, bridge_id: str, doc: str, *,
               muted: bool = False, coach: str = "") -> str:
    """The call joins the conference named by the bridge id, which starts with the first
    to join and ends with the last to leave (a bridge's life); ``coach``: the CallSid of
    the one participant who hears this call (a supervisor whispering to an agent)."""
    dial = Dial(action=setup.url(h.DIAL, call=call_id, bridge=bridge_id, doc=doc),
                method="POST")
    dial.conference(bridge_id, beep=False, start_conference_on_enter=True,
                    end_conference_on_exit=False, wait_url="", muted=muted or None,
                    coach=coach or None, status_callback=setup.url(h.CONFERENCE,
                                                                   bridge=bridge_id),
                    status_callback_event=CONFERENCE_EVENTS, status_callback_method="POST")
    response = VoiceResponse()
    response.append(dial)
    return _xml(response)


def hangup() -> str:
    response = VoiceResponse()
    response.hangup()
    return _xml(response)
