"""The Twilio driver's books on disk (``store.BookFile``): what a restart reads back, what
it forgets, who may read the file, and that the file does not grow without bound."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from contactcenter.telephony.twilio.resync import LegInfo
from contactcenter.telephony.twilio.store import COMPACT_FLOOR, KEEP_SECONDS, BookFile

LEG = LegInfo(leg_id="leg-1", sid="CA" + "1" * 32, purpose="agent", call_id="CA" + "2" * 32,
              endpoint="agent101")


def _book(path: Path, now: list[float], size: int = 100) -> BookFile:
    return BookFile(path, size=size, clock=lambda: now[0])


def test_answers_and_legs_come_back_after_a_restart(tmp_path: Path) -> None:
    now, path = [1000.0], tmp_path / "twilio.jsonl"
    first = _book(path, now)
    first.answered("voice:CA1", "<Response/>")
    first.leg(LEG)
    first.close()
    answers, legs = _book(path, now).load()
    assert answers == [("voice:CA1", "<Response/>")] and legs == [LEG]


def test_the_file_is_for_the_platforms_account_only(tmp_path: Path) -> None:
    path = tmp_path / "twilio.jsonl"
    book = _book(path, [1000.0])
    book.answered("voice:CA1", "<Response/>")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    book.compact()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_answers_older_than_the_window_and_beyond_the_size_are_not_read_back(
        tmp_path: Path) -> None:
    now, path = [1000.0], tmp_path / "twilio.jsonl"
    first = _book(path, now)
    first.answered("old", "<Response/>")
    now[0] += KEEP_SECONDS - 10
    for key in ("a", "b", "c"):
        first.answered(key, f"<Response><Say>{key}</Say></Response>")
    first.close()
    now[0] += 20  # "old" is 15 min and 10 s old now
    answers, _ = _book(path, now, size=2).load()
    assert [key for key, _xml in answers] == ["b", "c"]  # the newest, at most size


def test_a_leg_that_ended_is_not_read_back(tmp_path: Path) -> None:
    now, path = [1000.0], tmp_path / "twilio.jsonl"
    first = _book(path, now)
    first.leg(LEG)
    first.gone(LEG.leg_id)
    first.close()
    assert _book(path, now).load() == ([], [])


def test_a_line_torn_by_a_crash_is_skipped(tmp_path: Path) -> None:
    now, path = [1000.0], tmp_path / "twilio.jsonl"
    first = _book(path, now)
    first.leg(LEG)
    first.close()
    with path.open("a") as file:
        file.write('{"at": 1000.0, "answer": "voice:CA9", "xm')
    assert _book(path, now).load() == ([], [LEG])


def test_only_the_legs_twilio_still_lists_are_kept(tmp_path: Path) -> None:
    now, path = [1000.0], tmp_path / "twilio.jsonl"
    first = _book(path, now)
    other = LegInfo(leg_id="leg-2", sid="CA" + "3" * 32, purpose="party", call_id="x")
    first.leg(LEG)
    first.leg(other)
    first.keep_legs(["leg-2"])
    assert len(path.read_text().splitlines()) == 1
    assert _book(path, now).load() == ([], [other])


def test_the_file_stays_bounded_as_webhooks_keep_coming(tmp_path: Path) -> None:
    now, path = [1000.0], tmp_path / "twilio.jsonl"
    book = _book(path, now, size=50)
    for number in range(COMPACT_FLOOR * 3):
        now[0] += 1.0
        book.answered(f"status:CA{number}:completed", "<Response/>")
    lines = path.read_text().splitlines()
    assert len(lines) <= COMPACT_FLOOR + 2 * 50 + 1  # compacted, not 3000 lines
    assert json.loads(lines[-1])["answer"] == f"status:CA{COMPACT_FLOOR * 3 - 1}:completed"
    book.close()
    answers, _ = _book(path, now, size=50).load()
    assert len(answers) == 50
