"""Recordings older than the retention period are deleted: every hour in ``serve``, and
on demand with ``contactcenter recordings purge``.

A recording's age is that of its file's last write (the call's end, since
Asterisk writes until the bridge is gone). A voicemail message nobody has handled
yet is kept whatever its age (docs/voicemail.md); once handled, it goes at the
next run past its period. Each deletion is written to the
audit log with the interaction that named the recording, which is how the
call's record knows to say "deleted by retention". 0 days keeps everything.

The entries and the files go together, a batch at a time: the batch's entries
are flushed, then its files deleted, then the entries of the files deleted are
committed. A database that refuses the entries leaves the files in place; a
file that cannot be deleted (a folder mounted read-only, a file the platform
may not remove) is left with no entry, counted, logged, and tried again at the
next run, while the others go. A run that fails (the database refuses) is
logged and tried at the next hour.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.recordings.store import Recording, RecordingStore
from crm_core.recordings import record_deletions
from crm_core.voicemail import held_recordings

log = logging.getLogger(__name__)

HOUR = 3600.0
DAY = 86400.0
#: recordings deleted per transaction: a first purge of years of calls goes in steps
BATCH = 500


@dataclass(frozen=True)
class Purged:
    deleted: int
    kept: int  #: recordings younger than the period, or every one with no period
    #: old enough, but the file could not be deleted (it is tried again at the next run)
    failed: int = 0


async def purge(store: RecordingStore, sessions: async_sessionmaker[AsyncSession], *,
                days: int, now: float, dry_run: bool = False) -> Purged:
    """Delete the recordings last written more than ``days`` days before ``now``."""
    every = await asyncio.to_thread(store.older_than, float("inf"))
    old = [r for r in every if r.modified < now - days * DAY] if days > 0 else []
    held = await held_recordings(sessions, [r.name for r in old]) if old else set()
    old = [r for r in old if r.name not in held]
    kept = len(every) - len(old)
    if dry_run or not old:
        return Purged(len(old), kept)
    refused: dict[str, str] = {}
    deleted = 0
    at = dt.datetime.fromtimestamp(now, dt.UTC)
    for start in range(0, len(old), BATCH):
        batch = {r.name: r for r in old[start:start + BATCH]}

        def remove(name: str, batch: dict[str, Recording] = batch) -> bool:
            try:
                return store.delete(batch[name])
            except OSError as exc:
                refused[name] = exc.strerror or type(exc).__name__
                return False

        deleted += len(await record_deletions(
            sessions, [(r.name, r.modified) for r in batch.values()], now=at, days=days,
            remove=remove))
    if deleted:
        log.info("recordings: %d older than %d days deleted", deleted, days)
    if refused:
        name, why = next(iter(refused.items()))
        log.warning("recordings: %d older than %d days could not be deleted (%s: %s, ...)",
                    len(refused), days, name, why)
    return Purged(deleted, kept, len(refused))


class RetentionSchedule:
    """``purge`` every hour, for as long as ``serve`` runs."""

    def __init__(self, store: RecordingStore, sessions: async_sessionmaker[AsyncSession],
                 days: int, *, interval: float = HOUR,
                 clock: Callable[[], float] = time.time,
                 wait: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._store, self._sessions, self.days = store, sessions, days
        self._interval, self._clock, self._wait = interval, clock, wait
        self.last_error: str | None = None

    async def run_once(self) -> Purged | None:
        try:
            done = await purge(self._store, self._sessions, days=self.days, now=self._clock())
        except Exception as exc:  # any failure: tried again at the next interval
            self.last_error = f"{type(exc).__name__}: {exc}"
            log.exception("recordings not purged; next try in %.0f s", self._interval)
            return None
        self.last_error = None
        return done

    async def run(self) -> None:
        while True:
            await self.run_once()
            await self._wait(self._interval)
