"""One settings object: defaults < the YAML file < ``CC_*`` environment variables.

Each part of the platform reads only its own section. Validation happens once,
at start, and a wrong value stops the start with the file, line and field.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationInfo, field_validator

from contactcenter.config.files import ConfigError, load_yaml, validate
from contactcenter.config.section import Section as _Section
from contactcenter.config.twilio_settings import TwilioSettings
from contactcenter.webcall.settings import WebCallSettings

Role = Literal["admin", "supervisor", "agent", "sales", "marketing", "manager"]


class AsteriskSettings(_Section):
    """Where and how the platform runs Asterisk."""

    host: str = "127.0.0.1"
    """Address every Asterisk listener binds to; loopback unless deployed."""
    sip_port: int = Field(5060, ge=1, le=65535)
    """UDP port of the PJSIP transport that callers and agent phones use."""
    ari_port: int = Field(8088, ge=1, le=65535)
    """HTTP port of ARI (REST and the events WebSocket)."""
    ami_port: int = Field(5038, ge=1, le=65535)
    """TCP port of the Asterisk Manager Interface."""
    rtp_port_start: int = Field(10000, ge=1024, le=65535)
    """First RTP port; load tests need more than a thousand."""
    rtp_port_end: int = Field(20000, ge=1024, le=65535)
    """Last RTP port."""
    app: str = "cc"
    """Name of the Stasis application the platform drives."""
    managed: bool = True
    """Start and stop Asterisk with ``contactcenter serve``."""
    runtime_dir: Path | None = None
    """Rendered config and run files; defaults to ``<state_dir>/asterisk``."""
    cache_dir: Path | None = None
    """Where the Asterisk root file system is cached; defaults to ~/.cache/contactcenter."""
    outbound_host: str | None = None
    """The SIP peer that customers are dialed through (a carrier or an SBC) for callbacks
    and click-to-talk; none: the platform places no outbound calls."""
    outbound_port: int = Field(5060, ge=1, le=65535)
    """Its SIP port (UDP)."""
    webrtc_url: str | None = None
    """Where browsers reach Asterisk's SIP WebSocket for the agent desktop's phone;
    ``ws://<host>:<ari_port>/ws`` when unset. Beyond loopback: a ``wss://`` URL, served
    by Asterisk's HTTPS or a proxy in front of it (docs/operations.md)."""


class AgentSettings(_Section):
    """A SIP endpoint that an agent's phone registers as."""

    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    """The SIP user name, e.g. ``agent101``."""
    name: str = ""
    """The agent's display name."""
    sip_password: str = Field(min_length=8)
    """The phone's SIP password."""


class UserSettings(_Section):
    """A person who signs in to the web pages and the API."""

    username: str = Field(min_length=1)
    password: str = Field(min_length=8)
    role: Role
    agent: str | None = None
    """The agent endpoint this user works as (for role ``agent``)."""
    queues: list[str] | None = None
    """For a supervisor: the queues they oversee (boards, stream, monitoring); none: all."""


class DirectoryEntry(_Section):
    """A record of the small in-memory directory the IVR data dip reads."""

    kind: Literal["caller", "account"]
    key: str
    data: dict[str, str]


class IvrSettings(_Section):
    """Menus and the numbers that reach them."""

    dir: Path = Path("config/ivr")
    """Folder of menu files, one flow per file, named after the file."""
    numbers: dict[str, str] = Field(default_factory=lambda: {"5000": "main"})
    """Dialed number -> flow name."""
    directory: list[DirectoryEntry] = Field(default_factory=list)
    """Caller and account data for the IVR's lookups until the CRM serves them."""


class AcdSettings(_Section):
    """Where the queues and the agents' skills and tiers are (the ACD's config)."""

    queues: Path = Path("config/queues.yaml")
    agents: Path = Path("config/agents.yaml")
    voicemail: Path = Path("config/voicemail.yaml")
    """The mailboxes, their age limits and the messages' dispositions (docs/voicemail.md);
    a missing file: a box per queue and per agent, 4 hours, the default codes."""


class ScriptSettings(_Section):
    """Where the agents' call scripts are."""

    dir: Path = Path("config/scripts")
    """Folder of call scripts, one per file, named after the file."""


class DialerSettings(_Section):
    """Rules for every call the platform places (click-to-talk, callbacks, campaigns)."""

    calling_hours: tuple[dt.time, dt.time] = (dt.time(8, 0), dt.time(21, 0))
    """From and until when (the callee's local time) a person may be called: the US TCPA's
    8:00 to 21:00 unless your rules say otherwise, e.g. ["09:00", "20:00"]."""

    campaigns: Path | None = None
    """The outbound campaigns file (``config/campaigns.yaml``), checked at start."""

    national_do_not_call: Path | None = None
    """The national do-not-call registry as a file (one number a line, or the registry's
    CSV with a ``phone`` column): no campaign dials a number on it."""

    @field_validator("calling_hours")
    @classmethod
    def _ordered(cls, hours: tuple[dt.time, dt.time]) -> tuple[dt.time, dt.time]:
        if hours[0] >= hours[1]:
            raise ValueError("the calling hours must start before they end")
        return hours


