"""The analytics pages show each figure's definition as its doc gives it: every text of
``contactcenter/web/pages/analytics_figures.py`` is a passage of the doc it names (with
the doc's Markdown taken out), so the pages and the docs cannot define a figure twice."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path

import pytest

from contactcenter.web.pages.analytics_figures import API_SOURCES, SOURCES

ROOT = Path(__file__).resolve().parents[2]


def _plain(text: str) -> str:
    """The doc's words: no backticks, bold or table bars, one space between words."""
    text = text.replace("`", "").replace("**", "").replace("|", " ")
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("doc", sorted(SOURCES))
def test_every_definition_is_the_doc_s_own(doc: str) -> None:
    words = _plain((ROOT / doc).read_text(encoding="utf-8"))
    for figure in SOURCES[doc]:
        assert _plain(figure.definition) in words, f"{figure.key}: not in {doc}"


@pytest.mark.parametrize("module", sorted(API_SOURCES))
def test_the_scores_definitions_are_their_api_document_s(module: str) -> None:
    """The run's figures are defined where their route documents them."""
    loaded = vars(importlib.import_module(module))
    words = _plain(" ".join(json.dumps(value, default=str) for name, value in loaded.items()
                            if name.startswith("_") and isinstance(value, dict)))
    for figure in API_SOURCES[module]:
        assert _plain(figure.definition) in words, f"{figure.key}: not in {module}"


def test_every_figure_of_the_call_history_has_a_definition() -> None:
    from contactcenter.web.analytics_routes import _HISTORY_COLUMNS, _PLAN_COLUMNS
    defined = {figure.key for figures in SOURCES.values() for figure in figures}
    assert set(_HISTORY_COLUMNS) - {"key", "start", "end"} <= defined
    assert set(_PLAN_COLUMNS) - {"start", "end"} <= defined
