"""What ``serve`` keeps fresh of the CRM's analytics beside the calls: the RFM scores on
their schedule (none when ``crm.rfm_interval_hours`` is 0) and the offers' fit; and the
screen-pop's sources it hands the desk."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactcenter.analytics.affinity_source import AffinitySource
from contactcenter.config.settings import Settings
from contactcenter.server.analytics import analytics_background, contact_sources
from contactcenter.server.background import Background
from crm_core.db import make_engine, migrate, sessions
from crm_core.rfm_read import RfmReader


@pytest.mark.parametrize("hours, running", [
    (24.0, ["RFM scores", "value and churn scores", "affinity offers"]),
    (0.0, ["affinity offers"])])
async def test_the_schedules_serve_runs(tmp_path: Path, hours: float,
                                        running: list[str]) -> None:
    settings = Settings.model_validate({"state_dir": str(tmp_path),
                                        "crm": {"rfm_interval_hours": hours,
                                                "scores_interval_hours": hours}})
    database = make_engine(settings.database)
    await migrate(database)
    crm = sessions(database)
    sources = contact_sources(crm)
    assert isinstance(sources["rfm"], RfmReader)
    assert isinstance(sources["affinity_offer"], AffinitySource)
    background = Background()
    analytics_background(background, settings, crm, sources)
    try:
        assert background.status()["running"] == sorted(running)
    finally:
        await background.stop()
        await database.dispose()
