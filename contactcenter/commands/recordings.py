"""``contactcenter recordings purge``: delete the recordings older than the retention
period now, as ``serve`` does every hour (docs/recordings.md)."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from contactcenter.config.settings import Settings
from contactcenter.recordings.retention import purge
from contactcenter.server.recordings import recording_store
from crm_core.db import make_engine, migrate, sessions


async def purge_command(settings: Settings, *, days: int | None = None,
                        dry_run: bool = False, out: TextIO | None = None) -> int:
    """0 done (or nothing to do), 1 some old recordings could not be deleted, 2 no
    folder or a bad number of days."""
    out = out or sys.stdout  # the stream of now, not of when the module was imported
    days = settings.recordings.retention_days if days is None else days
    if days < 0:
        print("--days: must be 0 or more", file=sys.stderr)
        return 2
    store = recording_store(settings)
    if store is None:
        print("no recordings folder: set recordings.dir (CC_RECORDINGS_DIR), or run "
              "`contactcenter asterisk render` first", file=sys.stderr)
        return 2
    if days == 0:
        print(f"{store.folder}: retention 0 days: recordings are kept for ever", file=out)
        return 0
    engine = make_engine(settings.database)
    try:
        await migrate(engine)
        done = await purge(store, sessions(engine), days=days, now=time.time(),
                           dry_run=dry_run)
    finally:
        await engine.dispose()
    verb = "would delete" if dry_run else "deleted"
    print(f"{store.folder}: {verb} {done.deleted} recordings older than {days} days; "
          f"{done.kept} kept", file=out)
    if done.failed:
        print(f"{store.folder}: {done.failed} older than {days} days could not be deleted "
              "(see the log): they are tried again at the next purge", file=sys.stderr)
        return 1
    return 0
