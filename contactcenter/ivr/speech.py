"""What a caller said, matched to a menu option or read as digits: pure functions.

A recognizer (Twilio's ``<Gather input="speech">``) gives text such as ``"Support,
please."`` with a confidence. Matching ignores case and punctuation: the text and
each phrase become words (``normalize``). An option matches when one of its phrases
appears in the words as a whole run of words (``"I need support"`` matches
``support``, ``"supporting"`` does not). When phrases of several options appear, the
longest phrase wins (``sales support`` over ``sales``); a tie between two options is
no match, since guessing would send the caller to the wrong place. A menu also takes
its keys spoken (``"two"``, ``"option 2"``, ``"star"``), so a caller who says what the
prompt says to press gets there too. Only English number words are known.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: runs of letters and digits (any script); everything else separates words
_WORD = re.compile(r"[^\W_]+")
#: spoken keys -> the key; digits come through as themselves
KEY_WORDS: Mapping[str, str] = {
    "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "star": "*", "asterisk": "*", "pound": "#", "hash": "#", "hashtag": "#",
}
#: words said around a spoken key (``"option two"``, ``"press 2 please"``, ``"um, two"``)
_KEY_FILLER = frozenset({
    "option", "number", "press", "key", "the", "i", "want", "choose", "please", "um", "uh",
    "er", "erm", "hmm", "ok", "okay", "so", "d", "like", "it", "s", "is", "that",
    "will", "would", "go", "with", "pick", "select", "just", "and", "oh"})
#: words that say a number other than digit by digit ("twenty two", "a hundred and one"):
#: an input takes digits read one by one, and refuses these rather than drop them
NUMBER_WORDS = frozenset({
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
    "eighteen", "nineteen", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
    "eighty", "ninety", "hundred", "thousand", "million", "double", "triple", "point"})
#: An input asks for digits with no hint: class tokens such as Google's
#: ``$OOV_CLASS_DIGIT_SEQUENCE`` are the chosen provider's own, and Twilio picks the
#: provider when no ``speechModel`` is set (warning 13330 for a token it does not know).


def normalize(text: str) -> tuple[str, ...]:
    """The words of ``text``, case-folded, without punctuation."""
    return tuple(_WORD.findall(text.casefold()))


#: the longest phrase a recognizer is given as a hint (Twilio: 100 characters a hint,
#: https://www.twilio.com/docs/voice/twiml/gather#hints)
MAX_PHRASE = 100


def phrase(text: str) -> str:
    """A flow's phrase, checked to hold a word and fit in a hint (ValueError says why)."""
    if not normalize(text):
        raise ValueError(f"{text!r} has no word to listen for")
    if len(text) > MAX_PHRASE:
        raise ValueError(f"a phrase is at most {MAX_PHRASE} characters (a recognizer's hint)")
    return text


def _contains(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    return any(words[i:i + size] == phrase for i in range(len(words) - size + 1))


def spoken_key(words: tuple[str, ...]) -> str | None:
    """A key said on its own, maybe after a filler word: ``("option", "two")`` -> ``"2"``."""
    if NUMBER_WORDS.intersection(words):
        return None  # "twenty two" is no "2"
    rest = [word for word in words if word not in _KEY_FILLER]
    if len(rest) != 1:
        return None
    word = rest[0]
    if len(word) == 1 and word.isdigit():
        return word
    return KEY_WORDS.get(word)


def match_option(text: str, phrases: Mapping[str, Iterable[str]],
                 keys: Iterable[str] = ()) -> str | None:
    """The option key ``text`` picks: by its phrases (longest wins, a tie is none), else a
    key of ``keys`` said on its own; None when nothing, or more than one, matches."""
    words = normalize(text)
    best: set[str] = set()
    longest = 0
    for key, options in phrases.items():
        for phrase in options:
            said = normalize(phrase)
            if not said or len(said) < longest or not _contains(words, said):
                continue
            if len(said) > longest:
                best, longest = set(), len(said)
            best.add(key)
    if best:
        return best.pop() if len(best) == 1 else None
    spoken = spoken_key(words)
    return spoken if spoken in set(keys) else None


def spoken_digits(text: str) -> str | None:
    """Digits read out (``"one two three"``, ``"1 2 3"``, ``"123"``, ``"oh seven"``) as
    ``"123"``, the words said around them left out (``"it's 1 2 3 4, please"``); a
    ``pound`` or ``hash`` after them is the end of the number, as ``#`` is. None when
    there are no digits, or two runs of them with words between (which one was meant?)."""
    words = normalize(text)
    if NUMBER_WORDS.intersection(words):
        return None  # "twenty two" is no "2"
    read = [_digit(word) for word in words]
    for at, word in enumerate(words):  # "oh" is a zero next to digits ("oh seven", "4 oh")
        if word == "oh" and ((at > 0 and read[at - 1]) or
                             (at + 1 < len(read) and read[at + 1])):
            read[at] = "0"
    runs = "".join(digit or " " for digit in read).split()
    return runs[0] if len(runs) == 1 else None


def _digit(word: str) -> str | None:
    if word.isdigit() and word.isascii():
        return word
    return KEY_WORDS[word] if KEY_WORDS.get(word, "").isdigit() else None


def hints(phrases: Mapping[str, Iterable[str]]) -> tuple[str, ...]:
    """The phrases a recognizer should expect, each once, in the flow's order."""
    seen: dict[str, None] = {}
    for options in phrases.values():
        for phrase in options:
            seen.setdefault(" ".join(normalize(phrase)), None)
    seen.pop("", None)
    return tuple(seen)
