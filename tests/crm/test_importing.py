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
from contactcenter.commands.database import ProgressBar
from crm_core.contacts_import import export_contacts, import_contacts
from crm_core.customers import CustomerService
from crm_core.db import sessions
from crm_core.importing import Progress
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


HEADER = "first_name,last_name,phone,email,language,do_not_call\n"
NOT_A_FLAG = "is not one of yes, true, y, 1, no, false, n, 0 (or empty)"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text(HEADER + text, encoding="utf-8")
    return path


async def _contacts(engine: AsyncEngine) -> dict[str, Contact]:
    """The stored contacts by first name (unique in these files)."""
    async with sessions(engine)() as session:
        return {contact.first_name: contact for contact in await session.scalars(select(Contact))}


async def test_do_not_call_takes_only_the_documented_spellings(
        engine: AsyncEngine, tmp_path: Path) -> None:
    spellings = ["yes", "NO", "True", "false", "Y", "n", "1", "0", ""]
    good = "".join(f"P{n},Good,+1555000400{n},,,{text}\n" for n, text in enumerate(spellings))
    path = _write(tmp_path, good + "Maybe,Bad,+15550004010,,,maybe\n"
                                   "Ex,Bad,+15550004011,,,x\n"
                                   "Two,Bad,+15550004012,,,2\n")
    report = await import_contacts(sessions(engine), path)
    assert report.bad == [(11, f"do_not_call 'maybe' {NOT_A_FLAG}"),
                          (12, f"do_not_call 'x' {NOT_A_FLAG}"),
                          (13, f"do_not_call '2' {NOT_A_FLAG}")]
    contacts = await _contacts(engine)
    assert sorted(contacts) == [f"P{n}" for n in range(9)]  # the good rows are in
    assert [contacts[f"P{n}"].do_not_call for n in range(9)] == [
        True, False, True, False, True, False, True, False, False]


async def test_an_empty_or_no_do_not_call_never_lifts_a_stored_bar(
        engine: AsyncEngine, tmp_path: Path) -> None:
    async with sessions(engine)() as session, session.begin():
        session.add(Contact(first_name="Barred", last_name="B", do_not_call=True,
                            phones=[ContactPhone(e164="+15550004101")]))
    path = _write(tmp_path, "Barred,B,+15550004101,,,\nBarred,B,+15550004101,,,no\n")
    report = await import_contacts(sessions(engine), path)
    assert (report.added, report.merged, report.bad) == (0, 2, [])
    assert (await _contacts(engine))["Barred"].do_not_call is True


async def test_rows_of_the_wrong_shape_are_refused_by_line(
        engine: AsyncEngine, tmp_path: Path) -> None:
    path = _write(tmp_path, "Ada,Lovelace,+15550005001,,en,no\n"
                            "Too,Few,+15550005002\n"
                            "Too,Many,+15550005003,,en,no,extra\n"
                            "Nul,By\x00te,+15550005004,,en,no\n"
                            "Esc,\x1b[31mRed,+15550005005,,en,no\n"
                            "Solo,,+15550005006,,en,no\n"
                            ",Single,+15550005007,,en,no\n"
                            "Grace,Hopper,+15550005008,,en,no\n"
                            "Ada,,+15550005001,ada@example.com,,\n")  # a known Ada: merged
    report = await import_contacts(sessions(engine), path)
    assert report.bad == [
        (3, "3 fields where the header has 6"),
        (4, "7 fields where the header has 6"),
        (5, "last_name holds a control character (U+0000)"),
        (6, "last_name holds a control character (U+001B)"),
        (7, "last_name is required for a new contact (the row matches none)"),
        (8, "first_name is required for a new contact (the row matches none)")]
    assert (report.added, report.merged) == (2, 1)
    contacts = await _contacts(engine)
    assert sorted(contacts) == ["Ada", "Grace"]
    assert contacts["Ada"].email == "ada@example.com"


async def test_a_field_too_big_is_a_bad_row_and_the_import_goes_on(
        engine: AsyncEngine, tmp_path: Path) -> None:
    quoted = ("y" * 99 + "\n") * 1500  # 150 KB in a quoted field of 1,500 lines
    path = _write(tmp_path, "Ada,Lovelace,+15550006001,,en,no\n"
                            f"Big,{'x' * 200 * 1024},+15550006002,,en,no\n"
                            f'Quoted,"{quoted}",+15550006003,,en,no\n'
                            "Grace,Hopper,+15550006004,,en,no\n"
                            "\n"
                            f"Long,{'z' * 101},+15550006005,,en,no\n")
    report = await import_contacts(sessions(engine), path)
    assert report.bad == [
        (3, "a line longer than 65,536 bytes"),
        (4, "a field longer than 131,072 characters (lines 4-1504, passed over)"),
        (1507, "last_name is longer than 100 characters")]
    assert sorted(await _contacts(engine)) == ["Ada", "Grace"]


