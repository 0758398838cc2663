"""Dialer campaigns from YAML: the demo's file loads, and every mistake names its line and
field, including asking for less than the law allows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from contactcenter.config.files import ConfigError
from contactcenter.config.settings import load_settings
from contactcenter.dialer.campaign_file import load_campaigns
from contactcenter.server.dialing import campaign_of
from contactcenter.server.serve import check_config

ROOT = Path(__file__).resolve().parents[2]
NAMES = {"queues": {"sales", "support"}, "agents": {"agent101", "agent102"},
         "scripts": {"sales"}}

GOOD = """\
campaigns:
  renewals:
    mode: power
    queue: sales
    script: sales
    caller_id: "+15550009000"
    power_ratio: 2.5
    list: {members: true}
"""


def load(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "campaigns.yaml"
    path.write_text(text)
    return load_campaigns(path, **NAMES)


def test_the_demo_s_campaigns_load_with_the_law_s_defaults() -> None:
    settings = load_settings(ROOT / "config/demo.yaml")
    check_config(settings)  # the platform starts on it
    campaigns = load_campaigns(ROOT / "config/campaigns.yaml",
                               queues={"sales", "support", "operator"},
                               agents={f"agent{n}" for n in range(101, 111)},
                               scripts={"sales", "support", "default"})
    renewals = campaigns["renewals"]
    assert (renewals.mode, renewals.queue, renewals.caller_id) == (
        "progressive", "sales", "+15550009000")
    assert renewals.ring_seconds >= 15 and renewals.abandon_target == 0.03
    assert campaigns["win-back"].retries.abandoned.delay == 72 * 3600


def test_a_good_campaign_keeps_what_it_says(tmp_path: Path) -> None:
    spec = load(tmp_path, GOOD)["renewals"]
    assert (spec.mode, spec.power_ratio, spec.list.members) == ("power", 2.5, True)
    assert spec.caller_id == "+15550009000" and spec.agents == ()
    assert spec.preview_seconds == 30 and campaign_of("renewals", spec).preview_seconds == 30


def test_the_preview_countdown_and_calling_hours_are_the_campaigns_own(
        tmp_path: Path) -> None:
    own = GOOD + "    preview_seconds: 45\n    calling_hours: [\"10:00\", \"18:00\"]\n"
    campaign = campaign_of("renewals", load(tmp_path, own)["renewals"])
    assert campaign.preview_seconds == 45.0
    assert campaign.calling_hours == (dt.time(10, 0), dt.time(18, 0))


@pytest.mark.parametrize(("change", "line", "field", "says"), [
    ("    mode: powerful\n", 3, "campaigns.renewals.mode", "preview"),
    ("    queue: nowhere\n", 4, "campaigns.renewals.queue", "no queue 'nowhere'"),
    ("    script: poetry\n", 5, "campaigns.renewals.script", "no call script 'poetry'"),
    ("    ring_seconds: 10\n", 9, "campaigns.renewals.ring_seconds", "15"),
    ("    abandon_target: 0.05\n", 9, "campaigns.renewals.abandon_target", "0.03"),
    ("    max_lines: 0\n", 9, "campaigns.renewals.max_lines", "1"),
    ("    colour: blue\n", 9, "campaigns.renewals.colour", "colour"),
])
def test_a_mistake_names_its_line_and_field(tmp_path: Path, change: str, line: int,
                                            field: str, says: str) -> None:
    key = change.split(":")[0]
    lines = [row for row in GOOD.splitlines(keepends=True) if not row.startswith(key + ":")]
    lines.insert(line - 1, change)
    with pytest.raises(ConfigError) as error:
        load(tmp_path, "".join(lines))
    text = str(error.value)
    assert f":{line}:" in text and field in text and says in text, text


@pytest.mark.parametrize(("replace", "by", "says"), [
    ('caller_id: "+15550009000"', 'caller_id: "555-CALL"', "not an E.164"),
    ("queue: sales", "queue: sales\n    agents: [agent101]", "one of them"),
    ("list: {members: true}", "list: {members: true, segment: vips}", "exactly one"),
    ("list: {members: true}", "list: {csv: missing.csv}", "no file 'missing.csv'"),
    ("list: {members: true}", "list: {members: true}\n    calling_hours: ['20:00', '09:00']",
     "start before"),
])
def test_a_campaign_that_does_not_hold_together_is_refused(tmp_path: Path, replace: str,
                                                            by: str, says: str) -> None:
    with pytest.raises(ConfigError) as error:
        load(tmp_path, GOOD.replace(replace, by))
    assert says in str(error.value) and "campaigns.yaml" in str(error.value)


def test_two_campaigns_of_the_same_name_are_refused(tmp_path: Path) -> None:
    twice = GOOD + GOOD.split("\n", 1)[1]
    with pytest.raises(ConfigError) as error:
        load(tmp_path, twice)
    assert "renewals" in str(error.value)


def test_a_campaign_without_caller_id_loads_but_may_not_start(tmp_path: Path) -> None:
    spec = load(tmp_path, GOOD.replace('    caller_id: "+15550009000"\n', ""))["renewals"]
    assert spec.caller_id is None  # the dialer refuses to start it, saying why
