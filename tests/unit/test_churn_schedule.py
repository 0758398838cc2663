"""The value and churn scores on serve's schedule: due at once without a run, one
interval after the last one otherwise; too little history is a warning and the loop
goes on; an interval of 0 starts no task."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any

import pytest

from contactcenter.analytics.errors import NotEnoughData
from contactcenter.config.settings import Settings, load_settings
from contactcenter.server.analytics import ScoreSchedule, analytics_background, contact_sources
from contactcenter.server.background import Background
from crm_core.db import make_engine, migrate, sessions
from crm_core.scores_read import ScoresReader

START = dt.datetime(2026, 11, 20, 6, tzinfo=dt.UTC).timestamp()


class Stop(Exception):
    pass


async def test_runs_at_once_then_every_interval_and_survives_too_little_data(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    database = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'crm.db'}")
    await migrate(database)
    waits: list[float] = []
    asked: list[dt.date] = []

    async def wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 3:
            raise Stop

    async def recompute(engine: Any, *, as_of: dt.date, now: dt.datetime) -> Any:
        asked.append(as_of)
        raise NotEnoughData("BG/NBD needs repeat purchases from at least 40 customers; "
                            "found 0")

    schedule = ScoreSchedule(sessions(database), 3600.0, clock=lambda: START, wait=wait,
                             recompute=recompute)
    with caplog.at_level(logging.WARNING), pytest.raises(Stop):
        await schedule.run()
    await database.dispose()
    assert waits == [0.0, 3600.0, 3600.0] and asked == [dt.date(2026, 11, 20)] * 2
    assert schedule.runs == 0 and "found 0" in (schedule.last_error or "")
    assert "found 0" in caplog.text


@pytest.mark.parametrize("hours, running", [
    (24.0, ["affinity offers", "value and churn scores"]), (0.0, ["affinity offers"])])
async def test_serve_starts_the_schedule_unless_its_interval_is_0(
        tmp_path: Path, hours: float, running: list[str]) -> None:
    settings = Settings.model_validate({"state_dir": str(tmp_path), "crm": {
        "rfm_interval_hours": 0, "scores_interval_hours": hours}})
    database = make_engine(settings.database)
    await migrate(database)
    crm = sessions(database)
    sources = contact_sources(crm)
    assert isinstance(sources["scores"], ScoresReader)
    background = Background()
    analytics_background(background, settings, crm, sources)
    try:
        assert background.status()["running"] == sorted(running)
    finally:
        await background.stop()
        await database.dispose()


def test_the_interval_comes_from_the_environment() -> None:
    settings = load_settings(None, {"CC_CRM_SCORES_INTERVAL_HOURS": "6"})
    assert settings.crm.scores_interval_hours == 6.0
    assert load_settings(None, {}).crm.scores_interval_hours == 24.0
