"""The campaigns' book read back after a restart: every record's attempts and next due
time, the dials in doubt, the open lines, the law's answers; and the list loaded over it."""

from __future__ import annotations

from pathlib import Path

from contactcenter.dialer.events import Record
from contactcenter.dialer.states import Campaign
from contactcenter.engine.campaign_book import CampaignBook
from contactcenter.engine.campaign_restore import most_attempts, overlay


def _book(path: Path) -> CampaignBook:
    book = CampaignBook(path)
    book.open()
    return book


def test_a_book_read_back_knows_where_each_record_and_dial_was(tmp_path: Path) -> None:
    book = _book(tmp_path / "campaigns.jsonl")
    book.write("c", "state", state="running")
    book.write("c", "seat", agent="a1", endpoint="a1", leg="seat-1", at=1.0)
    book.write("c", "asked", dial="c-1", record="r1")
    book.write("c", "dialed", dial="c-1", record="r1", number="+1", leg="dial-1",
               attempt=1, at=2.0)
    book.write("c", "settled", dial="c-1", record="r1", attempts=1, next_due=600.0,
               outcome="busy", at=3.0)
    book.write("c", "dialed", dial="c-2", record="r2", number="+2", leg="dial-2",
               attempt=1, at=4.0)
    book.write("c", "connected", dial="c-2", agent="a1", at=5.0)
    book.write("c", "asked", dial="c-3", record="r3")  # refused by the gate
    book.close()
    with (tmp_path / "campaigns.jsonl").open("a") as torn:
        torn.write('{"campaign": "c", "t": "sett')  # a crash mid-line
    log = _book(tmp_path / "campaigns.jsonl").log("c")
    assert log.state == "running" and log.dials == 3
    assert (log.records["r1"].attempts, log.records["r1"].next_due) == (1, 600.0)
    assert list(log.in_doubt) == ["c-2"] and log.in_doubt["c-2"].agent == "a1"
    assert log.seats["a1"].leg == "seat-1"


def test_the_list_loads_over_the_book_and_leaves_dials_in_doubt_out(tmp_path: Path) -> None:
    book = _book(tmp_path / "campaigns.jsonl")
    for dial, record, outcome, due in (("c-1", "r1", "human", None),
                                       ("c-2", "r2", "no_answer", 3600.0)):
        book.write("c", "dialed", dial=dial, record=record, number="+1", leg=dial,
                   attempt=1, at=1.0)
        book.write("c", "settled", dial=dial, record=record, attempts=1, next_due=due,
                   outcome=outcome, at=2.0)
    book.write("c", "dialed", dial="c-3", record="r3", number="+3", leg="l3", attempt=2,
               at=5.0)
    campaign = Campaign(name="c", caller_id="+15550009000")
    listed = [Record(record_id=f"r{n}", number=f"+{n}") for n in (1, 2, 3, 4)]
    loaded = {r.record_id: r for r in overlay(listed, book.log("c"), campaign)}
    assert loaded["r1"].attempts == most_attempts(campaign)  # reached: done
    assert (loaded["r2"].attempts, loaded["r2"].earliest) == (1, 3600.0)
    assert "r3" not in loaded  # its dial may still be up: not dialed again meanwhile
    assert loaded["r4"] == listed[3]
    assert book.log("c").answers == [(2.0, False)]
