"""Beyond loopback the platform refuses to run with the passwords the repository publishes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.cli import main
from contactcenter.config.settings import Settings, load_settings
from contactcenter.server import serve
from contactcenter.server.exposure import (
    PUBLISHED_SECRETS,
    ExposureError,
    demo_secret_fields,
    exposed_listeners,
    is_loopback,
    refuse_exposed_demo_secrets,
    refuse_exposed_stored_users,
    stored_demo_passwords,
)
from crm_core.users import UserRecord, hash_password

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "config/demo.yaml"


def _demo(**environ: str) -> Settings:
    return load_settings(DEMO, environ=environ)


class _Secrets(yaml.SafeLoader):
    """Reads shipped configs whose secrets are references (``!env``, ``!file``) as None."""


_Secrets.add_multi_constructor("!", lambda loader, suffix, node: None)


def _secrets_in(data: Any) -> list[str]:
    """Every value under a key that names a secret, anywhere in a config file."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and ("password" in key or "secret" in key):
                found.append(value)
            else:
                found.extend(_secrets_in(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(_secrets_in(item))
    return found


def test_every_secret_a_shipped_config_holds_is_known_as_published() -> None:
    shipped = [p for p in ROOT.joinpath("config").rglob("*.y*ml")]
    secrets = [s for p in shipped for s in _secrets_in(yaml.load(p.read_text(), _Secrets))]
    demo = _demo()
    assert len(secrets) >= len(demo.users) + len(demo.agents)
    assert set(secrets) <= PUBLISHED_SECRETS, set(secrets) - PUBLISHED_SECRETS


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "::1", "[::1]", "localhost",
                                  "::ffff:127.0.0.1"])
def test_loopback_addresses(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "", "::", "192.168.1.10", "pbx.example.com",
                                  "10.0.0.1"])
def test_addresses_beyond_loopback(host: str) -> None:
    assert not is_loopback(host)


def test_the_demo_on_loopback_starts() -> None:
    settings = _demo()
    assert exposed_listeners(settings) == []
    refuse_exposed_demo_secrets(settings)


def test_every_demo_secret_is_named_with_its_owner() -> None:
    fields = demo_secret_fields(_demo())
    assert "users[0].password (admin)" in fields
    assert "users[1].password (supervisor)" in fields
    assert "users[2].password (manager)" in fields
    assert "agents[3].sip_password (agent104)" in fields
    assert "agents[10].sip_password (supervisor1)" in fields
    assert len(fields) == 24


@pytest.mark.parametrize(("variable", "field", "listeners"), [
    ("CC_HTTP_HOST", "http_host", "HTTP"),
    ("CC_ASTERISK_HOST", "asterisk.host", "SIP over UDP, the SIP WebSocket, ARI, AMI, RTP"),
])
def test_the_demo_beyond_loopback_is_refused_naming_each_secret(
        variable: str, field: str, listeners: str) -> None:
    with pytest.raises(ExposureError) as refused:
        refuse_exposed_demo_secrets(_demo(**{variable: "0.0.0.0"}))
    message = str(refused.value)
    assert f"{field} is 0.0.0.0" in message and listeners in message
    assert "users[0].password (admin)" in message
    assert "agents[3].sip_password (agent104)" in message
    assert "demo-admin-pass" not in message  # names the fields, never the values


def test_asterisk_alone_is_refused_for_the_phones_passwords_only() -> None:
    refuse_exposed_demo_secrets(_demo(CC_HTTP_HOST="0.0.0.0"), asterisk_only=True)
    with pytest.raises(ExposureError) as refused:
        refuse_exposed_demo_secrets(_demo(CC_ASTERISK_HOST="0.0.0.0"), asterisk_only=True)
    message = str(refused.value)
    assert "agents[0].sip_password (agent101)" in message and "users[" not in message


def test_own_secrets_beyond_loopback_start_and_one_demo_left_is_named() -> None:
    settings = _demo(CC_HTTP_HOST="0.0.0.0", CC_ASTERISK_HOST="192.0.2.7")
    own = settings.model_copy(update={
        "users": [u.model_copy(update={"password": f"own-{u.username}-9f3k"})
                  for u in settings.users],
        "agents": [a.model_copy(update={"sip_password": f"own-{a.id}-x7q2"})
                   for a in settings.agents]})
    assert len(exposed_listeners(own)) == 2
    refuse_exposed_demo_secrets(own)
    one_left = own.model_copy(update={"agents": [*own.agents[:-1], settings.agents[-1]]})
    with pytest.raises(ExposureError) as refused:
        refuse_exposed_demo_secrets(one_left)
    assert "agents[10].sip_password (supervisor1)" in str(refused.value)
    assert "users[" not in str(refused.value)


def test_users_left_in_the_database_with_demo_passwords_are_named() -> None:
    def record(name: str, password: str, active: bool = True) -> UserRecord:
        return UserRecord(id=None, username=name, role="agent", agent=None,
                          password_hash=hash_password(password), active=active)

    records = [record("admin", "demo-admin-pass"), record("agent101", "a-new-password"),
               record("agent102", "demo-agent102-pass", active=False),
               record("someone", "demo-agent103-pass")]
    assert stored_demo_passwords(records) == ["admin"]
    refuse_exposed_stored_users(_demo(), records)  # on loopback: no check
    with pytest.raises(ExposureError, match="the database's user 'admin'"):
        refuse_exposed_stored_users(_demo(CC_HTTP_HOST="0.0.0.0"), records)


def test_serve_beyond_loopback_with_demo_secrets_exits_before_starting_anything(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_asterisk(settings: Settings) -> None:
        raise AssertionError("Asterisk was started")

    monkeypatch.setattr(serve, "_asterisk", no_asterisk)
    monkeypatch.setenv("CC_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("CC_HTTP_HOST", "0.0.0.0")
    assert main(["serve", "--config", str(DEMO)]) == 2
    error = capsys.readouterr().err
    assert "http_host is 0.0.0.0" in error
    assert "users[0].password (admin)" in error and "agents[0].sip_password" in error
    assert not (tmp_path / "state").exists()