class CrmSettings(_Section):
    """The CRM's analytics that run on their own."""

    rfm_interval_hours: float = Field(24.0, ge=0)
    """Hours between recomputes of every contact's RFM scores (docs/rfm.md); 0 turns the
    schedule off (``POST /api/v1/rfm/recompute`` still runs one)."""

    scores_interval_hours: float = Field(24.0, ge=0)
    """Hours between recomputes of every customer's lifetime value and churn scores
    (docs/analytics-churn.md); 0 turns the schedule off (``POST /api/v1/scores/recompute``
    still runs one)."""


class RecordingSettings(_Section):
    """Calls recorded by the queues that record (docs/recordings.md)."""

    retention_days: int = Field(0, ge=0, le=36500)
    """Days a recording is kept; older ones are deleted every hour (and by
    ``contactcenter recordings purge``). 0 keeps them for ever."""
    dir: Path | None = None
    """The folder Asterisk writes recordings to, as this host sees it; defaults to the
    managed Asterisk's ``spool/recording``."""


class Settings(_Section):
    """Everything ``contactcenter serve`` needs."""

    http_host: str = "127.0.0.1"
    http_port: int = Field(8080, ge=1, le=65535)
    allowed_origins: list[str] = Field(default_factory=list)
    """Origins (``scheme://host[:port]``) besides the one a request came in on whose pages
    may open the events WebSocket: the public address of a proxy in front of the platform,
    e.g. ["https://cc.example.com"]. ``CC_ALLOWED_ORIGINS`` takes them comma-separated."""
    trusted_proxies: list[str] = Field(default_factory=list)
    """Addresses or networks (``10.0.0.5``, ``10.0.0.0/8``) of the proxies in front of the
    platform whose ``X-Forwarded-For`` names the client (``contactcenter.web.proxies``):
    the limits per client address then count each client, not the proxy. None: every
    request's own address. ``CC_TRUSTED_PROXIES`` takes them comma-separated."""
    state_dir: Path = Path("var")
    """Run-time state: the call journal, secrets, the Asterisk runtime folder."""
    database_url: str | None = None
    """The CRM's database; SQLite in ``<state_dir>/cc.db`` unless set."""
    redis_url: str | None = None
    time_zone: str = "UTC"
    """The contact center's IANA time zone (``America/New_York``, ``Europe/Berlin``): where
    the call history's days, weeks and hours start (docs/call-history.md)."""
    asterisk: AsteriskSettings = Field(default_factory=AsteriskSettings)
    ivr: IvrSettings = Field(default_factory=IvrSettings)
    acd: AcdSettings = Field(default_factory=AcdSettings)
    dialer: DialerSettings = Field(default_factory=DialerSettings)
    scripts: ScriptSettings = Field(default_factory=ScriptSettings)
    crm: CrmSettings = Field(default_factory=CrmSettings)
    recordings: RecordingSettings = Field(default_factory=RecordingSettings)
    agents: list[AgentSettings] = Field(default_factory=list)
    users: list[UserSettings] = Field(default_factory=list)
    web_calls: WebCallSettings | None = None
    """Web visitors' voice calls from their browser (docs/web-calls.md); none: off."""
    twilio: TwilioSettings | None = None
    """The Twilio driver's settings; needed when ``driver`` is ``twilio``. Beside
    ``driver: asterisk``, its ``numbers`` run on Twilio and every other on Asterisk."""
    driver: Literal["asterisk", "twilio"] = "asterisk"
    """The default engine: Asterisk (run or reached as ``asterisk`` says), or Twilio alone
    (``twilio``). Declared after ``twilio``, which its check reads."""
    config_path: Path | None = None
    """The file these settings came from; relative paths inside are relative to its folder's parent."""

    @field_validator("users")
    @classmethod
    def _unique_users(cls, users: list[UserSettings]) -> list[UserSettings]:
        names = [user.username for user in users]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"duplicate username {duplicates[0]!r}")
        return users

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, name: str) -> str:
        try:  # the zone's rules come from the system's tz database, or the tzdata package
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"{name!r} is not an IANA time zone (such as Europe/Berlin "
                             "or America/New_York)") from None
        return name

    @field_validator("driver")
    @classmethod
    def _driver_configured(cls, driver: str, info: ValidationInfo) -> str:
        if driver == "twilio" and info.data.get("twilio") is None:
            raise ValueError("the twilio driver needs a twilio section")
        return driver

    @field_validator("allowed_origins", "trusted_proxies", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):  # from the environment: comma-separated
            return [part for part in value.split(",") if part.strip()]
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            parts = urlsplit(origin.strip())
            parts.port  # noqa: B018 (raises ValueError for a port out of range)
            if (parts.scheme not in ("http", "https") or not parts.hostname
                    or parts.path.strip("/") or parts.query or parts.fragment):
                raise ValueError(f"{origin!r} is not an origin: scheme://host[:port], "
                                 "e.g. https://cc.example.com")
        return [origin.strip().rstrip("/") for origin in origins]

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:  # (contactcenter.web.proxies reads them)
            try:
                ipaddress.ip_network(proxy.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{proxy!r} is not an address or a network (e.g. "
                                 "10.0.0.5 or 10.0.0.0/8)") from None
        return [proxy.strip() for proxy in proxies]

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.state_dir / 'cc.db'}"

    @property
    def asterisk_runtime_dir(self) -> Path:
        return self.asterisk.runtime_dir or self.state_dir / "asterisk"

    @property
    def asterisk_cache_dir(self) -> Path:
        return self.asterisk.cache_dir or Path.home() / ".cache" / "contactcenter"

    def resolve(self, path: Path) -> Path:
        """A path from the config, relative to the project root the file lives in."""
        if path.is_absolute() or self.config_path is None:
            return path
        return self.config_path.resolve().parent.parent / path


