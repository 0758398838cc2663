"""The help page's "Talk to us" button (docs/web-calls.md): the web visitor's call from
the browser, when ``web_calls.help_target`` names a target. The button is the same
script a company's own site embeds (``/embed/talk.js``); the page's
Content-Security-Policy lets it reach Asterisk's SIP WebSocket."""

from __future__ import annotations

from aiohttp import web

from contactcenter.web.pages.render import Markup, escape
from contactcenter.web.softphone_routes import allow_softphone

#: (target, button label) of the help page's button; absent: no button
HELP_TARGET: web.AppKey[tuple[str, str]] = web.AppKey("help_talk_target")


def talk_button(request: web.Request) -> Markup:
    """The button's card, or nothing when the help page has no target."""
    chosen = request.app.get(HELP_TARGET)
    if chosen is None:
        return Markup("")
    target, label = chosen
    return Markup(
        '<section class="card talk" id="talk-to-us">'
        f"<h2>{escape(label)}</h2>"
        "<p>Talk with us from your browser now: all you need is a microphone.</p>"
        f'<script src="/assets/webcall.js" data-target="{escape(target)}" '
        f'data-label="{escape(label)}" data-mount="talk-to-us" defer></script>'
        "</section>")


def with_talk(request: web.Request, response: web.Response) -> web.Response:
    """The page may open the SIP WebSocket when it has the button."""
    return allow_softphone(request, response) if HELP_TARGET in request.app else response
