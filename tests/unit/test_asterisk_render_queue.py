"""The baseline Queue() at 6100: app_queue loads, and every agent of the settings is in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contactcenter.config.settings import AgentSettings, AsteriskSettings, Settings
from contactcenter.telephony.asterisk.provision import AsteriskInstall
from contactcenter.telephony.asterisk.render import RenderedConfig, render

AGENTS = [AgentSettings(id=f"agent1{n:02d}", name=f"Agent, {n}", sip_password="pw-abcdefgh")
          for n in range(1, 11)]


@pytest.fixture
def rendered(tmp_path: Path) -> RenderedConfig:
    """A render into a root file system shaped like Debian's, without Asterisk in it."""
    root = tmp_path / "rootfs"
    (root / "usr/share/asterisk/sounds").mkdir(parents=True)
    modules = root / "usr/lib/x86_64-linux-gnu/asterisk/modules"
    modules.mkdir(parents=True)
    (modules / "chan_pjsip.so").touch()
    install = AsteriskInstall(root=root, binary="/usr/sbin/asterisk", version="22.1.0")
    settings = Settings(state_dir=tmp_path / "state", agents=AGENTS,
                        asterisk=AsteriskSettings(sip_port=15060, ari_port=18088,
                                                  ami_port=15038))
    return render(settings, install)


def conf(rendered: RenderedConfig, name: str) -> str:
    return (rendered.base_dir / "etc" / name).read_text()


def section(text: str, name: str) -> str:
    """The lines of one ``[name]`` section, comments stripped."""
    match = re.search(rf"^\[{re.escape(name)}\]\n(.*?)(?=^\[|\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"no [{name}] section"
    return "\n".join(line.split(";", 1)[0].rstrip() for line in match.group(1).splitlines())


def test_the_baseline_queue_has_every_agent_once(rendered: RenderedConfig) -> None:
    queue = section(conf(rendered, "queues.conf"), "baseline")
    members = re.findall(r"^member => (\S+?),", queue, re.MULTILINE)
    assert members == [f"PJSIP/{agent.id}" for agent in AGENTS]


def test_the_baseline_queue_is_set_like_the_platforms_bench_queue(
        rendered: RenderedConfig) -> None:
    queue = section(conf(rendered, "queues.conf"), "baseline")
    settings = dict(re.findall(r"^([\w-]+) = (\S+)$", queue, re.MULTILINE))
    assert settings["strategy"] == "leastrecent"
    assert (settings["wrapuptime"], settings["ringinuse"], settings["autofill"]) == (
        "0", "no", "yes")
    assert settings["announce-frequency"] == settings["periodic-announce-frequency"] == "0"
    assert settings["announce-position"] == settings["announce-holdtime"] == "no"
    assert int(settings["retry"]) >= 1  # 0 means app_queue's default of 5 s


def test_6100_enters_the_queue_and_app_queue_is_loaded(rendered: RenderedConfig) -> None:
    baseline = section(conf(rendered, "extensions.conf"), "baseline-number")
    assert "exten => 6100,1,Answer()" in baseline
    assert "same => n,Queue(baseline)" in baseline
    assert "include => baseline-number" in section(conf(rendered, "extensions.conf"), "callers")
    assert re.search(r"^load => app_queue\.so", conf(rendered, "modules.conf"), re.MULTILINE)


def test_a_supervisors_phone_is_no_member_of_the_baseline_queue(tmp_path: Path) -> None:
    from contactcenter.config.settings import UserSettings

    root = tmp_path / "rootfs"
    (root / "usr/share/asterisk/sounds").mkdir(parents=True)
    modules = root / "usr/lib/x86_64-linux-gnu/asterisk/modules"
    modules.mkdir(parents=True)
    (modules / "chan_pjsip.so").touch()
    install = AsteriskInstall(root=root, binary="/usr/sbin/asterisk", version="22.1.0")
    supervisor = AgentSettings(id="supervisor1", sip_password="pw-abcdefgh")
    settings = Settings(state_dir=tmp_path / "state", agents=[*AGENTS, supervisor],
                        users=[UserSettings(username="sue", password="pw-abcdefgh",
                                            role="supervisor", agent="supervisor1")])
    members = section(conf(render(settings, install), "queues.conf"), "baseline")
    assert "PJSIP/agent101," in members and "supervisor1" not in members
