"""Speech in the IVR core: a menu's phrases and spoken keys pick options, an input takes
spoken digits, words of no option and doubtful speech count as invalid keys (the retry
and invalid prompts, then the fallback), and the flow file's speech fields are checked
with the file, line and field."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactcenter.calls.course import CallCourse
from contactcenter.calls.course import commands as cc
from contactcenter.calls.course import events as ce
from contactcenter.config.files import ConfigError
from contactcenter.ivr import StopPlay, load_flow, parse_flow
from contactcenter.ivr.harness import CallHarness
from contactcenter.ivr.model import MenuNode
from contactcenter.ivr.session import IvrSession
from contactcenter.ivr.speech import match_option, normalize, spoken_digits
from contactcenter.telephony import commands as c
from contactcenter.telephony.asterisk.translate import ari_request

MENU: dict[str, Any] = {
    "type": "menu", "prompt": ["main-menu"], "options": {"1": "sales", "2": "support",
                                                        "0": "operator"},
    "speech": True, "min_confidence": 0.5, "max_retries": 1,
    "say": {"1": ["sales", "buy"], "2": ["support", "technical support", "help"]},
    "invalid_prompt": ["pbx-invalid"], "no_input_prompt": ["please-try-again"],
    "fallback": "operator",
}


def _flow(**menu: Any) -> Any:
    return parse_flow({"start": "menu", "nodes": {
        "menu": {**MENU, **menu},
        "account": {"type": "input", "prompt": ["enter-account"], "variable": "account",
                    "min_digits": 3, "max_digits": 6, "speech": True, "max_retries": 0,
                    "fallback": "operator", "next": "sales"},
        "sales": {"type": "queue", "queue": "sales"},
        "support": {"type": "queue", "queue": "support"},
        "operator": {"type": "queue", "queue": "operator"},
    }}, name="speech")


def _started(**menu: Any) -> CallHarness:
    call = CallHarness(_flow(**menu))
    call.start()
    return call


def _queue(call: CallHarness) -> str | None:
    exit_ = call.session.exit
    assert exit_ is not None, "the call is still in the IVR"
    return exit_.target


# -- menus --------------------------------------------------------------------------

@pytest.mark.parametrize(("said", "queue"), [
    ("support", "support"), ("SUPPORT!", "support"), ("I need help, please.", "support"),
    ("Sales.", "sales"), ("I'd like to buy a phone", "sales"), ("zero", "operator"),
    ("option two", "support"), ("1", "sales"), ("two please", "support"),
    ("um, press two please", "support"), ("I'd like option 1", "sales")])
def test_a_phrase_or_a_spoken_key_picks_its_option(said: str, queue: str) -> None:
    call = _started()
    call.say(said)
    assert _queue(call) == queue
    (chosen,) = call.reports("ivr.digits")
    assert chosen.data["said"] == said


def test_the_prompt_asks_the_driver_to_listen_with_the_menu_s_phrases() -> None:
    (play,) = _started().plays()
    assert play.listen_speech
    assert play.speech_hints == ("sales", "buy", "support", "technical support", "help")


def test_speech_during_the_prompt_stops_it_as_a_key_does() -> None:
    call = _started()
    playing = call.playing
    commands = call.say("support")
    assert commands[0] == StopPlay(playback_id=playing or "")


def test_speech_after_the_prompt_is_taken_while_the_menu_waits() -> None:
    call = _started()
    call.end_prompt()
    call.advance(2)
    call.say("sales")
    assert _queue(call) == "sales"


def test_words_of_no_option_are_an_invalid_key_asked_again_then_the_fallback() -> None:
    call = _started()
    call.say("what's the weather")
    (invalid,) = call.reports("ivr.invalid")
    assert (invalid.data["digits"], invalid.data["said"]) == ("", "what's the weather")
    assert call.plays()[-1].media == ("sound:pbx-invalid", "sound:main-menu")
    assert call.plays()[-1].listen_speech  # asked again, still listening
    call.say("the weather, I said")
    assert _queue(call) == "operator"
    assert call.session.exit is not None
    assert call.session.exit.reason == "retries_exhausted"


def test_speech_below_the_confidence_floor_is_not_understood() -> None:
    call = _started()
    call.say("support", confidence=0.3)
    assert call.session.exit is None
    assert call.reports("ivr.invalid")[0].data["confidence"] == 0.3
    call.say("support", confidence=0.5)  # the floor itself is enough
    assert _queue(call) == "support"


def test_speech_with_no_confidence_given_is_taken() -> None:
    call = _started()
    call.say("sales", confidence=None)
    assert _queue(call) == "sales"


def test_words_that_name_two_options_alike_are_not_guessed() -> None:
    call = _started()
    call.say("sales or support")
    assert call.session.exit is None and call.reports("ivr.invalid")


def test_the_longer_phrase_wins() -> None:
    assert match_option("technical support", {"1": ["technical"], "2": ["technical support"]}) \
        == "2"


def test_a_menu_without_speech_ignores_what_is_said() -> None:
    call = _started(speech=False, say={})
    (play,) = call.plays()
    assert not play.listen_speech and play.speech_hints == ()
    assert call.say("support") == []
    assert call.session.ignored == 1 and call.session.exit is None
    call.press("2")
    assert _queue(call) == "support"


def test_a_spoken_key_the_menu_does_not_have_is_invalid() -> None:
    call = _started()
    call.say("seven")
    assert call.reports("ivr.invalid") and call.session.exit is None


# -- inputs -------------------------------------------------------------------------

def _at_input() -> CallHarness:
    return _started(options={"1": "account", "2": "support", "0": "operator"},
                    say={"1": "account"})


@pytest.mark.parametrize(("said", "digits"), [
    ("one two three", "123"), ("1 2 3 4", "1234"), ("12345", "12345"),
    ("4, 0, 7.", "407"), ("oh seven seven pound", "077"), ("it's 1234", "1234"),
    ("my account number is one two three four, please", "1234"), ("four oh two", "402")])
def test_an_input_takes_spoken_digits(said: str, digits: str) -> None:
    call = _at_input()
    call.say("account")
    (play,) = call.plays()[-1:]
    assert play.listen_speech and play.speech_hints == ()  # no provider's class token
    call.say(said)
    assert call.session.variables["account"] == digits
    assert call.reports("ivr.digits")[-1].data["said"] == said


@pytest.mark.parametrize("said", ["one two", "one two three four five six seven",
                                  "my account number", "1 2 or maybe 3 4", "twenty two",
                                  "one two three four fifty"])
def test_too_few_too_many_or_no_digits_are_invalid(said: str) -> None:
    call = _at_input()
    call.say("account")
    call.say(said)
    assert "account" not in call.session.variables
    assert call.reports("ivr.invalid")[-1].data["said"] == said
    assert _queue(call) == "operator"  # no retries left on this input


# -- the call's course passes speech on ---------------------------------------------

def test_a_call_s_course_asks_the_driver_to_listen_and_hands_it_what_was_said() -> None:
    flow = parse_flow({"start": "menu", "nodes": {
        "menu": {"type": "menu", "prompt": "hello", "speech": True, "fallback": "bye",
                 "options": {"1": "sales", "2": "bye"}, "say": {"1": ["buy", "sales"]}},
        "sales": {"type": "queue", "queue": "sales"},
        "bye": {"type": "hangup"}}}, name="spoken")
    course = CallCourse(IvrSession(flow, call_id="c1"), call_id="c1", caller="+15550100",
                        dialed="5000", started_at=0.0, acd=True)
    started = course.handle(ce.CallStarted(), 0.0)
    (prompt,) = [command for command in started if isinstance(command, cc.PlayMedia)]
    assert prompt.listen_speech and set(prompt.speech_hints) >= {"buy", "sales"}
    heard = course.handle(ce.SpeechReceived(call_id="c1", text="I'd like to buy.",
                                            confidence=0.8), 1.0)
    joined = [command for command in heard if isinstance(command, cc.JoinQueue)]
    assert [command.queue for command in joined] == ["sales"]


# -- matching, as a property ----------------------------------------------------------

FILLER = ("um", "please", "i", "want", "to", "talk", "with")
#: words of phrases: never a filler word, which would be a phrase said by accident
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=8).filter(
    lambda word: word not in FILLER)


@given(phrases=st.lists(st.lists(WORDS, min_size=1, max_size=3).map(" ".join),
                        min_size=1, max_size=6, unique_by=lambda p: normalize(p)),
       keys=st.data(), before=st.lists(st.sampled_from(FILLER), max_size=3),
       after=st.lists(st.sampled_from(FILLER), max_size=3), shout=st.booleans())
def test_a_phrase_said_among_other_words_picks_its_own_option(
        phrases: list[str], keys: st.DataObject, before: list[str], after: list[str],
        shout: bool) -> None:
    options: dict[str, list[str]] = {str(index % 10): [] for index in range(len(phrases))}
    owner: dict[str, str] = {}
    for index, phrase in enumerate(phrases):
        key = keys.draw(st.sampled_from(sorted(options)))
        options[key].append(phrase)
        owner[phrase] = key
    for phrase, key in owner.items():
        # a longer phrase of another option that holds this one would win, rightly
        if any(other != phrase and owner[other] != key and len(normalize(other)) >
               len(normalize(phrase)) and phrase in other for other in owner):
            continue
        words = [*before, phrase.upper() if shout else phrase, *after]
        said = ", ".join(words) + "."
        assert match_option(said, options, options) == key, (said, options)


@given(st.lists(st.integers(0, 9), min_size=1, max_size=10))
def test_digits_read_out_in_words_are_those_digits(digits: list[int]) -> None:
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    assert spoken_digits(" ".join(names[d] for d in digits)) == "".join(map(str, digits))


# -- the flow file --------------------------------------------------------------------

GOOD = """\
start: menu
nodes:
  menu:
    type: menu
    prompt: hello
    options:
      1: sales
      2: support
    speech: true
    say:
      1: [sales, buy]
      2: support
    fallback: sales
  sales:
    type: queue
    queue: sales
  support:
    type: queue
    queue: support
