"""Fixtures for tests against a real Asterisk on loopback."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from contactcenter.config.settings import AgentSettings, AsteriskSettings, Settings, load_settings
from contactcenter.telephony.asterisk.process import AsteriskProcess
from contactcenter.telephony.asterisk.provision import (
    AsteriskInstall,
    ProvisionError,
    locate_or_install,
)
from contactcenter.telephony.asterisk.render import remove_runtime
from tests.support import free_port_range, free_ports, missing

DEMO_AGENTS = (
    AgentSettings(id="agent101", name="Ada Agent", sip_password="agent101-secret"),
    AgentSettings(id="agent102", name="Bob Agent", sip_password="agent102;secret"),
)


@pytest.fixture(scope="session")
def asterisk_install() -> AsteriskInstall:
    """The system's Asterisk or the cached root file system (built on first use)."""
    try:
        return locate_or_install(load_settings(None))
    except ProvisionError as exc:
        missing(f"no Asterisk to test with: {exc}")


def make_asterisk_settings(
    state_dir: Path, agents: tuple[AgentSettings, ...] = DEMO_AGENTS
) -> Settings:
    """Settings on free loopback ports, with a small RTP range of their own."""
    sip, ari, ami = free_ports(3)
    rtp_start, rtp_end = free_port_range(40)
    asterisk = AsteriskSettings(
        sip_port=sip, ari_port=ari, ami_port=ami, rtp_port_start=rtp_start, rtp_port_end=rtp_end
    )
    return Settings(state_dir=state_dir, asterisk=asterisk, agents=list(agents))


@pytest.fixture
def asterisk_settings(tmp_path: Path) -> Settings:
    return make_asterisk_settings(tmp_path / "state")


@pytest.fixture
def asterisk_processes(
    asterisk_install: AsteriskInstall,
) -> Iterator[Callable[[Settings], AsteriskProcess]]:
    """Make AsteriskProcess objects; stop them and drop their runtime after the test."""
    made: list[AsteriskProcess] = []

    def make(settings: Settings) -> AsteriskProcess:
        process = AsteriskProcess(settings, asterisk_install, log=lambda message: None)
        made.append(process)
        return process

    yield make
    for process in made:
        process.stop()
        remove_runtime(process.settings, asterisk_install)