async def test_a_reason_quotes_a_long_value_cut_short(
        engine: AsyncEngine, tmp_path: Path) -> None:
    path = _write(tmp_path, f"Ada,Lovelace,+15550006101,,,{'maybe' * 2000}\n")
    report = await import_contacts(sessions(engine), path)
    (line, reason), = report.bad
    assert line == 2 and "'maybemaybe" in reason and "(10,000 characters)" in reason
    assert len(reason) < 200


NASTY = ["=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+cmd|' /C calc'!A0", "-2+3", "\tTab"]


async def test_the_export_quotes_formulas_and_the_import_reads_them_back(
        engine: AsyncEngine, tmp_path: Path) -> None:
    async with sessions(engine)() as session, session.begin():
        session.add_all(Contact(first_name=f"F{n}", last_name=name, language="-en",
                                phones=[ContactPhone(e164=f"+1555000700{n}")])
                        for n, name in enumerate(NASTY))
    out = tmp_path / "out.csv"
    assert await export_contacts(sessions(engine), out) == len(NASTY)
    rows = list(csv.DictReader(out.open(newline="")))
    assert [row["last_name"] for row in rows] == [f"'{name}" for name in NASTY]
    assert {row["language"] for row in rows} == {"'-en"}
    # a plain number cannot be a formula: an E.164 number stays as it is
    assert [row["phone"] for row in rows] == [f"+1555000700{n}" for n in range(len(NASTY))]
    report = await import_contacts(sessions(engine), out)
    assert (report.added, report.merged, report.bad) == (0, len(NASTY), [])
    async with sessions(engine)() as session, session.begin():
        await session.execute(ContactPhone.__table__.delete())
        await session.execute(Contact.__table__.delete())
    report = await import_contacts(sessions(engine), out)
    assert (report.added, report.bad) == (len(NASTY), [])
    contacts = await _contacts(engine)
    # the tab is stripped like any space around a value; the rest comes back as it was
    assert [contacts[f"F{n}"].last_name for n in range(len(NASTY))] == [*NASTY[:4], "Tab"]
    assert {contact.language for contact in contacts.values()} == {"-en"}


async def test_a_phone_number_quoted_by_a_spreadsheet_imports(
        engine: AsyncEngine, tmp_path: Path) -> None:
    path = _write(tmp_path, "Ada,Lovelace,'+15550007101,,en,'no\n")
    report = await import_contacts(sessions(engine), path)
    # only a quote before a formula start is taken off
    assert report.bad == [(2, f"do_not_call \"'no\" {NOT_A_FLAG}")]
    path = _write(tmp_path, "Ada,Lovelace,'+15550007101,,en,no\n")
    assert (await import_contacts(sessions(engine), path)).added == 1
    view = await CustomerService(sessions(engine)).by_phone("+15550007101")
    assert view is not None and view.contact is not None


async def test_a_stray_carriage_return_or_a_lone_field_is_a_bad_row(
        engine: AsyncEngine, tmp_path: Path) -> None:
    path = _write(tmp_path, "Ada,Love\rlace,+15550006201,,en,no\n"
                            "   \n"
                            "Grace,Hopper,+15550006202,,en,no\n")
    report = await import_contacts(sessions(engine), path)
    assert report.bad == [(2, "a carriage return inside a field that is not quoted"),
                          (3, "1 field where the header has 6")]
    assert sorted(await _contacts(engine)) == ["Grace"]


async def test_a_quote_left_open_names_the_lines_it_took(
        engine: AsyncEngine, tmp_path: Path) -> None:
    path = _write(tmp_path, "Ada,Lovelace,+15550006301,,en,no\n"
                            'Grace,"Hopper,+15550006302,,en,no\n'
                            "Alan,Turing,+15550006303,,en,no\n")
    report = await import_contacts(sessions(engine), path)
    assert report.bad == [(3, "2 fields where the header has 6 (lines 3-4, passed over)")]
    assert sorted(await _contacts(engine)) == ["Ada"]
