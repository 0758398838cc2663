"""The pages' server side without a browser: escaping, the page data block, the help
centre's rate limit and its search snippets."""

from __future__ import annotations

import json
import re

from contactcenter.web.pages.render import Markup, escape, fill, join, page, page_data, tag
from contactcenter.web.pages.selfservice import RateLimit, _marked


def test_every_value_is_escaped_unless_it_is_markup_made_from_escaped_parts() -> None:
    assert escape('<script>"&\'') == "&lt;script&gt;&quot;&amp;&#x27;"
    made = tag("a", "<b>", href='/x?a=1&b="2"') + "<i>"
    assert isinstance(made, Markup)
    assert made == '<a href="/x?a=1&amp;b=&quot;2&quot;">&lt;b&gt;</a>&lt;i&gt;'
    assert "<i>" + tag("b", "x") == "&lt;i&gt;<b>x</b>"
    assert join(["<a>", tag("b", "c")], ", ") == "&lt;a&gt;, <b>c</b>"
    assert tag("input", required=True, disabled=False, value=None) == "<input required>"
    shown = fill("help_error.html", message="<script>alert(1)</script>")
    assert "<script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown


def test_the_page_data_cannot_close_its_script_block() -> None:
    block = page_data({"name": "</script><script>alert(1)</script>", "amp": "a&b"})
    inner = re.fullmatch(r'<script type="application/json" id="page-data">(.*)</script>',
                         block)
    assert inner is not None and "<" not in inner[1] and "&" not in inner[1]
    assert json.loads(inner[1]) == {"name": "</script><script>alert(1)</script>",
                                    "amp": "a&b"}


def test_pages_forbid_inline_scripts_and_framing() -> None:
    response = page(title="<t>", body_class="x", main=Markup("<p>hi</p>"), script="agent.js")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.text is not None
    assert "<title>&lt;t&gt; · Contact center</title>" in response.text
    assert '<script type="module" src="/assets/agent.js"></script>' in response.text


def test_the_rate_limit_counts_a_sliding_window_per_address() -> None:
    limit = RateLimit(count=2, window=10, max_clients=3)
    assert limit.allow("a", 0) and limit.allow("a", 1)
    assert not limit.allow("a", 2)
    assert limit.allow("b", 2)  # another address has its own count
    assert limit.allow("a", 10.5)  # the first request left the window
    for client in "cdef":  # many addresses: the idle ones are forgotten, memory stays bounded
        limit.allow(client, 100)
    assert len(limit._seen) <= 4


def test_search_snippets_mark_the_words_found_and_escape_the_rest() -> None:
    assert _marked("the **delivery** <b>date</b>") == (
        "the <mark>delivery</mark> &lt;b&gt;date&lt;/b&gt;")
