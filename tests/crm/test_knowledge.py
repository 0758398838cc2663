"""Knowledge-base search on SQLite (FTS5) and PostgreSQL (tsvector)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from crm_core.db import sessions
from crm_core.knowledge import (
    MARK_END,
    MARK_START,
    create_article,
    get_article,
    search,
    update_article,
)
from crm_core.models import Article

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
ARTICLES = {
    "password": ("Reset your password", "account, login",
                 "Open Settings, choose Security, then Reset password. A link arrives by e-mail."),
    "billing": ("Change your billing address", "billing",
                "Billing addresses change under Account. The new one applies to the next invoice."),
    "router": ("Router keeps rebooting", "hardware",
               "Unplug the router for thirty seconds. If it still reboots, reset it to factory."),
}


@pytest.fixture
async def ids(engine: AsyncEngine) -> dict[str, int]:
    made = {name: await create_article(sessions(engine), title=title, tags=tags, body=body,
                                       now=NOW)
            for name, (title, tags, body) in ARTICLES.items()}
    made["draft"] = await create_article(
        sessions(engine), title="Password rules (draft)", body="Passwords need twelve letters.",
        now=NOW, published=False)
    return made


async def test_a_word_finds_its_other_forms(engine: AsyncEngine, ids: dict[str, int]) -> None:
    hits = await search(sessions(engine), "passwords")
    assert [hit.id for hit in hits] == [ids["password"]]  # the draft is not published
    assert hits[0].title == "Reset your password"
    assert f"{MARK_START}password{MARK_END}" in hits[0].snippet


async def test_articles_with_more_of_the_words_rank_first(
        engine: AsyncEngine, ids: dict[str, int]) -> None:
    hits = await search(sessions(engine), "reset password")
    assert [hit.id for hit in hits] == [ids["password"], ids["router"]]
    assert hits[0].rank > hits[1].rank
    assert [hit.id for hit in await search(sessions(engine), "reset", limit=1)] == [
        ids["password"]]  # in its title, not only its body


@pytest.mark.parametrize("typed", [
    '"password', "password*", "-password", "password AND", "(password", "password)",
    "NEAR(password", "title:password", "^password", "password''", "password; --"])
async def test_query_syntax_in_what_a_user_types_is_just_words(
        engine: AsyncEngine, ids: dict[str, int], typed: str) -> None:
    hits = await search(sessions(engine), typed)
    assert [hit.id for hit in hits][:1] == [ids["password"]]


@pytest.mark.parametrize("typed", ["", "   ", '"" * - ( ) : ^'])
async def test_no_words_find_nothing(engine: AsyncEngine, ids: dict[str, int],
                                     typed: str) -> None:
    assert await search(sessions(engine), typed) == []


async def test_sql_in_a_query_is_searched_for_not_run(
        engine: AsyncEngine, ids: dict[str, int]) -> None:
    assert await search(sessions(engine), "x'); DROP TABLE kb_articles; --") == []
    async with sessions(engine)() as session:
        assert await session.scalar(select(func.count(Article.id))) == 4


async def test_an_update_is_searchable_at_once(engine: AsyncEngine, ids: dict[str, int]) -> None:
    later = NOW + dt.timedelta(hours=2)
    await update_article(sessions(engine), ids["router"], now=later,
                         title="Modem keeps restarting",
                         body="Unplug the modem for thirty seconds.")
    assert await search(sessions(engine), "router") == []
    assert [hit.id for hit in await search(sessions(engine), "modems")] == [ids["router"]]
    article = await get_article(sessions(engine), ids["router"])
    assert article.tags == "hardware"  # what was not given stays as it was
    assert article.updated_at is not None
    assert article.updated_at.replace(tzinfo=dt.UTC) == later
    await update_article(sessions(engine), ids["draft"], now=later, published=True)
    assert ids["draft"] in [hit.id for hit in await search(sessions(engine), "password")]
    await update_article(sessions(engine), ids["password"], now=later, published=False)
    assert ids["password"] not in [hit.id for hit in await search(sessions(engine), "password")]


async def test_bad_articles_are_refused_with_the_field(engine: AsyncEngine) -> None:
    with pytest.raises(ValueError, match="title"):
        await create_article(sessions(engine), title="  ", body="x", now=NOW)
    with pytest.raises(ValueError, match="tags"):
        await create_article(sessions(engine), title="T", body="x", tags="t" * 201, now=NOW)
    with pytest.raises(LookupError, match="no article 99"):
        await update_article(sessions(engine), 99, now=NOW, title="T")
