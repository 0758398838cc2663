"""``contactcenter db migrate|seed``."""

from __future__ import annotations

from contactcenter.settings import Settings
from crm_core.db import current_revision, make_engine, migrate, sessions
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