#: environment variable -> key path in the settings
ENVIRONMENT: Mapping[str, tuple[str, ...]] = {
    "CC_HTTP_HOST": ("http_host",),
    "CC_HTTP_PORT": ("http_port",),
    "CC_ALLOWED_ORIGINS": ("allowed_origins",),
    "CC_TRUSTED_PROXIES": ("trusted_proxies",),
    "CC_STATE_DIR": ("state_dir",),
    "CC_DATABASE_URL": ("database_url",),
    "CC_REDIS_URL": ("redis_url",),
    "CC_TIME_ZONE": ("time_zone",),
    "CC_DRIVER": ("driver",),
    "CC_CRM_RFM_INTERVAL_HOURS": ("crm", "rfm_interval_hours"),
    "CC_CRM_SCORES_INTERVAL_HOURS": ("crm", "scores_interval_hours"),
    "CC_RECORDINGS_RETENTION_DAYS": ("recordings", "retention_days"),
    "CC_RECORDINGS_DIR": ("recordings", "dir"),
    "CC_SIP_PORT": ("asterisk", "sip_port"),
    "CC_ARI_PORT": ("asterisk", "ari_port"),
    "CC_AMI_PORT": ("asterisk", "ami_port"),
    "CC_ASTERISK_HOST": ("asterisk", "host"),
    "CC_ASTERISK_RTP_START": ("asterisk", "rtp_port_start"),
    "CC_ASTERISK_RTP_END": ("asterisk", "rtp_port_end"),
    "CC_ASTERISK_MANAGED": ("asterisk", "managed"),
    "CC_ASTERISK_RUNTIME_DIR": ("asterisk", "runtime_dir"),
    "CC_ASTERISK_CACHE_DIR": ("asterisk", "cache_dir"),
    "CC_ASTERISK_APP": ("asterisk", "app"),
    "CC_ASTERISK_OUTBOUND_HOST": ("asterisk", "outbound_host"),
    "CC_ASTERISK_OUTBOUND_PORT": ("asterisk", "outbound_port"),
    "CC_ASTERISK_WEBRTC_URL": ("asterisk", "webrtc_url"),
}


def _apply_environment(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    for name, key_path in ENVIRONMENT.items():
        if name not in environ:
            continue
        target = data
        for key in key_path[:-1]:
            target = target.setdefault(key, {})
            if not isinstance(target, dict):
                raise ConfigError(name, None, ".".join(key_path), "is not a section")
        target[key_path[-1]] = environ[name]
    return data


def load_settings(path: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    """Defaults, then the YAML file (if any), then the environment."""
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    lines: dict[tuple[str | int, ...], int] = {}
    if path is not None:
        loaded, lines = load_yaml(path, environ)
        if loaded is not None and not isinstance(loaded, dict):
            raise ConfigError(path, 1, "", "expected a mapping at the top level")
        data = dict(loaded or {})
    data = _apply_environment(data, environ)
    data["config_path"] = path
    try:
        return validate(Settings, data, path=path or Path("<environment>"), lines=lines)
    except ConfigError as error:
        for name, key_path in ENVIRONMENT.items():
            if name in environ and ".".join(key_path) == error.field:
                raise ConfigError(f"environment variable {name}", None, error.field,
                                  f"{error.reason} (got {environ[name]!r})") from error
        raise
