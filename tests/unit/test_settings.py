"""Settings: defaults < YAML < environment, and errors that say where."""

from pathlib import Path

import pytest

from contactcenter.config.files import ConfigError
from contactcenter.config.settings import ENVIRONMENT, Settings, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_demo_config_loads_with_ten_agents_and_their_users() -> None:
    settings = load_settings(ROOT / "config/demo.yaml", environ={})
    phones = [f"agent{n}" for n in range(101, 111)] + ["supervisor1"]
    assert [agent.id for agent in settings.agents] == phones
    users = {user.username: user for user in settings.users}
    assert users["admin"].role == "admin" and users["supervisor"].role == "supervisor"
    assert users["supervisor"].agent == "supervisor1"  # the phone that rings to listen in
    assert all(users[f"agent{n}"].agent == f"agent{n}" for n in range(101, 111))
    assert settings.ivr.numbers == {"5000": "main"}


def test_environment_overrides_the_file() -> None:
    settings = load_settings(
        ROOT / "config/demo.yaml",
        environ={"CC_SIP_PORT": "5999", "CC_HTTP_PORT": "9000", "CC_ASTERISK_MANAGED": "false"},
    )
    assert settings.asterisk.sip_port == 5999
    assert settings.http_port == 9000
    assert settings.asterisk.managed is False


def test_every_environment_variable_names_a_real_setting() -> None:
    for name, key_path in ENVIRONMENT.items():
        model: type = Settings
        for key in key_path:
            assert key in model.model_fields, name
            annotation = model.model_fields[key].annotation
            model = annotation if isinstance(annotation, type) else model
        assert name.startswith("CC_")


def test_a_wrong_value_names_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("http_port: 8080\nasterisk:\n  app: cc\n  sip_port: not-a-port\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert error.value.line == 4
    assert error.value.field == "asterisk.sip_port"
    assert str(error.value).startswith(f"{path}:4: asterisk.sip_port:")


def test_an_unknown_field_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("http_port: 8080\nhttp_prot: 8081\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert (error.value.line, error.value.field) == (2, "http_prot")


def test_a_bad_item_in_a_list_points_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "agents:\n  - {id: agent1, sip_password: long-enough}\n"
        "  - {id: agent2, sip_password: short}\n"
    )
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert error.value.line == 3
    assert error.value.field == "agents.1.sip_password"


def test_broken_yaml_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("http_port: 8080\nasterisk: [unclosed\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert error.value.line is not None and error.value.line >= 2
    assert "not valid YAML" in str(error.value)


def test_duplicate_users_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.yaml"
    path.write_text(
        "users:\n  - {username: a, password: '12345678', role: admin}\n"
        "  - {username: a, password: '12345678', role: agent}\n"
    )
    with pytest.raises(ConfigError, match="duplicate username"):
        load_settings(path, environ={})
