"""The transactions reader: columns by name, dates ISO or by format, and every bad row
named by file and line, the file refused whole."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from contactcenter.analytics.errors import TransactionsError
from contactcenter.analytics.transactions import BAD_ROWS_SHOWN, Columns, read_transactions


def _file(tmp_path: Path, text: str, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rows_are_read_by_column_name_in_any_order(tmp_path: Path) -> None:
    path = _file(tmp_path, "\ufeffamount,note,date,customer\n"
                           "12.5,first,2026-01-02,C-1\n"
                           "\n"
                           '3,"two\nlines",2026-01-03 17:45:00,C-2\n'
                           "0, ,2026-01-04T08:00,C-1\n")
    rows = read_transactions(path)
    assert list(rows.customers) == ["C-1", "C-2", "C-1"]
    assert list(rows.days) == list(np.array(["2026-01-02", "2026-01-03", "2026-01-04"],
                                            dtype="datetime64[D]"))
    assert list(rows.amounts) == [12.5, 3.0, 0.0]


def test_other_column_names_and_a_date_format(tmp_path: Path) -> None:
    path = _file(tmp_path, "client,when,total\nx,05/01/2026,7\n")
    rows = read_transactions(path, Columns(customer="client", date="when", amount="total"),
                             date_format="%d/%m/%Y")
    assert list(rows.days) == [np.datetime64("2026-01-05")]


def test_every_bad_row_is_named_by_its_line(tmp_path: Path) -> None:
    path = _file(tmp_path, "customer,date,amount\n"
                           "a,2026-01-02,1\n"
                           ",2026-01-02,1\n"
                           "b,20260102,1\n"
                           "c,2026-02-30,1\n"
                           "d,2026-01-02,ten\n"
                           "e,2026-01-02,-4\n"
                           "f,2026-01-02,inf\n"
                           "g,2026-01-02\n"
                           '"h\nstill h",2026-01-02T00:00:00+01:00,\n'
                           "i,2026-01-02,1\n")
    with pytest.raises(TransactionsError) as caught:
        read_transactions(path)
    not_iso = ("is not a date as YYYY-MM-DD (a time of day may follow, with no time zone; "
               "give the date format to read others)")
    assert str(caught.value).splitlines() == [
        f"{path}:3: customer is empty",
        f"{path}:4: date '20260102' {not_iso}",
        f"{path}:5: date '2026-02-30' {not_iso}",
        f"{path}:6: amount 'ten' is not a number",
        f"{path}:7: amount -4 is negative: a refund is not a purchase; net it out first",
        f"{path}:8: amount 'inf' is not a finite number",
        f"{path}:9: 2 fields where the header has 3",
        f"{path}:10: date '2026-01-02T00:00:00+01:00' {not_iso}; amount is empty",
    ]


def test_a_date_that_does_not_match_the_format_names_the_format(tmp_path: Path) -> None:
    path = _file(tmp_path, "customer,date,amount\na,2026-01-05,1\n")
    with pytest.raises(TransactionsError, match=r":2: date '2026-01-05' does not match the "
                                                r"date format '%d/%m/%Y'$"):
        read_transactions(path, date_format="%d/%m/%Y")


def test_many_bad_rows_are_counted_past_the_ones_shown(tmp_path: Path) -> None:
    path = _file(tmp_path, "customer,date,amount\n" + "a,2026-01-01,x\n" * 50)
    with pytest.raises(TransactionsError) as caught:
        read_transactions(path)
    lines = str(caught.value).splitlines()
    assert len(lines) == BAD_ROWS_SHOWN + 1
    assert lines[0] == f"{path}:2: amount 'x' is not a number"
    assert lines[-1] == f"... and {50 - BAD_ROWS_SHOWN} more bad rows"


def test_a_header_without_the_columns_names_what_is_missing(tmp_path: Path) -> None:
    path = _file(tmp_path, "id,day,amount\n1,2026-01-01,3\n")
    with pytest.raises(TransactionsError, match=rf"^{path}:1: the header lacks customer, "
                                                rf"date \(it has id, day, amount\)$"):
        read_transactions(path)


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty: no header line"),
    (b"customer,date,amount\na,2026-01-01,\xff\n", "2: not UTF-8 text"),
])
def test_a_file_that_is_no_csv_text_is_refused(tmp_path: Path, content: bytes,
                                                reason: str) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(content)
    with pytest.raises(TransactionsError, match=f"^{path}:? ?{reason}$"):
        read_transactions(path)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TransactionsError, match=f"^{tmp_path / 'nope.csv'}: No such file"):
        read_transactions(tmp_path / "nope.csv")
