"""The platform refuses to start on a wrong config, saying file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from contactcenter.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _config(tmp_path: Path, flow_text: str, numbers: dict[str, str] | None = None) -> Path:
    (tmp_path / "ivr").mkdir()
    (tmp_path / "ivr" / "main.yaml").write_text(flow_text)
    config = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    config.pop("dialer", None)  # the demo's campaigns name the demo's scripts, not a test's
    config["ivr"]["dir"] = str(tmp_path / "ivr")
    if numbers is not None:
        config["ivr"]["numbers"] = numbers
    config["state_dir"] = str(tmp_path / "state")
    config["acd"] = {"queues": str(ROOT / "config/queues.yaml"),
                     "agents": str(ROOT / "config/agents.yaml"),
                     "voicemail": str(ROOT / "config/voicemail.yaml")}
    path = tmp_path / "cc.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_the_demo_config_checks_out(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--config", str(ROOT / "config/demo.yaml")]) == 0
    assert "OK" in capsys.readouterr().out


@pytest.mark.parametrize("command", [["serve"], ["config", "check"]])
def test_a_flow_with_a_wrong_target_stops_the_start(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    flow = ROOT.joinpath("config/ivr/main.yaml").read_text()
    broken = flow.replace('"2": support', '"2": suport')
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if "suport" in text)
    path = _config(tmp_path, broken)
    assert main([*command, "--config", str(path)]) == 2
    error = capsys.readouterr().err
    assert f"main.yaml:{line}:" in error
    assert "nodes.main_menu.options.2" in error and "suport" in error
    assert not (tmp_path / "state").exists()  # nothing was started


def test_a_number_pointing_at_no_flow_stops_the_start(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flow = ROOT.joinpath("config/ivr/main.yaml").read_text()
    path = _config(tmp_path, flow, numbers={"5000": "mian"})
    assert main(["serve", "--config", str(path)]) == 2
    error = capsys.readouterr().err
    assert "ivr.numbers.5000" in error and "'mian'" in error


def test_a_bad_setting_from_the_environment_is_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CC_SIP_PORT", "seventy")
    assert main(["config", "check", "--config", str(ROOT / "config/demo.yaml")]) == 2
    error = capsys.readouterr().err
    assert "environment variable CC_SIP_PORT: asterisk.sip_port" in error
    assert "'seventy'" in error


def test_simulate_runs_the_acd_beside_erlang_a(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--agents", "14", "--calls-per-hour", "200", "--aht", "180",
                 "--calls", "3000", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "10.00 Erlangs on 14 agents, seed 3" in out
    assert "Erlang A service level" in out and "sim      service level" in out


def _crm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("CC_STATE_DIR", str(tmp_path / "state"))
    return main(["crm", *args, "--config", str(ROOT / "config/demo.yaml")])


def test_a_field_over_128_kib_is_a_bad_row_not_a_crash(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "people.csv"
    path.write_text("first_name,last_name,phone,email,language,do_not_call\n"
                    f"Big,{'x' * 200 * 1024},+15550008001,,en,no\n"
                    f'Quoted,"{"q" * 140 * 1024}",+15550008002,,en,no\n'
                    "Ada,Lovelace,+15550008003,,en,maybe\n"
                    "Grace,Hopper,+15550008004,,en,no\n")
    assert _crm(tmp_path, monkeypatch, "import", "contacts", str(path)) == 3
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "1 added, 0 merged into existing contacts, 3 bad rows" in err
    assert f"{path}:2: a line longer than 65,536 bytes\n" in err
    assert f"{path}:3: a line longer than 65,536 bytes\n" in err
    assert f"{path}:4: do_not_call 'maybe' is not one of" in err


def test_a_header_that_cannot_be_read_stops_the_import_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "people.csv"
    path.write_text(f"first_name,last_name,{'h' * 200 * 1024}\nAda,Lovelace,x\n")
    assert _crm(tmp_path, monkeypatch, "import", "contacts", str(path)) == 2
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == (
        f"{path}:1: the header cannot be read: a line longer than 65,536 bytes")
    assert "Traceback" not in err


def test_an_export_is_safe_to_open_in_a_spreadsheet(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "people.csv"
    path.write_text("first_name,last_name,phone,email,language,do_not_call\n"
                    "\"=cmd|' /C calc'!A0\",@SUM(1+1),+15550008101,,en,yes\n")
    assert _crm(tmp_path, monkeypatch, "import", "contacts", str(path)) == 0
    out = tmp_path / "out.csv"
    assert _crm(tmp_path, monkeypatch, "export", "contacts", str(out)) == 0
    assert out.read_text().splitlines()[1] == (
        "'=cmd|' /C calc'!A0,'@SUM(1+1),+15550008101,,en,yes")
    assert _crm(tmp_path, monkeypatch, "import", "contacts", str(out)) == 0
    assert "0 added, 1 merged into existing contacts, 0 bad rows" in capsys.readouterr().err
