"""The ``web_calls`` section: which targets a web visitor may call, from which sites.

```yaml
web_calls:
  targets:
    sales: {queue: sales}          # straight into a queue
    help: {flow: main}             # into an IVR flow
  help_target: help                # the /help page's "Talk to us" button
  allowed_origins: [https://www.example.com]   # sites that embed /embed/talk.js
  grant_seconds: 120               # a credential unused this long is taken back
  grants_per_address: 10           # grants per client address per window
  window_seconds: 600
  max_live_grants: 500             # grants not yet called with, all addresses together
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator, model_validator

from contactcenter.config.files import ConfigError, load_yaml
from contactcenter.config.section import Section as _Section

#: a target's name is its dialplan extension (``web-<name>``) and its context's name
TARGET_NAME = r"^[a-z0-9][a-z0-9_]{0,23}$"


class WebTarget(_Section):
    """Where a web visitor's call goes: an IVR flow or a queue (one of the two)."""

    flow: str | None = None
    """An IVR flow of ``ivr.dir``, as if the visitor had dialed one of its numbers."""
    queue: str | None = None
    """A queue of ``acd.queues``: the visitor waits for its agents at once."""
    label: str = Field("Talk to us", min_length=1, max_length=60)
    """The button's text."""

    @model_validator(mode="after")
    def _one_destination(self) -> WebTarget:
        if (self.flow is None) == (self.queue is None):
            raise ValueError("give either flow or queue (exactly one)")
        return self


class WebCallSettings(_Section):
    """Web visitors' voice calls (docs/web-calls.md)."""

    targets: dict[str, WebTarget] = Field(min_length=1)
    """What a page may call, by name; nothing else is reachable with a grant."""
    help_target: str | None = None
    """The target of the help page's button; none: no button on /help."""
    allowed_origins: list[str] = Field(default_factory=list)
    """Sites (``scheme://host[:port]``) whose pages may ask for a grant from the browser
    (CORS); the platform's own pages always may."""
    grant_seconds: int = Field(120, ge=10, le=900)
    """How long a grant's credential may wait for its call; then it is taken back."""
    grants_per_address: int = Field(10, ge=1, le=10_000)
    """Grants one client address gets within ``window_seconds``; more get 429."""
    window_seconds: int = Field(600, ge=1, le=86_400)
    max_live_grants: int = Field(500, ge=1, le=100_000)
    """Grants not yet called with, from all addresses together: each is an endpoint in
    Asterisk's memory, so a flood from many addresses gets 503 past this many."""

    @field_validator("targets")
    @classmethod
    def _names(cls, targets: dict[str, WebTarget]) -> dict[str, WebTarget]:
        import re

        for name in targets:
            if not re.match(TARGET_NAME, name):
                raise ValueError(f"target name {name!r}: lower-case letters, digits and _ "
                                 "(at most 24), starting with a letter or digit")
        return targets

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        from contactcenter.web.origins import parse_origin

        for origin in origins:
            if parse_origin(origin) is None:
                raise ValueError(f"{origin!r} is not an origin: scheme://host[:port], e.g. "
                                 "https://www.example.com")
        return [origin.strip().rstrip("/") for origin in origins]

    @model_validator(mode="after")
    def _help_target(self) -> WebCallSettings:
        if self.help_target is not None and self.help_target not in self.targets:
            raise ValueError(f"help_target: no target named {self.help_target!r}")
        return self


def check_targets(web: WebCallSettings, config_path: Path | None, flows: set[str],
                  queues: set[str]) -> None:
    """Every target names a flow or queue that exists (ConfigError with file, line and
    field otherwise)."""
    for name, target in web.targets.items():
        kind, value, have = (("flow", target.flow, flows) if target.flow is not None
                             else ("queue", target.queue, queues))
        if value not in have:
            key = ("web_calls", "targets", name, kind)
            raise ConfigError(config_path or "<settings>", _line(config_path, key),
                              ".".join(key), f"no {kind} named {value!r} (have: "
                              f"{', '.join(sorted(have)) or 'none'})")


def _line(path: Path | None, key: tuple[str, ...]) -> int | None:
    if path is None:
        return None
    try:
        _, lines = load_yaml(path)
    except (OSError, ConfigError):
        return None
    found: Any = lines.get(key)
    return found if isinstance(found, int) else None
