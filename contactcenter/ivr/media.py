"""Prompt media and ``{variable}`` templates.

A prompt item is an Asterisk media URI (``sound:``, ``digits:``, ``number:``,
``recording:``, ``tone:``, as in the ARI ``/channels/{id}/play`` docs); a bare
name is a stock sound, because that is what flow authors write most. Items may
name call variables, ``digits:{account}``; an item whose value renders empty
is dropped rather than sent, since Asterisk fails the whole playback on it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: media URI schemes Asterisk plays (ARI "media" parameter)
SCHEMES = frozenset({"sound", "digits", "number", "recording", "tone"})

_VARIABLE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def media_uri(item: str) -> str:
    """Normalize one prompt item to a media URI; ValueError names what is wrong."""
    item = item.strip()
    scheme, sep, value = item.partition(":")
    if not sep:
        if not item or any(ch.isspace() for ch in item):
            raise ValueError(f"not a sound name: {item!r}")
        return f"sound:{item}"
    if scheme not in SCHEMES:
        raise ValueError(f"unknown media {scheme!r}: use one of {', '.join(sorted(SCHEMES))}")
    if not value:
        raise ValueError(f"{scheme}: needs a value, e.g. {scheme}:{{variable}}")
    return item


def variables_in(template: str) -> list[str]:
    """The variable names a template refers to."""
    return _VARIABLE.findall(template)


def render_text(template: str, variables: Mapping[str, str]) -> str:
    """Substitute ``{name}`` with the call variable; an unset variable renders empty."""
    if "{" not in template:
        return template
    return _VARIABLE.sub(lambda match: variables.get(match.group(1), ""), template)


def render_prompt(prompt: tuple[str, ...], variables: Mapping[str, str]) -> tuple[str, ...]:
    """The media to play now; items whose value rendered empty are left out."""
    out: list[str] = []
    for item in prompt:
        if "{" in item:
            item = render_text(item, variables)
            if item.endswith(":"):
                continue
        out.append(item)
    return tuple(out)