"""


def _load(tmp_path: Path, text: str) -> Any:
    path = tmp_path / "speech.yaml"
    path.write_text(textwrap.dedent(text))
    return load_flow(path)


def _error(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, text)
    return info.value


def test_a_good_flow_with_speech_loads(tmp_path: Path) -> None:
    menu = _load(tmp_path, GOOD).nodes["menu"]
    assert isinstance(menu, MenuNode) and menu.speech
    assert menu.say == {"1": ("sales", "buy"), "2": ("support",)}
    assert menu.min_confidence == 0.4  # the default floor


@pytest.mark.parametrize(("old", "new", "where"), [
    ("      2: support\n    fallback", "      2: support\n      3: help\n    fallback",
     "13: nodes.menu.say.3: the menu has no option '3'"),
    ("    speech: true\n", "",
     "10: nodes.menu.say.1: phrases need speech: true"),
    ("      2: support\n    fallback", "      2: [support, Buy!]\n    fallback",
     "12: nodes.menu.say.2.1: 'Buy!' is said for option '1' already"),
    ("      2: support\n    fallback", "      2: \"...\"\n    fallback",
     "12: nodes.menu.say.2"),
    ("    speech: true\n", "    speech: true\n    min_confidence: 1.5\n",
     "10: nodes.menu.min_confidence"),
    ("      2: support\n    fallback", "      2: []\n    fallback", "12: nodes.menu.say.2"),
    ("      2: support\n    fallback", f"      2: {'very ' * 30}long\n    fallback",
     "12: nodes.menu.say.2.0: Value error, a phrase is at most 100 characters"),
])
def test_a_wrong_speech_field_names_the_file_line_and_field(
        tmp_path: Path, old: str, new: str, where: str) -> None:
    assert old in GOOD
    problem = _error(tmp_path, GOOD.replace(old, new))
    assert problem.path == str(tmp_path / "speech.yaml")
    assert str(problem).split("speech.yaml:", 1)[1].strip().startswith(where), str(problem)


def test_the_demo_s_main_menu_takes_what_its_prompt_names_said() -> None:
    demo = load_flow(Path(__file__).resolve().parents[2] / "config" / "ivr" / "main.yaml")
    call = CallHarness(demo, now=1_768_402_800.0)  # 2026-01-14 10:00 in New York: open
    call.start()
    call.answer(None)  # the CRM does not know the caller
    (play,) = call.plays()
    assert play.listen_speech and "support" in play.speech_hints
    call.say("Support, please.")
    assert _queue(call) == "support"


# -- other drivers ---------------------------------------------------------------------

def test_asterisk_plays_a_prompt_that_listens_as_any_other() -> None:
    plain = c.PlayMedia(call_id="ch-1", playback_id="ch-1:1", media=("sound:main-menu",),
                        language="en")
    listening = c.PlayMedia(call_id="ch-1", playback_id="ch-1:1", media=("sound:main-menu",),
                            language="en", listen_speech=True, speech_hints=("support",))
    assert ari_request(listening) == ari_request(plain)


@pytest.mark.parametrize("said", ["for two", "two to", "twenty two", "two or three",
                                  "not one but two"])
def test_a_key_is_not_guessed_from_words_that_may_mean_another(said: str) -> None:
    """"for" and "to" are how recognizers often write "four" and "two"; a number said
    whole is not its last digit; two keys are not one."""
    assert match_option(said, {}, keys=["1", "2", "3", "4"]) is None
