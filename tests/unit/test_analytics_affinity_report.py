"""The command that measures affinity against popularity on a CRM database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from contactcenter.analytics.affinity_report import main
from crm_core.db import make_engine, migrate


def test_it_prints_both_figures_for_the_seeded_company(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--customers", "200", "--k", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("customers with a held-out purchase: ")
    assert lines[1].startswith("hit rate at 2: affinity 0.") and ", popularity 0." in lines[1]
    assert lines[2].startswith("precision at 2: affinity 0.")


def test_a_database_without_orders_is_told_so(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}"

    async def empty() -> None:
        engine = make_engine(url)
        await migrate(engine)
        await engine.dispose()

    asyncio.run(empty())
    assert main(["--database", url]) == 1
    assert capsys.readouterr().err == ("error: the evaluation needs customers with a purchase "
                                       "after their first; found none\n")
