"""``contactcenter db migrate|seed`` and ``contactcenter crm import|export contacts``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from contactcenter.settings import Settings
from crm_core.db import current_revision, make_engine, migrate, sessions
from crm_core.importing import export_contacts, import_contacts
from crm_core.seed import seed_demo


async def db_command(action: str, settings: Settings) -> int:
    engine = make_engine(settings.database)
    try:
        await migrate(engine)
        revision = await current_revision(engine)
        if action == "seed":
            added = await seed_demo(sessions(engine))
            print(f"CRM at revision {revision}; {added} demo customers added")
        else:
            print(f"CRM at revision {revision}")
        return 0
    finally:
        await engine.dispose()


class _Progress:
    """A progress line on stderr, redrawn at most ten times a second."""

    def __init__(self, path: Path) -> None:
        self._total = max(path.stat().st_size, 1)
        self._path = path
        self._last = 0.0

    def __call__(self, rows: int) -> None:
        now = time.monotonic()
        if now - self._last < 0.1:
            return
        self._last = now
        print(f"\r{self._path.name}: {rows:,} rows", end="", file=sys.stderr, flush=True)


async def crm_command(action: str, path: Path, settings: Settings) -> int:
    engine = make_engine(settings.database)
    try:
        await migrate(engine)
        if action == "export":
            count = await export_contacts(sessions(engine), path)
            print(f"{count:,} contacts written to {path}")
            return 0
        if not path.is_file():
            print(f"no such file: {path}", file=sys.stderr)
            return 1
        report = await import_contacts(sessions(engine), path, progress=_Progress(path))
        print(f"\r{path}: {report.added:,} added, {report.merged:,} merged into existing "
              f"contacts, {len(report.bad):,} bad rows", file=sys.stderr)
        for line, reason in report.bad[:100]:
            print(f"{path}:{line}: {reason}", file=sys.stderr)
        if len(report.bad) > 100:
            print(f"... and {len(report.bad) - 100:,} more bad rows", file=sys.stderr)
        return 0 if not report.bad else 3
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        await engine.dispose()
