"""CSV import and export of contacts, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.cli import main
from contactcenter.dbcommands import ProgressBar
from crm_core.customers import CustomerService
from crm_core.db import sessions
from crm_core.importing import Progress, export_contacts, import_contacts
from crm_core.models import Contact, ContactPhone

ROWS = """first_name,last_name,phone,email,language,do_not_call
Ada,Lovelace,+1 555 000 1001,ada@example.com,en,no
Grace,Hopper,(555) 000-1002,,en,
Ada,,15550001001,ada.l@example.com,,yes
,,+15550001003,nobody@example.com,,
Alan,Turing,12,alan@example.com,,
Alan,Turing,,ALAN@example.com,en,no
Edsger,Dijkstra,,not-an-email,,
Barbara,Liskov,+44 20 7946 0002,,,
Grace,Hopper,,grace@example.com,,
"""


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(ROWS)
    return path


async def test_good_rows_are_kept_bad_ones_reported_by_line(
        engine: AsyncEngine, csv_file: Path) -> None:
    report = await import_contacts(sessions(engine), csv_file, batch_size=3)
    assert [line for line, _ in report.bad] == [5, 6, 8]
    assert "first_name or last_name is required" in report.bad[0][1]
    assert "not a possible phone number" in report.bad[1][1]
    assert "not an e-mail address" in report.bad[2][1]
    assert (report.added, report.merged) == (5, 1)  # row 4 is Ada again, by her phone
    async with sessions(engine)() as session:
        assert await session.scalar(select(func.count(Contact.id))) == 5
        assert await session.scalar(select(func.count(ContactPhone.id))) == 3


async def test_a_duplicate_is_merged_not_repeated(engine: AsyncEngine, csv_file: Path) -> None:
    await import_contacts(sessions(engine), csv_file, batch_size=2)
    view = await CustomerService(sessions(engine)).by_phone("+15550001001")
    assert view is not None and view.contact is not None
    assert view.contact["email"] == "ada@example.com"  # the first value is kept
    assert view.contact["do_not_call"] is True  # a do-not-call flag is never lost
    again = await import_contacts(sessions(engine), csv_file)  # importing twice adds nobody
    assert again.added == 0 and again.merged == 6


async def test_export_then_import_round_trips(engine: AsyncEngine, csv_file: Path,
                                              tmp_path: Path) -> None:
    await import_contacts(sessions(engine), csv_file)
    out = tmp_path / "out.csv"
    assert await export_contacts(sessions(engine), out) == 5
    rows = list(csv.DictReader(out.open()))
    assert {row["phone"] for row in rows if row["phone"]} == {
        "+15550001001", "+15550001002", "+442079460002"}
    report = await import_contacts(sessions(engine), out)
    assert report.added == 0 and not report.bad


def test_the_cli_reports_bad_rows_with_file_and_line(
        tmp_path: Path, csv_file: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("CC_STATE_DIR", str(tmp_path / "state"))
    code = main(["crm", "import", "contacts", str(csv_file),
                 "--config", str(root / "config/demo.yaml")])
    err = capsys.readouterr().err
    assert code == 3
    assert "5 added, 1 merged into existing contacts, 3 bad rows" in err
    assert f"{csv_file}:6: " in err
    out = tmp_path / "export.csv"
    assert main(["crm", "export", "contacts", str(out),
                 "--config", str(root / "config/demo.yaml")]) == 0
    assert len(out.read_text().splitlines()) == 1 + 5
    # the import is in the audit log: who ran it, on which file, what it did
    with sqlite3.connect(tmp_path / "state" / "cc.db") as db:
        (who, action, entity, changes), = db.execute(
            "SELECT username, action, entity, changes FROM audit_log").fetchall()
    assert (who.startswith("cli:"), action, entity) == (True, "import", "contacts")
    assert {name: value["after"] for name, value in json.loads(changes).items()} == {
        "file": str(csv_file.resolve()), "added": 5, "merged": 1, "bad_rows": 3}


async def test_a_row_linking_two_new_contacts_does_not_mix_them_up(
        engine: AsyncEngine, tmp_path: Path) -> None:
    path = tmp_path / "linked.csv"
    path.write_text("first_name,last_name,phone,email\n"
                    "Ann,A,+15550002001,\n"          # a new contact known by phone only
                    "Bob,B,,bob@example.com\n"        # another, known by e-mail only
                    "Ann,A,+15550002001,bob@example.com\n")  # names both
    report = await import_contacts(sessions(engine), path)
    assert (report.added, report.merged, report.bad) == (2, 1, [])
    service = CustomerService(sessions(engine))
    ann = await service.by_phone("+15550002001")
    assert ann is not None and ann.contact is not None
    assert ann.contact["first_name"] == "Ann" and ann.contact["email"] is None
    assert ann.contact["phones"] == ["+15550002001"]


async def test_a_row_matching_a_stored_contact_does_not_take_anothers_email(
        engine: AsyncEngine, tmp_path: Path) -> None:
    async with sessions(engine)() as session, session.begin():
        session.add_all([Contact(first_name="Ann", last_name="A",
                                 phones=[ContactPhone(e164="+15550003001")]),
                         Contact(first_name="Bob", last_name="B", email="bob@example.com")])
    path = tmp_path / "both.csv"
    path.write_text("first_name,last_name,phone,email\nAnn,A,+15550003001,bob@example.com\n")
    report = await import_contacts(sessions(engine), path)
    assert (report.added, report.merged) == (0, 1)
    async with sessions(engine)() as session:
        emails = (await session.scalars(select(Contact.email).order_by(Contact.id))).all()
    assert emails == [None, "bob@example.com"]


async def test_progress_counts_the_bytes_read_up_to_the_whole_file(
        engine: AsyncEngine, csv_file: Path) -> None:
    seen: list[Progress] = []
    report = await import_contacts(sessions(engine), csv_file, progress=seen.append,
                                   batch_size=2)
    read = [progress.bytes_read for progress in seen]
    assert len(seen) > 2 and read == sorted(read) and 0 < read[0] < read[-1]
    assert seen[-1] == Progress(report.rows, csv_file.stat().st_size,
                                csv_file.stat().st_size)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_bar_is_redrawn_at_most_ten_times_a_second_on_a_terminal() -> None:
    screen, clock = _Terminal(), _Clock()
    bar = ProgressBar("big.csv", screen, clock)
    for step in range(1, 65):  # 32 updates a second (exact in binary), for two seconds
        clock.now = 100 + step / 32
        bar(Progress(rows=step * 100, bytes_read=step * 10, total_bytes=640))
    frames = screen.getvalue().split("\r")[1:]
    assert len(frames) == 16  # every fourth update: the first 1/10 s after the last drawn
    assert frames[0].startswith("big.csv   2% [....")  # the first update is drawn at once
    assert "6,100 rows, 3,200 rows/s" in frames[-1]
    bar.finish()
    final = screen.getvalue().split("\r")[-1]
    assert final.startswith("big.csv 100% [") and final.endswith("6,400 rows, 3,200 rows/s\x1b[K\n")


def test_elsewhere_the_bar_is_one_final_line() -> None:
    log, clock = io.StringIO(), _Clock()
    bar = ProgressBar("big.csv", log, clock)
    for step in range(1, 5):
        clock.now += 1.0
        bar(Progress(rows=step * 10, bytes_read=step * 250, total_bytes=1000))
    assert log.getvalue() == ""
    bar.finish()
    assert log.getvalue() == f"big.csv 100% [{'#' * ProgressBar.WIDTH}] 40 rows, 10 rows/s\n"
