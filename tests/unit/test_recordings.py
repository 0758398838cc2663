"""The recordings' parts on their own: the rule of who may hear a call, the signed
links, the folder that never hands out a file outside itself, the retention setting,
and the hourly schedule and the command that purge."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactcenter.cli import main
from contactcenter.config.files import ConfigError
from contactcenter.config.settings import load_settings
from contactcenter.recordings.access import RecordedCall, may_hear
from contactcenter.recordings.retention import RetentionSchedule
from contactcenter.recordings.store import RecordingStore
from contactcenter.recordings.tokens import Grant, PlayLinks
from contactcenter.web.auth import Principal
from contactcenter.web.scope import Scopes
from tests.recording_support import tone_wav

SCOPES = Scopes({"sue": frozenset({"support"}), "otto": frozenset({"sales"})},
                {"agent101": frozenset({"support"}), "agent102": frozenset({"sales"}),
                 "agent103": frozenset({"sales", "support"})})
#: when the agent users were given their agent ids: before the calls below
HIRED = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
CALL = RecordedCall.of({"id": 1, "recording": "call-c1", "queue": "support",
                        "agent": "agent101", "call_id": "c1",
                        "started_at": "2026-03-02T10:00:00+00:00"})


@pytest.mark.parametrize(("principal", "hears"), [
    (Principal("root", "admin"), True),
    (Principal("agent101", "agent", "agent101", HIRED), True),
    (Principal("agent102", "agent", "agent102", HIRED), False),
    (Principal("agent", "agent", None), False),
    (Principal("sue", "supervisor"), True),  # the call's queue is hers
    (Principal("otto", "supervisor"), False),  # neither the queue nor the agent is his
    (Principal("una", "supervisor"), True),  # no list of queues: every queue
    (Principal("max", "manager"), False),
    (Principal("sam", "sales"), False),
    (Principal("mia", "marketing"), False),
])
def test_who_hears_a_support_call_taken_by_agent101(principal: Principal, hears: bool) -> None:
    assert may_hear(principal, CALL, SCOPES) is hears


def test_a_supervisor_hears_their_agents_calls_in_another_queue() -> None:
    overflowed = RecordedCall(2, "call-c2", "support", frozenset({"agent102"}))
    assert may_hear(Principal("otto", "supervisor"), overflowed, SCOPES)


def test_every_agent_who_had_a_transferred_call_hears_it() -> None:
    row = {"id": 3, "recording": "call-c3", "queue": "sales", "agent": "agent102",
           "started_at": "2026-03-02T10:00:00+00:00",
           "parties": [{"role": "caller", "who": "+15550001"},
                       {"role": "agent", "who": "agent101"},
                       {"role": "consulted", "who": "agent103", "took_over": True},
                       {"role": "consulted", "who": "agent104"}]}
    call = RecordedCall.of(row)
    assert call.agents == {"agent101", "agent102", "agent103"}
    assert not may_hear(Principal("a4", "agent", "agent104", HIRED), call, SCOPES)
    assert may_hear(Principal("a3", "agent", "agent103", HIRED), call, SCOPES)


LINKS = PlayLinks(b"k" * 32)


def test_a_link_checks_for_its_user_until_it_expires() -> None:
    token = LINKS.token(Grant("agent101", 7, "call-c7", expires=1000.0))
    assert LINKS.check(token, username="agent101", now=999.0) == Grant(
        "agent101", 7, "call-c7", 1000.0)
    assert LINKS.check(token, username="agent102", now=999.0) is None
    assert LINKS.check(token, username="agent101", now=1000.0) is None
    assert PlayLinks(b"j" * 32).check(token, username="agent101", now=0) is None


@given(st.text(max_size=150), st.text(max_size=150))
def test_no_text_is_taken_for_a_link(payload: str, mac: str) -> None:
    for text in (payload, f"{payload}.{mac}"):
        assert LINKS.check(text, username="agent101", now=0) is None


@pytest.mark.parametrize("text", ["x.é", "é.x", "\udcff.x", "x.\x00", ".", "a.b.c"])
def test_odd_characters_are_refused_not_failed_on(text: str) -> None:
    assert LINKS.check(text, username="agent101", now=0) is None


@given(st.binary(max_size=40), st.integers(0, 60))
def test_a_changed_byte_spoils_a_link(junk: bytes, where: int) -> None:
    token = LINKS.token(Grant("agent101", 7, "call-c7", expires=1000.0))
    index = where % len(token)
    flipped = "A" if token[index] != "A" else "B"
    assert LINKS.check(token[:index] + flipped + token[index + 1:], username="agent101",
                       now=0) is None


def test_the_folder_hands_out_its_own_wav_files_only(tmp_path: Path) -> None:
    folder = tmp_path / "recording"
    tone_wav(folder / "call-a.wav")
    (tmp_path / "outside.wav").write_bytes(b"RIFF")
    (folder / "call-link.wav").symlink_to(tmp_path / "outside.wav")
    (folder / "sub.wav").mkdir()
    store = RecordingStore(folder)
    assert store.path_of("call-a") == (folder / "call-a.wav").resolve()
    for name in ("../outside", "call-link", "sub", "", ".", "..", "/etc/passwd",
                 "call-a/../call-a", "call-a\x00", "x" * 300, ".call-a"):
        assert store.path_of(name) is None, repr(name)


def test_the_oldest_go_first_and_young_ones_stay(tmp_path: Path) -> None:
    store = RecordingStore(tmp_path)
    for age, name in ((10, "young"), (50, "old"), (40, "older-than-30")):
        tone_wav(tmp_path / f"{name}.wav", seconds=0.01)
        stamp = 1_000_000_000 - age * 86400
        os.utime(tmp_path / f"{name}.wav", (stamp, stamp))
    old = store.older_than(1_000_000_000 - 30 * 86400)
    assert [r.name for r in old] == ["old", "older-than-30"]
    assert store.delete(old[0]) and not store.delete(old[0])
    assert RecordingStore(tmp_path / "none").older_than(float("inf")) == []


def test_the_retention_setting_is_checked_with_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "cc.yaml"
    path.write_text("http_port: 8080\nrecordings:\n  retention_days: -3\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert (error.value.line, error.value.field) == (3, "recordings.retention_days")
    path.write_text("recordings:\n  retention_days: 90\n")
    assert load_settings(path, environ={}).recordings.retention_days == 90
    assert load_settings(None, environ={}).recordings.retention_days == 0  # for ever
    assert load_settings(None, environ={"CC_RECORDINGS_RETENTION_DAYS": "7"}
                         ).recordings.retention_days == 7


async def test_the_schedule_purges_every_hour_and_outlives_a_failure(tmp_path: Path) -> None:
    waits: list[float] = []
    runs: list[float] = []

    class Failing:
        folder = tmp_path

        def older_than(self, cutoff: float) -> list[object]:
            runs.append(cutoff)
            if len(runs) == 1:
                raise OSError("the disk went away")
            return []

    async def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            raise asyncio.CancelledError

    schedule = RetentionSchedule(Failing(), None, 30, clock=lambda: 100 * 86400.0,  # type: ignore[arg-type]
                                 wait=wait)
    with pytest.raises(asyncio.CancelledError):
        await schedule.run()
    assert waits == [3600.0] * 3
    assert len(runs) == 3  # at start, then after each hour
    assert schedule.last_error is None  # the first run failed, the next ones did not


def test_the_purge_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "recording"
    tone_wav(folder / "call-old.wav")
    tone_wav(folder / "call-new.wav")
    old = time.time() - 40 * 86400
    os.utime(folder / "call-old.wav", (old, old))
    config = tmp_path / "cc.yaml"
    config.write_text(f"state_dir: {tmp_path / 'state'}\n"
                      f"recordings: {{dir: {folder}, retention_days: 30}}\n")
    assert main(["recordings", "purge", "--config", str(config), "--dry-run"]) == 0
    assert "would delete 1 recordings older than 30 days; 1 kept" in capsys.readouterr().out
    assert (folder / "call-old.wav").exists()
    assert main(["recordings", "purge", "--config", str(config), "--days", "0"]) == 0
    assert "kept for ever" in capsys.readouterr().out
    assert main(["recordings", "purge", "--config", str(config)]) == 0
    assert "deleted 1 recordings" in capsys.readouterr().out
    assert sorted(p.name for p in folder.iterdir()) == ["call-new.wav"]
    assert main(["recordings", "purge", "--config", str(config), "--days", "-1"]) == 2


async def test_serve_runs_the_hourly_purge_only_with_a_period(tmp_path: Path) -> None:
    from contactcenter.server.background import Background
    from contactcenter.server.recordings import start_retention

    for days, running in ((0, []), (30, ["recordings retention"])):
        settings = load_settings(None, environ={
            "CC_STATE_DIR": str(tmp_path), "CC_RECORDINGS_DIR": str(tmp_path / "recording"),
            "CC_RECORDINGS_RETENTION_DAYS": str(days)})
        background = Background()
        start_retention(background, settings, None)  # type: ignore[arg-type]
        assert background.status()["running"] == running
        await background.stop()
