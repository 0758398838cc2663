"""The knowledge base: articles, and a ranked search of the published ones.

Search runs in the database's own full-text engine, set up by migration 0002:
FTS5 on SQLite (``kb_articles_fts``, kept current by triggers, Porter stemming)
and the generated ``kb_articles.search`` tsvector on PostgreSQL (English
stemming, GIN index). Both stem, so "passwords" finds "Reset your password";
both weigh the title above the tags and the tags above the body.

What a user types is never query syntax: it is cut into words, and each word is
quoted, so quotes, ``*``, ``-``, parentheses, ``AND``, ``OR`` or ``NEAR`` are
searched for as plain words and cannot break the query. An article matches when
it has any of the words; those with more of them, and in the title, rank first.
(PostgreSQL drops English stop words such as "the"; FTS5 keeps them, where they
weigh little, being in nearly every article.)
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from crm_core.models import Article

#: how a snippet marks the words that matched (plain text: safe to show anywhere)
MARK_START, MARK_END = "**", "**"
#: words of a query beyond this many are ignored (a pasted page is not a question)
MAX_TERMS = 32
_WORD = re.compile(r"\w+")

# bm25's column weights follow the PostgreSQL setweight A, B, C of title, tags, body
_SQLITE_SEARCH = text(
    "SELECT a.id, a.title, "
    "snippet(kb_articles_fts, 2, :mark_start, :mark_end, '…', 16) AS snippet, "
    "-bm25(kb_articles_fts, 10.0, 4.0, 1.0) AS rank "
    "FROM kb_articles_fts JOIN kb_articles AS a ON a.id = kb_articles_fts.rowid "
    "WHERE kb_articles_fts MATCH :query AND a.published "
    "ORDER BY rank DESC, a.id LIMIT :limit")
_POSTGRES_SEARCH = text(
    "SELECT a.id, a.title, ts_headline('english', a.body, q.query, :options) AS snippet, "
    "ts_rank(a.search, q.query) AS rank "
    "FROM kb_articles AS a, websearch_to_tsquery('english', :query) AS q(query) "
    "WHERE a.search @@ q.query AND a.published "
    "ORDER BY rank DESC, a.id LIMIT :limit")
# about as long as FTS5's 16-token snippet: the best-matching stretch of the body
_HEADLINE = f'StartSel="{MARK_START}", StopSel="{MARK_END}", MaxWords=16, MinWords=8, MaxFragments=1'



@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """One article found: its title, a piece of its body with the words marked, its rank."""

    id: int
    title: str
    snippet: str
    #: higher is better; comparable only within one search
    rank: float


def terms(query: str) -> list[str]:
    """The words of what a user typed; nothing of it is kept as syntax."""
    return _WORD.findall(query)[:MAX_TERMS]


def fts5_query(words: list[str]) -> str:
    """An FTS5 query matching any of the words, each a quoted string (never an operator)."""
    return " OR ".join('"' + word.replace('"', '""') + '"' for word in words)


def websearch_query(words: list[str]) -> str:
    """The same for ``websearch_to_tsquery``: quoted words (``terms`` holds no quote)
    joined by its ``or``."""
    return " or ".join(f'"{word}"' for word in words)


async def search(sessions: async_sessionmaker[AsyncSession], query: str,
                 limit: int = 10) -> list[Hit]:
    """The published articles that best match ``query``, best first; none for no words."""
    words = terms(query)
    if not words or limit <= 0:
        return []
    async with sessions() as session:
        if session.get_bind().dialect.name == "postgresql":
            rows = await session.execute(_POSTGRES_SEARCH, {
                "query": websearch_query(words), "options": _HEADLINE, "limit": limit})
        else:
            rows = await session.execute(_SQLITE_SEARCH, {
                "query": fts5_query(words), "mark_start": MARK_START, "mark_end": MARK_END,
                "limit": limit})
        return [Hit(id=row.id, title=row.title, snippet=row.snippet, rank=float(row.rank))
                for row in rows]


def _check(title: str | None, tags: str | None) -> None:
    if title is not None and not title.strip():
        raise ValueError("title: an article needs a title")
    for name, value in (("title", title), ("tags", tags)):
        if value is not None and len(value) > 200:
            raise ValueError(f"{name}: longer than 200 characters")


async def create_article(sessions: async_sessionmaker[AsyncSession], *, title: str, body: str,
                         now: dt.datetime, tags: str | None = None,
                         published: bool = True) -> int:
    """Add an article (searchable at once: the database indexes it); return its id."""
    _check(title, tags)
    async with sessions() as session, session.begin():
        article = Article(title=title.strip(), body=body, tags=tags, published=published,
                          created_at=now.astimezone(dt.UTC))
        session.add(article)
        await session.flush()
        return article.id


async def update_article(sessions: async_sessionmaker[AsyncSession], article_id: int, *,
                         now: dt.datetime, title: str | None = None, body: str | None = None,
                         tags: str | None = None, published: bool | None = None) -> None:
    """Change what is given (None leaves a field as it is); LookupError for no such article."""
    _check(title, tags)
    changes = {name: value for name, value in (
        ("title", title.strip() if title is not None else None), ("body", body),
        ("tags", tags), ("published", published)) if value is not None}
    async with sessions() as session, session.begin():
        article = await _article(session, article_id)
        for name, value in changes.items():
            setattr(article, name, value)
        article.updated_at = now.astimezone(dt.UTC)


async def get_article(sessions: async_sessionmaker[AsyncSession], article_id: int) -> Article:
    """The article, published or not; LookupError for no such article."""
    async with sessions() as session:
        return await _article(session, article_id)


async def _article(session: AsyncSession, article_id: int) -> Article:
    article = await session.get(Article, article_id)
    if article is None:
        raise LookupError(f"no article {article_id}")
    return article
