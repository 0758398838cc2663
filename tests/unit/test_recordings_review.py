"""The recordings' parts at their edges: any Range header a client may send is answered
with bytes of the file or refused as past its end, never more, never an error; and
deleting a recording whose name is a link in the folder removes that name only."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactcenter.cli import main
from contactcenter.recordings.plays import FetchedLinks
from contactcenter.recordings.ranges import Unsatisfiable, span_of
from contactcenter.recordings.store import RecordingStore
from tests.crm.test_recordings_review import undeletable
from tests.recording_support import tone_wav

RANGES = st.one_of(
    st.none(), st.text(max_size=40),
    st.builds(lambda a, b: f"bytes={a}-{b}", st.integers(0, 10**6) | st.just(""),
              st.integers(0, 10**6) | st.just("")),
    st.builds(lambda n: f"bytes=-{n}", st.integers(0, 10**6)))


@given(RANGES, st.integers(0, 10**5), st.booleans())
def test_any_range_is_bytes_of_the_file_or_past_its_end(
        header: str | None, size: int, conditional: bool) -> None:
    try:
        span = span_of(header, size, conditional=conditional)
    except Unsatisfiable:
        assert header is not None and not conditional
        return
    assert 0 <= span.first <= span.last and span.size == size
    assert span.length == (span.last - span.first + 1 if size else 0) <= size
    assert span.last < size or size == 0
    if not span.partial:  # the whole file: it starts at the first byte, a play
        assert (span.first, span.length, span.from_start) == (0, size, True)
    if conditional:  # If-Range never matches: the Range is ignored
        assert not span.partial


def test_the_player_s_own_ranges() -> None:
    assert span_of("bytes=0-", 1000).from_start
    seek = span_of("bytes=500-", 1000)
    assert (seek.first, seek.last, seek.partial, seek.from_start) == (500, 999, True, False)
    tail = span_of("bytes=-100", 1000)
    assert (tail.first, tail.last, tail.from_start) == (900, 999, False)
    assert span_of("bytes=-5000", 1000).from_start  # a suffix longer than the file
    assert span_of("Bytes=500-", 1000).partial  # the unit is case-insensitive (RFC 9110)


def test_deleting_a_name_that_links_to_another_recording_removes_the_name_only(
        tmp_path: Path) -> None:
    folder = tmp_path / "recording"
    tone_wav(folder / "call-a.wav")
    os.symlink("call-a.wav", folder / "alias.wav")
    store = RecordingStore(folder)
    alias = store.find("alias")
    assert alias is not None
    assert store.delete(alias)
    assert not (folder / "alias.wav").is_symlink()
    assert (folder / "call-a.wav").is_file()  # another recording's file: its own to delete
    assert store.find("call-a") is not None


def test_the_purge_command_says_what_it_could_not_delete(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "recording"
    old = time.time() - 40 * 86400
    for name in ("call-stuck.wav", "call-old.wav"):
        tone_wav(folder / name)
        os.utime(folder / name, (old, old))
    config = tmp_path / "cc.yaml"
    config.write_text(f"state_dir: {tmp_path / 'state'}\n"
                      f"recordings: {{dir: {folder}, retention_days: 30}}\n")
    with undeletable(folder / "call-stuck.wav") as alone:
        assert main(["recordings", "purge", "--config", str(config)]) == 1
    out, err = capsys.readouterr()
    stuck = 1 if alone else 2
    assert f"deleted {2 - stuck} recordings older than 30 days" in out
    assert f"{stuck} older than 30 days could not be deleted" in err
    assert main(["recordings", "purge", "--config", str(config)]) == 0
    assert f"deleted {stuck} recordings" in capsys.readouterr().out
    assert list(folder.iterdir()) == []


def test_a_link_is_a_first_fetch_once_and_expired_links_are_swept() -> None:
    fetched = FetchedLinks()
    assert fetched.first("a", expires=100.0, now=0.0)
    assert not fetched.first("a", expires=100.0, now=1.0)
    fetched.forget("a")  # not logged after all: the next fetch is the first
    assert fetched.first("a", expires=100.0, now=2.0)
    for n in range(5000):  # a busy day of links, each expired a second after it was made
        assert fetched.first(f"link{n}", expires=n + 1.0, now=float(n))
    assert len(fetched._until) <= 2048  # kept: the unexpired, not every link ever fetched
    assert not fetched.first("link4999", expires=5000.0, now=4999.5)
