"""What a phone heard, from the WAV file baresip's ``sndfile`` wrote: who was heard when.

Every test phone's microphone is a tone of its own frequency, so a stretch of
what a party heard says whom they heard: most of its energy at one phone's
tone means that phone; loud sound with little at any tone means music.
"""

from __future__ import annotations

import array
import math
import wave
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: seconds per block the tone is measured in (10 Hz wide bins at any rate)
BLOCK = 0.1
#: seconds of sound left out on each side of a change, for the phones' own jitter buffers
MARGIN = 0.8


@dataclass(frozen=True)
class Heard:
    samples: array.array[int]
    rate: int

    @classmethod
    def read(cls, path: Path) -> Heard:
        with wave.open(str(path), "rb") as file:
            raw = file.readframes(file.getnframes())
            channels, rate, width = file.getnchannels(), file.getframerate(), file.getsampwidth()
        assert width == 2, f"{path}: {8 * width}-bit samples, not 16"
        samples = array.array("h", raw)
        if channels > 1:
            samples = array.array("h", samples[::channels])  # the first channel will do
        return cls(samples, rate)

    @property
    def seconds(self) -> float:
        """How long the recording is (a phone writes nothing while no sound arrives)."""
        return len(self.samples) / self.rate

    def during(self, start: float, end: float) -> array.array[int]:
        """The samples from ``start`` to ``end`` seconds into the recording."""
        assert end > start, f"an empty stretch: {start:.2f}..{end:.2f} s"
        stretch = self.samples[int(start * self.rate):int(end * self.rate)]
        assert len(stretch) > 0.5 * (end - start) * self.rate, (
            f"the recording ends at {len(self.samples) / self.rate:.2f} s, before {end:.2f}")
        return stretch

    def share(self, start: float, end: float, tone: int) -> float:
        """The share of the stretch's energy at ``tone`` (Goertzel, block by block)."""
        stretch = self.during(start, end)
        size = int(BLOCK * self.rate)
        at_tone = total = 0.0
        for offset in range(0, len(stretch) - size + 1, size):
            block = stretch[offset:offset + size]
            at_tone += _goertzel(block, tone / self.rate) * 2 / size
            total += sum(sample * sample for sample in block)
        return at_tone / total if total else 0.0

    def loudness(self, start: float, end: float) -> float:
        """Root mean square, in 16-bit sample units (silence is below ~50)."""
        stretch = self.during(start, end)
        return math.sqrt(sum(sample * sample for sample in stretch) / len(stretch))


def assert_heard(heard: Heard, start: float, end: float, who: str, tone: int) -> None:
    """From ``start`` to ``end`` (less ``MARGIN`` at each end) the phone heard ``who``,
    whose microphone sends ``tone``."""
    share = heard.share(start + MARGIN, end - MARGIN, tone)
    assert share > 0.5, f"{start:.1f}-{end:.1f} s: {who} was not heard ({share:.2f})"


def assert_music(heard: Heard, start: float, end: float, tones: Mapping[str, int]) -> None:
    """From ``start`` to ``end`` the phone heard music on hold: loud, and none of the
    parties whose tones are ``tones`` (who -> tone)."""
    begin, stop = start + MARGIN, end - MARGIN
    for who, tone in tones.items():
        share = heard.share(begin, stop, tone)
        assert share < 0.25, f"{start:.1f}-{end:.1f} s: {who} heard on hold ({share:.2f})"
    assert heard.loudness(begin, stop) > 100, f"{start:.1f}-{end:.1f} s: no music on hold"


def _goertzel(block: array.array[int], cycles_per_sample: float) -> float:
    """|X(f)|^2 of ``block`` at one frequency."""
    coefficient = 2 * math.cos(2 * math.pi * cycles_per_sample)
    previous = before = 0.0
    for sample in block:
        previous, before = sample + coefficient * previous - before, previous
    return previous * previous + before * before - coefficient * previous * before


def write_tone(path: Path, frequency: int, seconds: int = 5, rate: int = 48000) -> Path:
    """A WAV file of one steady tone (16-bit mono, half of full scale): a microphone that
    says who is speaking, e.g. Chromium's fake one. Whole seconds of a whole number of
    hertz: played in a loop, it has no seam."""
    step = 2 * math.pi * frequency / rate
    samples = array.array("h", (int(16384 * math.sin(step * n)) for n in range(seconds * rate)))
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(samples.tobytes())
    return path
