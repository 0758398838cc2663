"""docker-compose.yml names only files, ports, commands and variables that exist."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.cli import _parser
from contactcenter.settings import ENVIRONMENT, load_settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]


def test_the_deployment_has_asterisk_postgres_redis_and_the_app() -> None:
    assert {"asterisk", "postgres", "redis", "app"} <= set(SERVICES)


@pytest.mark.parametrize("name", [n for n, s in SERVICES.items() if "build" in s])
def test_every_build_names_files_that_exist(name: str) -> None:
    build = SERVICES[name]["build"]
    context = ROOT / build["context"]
    dockerfile = context / build["dockerfile"]
    assert dockerfile.is_file()
    for line in dockerfile.read_text().splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (context / source).exists(), f"{dockerfile.name}: COPY {source}"


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_bind_mount_exists(name: str) -> None:
    for volume in SERVICES[name].get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith("."):
            assert (ROOT / source).exists(), f"{name}: {source}"
        else:
            assert source in COMPOSE["volumes"], f"{name}: undeclared volume {source}"


def test_every_cc_variable_is_a_setting_and_its_ports_are_the_ones_published() -> None:
    environment = COMPOSE["x-app-environment"]
    for name in environment:
        assert name in ENVIRONMENT, name
    plain = {k: v for k, v in environment.items() if "${" not in str(v)}
    settings = load_settings(ROOT / "config/demo.yaml", environ=plain)
    assert settings.asterisk.managed is False
    assert (settings.asterisk.sip_port, settings.asterisk.ari_port,
            settings.asterisk.ami_port, settings.http_port) == (5060, 8088, 5038, 8080)
    database = environment["CC_DATABASE_URL"]
    assert "@127.0.0.1:5432/" in database and "127.0.0.1:5432:5432" in SERVICES["postgres"]["ports"]
    assert environment["CC_REDIS_URL"].startswith("redis://127.0.0.1:6379")
    assert "127.0.0.1:6379:6379" in SERVICES["redis"]["ports"]


def test_published_ports_bind_to_loopback_only() -> None:
    for name, service in SERVICES.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port}"


@pytest.mark.parametrize("name", ["app"])
def test_commands_are_real_cli_commands(name: str) -> None:
    _parser().parse_args(SERVICES[name]["command"])


def test_asterisk_container_renders_with_the_cli_and_runs_the_rendered_config() -> None:
    dockerfile = (ROOT / "docker/asterisk.Dockerfile").read_text()
    command = re.search(r"CMD \[.*\"(contactcenter [^&]+)&&", dockerfile, re.DOTALL)
    assert command, "the Asterisk container must render its config first"
    _parser().parse_args(command.group(1).split()[1:])
    assert '$CC_ASTERISK_RUNTIME_DIR/etc/asterisk.conf' in dockerfile
    assert (ROOT / "asterisk/asterisk.conf").is_file()
