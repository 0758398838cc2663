"""The CRM's first slice, on both engines: migrations, E.164 phones, caller lookup."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.customers import CustomerService
from crm_core.db import current_revision, migrate, migrate_down, sessions
from crm_core.models import Account, Contact, ContactPhone, Interaction
from crm_core.phones import InvalidPhoneNumber, to_e164
from crm_core.repositories import AccountRepository, ContactRepository, InteractionRepository


@pytest.mark.parametrize("written", ["+1 555 000 1001", "15550001001", "(555) 000-1001",
                                     "555.000.1001", "+1-555-000-1001"])
def test_every_way_of_writing_a_number_meets_in_e164(written: str) -> None:
    assert to_e164(written) == "+15550001001"


@pytest.mark.parametrize("bad", ["", "abc", "12", "anonymous"])
def test_what_is_not_a_phone_number_is_refused(bad: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        to_e164(bad)


async def test_migrations_bring_the_schema_to_head(fresh_engine: AsyncEngine) -> None:
    engine = fresh_engine
    from alembic.script import ScriptDirectory

    from crm_core.db import MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert await current_revision(engine) == ScriptDirectory.from_config(config).get_current_head()


async def test_every_migration_can_be_undone_and_done_again(
        fresh_engine: AsyncEngine) -> None:
    engine = fresh_engine
    await migrate_down(engine, "base")
    assert await current_revision(engine) is None
    await migrate(engine)
    await _seed(engine)


async def _seed(engine: AsyncEngine) -> int:
    async with sessions(engine)() as session, session.begin():
        account = await AccountRepository(session).add(Account(name="Lovelace Ltd",
                                                               segment="gold"))
        ada = await ContactRepository(session).add(Contact(
            first_name="Ada", last_name="Lovelace", account=account, vip=True, language="en",
            phones=[ContactPhone(e164=to_e164("+1 555 000 1001")),
                    ContactPhone(e164=to_e164("+44 20 7946 0001"), kind="work")]))
        interactions = InteractionRepository(session)
        start = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
        for day in range(12):
            await interactions.add(Interaction(
                call_id=f"call-{day}", contact_id=ada.id, caller="+15550001001",
                started_at=start + dt.timedelta(days=day), queue="support",
                outcome="answered"))
        return ada.id


async def test_a_caller_is_found_by_any_form_of_their_number(engine: AsyncEngine) -> None:
    ada_id = await _seed(engine)
    service = CustomerService(sessions(engine))
    for caller_id in ("+15550001001", "15550001001", "442079460001"):
        view = await service.by_phone(caller_id)
        assert view is not None and view.contact is not None
        assert view.contact["id"] == ada_id and view.contact["vip"] is True
    view = await service.by_phone("5550001001")
    assert view is not None and view.account is not None
    assert (view.account["name"], view.account["segment"]) == ("Lovelace Ltd", "gold")


async def test_recent_interactions_come_newest_first_and_bounded(engine: AsyncEngine) -> None:
    await _seed(engine)
    view = await CustomerService(sessions(engine)).by_phone("+15550001001", interactions=5)
    assert view is not None
    calls = [item["call_id"] for item in view.recent_interactions]
    assert calls == ["call-11", "call-10", "call-9", "call-8", "call-7"]


async def test_unknown_and_invalid_caller_ids_find_nobody(engine: AsyncEngine) -> None:
    await _seed(engine)
    service = CustomerService(sessions(engine))
    assert await service.by_phone("+15559999999") is None
    assert await service.by_phone("anonymous") is None


async def test_the_migrations_and_the_models_describe_the_same_schema(
        fresh_engine: AsyncEngine) -> None:
    engine = fresh_engine
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from crm_core.db import modelled
    from crm_core.models import Base

    def differences(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"include_object": modelled})
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []
