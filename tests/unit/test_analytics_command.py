"""``contactcenter analytics clv`` end to end: CDNOW's transactions in, the published
figures printed and scored; a bad file or too little data out with a non-zero status,
the line named and nothing written."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from contactcenter.cli import main
from contactcenter.commands.analytics import SCORE_COLUMNS
from tests.unit.test_analytics_cdnow import DATA


@pytest.fixture
def cdnow_csv(tmp_path: Path) -> Path:
    """CDNOW's 6,919 transactions as a CSV with names and a date format of its own."""
    rows = np.loadtxt(DATA / "CDNOW_sample.txt", dtype=str)
    path = tmp_path / "cdnow.csv"
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["id", "when", "cds", "dollars"])
        writer.writerows(rows[:, 1:])
    return path


def _clv(path: Path, out: Path, *options: str) -> int:
    return main(["analytics", "clv", "--transactions", str(path), "--out", str(out),
                 *options])


def test_cdnow_through_the_command(cdnow_csv: Path, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scores.csv"
    status = _clv(cdnow_csv, out, "--customer-column", "id", "--date-column", "when",
                  "--amount-column", "dollars", "--date-format", "%Y%m%d",
                  "--end", "1997-09-30", "--unit", "weeks", "--horizon", "39",
                  "--discount", "0.01")
    printed = capsys.readouterr().out
    assert status == 0
    assert "6,919 transactions of 2,357 customers up to 1997-09-30; times in weeks" in printed
    assert ("BG/NBD on 2,357 customers (946 repeat buyers): r 0.2426, alpha 4.414, "
            "a 0.7929, b 2.426; log-likelihood -9582.4") in printed
    assert "Gamma-Gamma on 946 repeat buyers: p 6.25, q 3.744, gamma 15.44" in printed
    assert f"scores of 2,357 customers written to {out}" in printed
    with out.open() as file:
        scores = list(csv.DictReader(file))
    assert tuple(scores[0]) == SCORE_COLUMNS and len(scores) == 2357
    first = scores[0]  # the paper's customer: x = 2, t_x = 30.43, T = 38.86
    assert (first["customer"], first["x"]) == ("0001", "2")
    assert float(first["expected_purchases"]) == pytest.approx(1.226, rel=0.01)
    assert float(first["p_alive"]) == pytest.approx(0.727, rel=0.01)
    undiscounted = float(first["expected_spend"]) * float(first["expected_purchases"])
    assert 0.95 * undiscounted < float(first["clv"]) < undiscounted


def test_a_bad_row_is_named_and_nothing_is_written(cdnow_csv: Path, tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    lines = cdnow_csv.read_text().splitlines()
    lines[4000] = lines[4000].replace(".", ",")  # 12.50 becomes two fields
    cdnow_csv.write_text("\n".join(lines) + "\n")
    out = tmp_path / "scores.csv"
    status = _clv(cdnow_csv, out, "--customer-column", "id", "--date-column", "when",
                  "--amount-column", "dollars", "--date-format", "%Y%m%d")
    assert status == 1
    assert capsys.readouterr().err == f"{cdnow_csv}:4001: 5 fields where the header has 4\n"
    assert list(tmp_path.iterdir()) == [cdnow_csv]


def test_too_little_history_is_said_and_nothing_is_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("customer,date,amount\n" + "".join(
        f"c{i},2026-01-0{day},10\n" for i in range(5) for day in (1, 2 + i % 2)))
    out = tmp_path / "scores.csv"
    assert _clv(path, out) == 3
    assert capsys.readouterr().err == ("analytics clv: BG/NBD needs repeat purchases from "
                                       "at least 40 customers; found 5\n")
    assert not out.exists()


def test_options_that_make_no_sense_are_refused(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("customer,date,amount\n")
    assert _clv(path, tmp_path / "s.csv", "--horizon", "0") == 2
    assert "--horizon must be positive" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        _clv(path, tmp_path / "s.csv", "--end", "1997")
    assert exited.value.code == 2
    assert "argument --end: '1997' is not a date as YYYY-MM-DD" in capsys.readouterr().err
