"""``contactcenter db migrate|seed`` and ``contactcenter crm import|export contacts|leads``."""

from __future__ import annotations

import getpass
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Protocol, TextIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from contactcenter.config.settings import Settings
from crm_core.audit import AuditLog
from crm_core.contacts_import import export_contacts, import_contacts
from crm_core.db import current_revision, make_engine, migrate, sessions
from crm_core.importing import ImportReport, Progress, ProgressCallback
from crm_core.leads_import import export_leads, import_leads
from crm_core.seed import seed_demo


class _Import(Protocol):
    def __call__(self, sessions: async_sessionmaker[AsyncSession], path: Path, *,
                 progress: ProgressCallback | None = None) -> Awaitable[ImportReport]: ...


_Export = Callable[[async_sessionmaker[AsyncSession], Path], Awaitable[int]]
#: what ``crm import|export`` moves: its import and its export
KINDS: dict[str, tuple[_Import, _Export]] = {
    "contacts": (import_contacts, export_contacts),
    "leads": (import_leads, export_leads),
}
#: at most this many bad rows are listed; the count says how many more there were
BAD_ROWS_SHOWN = 100


async def db_command(action: str, settings: Settings, *, customers: int = 2000) -> int:
    engine = make_engine(settings.database)
    try:
        await migrate(engine)
        revision = await current_revision(engine)
        if action == "seed":
            if customers < 0:
                print("--customers: must be 0 or more", file=sys.stderr)
                return 2
            added = await seed_demo(sessions(engine), customers=customers)
            print(f"CRM at revision {revision}; {added:,} customers added"
                  + ("" if added else " (the demo company is there already)"))
        else:
            print(f"CRM at revision {revision}")
        return 0
    finally:
        await engine.dispose()


class ProgressBar:
    """An import's progress: the share of the file read, rows, and rows per second.

    On a terminal the bar is redrawn in place at most ten times a second (more is
    flicker, and costs the import time); written anywhere else (a log, a pipe) it
    is one final line, so that logs hold no carriage returns.
    """

    WIDTH = 24
    INTERVAL = 0.1  # seconds between redraws

    def __init__(self, name: str, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._name = name
        self._stream = stream or sys.stderr
        self._clock = clock
        self._tty = self._stream.isatty()
        self._started = clock()
        self._drawn_at: float | None = None
        self._last = Progress(0, 0, 0)

    def __call__(self, progress: Progress) -> None:
        self._last = progress
        now = self._clock()
        if not self._tty or (self._drawn_at is not None and now - self._drawn_at < self.INTERVAL):
            return
        self._drawn_at = now
        self._stream.write(f"\r{self.line(progress, now)}\x1b[K")
        self._stream.flush()

    def finish(self, *, draw: bool = True) -> None:
        """End the bar's line: with its final state, or (``draw=False``) as it is."""
        if draw:
            line = self.line(self._last, self._clock())
            self._stream.write(f"\r{line}\x1b[K\n" if self._tty else f"{line}\n")
        elif self._drawn_at is not None:
            self._stream.write("\n")
        self._stream.flush()

    def line(self, progress: Progress, now: float) -> str:
        filled = round(progress.fraction * self.WIDTH)
        elapsed = now - self._started
        rate = progress.rows / elapsed if elapsed > 0 else 0.0
        return (f"{self._name} {progress.fraction:4.0%} "
                f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                f"{progress.rows:,} rows, {rate:,.0f} rows/s")


def _report(path: Path, what: str, report: ImportReport) -> None:
    print(f"{path}: {report.added:,} added, {report.merged:,} merged into existing "
          f"{what}, {len(report.bad):,} bad rows", file=sys.stderr)
    for line, reason in report.bad[:BAD_ROWS_SHOWN]:
        print(f"{path}:{line}: {reason}", file=sys.stderr)
    if len(report.bad) > BAD_ROWS_SHOWN:
        print(f"... and {len(report.bad) - BAD_ROWS_SHOWN:,} more bad rows", file=sys.stderr)


async def _import(what: str, path: Path, maker: async_sessionmaker[AsyncSession]) -> int:
    if not path.is_file():
        print(f"no such file: {path}", file=sys.stderr)
        return 1
    bar = ProgressBar(path.name)
    try:
        report = await KINDS[what][0](maker, path, progress=bar)
    except BaseException:
        bar.finish(draw=False)
        raise
    bar.finish()
    _report(path, what, report)
    await _audit(maker, what, path, report)
    return 0 if not report.bad else 3


async def _audit(maker: async_sessionmaker[AsyncSession], what: str, path: Path,
                 report: ImportReport) -> None:
    """One audit entry per import: who ran it, on which file, and what it did."""
    figures = {"file": str(path.resolve()), "added": report.added, "merged": report.merged,
               "bad_rows": len(report.bad)}
    async with maker() as session, session.begin():
        await AuditLog(session).record(
            username=f"cli:{getpass.getuser()}", action="import", entity=what, entity_id=None,
            changes={name: {"before": None, "after": value} for name, value in figures.items()})


async def crm_command(action: str, what: str, path: Path, settings: Settings) -> int:
    """Import or export ``what`` (contacts, leads); 3 when the import had bad rows."""
    engine = make_engine(settings.database)
    try:
        await migrate(engine)
        if action == "export":
            count = await KINDS[what][1](sessions(engine), path)
            print(f"{count:,} {what} written to {path}")
            return 0
        return await _import(what, path, sessions(engine))
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
