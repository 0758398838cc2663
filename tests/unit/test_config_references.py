"""Secrets kept out of config files: ``!env NAME`` and ``!file PATH`` are read at load,
and a missing one stops the start naming the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from contactcenter.config.files import ConfigError
from contactcenter.config.settings import load_settings

CONFIG = """\
http_port: 8080
agents:
  - {id: agent101, sip_password: !env CC_TEST_SIP_PASSWORD}
users:
  - username: admin
    password: !file secrets/admin
    role: admin
"""


def _write(tmp_path: Path, text: str = CONFIG, secret: str | None = "file-secret-1\n") -> Path:
    path = tmp_path / "config" / "cc.yaml"
    path.parent.mkdir()
    path.write_text(text)
    if secret is not None:
        (path.parent / "secrets").mkdir()
        (path.parent / "secrets" / "admin").write_text(secret)
    return path


def test_references_are_read_from_the_environment_and_from_files(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path), environ={"CC_TEST_SIP_PASSWORD": "env-secret-1"})
    assert settings.agents[0].sip_password == "env-secret-1"
    assert settings.users[0].password == "file-secret-1"  # the file's last newline is not


def test_a_missing_variable_names_file_line_field_and_variable(tmp_path: Path) -> None:
    path = _write(tmp_path)
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert (error.value.path, error.value.line) == (str(path), 3)
    assert error.value.field == "agents.0.sip_password"
    assert "environment variable CC_TEST_SIP_PASSWORD is not set" in error.value.reason


def test_an_empty_variable_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="CC_TEST_SIP_PASSWORD is empty"):
        load_settings(_write(tmp_path), environ={"CC_TEST_SIP_PASSWORD": ""})


def test_a_missing_file_names_its_path_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, secret=None)
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={"CC_TEST_SIP_PASSWORD": "env-secret-1"})
    assert (error.value.line, error.value.field) == (6, "users.0.password")
    assert str(path.parent / "secrets" / "admin") in error.value.reason
    assert "cannot read" in error.value.reason


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is empty"):
        load_settings(_write(tmp_path, secret="\n"), environ={"CC_TEST_SIP_PASSWORD": "x" * 8})


def test_a_reference_must_name_something(tmp_path: Path) -> None:
    text = CONFIG.replace("!env CC_TEST_SIP_PASSWORD", "!env [a, b]")
    with pytest.raises(ConfigError) as error:
        load_settings(_write(tmp_path, text), environ={})
    assert error.value.line == 3 and "!env" in error.value.reason


def test_a_value_from_a_reference_is_validated_like_any_other(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(_write(tmp_path), environ={"CC_TEST_SIP_PASSWORD": "short"})
    assert (error.value.line, error.value.field) == (3, "agents.0.sip_password")
