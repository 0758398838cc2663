"""The recordings' part of ``serve``: the folder they are served from, and the hourly
deletion of those older than the retention setting (``recordings.retention_days``)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.config.settings import Settings
from contactcenter.recordings.retention import RetentionSchedule
from contactcenter.recordings.store import RecordingStore, recordings_folder
from contactcenter.server.background import Background


def recording_store(settings: Settings) -> RecordingStore | None:
    """The folder of this host's recordings; None when there is none to read (Twilio
    keeps its own, and an Asterisk elsewhere needs ``recordings.dir``)."""
    folder = recordings_folder(settings)
    return None if folder is None else RecordingStore(folder)


def start_retention(background: Background, settings: Settings,
                    crm: async_sessionmaker[AsyncSession]) -> None:
    """Every hour, when a retention period is set and there is a folder to purge."""
    store = recording_store(settings)
    if settings.recordings.retention_days > 0 and store is not None:
        schedule = RetentionSchedule(store, crm, settings.recordings.retention_days)
        background.start("recordings retention", schedule.run())
