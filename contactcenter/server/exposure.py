"""No published password beyond loopback.

The demo's passwords are in the repository (``config/demo.yaml``, the README), so
anyone can read them: on loopback that harms nobody, but a listener on another address
would let the whole network sign in as the admin or register as an agent's phone.
``contactcenter serve`` therefore refuses to start when any listener leaves loopback
while any secret of the settings is one of those published values, and names each
field to change. ARI and AMI are not checked: every render makes fresh secrets for them
(``telephony/asterisk/render.py``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from contactcenter.config.files import ConfigError
from contactcenter.config.settings import Settings
from crm_core.users import UserRecord, verify_password

#: every user of config/demo.yaml and the password it publishes
DEMO_USER_PASSWORDS: dict[str, str] = {
    "admin": "demo-admin-pass",
    "supervisor": "demo-supervisor-pass",
    "manager": "demo-manager-pass",
    **{f"agent{n}": f"demo-agent{n}-pass" for n in range(101, 111)},
}

#: every secret value a shipped config holds (a test reads config/ to keep this whole)
PUBLISHED_SECRETS: frozenset[str] = frozenset({
    *DEMO_USER_PASSWORDS.values(),
    *(f"demo-sip-{n}-pass" for n in range(101, 111)),
    "demo-sip-sup-pass",
})

ASTERISK_LISTENERS = "SIP over UDP, the SIP WebSocket, ARI, AMI, RTP"


class ExposureError(ConfigError):
    """A listener beyond loopback with published secrets: the start is refused."""


@dataclass(frozen=True, slots=True)
class Listener:
    """A setting that decides where something listens."""

    field: str
    host: str
    serves: str


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable from this machine only; a name other than
    ``localhost`` is not, since nothing says where it resolves to."""
    name = host.strip().strip("[]").rstrip(".").lower()
    if name == "localhost":
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False  # "" (every address in aiohttp) and host names
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def exposed_listeners(settings: Settings) -> list[Listener]:
    """The listeners that bind beyond loopback (Asterisk binds all of its to one host)."""
    listeners = [Listener("http_host", settings.http_host, "HTTP"),
                 Listener("asterisk.host", settings.asterisk.host, ASTERISK_LISTENERS)]
    return [listener for listener in listeners if not is_loopback(listener.host)]


def demo_secret_fields(settings: Settings) -> list[str]:
    """Every secret of the settings that has a published value, named with its owner."""
    fields = [f"users[{index}].password ({user.username})"
              for index, user in enumerate(settings.users)
              if user.password in PUBLISHED_SECRETS]
    fields += [f"agents[{index}].sip_password ({agent.id})"
               for index, agent in enumerate(settings.agents)
               if agent.sip_password in PUBLISHED_SECRETS]
    return fields


def refuse_exposed_demo_secrets(settings: Settings, *, asterisk_only: bool = False) -> None:
    """Raise ExposureError if a listener leaves loopback while a published secret is set.

    ``asterisk_only``: for Asterisk started or rendered alone, whose listeners carry the
    phones' SIP passwords but not the users' ones.
    """
    listeners = exposed_listeners(settings)
    fields = demo_secret_fields(settings)
    if asterisk_only:
        listeners = [listener for listener in listeners if listener.field == "asterisk.host"]
        fields = [field for field in fields if field.startswith("agents[")]
    if listeners and fields:
        raise _refusal(settings, listeners, fields)


def refuse_exposed_stored_users(settings: Settings, users: Iterable[UserRecord]) -> None:
    """The same for users kept in the database from an earlier demo run."""
    listeners = exposed_listeners(settings)
    if not listeners:
        return
    names = stored_demo_passwords(users)
    if names:
        fields = [f"the database's user {name!r} (change it with PATCH /api/v1/users/{{id}} "
                  "on loopback, or deactivate it)" for name in names]
        raise _refusal(settings, listeners, fields)


def stored_demo_passwords(users: Iterable[UserRecord]) -> list[str]:
    """Active users whose stored hash is the demo password of their name.

    One check per demo user name: each costs tens of milliseconds of scrypt.
    """
    return [user.username for user in users
            if user.active and user.username in DEMO_USER_PASSWORDS
            and verify_password(DEMO_USER_PASSWORDS[user.username], user.password_hash)]


def _refusal(settings: Settings, listeners: list[Listener], fields: list[str]) -> ExposureError:
    where = " and ".join(f"{listener.field} is {listener.host or '(every address)'} "
                      f"({listener.serves})" for listener in listeners)
    return ExposureError(
        settings.config_path or Path("<settings>"), None, listeners[0].field,
        f"refusing to listen beyond loopback ({where}) while these secrets have the demo "
        f"values published in the repository: {', '.join(fields)}. Set your own (a "
        "config whose secrets come from the environment or files, as "
        "config/production.yaml), or keep every host on 127.0.0.1; see docs/operations.md, "
        "Security")
