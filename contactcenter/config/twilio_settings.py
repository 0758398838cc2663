"""The settings' ``twilio`` section (docs/twilio.md), apart from the rest of the settings."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from contactcenter.config.section import Section


class TwilioSettings(Section):
    """The Twilio driver (docs/twilio.md): where Twilio reaches the platform, the account,
    and how fast calls may be placed. Its secrets are not here: they come from
    ``credentials_file`` or the ``CC_TWILIO_*`` environment."""

    public_url: str
    """The platform's address as Twilio reaches it (a proxy or tunnel in front),
    ``scheme://host[:port][/prefix]``: webhook signatures are checked against it."""
    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$")
    """The account (``AC`` and 32 hex digits); the credentials must be of the same one."""
    credentials_file: Path | None = None
    """A JSON file (owner-only, mode 0600) with ``auth_token`` or ``api_key`` and
    ``api_secret``; none: ``CC_TWILIO_CREDENTIALS_FILE`` or the ``CC_TWILIO_*`` variables."""
    numbers: list[str] = Field(min_length=1)
    """The numbers whose Voice URL is ``{public_url}/twilio/voice``, as Twilio gives them
    in ``To`` (E.164, e.g. ``"+15550005000"``); each must have a flow in ``ivr.numbers``."""
    from_number: str | None = None
    """The caller id of calls the platform places when none is named; the first number."""
    calls_per_second: float = Field(1.0, gt=0, le=100)
    """Calls created per second at most: the account's CPS (Twilio's default is 1)."""
    answer_within: float = Field(2.0, gt=0, le=10)
    """Seconds a webhook waits for the call's next document; well within Twilio's 15."""
    hold_within: float | None = Field(None, gt=0, le=60)
    """Seconds a command waits for its call's SID from Twilio before the call is reported
    failed; none: ``answer_within`` + 5."""
    sounds_url: str = ""
    """Where Twilio fetches prompts: ``sound:x`` is ``{sounds_url}/{language}/x.wav``."""
    recordings_url: str = ""
    """Where recordings played back live: ``recording:x`` is ``{recordings_url}/x.wav``."""
    agent_uri: str = "client:{endpoint}"
    """How an agent's endpoint is dialed: ``client:{endpoint}`` (Voice SDK) or a SIP URI."""
    api_base: str = "https://api.twilio.com"
    """Twilio's REST API; only tests point it elsewhere."""

    @field_validator("public_url", "api_base")
    @classmethod
    def _base_url(cls, url: str) -> str:
        parts = urlsplit(url.strip())
        try:
            parts.port  # noqa: B018 (raises ValueError for a port out of range)
        except ValueError:
            raise ValueError(f"{url!r} has a port out of range") from None
        if (parts.scheme not in ("http", "https") or not parts.hostname
                or parts.query or parts.fragment):
            raise ValueError(f"{url!r} is not a base URL: scheme://host[:port][/prefix], "
                             "e.g. https://cc.example.com")
        return url.strip().rstrip("/")

    @field_validator("numbers")
    @classmethod
    def _unique_numbers(cls, numbers: list[str]) -> list[str]:
        if len(set(numbers)) != len(numbers):
            raise ValueError("a number is listed twice")
        return numbers
