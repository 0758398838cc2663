"""Shared by the recordings' tests: a WAV with a tone in it, and what a WAV holds."""

from __future__ import annotations

import io
import math
import struct
import wave
from pathlib import Path


def tone_wav(path: Path, seconds: float = 1.0, rate: int = 8000) -> bytes:
    """A mono 16-bit WAV of a 440 Hz tone, as Asterisk's ``wav`` format writes; its bytes."""
    frames = b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
                      for n in range(int(seconds * rate)))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return buffer.getvalue()


def loudness(data: bytes) -> tuple[float, float]:
    """A WAV's length in seconds and its RMS level (of 32,768): audio, not silence."""
    with wave.open(io.BytesIO(data)) as read:
        assert read.getsampwidth() == 2, "16-bit samples expected"
        frames = read.readframes(read.getnframes())
        seconds = read.getnframes() / read.getframerate()
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    rms = math.sqrt(sum(s * s for s in samples) / max(1, len(samples)))
    return seconds, rms
