"""Which script a call gets, and `contactcenter config check` over the scripts."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from contactcenter.cli import main
from contactcenter.config.files import ConfigError
from contactcenter.scripting import ScriptBook, load_scripts

ROOT = Path(__file__).resolve().parents[2]


def script(queues: str = "", extra: str = "") -> str:
    return textwrap.dedent(f"""\
        {queues}
        {extra}
        start: hi
        steps:
          hi: {{type: end, text: Hello}}
    """)


def folder(tmp_path: Path, **files: str) -> Path:
    directory = tmp_path / "scripts"
    directory.mkdir()
    for name, text in files.items():
        (directory / f"{name}.yaml").write_text(text)
    return directory


def book_error(tmp_path: Path, **files: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load_scripts(folder(tmp_path, **files))
    return info.value


def test_selection_by_campaign_then_queue_then_default(tmp_path: Path) -> None:
    book = load_scripts(folder(
        tmp_path,
        sales=script("queues: [sales, upsell]"),
        winback=script("campaigns: spring_winback"),
        general=script("default: true"),
    ))
    assert len(book) == 3 and "sales" in book
    assert book.for_queue("sales") is book["sales"]
    assert book.for_queue("upsell") is book["sales"]
    assert book.for_queue("operator") is book["general"]
    assert book.for_queue(None) is book["general"]
    assert book.for_campaign("spring_winback") is book["winback"]
    assert book.for_campaign("other") is book["general"]
    assert book.select(queue="sales", campaign="spring_winback") is book["winback"]
    assert book.select(queue="sales", campaign="unknown") is book["sales"]
    assert book.select() is book["general"]


def test_no_default_means_no_script(tmp_path: Path) -> None:
    book = load_scripts(folder(tmp_path, sales=script("queues: [sales]")))
    assert book.default is None and book.for_queue("support") is None
    assert len(ScriptBook.of([])) == 0


def test_a_queue_claimed_twice(tmp_path: Path) -> None:
    exc = book_error(tmp_path, a=script("queues: [sales]"),
                     b=script("queues: [support, sales]"))
    assert exc.path.endswith("b.yaml") and exc.field == "queues.1" and exc.line == 1
    assert exc.reason == "'sales' already has a script: 'a'"


def test_a_queue_listed_twice_in_one_script(tmp_path: Path) -> None:
    exc = book_error(tmp_path, a=script("queues: [sales, sales]"))
    assert exc.field == "queues.1" and exc.line == 1 and "listed twice" in exc.reason


def test_a_campaign_claimed_twice(tmp_path: Path) -> None:
    exc = book_error(tmp_path, a=script("campaigns: [x]"), b=script("campaigns: [x]"))
    assert exc.path.endswith("b.yaml") and exc.field == "campaigns.0"


def test_two_defaults(tmp_path: Path) -> None:
    exc = book_error(tmp_path, a=script("default: true"), b=script("default: true"))
    assert exc.path.endswith("b.yaml") and exc.field == "default" and exc.line == 1
    assert exc.reason == "script 'a' is already the default"


def test_two_files_of_one_name(tmp_path: Path) -> None:
    directory = folder(tmp_path, a=script())
    (directory / "a.yml").write_text(script())
    with pytest.raises(ConfigError, match="a script named 'a' is already defined"):
        load_scripts(directory)


def test_queues_the_acd_does_not_have(tmp_path: Path) -> None:
    book = load_scripts(folder(tmp_path, a=script("queues: [sales, slaes]")))
    book.check_queues({"sales", "slaes"})
    with pytest.raises(ConfigError) as info:
        book.check_queues({"sales", "support"})
    assert info.value.field == "queues.1" and info.value.line == 1
    assert "no queue named 'slaes'" in info.value.reason


# -- contactcenter config check --------------------------------------------------

def _config(tmp_path: Path, scripts: Path) -> Path:
    config = yaml.safe_load((ROOT / "config/demo.yaml").read_text())
    config["ivr"]["dir"] = str(ROOT / "config/ivr")
    config["acd"] = {"queues": str(ROOT / "config/queues.yaml"),
                     "agents": str(ROOT / "config/agents.yaml"),
                     "voicemail": str(ROOT / "config/voicemail.yaml")}
    config["scripts"] = {"dir": str(scripts)}
    config["dialer"] = {"campaigns": str(ROOT / "config/campaigns.yaml")}
    config["state_dir"] = str(tmp_path / "state")
    path = tmp_path / "cc.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_config_check_counts_the_scripts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--config", str(ROOT / "config/demo.yaml")]) == 0
    assert "3 call scripts" in capsys.readouterr().out


def test_config_check_names_a_broken_script(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    scripts = tmp_path / "scripts"
    shutil.copytree(ROOT / "config/scripts", scripts)
    sales = scripts / "sales.yaml"
    text = sales.read_text().replace("    next: needs_details", "    next: needs_detail", 1)
    sales.write_text(text)
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "needs_detail\n" in row + "\n")
    assert main(["config", "check", "--config", str(_config(tmp_path, scripts))]) == 2
    error = capsys.readouterr().err
    assert f"sales.yaml:{line}: steps.needs.next: no step named 'needs_detail'" in error


def test_config_check_names_a_queue_the_acd_lacks(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    scripts = tmp_path / "scripts"
    shutil.copytree(ROOT / "config/scripts", scripts)
    support = scripts / "support.yaml"
    support.write_text(support.read_text().replace("queues: [support]", "queues: [suport]"))
    assert main(["config", "check", "--config", str(_config(tmp_path, scripts))]) == 2
    assert "support.yaml:5: queues.0: no queue named 'suport'" in capsys.readouterr().err
