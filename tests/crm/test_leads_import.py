"""CSV import and export of leads, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.cli import main
from crm_core.db import sessions
from crm_core.leads_import import export_leads, import_leads
from crm_core.models import Lead, Product

IMPORTED_AT = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
ROWS = """first_name,last_name,company,email,phone,source,status,score,product
Ada,Lovelace,Engines Ltd,ada@example.com,+1 (555) 000-1001,web,new,40,WIDGET-1
Grace,Hopper,,grace@example.com,,trade_show,contacted,55,
Ada,,,,(555) 000-1001,,,80,
Alan,Turing,,alan@example.com,,,,101,
Edsger,Dijkstra,,edsger@example.com,,,maybe,,
Barbara,Liskov,,barbara@example.com,,,,,NOPE-9
Linus,Torvalds,,,12,,,,
,,,nobody@example.com,,,,,
Grace,Hopper,Navy,GRACE@example.com,+1 555 000 1002,,qualified,10,GADGET-2
Margaret,Hamilton,,,15550001009,,,30,
"""


@pytest.fixture
def csv_file(tmp_path: Path) -> Path:
    path = tmp_path / "leads.csv"
    path.write_text(ROWS)
    return path


@pytest.fixture
async def products(engine: AsyncEngine) -> dict[str, int]:
    async with sessions(engine)() as session, session.begin():
        items = [Product(sku=sku, name=sku.title(), category="gadgets")
                 for sku in ("WIDGET-1", "GADGET-2")]
        session.add_all(items)
    return {item.sku: item.id for item in items}


async def _leads(engine: AsyncEngine) -> dict[str, Lead]:
    """The stored leads by first name (unique in these files)."""
    async with sessions(engine)() as session:
        return {lead.first_name: lead for lead in await session.scalars(select(Lead))}


@pytest.mark.parametrize("batch_size", [2, 1000])
async def test_good_rows_are_kept_bad_ones_reported_by_line(
        engine: AsyncEngine, csv_file: Path, products: dict[str, int], batch_size: int) -> None:
    report = await import_leads(sessions(engine), csv_file, batch_size=batch_size,
                                imported_at=IMPORTED_AT)
    reasons = dict(report.bad)
    assert sorted(reasons) == [5, 6, 7, 8, 9]
    assert "score '101'" in reasons[5]
    assert "status 'maybe'" in reasons[6]
    assert "'NOPE-9' is not a known SKU" in reasons[7]
    assert "not a possible phone number" in reasons[8]
    assert "first_name or last_name is required" in reasons[9]
    assert (report.added, report.merged) == (3, 2)  # Ada and Grace come twice
    leads = await _leads(engine)
    assert sorted(leads) == ["Ada", "Grace", "Margaret"]
    assert leads["Margaret"].phone == "+15550001009"  # written without its plus
    assert (leads["Margaret"].status, leads["Margaret"].score) == ("new", 30)  # the defaults
    assert leads["Ada"].product_id == products["WIDGET-1"]


async def test_a_duplicate_fills_what_the_lead_lacks_and_keeps_the_rest(
        engine: AsyncEngine, csv_file: Path, products: dict[str, int]) -> None:
    await import_leads(sessions(engine), csv_file, imported_at=IMPORTED_AT)
    leads = await _leads(engine)
    ada, grace = leads["Ada"], leads["Grace"]
    assert (ada.last_name, ada.company, ada.score) == ("Lovelace", "Engines Ltd", 80)
    assert (grace.company, grace.phone, grace.product_id) == (
        "Navy", "+15550001002", products["GADGET-2"])
    assert (grace.status, grace.source, grace.score) == ("contacted", "trade_show", 55)
    assert grace.email == "grace@example.com"


async def test_rows_are_matched_against_leads_already_stored(
        engine: AsyncEngine, csv_file: Path, products: dict[str, int]) -> None:
    async with sessions(engine)() as session, session.begin():
        session.add(Lead(first_name="Peggy", last_name="H", phone="+15550001002", status="qualified",
                         source="web", score=90, created_at=IMPORTED_AT))
    report = await import_leads(sessions(engine), csv_file, imported_at=IMPORTED_AT)
    assert (report.added, report.merged) == (3, 2)
    peggy = (await _leads(engine))["Peggy"]
    # Grace's first row (e-mail only) is new; her second row brings Peggy's phone, so it
    # goes to Peggy, and the e-mail Grace already has is not handed to her as well
    assert (peggy.status, peggy.score, peggy.email, peggy.company) == (
        "qualified", 90, None, "Navy")
    again = await import_leads(sessions(engine), csv_file, imported_at=IMPORTED_AT)
    assert again.added == 0 and again.merged == 5  # importing twice adds nobody


async def test_export_then_import_round_trips(engine: AsyncEngine, csv_file: Path,
                                              products: dict[str, int], tmp_path: Path) -> None:
    await import_leads(sessions(engine), csv_file, imported_at=IMPORTED_AT)
    out = tmp_path / "out.csv"
    assert await export_leads(sessions(engine), out) == 3
    rows = {row["first_name"]: row for row in csv.DictReader(out.open())}
    assert (rows["Ada"]["phone"], rows["Ada"]["product"], rows["Ada"]["score"]) == (
        "+15550001001", "WIDGET-1", "80")
    assert (rows["Margaret"]["email"], rows["Margaret"]["product"]) == ("", "")
    report = await import_leads(sessions(engine), out, imported_at=IMPORTED_AT)
    assert (report.added, report.merged, report.bad) == (0, 3, [])


def test_the_cli_imports_and_exports_leads(
        tmp_path: Path, csv_file: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("CC_STATE_DIR", str(tmp_path / "state"))
    config = ["--config", str(root / "config/demo.yaml")]
    code = main(["crm", "import", "leads", str(csv_file), *config])
    err = capsys.readouterr().err
    assert code == 3
    # no products in this database: both rows naming one are bad, and Ada's second
    # row, with no first row to merge into, would be a new lead without a last name
    assert "2 added, 0 merged into existing leads, 8 bad rows" in err
    assert f"{csv_file}:2: product 'WIDGET-1' is not a known SKU" in err
    assert f"{csv_file}:4: last_name is required for a new lead" in err
    out = tmp_path / "export.csv"
    assert main(["crm", "export", "leads", str(out), *config]) == 0
    assert "2 leads written" in capsys.readouterr().out
    assert len(out.read_text().splitlines()) == 1 + 2


async def test_a_value_too_long_for_its_column_is_a_bad_row(
        engine: AsyncEngine, tmp_path: Path) -> None:
    path = tmp_path / "long.csv"
    path.write_text("first_name,last_name,company,phone\n"
                    f"Ada,Lovelace,{'x' * 201},+1 (555) 000-1001\n"
                    "Grace,Hopper,Navy,+1 (555) 000-1002\n")
    report = await import_leads(sessions(engine), path, imported_at=IMPORTED_AT)
    assert report.bad == [(2, "company is longer than 200 characters")]
    assert report.added == 1  # PostgreSQL would have refused the whole batch


HEADER = "first_name,last_name,company,email,phone,source,status,score,product\n"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rows.csv"
    path.write_text(HEADER + text, encoding="utf-8")
    return path


async def test_rows_of_the_wrong_shape_are_refused_by_line(
        engine: AsyncEngine, tmp_path: Path) -> None:
    path = _write(tmp_path, "Ada,Lovelace,,,+15550005001,,,,\n"
                            "Too,Few,,,+15550005002\n"
                            "Too,Many,,,+15550005003,,,,,\n"
                            "Nul,Byte,Ac\x00me,,+15550005004,,,,\n"
                            "Solo,,,,+15550005006,,,,\n"
                            "Grace,Hopper,,,+15550005008,,,,\n"
                            "Ada,,Engines,,+15550005001,,,,\n")  # a known Ada: merged
    report = await import_leads(sessions(engine), path, imported_at=IMPORTED_AT)
    assert report.bad == [
        (3, "5 fields where the header has 9"),
        (4, "10 fields where the header has 9"),
        (5, "company holds a control character (U+0000)"),
        (6, "last_name is required for a new lead (the row matches none)")]
    assert (report.added, report.merged) == (2, 1)
    leads = await _leads(engine)
    assert sorted(leads) == ["Ada", "Grace"] and leads["Ada"].company == "Engines"


async def test_a_field_too_big_is_a_bad_row_and_the_import_goes_on(
        engine: AsyncEngine, tmp_path: Path) -> None:
    path = _write(tmp_path, "Ada,Lovelace,,,+15550006001,,,,\n"
                            f"Big,Row,{'x' * 200 * 1024},,+15550006002,,,,\n"
                            f"Score,Row,,,+15550006003,,,{'9' * 5000},\n"
                            "Grace,Hopper,,,+15550006004,,,,\n")
    report = await import_leads(sessions(engine), path, imported_at=IMPORTED_AT)
    (big, reason_big), (score, reason_score) = report.bad
    assert (big, reason_big) == (3, "a line longer than 65,536 bytes")
    assert score == 4 and reason_score.endswith(
        "... (5,000 characters) is not a whole number from 0 to 100")
    assert sorted(await _leads(engine)) == ["Ada", "Grace"]


async def test_the_export_quotes_formulas_and_the_import_reads_them_back(
        engine: AsyncEngine, tmp_path: Path) -> None:
    path = _write(tmp_path, "'@SUM(1+1),Lovelace,'=cmd|' /C calc'!A0,,+15550007001,-web,,,\n")
    report = await import_leads(sessions(engine), path, imported_at=IMPORTED_AT)
    assert (report.added, report.bad) == (1, [])
    ada = (await _leads(engine))["@SUM(1+1)"]  # the quote before a formula start is gone
    assert (ada.company, ada.source) == ("=cmd|' /C calc'!A0", "-web")
    out = tmp_path / "out.csv"
    assert await export_leads(sessions(engine), out) == 1
    row, = csv.DictReader(out.open(newline=""))
    assert (row["first_name"], row["company"], row["source"]) == (
        "'@SUM(1+1)", "'=cmd|' /C calc'!A0", "'-web")
    assert (row["phone"], row["score"]) == ("+15550007001", "0")  # numbers stay numbers
    async with sessions(engine)() as session, session.begin():
        await session.execute(Lead.__table__.delete())
    report = await import_leads(sessions(engine), out, imported_at=IMPORTED_AT)
    assert (report.added, report.bad) == (1, [])
    again = (await _leads(engine))["@SUM(1+1)"]
    assert (again.company, again.source, again.phone) == (
        "=cmd|' /C calc'!A0", "-web", "+15550007001")
