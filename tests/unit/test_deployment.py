"""docker-compose.yml names only files, ports, commands and variables that exist, runs a
config whose secrets come from the environment, and `make` installs the tools it needs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from contactcenter.cli import _parser
from contactcenter.config.files import ConfigError
from contactcenter.config.settings import ENVIRONMENT, load_settings
from contactcenter.server.exposure import demo_secret_fields, refuse_exposed_demo_secrets
from contactcenter.server.serve import check_config

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
PRODUCTION = ROOT / "config/production.yaml"
#: the variables config/production.yaml reads its secrets from (`!env NAME`)
SECRET_VARIABLES = (re.findall(r"!env (CC_[A-Z0-9_]+)", PRODUCTION.read_text())
                    if PRODUCTION.exists() else [])


def _test_secrets() -> dict[str, str]:
    return {name: f"test-only-{name.lower()}" for name in SECRET_VARIABLES}


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


def test_every_cc_variable_is_a_setting_or_a_secret_and_its_ports_are_the_ones_published(
        ) -> None:
    environment = COMPOSE["x-app-environment"]
    for name in environment:
        assert name in ENVIRONMENT or name in SECRET_VARIABLES, name
    plain = {k: v for k, v in environment.items() if "${" not in str(v)}
    settings = load_settings(PRODUCTION, environ={**plain, **_test_secrets()})
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


def test_the_app_and_asterisk_run_the_production_config_never_the_demo() -> None:
    assert SERVICES["app"]["command"] == ["serve", "--config", "config/production.yaml"]
    for dockerfile in ("docker/app.Dockerfile", "docker/asterisk.Dockerfile"):
        text = (ROOT / dockerfile).read_text()
        assert "config/production.yaml" in text and "demo.yaml" not in text, dockerfile
    assert "demo.yaml" not in (ROOT / "docker-compose.yml").read_text()


def test_production_secrets_are_handed_over_by_compose_and_none_is_published() -> None:
    environment = COMPOSE["x-app-environment"]
    assert len(SECRET_VARIABLES) >= 3
    for name in SECRET_VARIABLES:  # required: compose stops when one is not set
        assert environment.get(name) == f"${{{name}:?set {name}}}", name
    for service in ("app", "asterisk"):
        assert SERVICES[service]["environment"] is environment, service
    beyond = {"CC_HTTP_HOST": "0.0.0.0", "CC_ASTERISK_HOST": "192.0.2.7"}
    settings = load_settings(PRODUCTION, environ={**_test_secrets(), **beyond})
    secrets = [user.password for user in settings.users]
    secrets += [agent.sip_password for agent in settings.agents]
    assert set(secrets) == set(_test_secrets().values())
    assert demo_secret_fields(settings) == []
    refuse_exposed_demo_secrets(settings)
    check_config(settings)  # its queues, agents and flows agree


def test_production_without_its_secrets_names_the_field_and_variable() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(PRODUCTION, environ={})
    first = SECRET_VARIABLES[0]
    line = next(n for n, text in enumerate(PRODUCTION.read_text().splitlines(), 1)
                if f"!env {first}" in text)
    assert (error.value.path, error.value.line) == (str(PRODUCTION), line)
    assert error.value.field.endswith("password")
    assert f"environment variable {first} is not set" in str(error.value)


def _make_variable(name: str) -> list[str]:
    text = (ROOT / "Makefile").read_text()
    match = re.search(rf"^{name}\s*:=(.*)$", text, re.MULTILINE)
    assert match, name
    return match.group(1).split()


#: programs the tests and benchmarks look for -> the Debian package `make` installs
DEBIAN_TOOLS = {"sipp": "sip-tester", "baresip": "baresip-core", "tcpdump": "tcpdump",
                "chromium": "chromium"}
#: programs they look for that come another way
OTHER_TOOLS = {"asterisk": "contactcenter asterisk install", "py-spy": "pip (bench/spy.py)",
               "openssl": "optional: Asterisk makes the DTLS certificate without it",
               "npm": "make system-deps, checked by the command", "make": "itself"}


def test_make_installs_every_program_the_tests_and_benchmarks_run() -> None:
    sources = [*ROOT.joinpath("bench").rglob("*.py"), *ROOT.joinpath("tests").rglob("*.py")]
    wanted = {name for path in sources for name in
              re.findall(r"(?:which|require_tool)\(\"([\w.-]+)\"\)", path.read_text())}
    assert "tcpdump" in wanted  # bench/pcap.py: the Asterisk benchmarks capture with it
    assert wanted <= DEBIAN_TOOLS.keys() | OTHER_TOOLS.keys(), wanted - DEBIAN_TOOLS.keys()
    packages = _make_variable("DEBIAN_PACKAGES")
    missing = {DEBIAN_TOOLS[name] for name in wanted & DEBIAN_TOOLS.keys()} - set(packages)
    assert not missing, f"add to DEBIAN_PACKAGES in the Makefile: {missing}"
