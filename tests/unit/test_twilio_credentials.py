"""Twilio credentials from the environment or a file only its owner reads; never shown."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from contactcenter.telephony.twilio.credentials import CredentialsError, load_credentials

SID, TOKEN = "AC0123456789abcdef0123456789abcdef", "s3cr3t-t0ken-value"


def _file(tmp_path: Path, mode: int, **values: str) -> Path:
    path = tmp_path / "twilio.json"
    path.write_text(json.dumps(values))
    path.chmod(mode)
    return path


def test_credentials_from_the_environment() -> None:
    creds = load_credentials({"CC_TWILIO_ACCOUNT_SID": SID, "CC_TWILIO_AUTH_TOKEN": TOKEN})
    assert creds.rest_auth() == (SID, TOKEN) and creds.signing_token() == TOKEN


def test_an_api_key_authenticates_rest_the_token_still_checks_signatures() -> None:
    creds = load_credentials({"CC_TWILIO_ACCOUNT_SID": SID, "CC_TWILIO_AUTH_TOKEN": TOKEN,
                              "CC_TWILIO_API_KEY": "SKkey", "CC_TWILIO_API_SECRET": "keysecret"})
    assert creds.rest_auth() == ("SKkey", "keysecret") and creds.signing_token() == TOKEN
    keyed_only = load_credentials({"CC_TWILIO_ACCOUNT_SID": SID, "CC_TWILIO_API_KEY": "SKkey",
                                   "CC_TWILIO_API_SECRET": "keysecret"})
    with pytest.raises(CredentialsError, match="no auth token"):
        keyed_only.signing_token()


@pytest.mark.parametrize("environ", [
    {}, {"CC_TWILIO_ACCOUNT_SID": SID},
    {"CC_TWILIO_ACCOUNT_SID": SID, "CC_TWILIO_API_KEY": "SKkey"}])
def test_incomplete_credentials_are_refused(environ: dict[str, str]) -> None:
    with pytest.raises(CredentialsError):
        load_credentials(environ)


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_a_file_only_its_owner_reads_is_read(tmp_path: Path, mode: int) -> None:
    path = _file(tmp_path, mode, account_sid=SID, auth_token=TOKEN)
    assert load_credentials({}, path).rest_auth() == (SID, TOKEN)
    named = load_credentials({"CC_TWILIO_CREDENTIALS_FILE": str(path)})
    assert named.signing_token() == TOKEN


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_file_others_may_read_is_refused_naming_it(tmp_path: Path, mode: int) -> None:
    path = _file(tmp_path, mode, account_sid=SID, auth_token=TOKEN)
    with pytest.raises(CredentialsError) as refused:
        load_credentials({}, path)
    assert str(path) in str(refused.value) and f"{mode:04o}" in str(refused.value)
    assert TOKEN not in str(refused.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match=str(tmp_path / "absent.json")):
        load_credentials({}, tmp_path / "absent.json")


def test_the_values_never_show(caplog: pytest.LogCaptureFixture) -> None:
    creds = load_credentials({"CC_TWILIO_ACCOUNT_SID": SID, "CC_TWILIO_AUTH_TOKEN": TOKEN,
                              "CC_TWILIO_API_KEY": "SKkey", "CC_TWILIO_API_SECRET": "keysecret"})
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("credentials %s %r", creds, creds)
        logging.getLogger("test").info(f"token {creds.auth_token}")
    shown = repr(creds) + str(creds) + f"{creds}" + caplog.text
    for value in (SID, TOKEN, "SKkey", "keysecret"):
        assert value not in shown
