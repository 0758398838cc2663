"""What a phone heard, from the WAV file baresip's ``sndfile`` wrote: who was heard when.

Every test phone's microphone is a tone of its own frequency, so a stretch of
what a party heard says whom they heard: most of its energy at one phone's
tone means that phone; loud sound with little at any tone means music.
"""

from __future__ import annotations

import array
import math
import wave
from dataclasses import dataclass
from pathlib import Path

#: seconds per block the tone is measured in (10 Hz wide bins at any rate)
BLOCK = 0.1


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


def _goertzel(block: array.array[int], cycles_per_sample: float) -> float:
    """|X(f)|^2 of ``block`` at one frequency."""
    coefficient = 2 * math.cos(2 * math.pi * cycles_per_sample)
    previous = before = 0.0
    for sample in block:
        previous, before = sample + coefficient * previous - before, previous
    return previous * previous + before * before - coefficient * previous * before
