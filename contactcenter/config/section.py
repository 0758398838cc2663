"""The base of every settings section: an unknown key is refused (a typo must not pass
for a default), and a loaded value is never changed behind the platform's back."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
