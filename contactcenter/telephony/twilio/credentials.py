"""Twilio credentials: the account SID, and an auth token or an API key and its secret.

Read from the environment (``CC_TWILIO_ACCOUNT_SID``, ``CC_TWILIO_AUTH_TOKEN``,
``CC_TWILIO_API_KEY``, ``CC_TWILIO_API_SECRET``) or from a JSON file
(``CC_TWILIO_CREDENTIALS_FILE``, keys ``account_sid``, ``auth_token``, ``api_key``,
``api_secret``) that only its owner may read (mode 0600 or stricter): a file others can
read is refused, naming it. The values never show in ``repr``, ``str`` or logs: they
are ``Secret``s, read with ``reveal()``. Webhook signatures are checked with the auth
token (https://www.twilio.com/docs/usage/webhooks/webhooks-security); REST requests are
authenticated with the API key when there is one, the account's token otherwise
(https://www.twilio.com/docs/iam/api-keys).
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "CC_TWILIO_"
FILE_VARIABLE = f"{ENV_PREFIX}CREDENTIALS_FILE"
_FIELDS = ("account_sid", "auth_token", "api_key", "api_secret")


class CredentialsError(ValueError):
    """Credentials missing, incomplete, or in a file others can read."""


class Secret:
    """A value that says nothing of itself when printed, formatted or logged."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)


@dataclass(frozen=True, slots=True)
class TwilioCredentials:
    account_sid: Secret
    auth_token: Secret | None = None
    api_key: Secret | None = None
    api_secret: Secret | None = None

    def rest_auth(self) -> tuple[str, str]:
        """The user and password of REST's basic authentication."""
        if self.api_key and self.api_secret:
            return self.api_key.reveal(), self.api_secret.reveal()
        assert self.auth_token is not None  # load_credentials made sure
        return self.account_sid.reveal(), self.auth_token.reveal()

    def signing_token(self) -> str:
        """The auth token webhooks are signed with."""
        if not self.auth_token:
            raise CredentialsError("no auth token: webhook signatures cannot be checked "
                                   f"(set {ENV_PREFIX}AUTH_TOKEN)")
        return self.auth_token.reveal()


def _from_file(path: Path) -> dict[str, str]:
    try:
        status = path.stat()
    except OSError as exc:
        raise CredentialsError(f"cannot read the Twilio credentials file {path}: "
                               f"{exc.strerror}") from None
    if not stat.S_ISREG(status.st_mode):
        raise CredentialsError(f"the Twilio credentials file {path} is not a regular file")
    if status.st_mode & 0o077:
        raise CredentialsError(
            f"the Twilio credentials file {path} may be read by others "
            f"(mode {stat.S_IMODE(status.st_mode):04o}); chmod 600 {path}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CredentialsError(f"the Twilio credentials file {path} is not JSON: "
                               f"{type(exc).__name__}") from None
    if not isinstance(data, dict):
        raise CredentialsError(f"the Twilio credentials file {path} is not a JSON object")
    return {name: str(data[name]) for name in _FIELDS if data.get(name)}


def load_credentials(environ: Mapping[str, str] | None = None,
                     path: Path | None = None) -> TwilioCredentials:
    """From ``path`` (or the file the environment names), the environment filling in what
    the file leaves out."""
    env = os.environ if environ is None else environ
    file = path or (Path(env[FILE_VARIABLE]) if env.get(FILE_VARIABLE) else None)
    values = _from_file(file) if file is not None else {}
    for name in _FIELDS:
        values.setdefault(name, env.get(f"{ENV_PREFIX}{name.upper()}", ""))
    where = str(file) if file is not None else "the environment"
    if not values["account_sid"]:
        raise CredentialsError(f"no Twilio account SID in {where}")
    if bool(values["api_key"]) != bool(values["api_secret"]):
        raise CredentialsError(f"a Twilio API key needs its secret, and a secret its key "
                               f"({where})")
    if not values["auth_token"] and not values["api_key"]:
        raise CredentialsError(f"no Twilio auth token nor API key in {where}")
    secrets = {name: Secret(value) if value else None for name, value in values.items()}
    return TwilioCredentials(account_sid=Secret(values["account_sid"]),
                             auth_token=secrets["auth_token"], api_key=secrets["api_key"],
                             api_secret=secrets["api_secret"])
