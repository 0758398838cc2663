"""The IVR's caller dip goes through the CRM, with the settings' directory behind it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from contactcenter.cli import main
from contactcenter.config.settings import DirectoryEntry
from contactcenter.engine.directory import Directory
from contactcenter.engine.ivr_lookup import IvrLookup
from crm_core.customers import CustomerService
from crm_core.db import sessions
from crm_core.seed import seed_demo

DIRECTORY = Directory([
    DirectoryEntry(kind="caller", key="+15550009999", data={"name": "Only In Config"}),
    DirectoryEntry(kind="account", key="12345", data={"balance": "250"}),
])


async def test_a_seeded_caller_is_known_to_the_ivr(engine: AsyncEngine) -> None:
    assert await seed_demo(sessions(engine), customers=0) == 3  # the demo's callers only
    assert await seed_demo(sessions(engine)) == 0  # seeding twice adds nobody
    lookup = IvrLookup(CustomerService(sessions(engine)), DIRECTORY)
    ada = await lookup.lookup("caller", "15550001001")
    assert ada is not None
    assert (ada["name"], ada["vip"], ada["language"]) == ("Ada Lovelace", "yes", "en")
    assert ada["account_name"] == "Lovelace Analytical Engines"
    grace = await lookup.lookup("caller", "+1 (555) 000-1002")
    assert grace is not None and grace["vip"] == "no"


async def test_the_directory_answers_what_the_crm_does_not_know(engine: AsyncEngine) -> None:
    lookup = IvrLookup(CustomerService(sessions(engine)), DIRECTORY)
    assert (await lookup.lookup("caller", "+15550009999")) == {"name": "Only In Config"}
    assert (await lookup.lookup("account", "12345")) == {"balance": "250"}
    assert await lookup.lookup("caller", "+15550004444") is None


#: the newest migration (a command that migrates reaches it)
LATEST = max(path.name.split("_")[0] for path in
             (Path(__file__).resolve().parents[2] / "crm_core/migrations/versions").glob("0*.py"))


def test_db_seed_command_migrates_and_seeds(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[2]
    monkeypatch.setenv("CC_STATE_DIR", str(tmp_path))
    config = str(root / "config/demo.yaml")
    assert main(["db", "seed", "--config", config, "--customers", "50"]) == 0
    assert f"CRM at revision {LATEST}; 53 customers added" in capsys.readouterr().out
    assert main(["db", "seed", "--config", config]) == 0
    assert "0 customers added (the demo company is there already)" in capsys.readouterr().out
    assert (tmp_path / "cc.db").exists()
    assert main(["db", "migrate", "--config", str(root / "config/demo.yaml")]) == 0
    assert f"revision {LATEST}" in capsys.readouterr().out
