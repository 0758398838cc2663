"""Rendering Asterisk's config: loopback only, fresh private secrets, every agent and number."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from contactcenter.config.settings import AgentSettings, AsteriskSettings, IvrSettings, Settings
from contactcenter.telephony.asterisk import provision
from contactcenter.telephony.asterisk.provision import AsteriskInstall, ProvisionError
from contactcenter.telephony.asterisk.render import (
    TEMPLATE_DIR,
    RenderedConfig,
    RenderError,
    read_credentials,
    render,
)

AGENTS = [
    AgentSettings(id="agent101", name="Ada", sip_password="pw-101-abcdef"),
    AgentSettings(id="agent102", name="Bob", sip_password="pw;102;with-semicolons"),
]


@pytest.fixture
def fake_root(tmp_path: Path) -> AsteriskInstall:
    """A root file system shaped like Debian's, without Asterisk in it."""
    root = tmp_path / "rootfs"
    (root / "usr/share/asterisk/sounds").mkdir(parents=True)
    modules = root / "usr/lib/aarch64-linux-gnu/asterisk/modules"
    modules.mkdir(parents=True)
    (modules / "chan_pjsip.so").touch()
    return AsteriskInstall(root=root, binary="/usr/sbin/asterisk", version="22.1.0")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        state_dir=tmp_path / "state",
        asterisk=AsteriskSettings(
            sip_port=15060, ari_port=18088, ami_port=15038, rtp_port_start=30000, rtp_port_end=30100
        ),
        ivr=IvrSettings(numbers={"5000": "main", "5001": "sales", "+4930123": "main"}),
        agents=AGENTS,
    )


def conf(rendered: RenderedConfig, name: str) -> str:
    return (rendered.base_dir / "etc" / name).read_text()


def values_of(text: str, key: str) -> list[str]:
    return re.findall(rf"^\s*{key}\s*=>?\s*(\S+)", text, flags=re.MULTILINE)


def test_every_listener_binds_to_loopback(settings: Settings, fake_root: AsteriskInstall) -> None:
    rendered = render(settings, fake_root)
    # UDP, then the WebSocket transport (whose bind is unused: http.conf's counts)
    assert values_of(conf(rendered, "pjsip.conf"), "bind") == ["127.0.0.1:15060", "127.0.0.1"]
    assert values_of(conf(rendered, "http.conf"), "bindaddr") == ["127.0.0.1"]
    assert values_of(conf(rendered, "http.conf"), "bindport") == ["18088"]
    assert values_of(conf(rendered, "manager.conf"), "bindaddr") == ["127.0.0.1"]
    assert values_of(conf(rendered, "manager.conf"), "port") == ["15038"]
    media = values_of(conf(rendered, "pjsip.conf"), "media_address")
    assert media and set(media) == {"127.0.0.1"}
    assert values_of(conf(rendered, "rtp.conf"), "rtpstart") == ["30000"]
    assert values_of(conf(rendered, "rtp.conf"), "rtpend") == ["30100"]
    for path in (rendered.base_dir / "etc").glob("*.conf"):
        assert "0.0.0.0:" not in path.read_text() and "[::]" not in path.read_text(), path


def test_ami_admits_the_app_from_the_address_asterisk_binds_to(
    settings: Settings, fake_root: AsteriskInstall
) -> None:
    """Beyond loopback the app on the same host connects to AMI from that address."""
    wide = settings.model_copy(update={"asterisk": settings.asterisk.model_copy(
        update={"host": "192.0.2.10"})})
    manager = conf(render(wide, fake_root), "manager.conf")
    assert values_of(manager, "bindaddr") == ["192.0.2.10"]
    assert values_of(manager, "deny") == ["0.0.0.0/0.0.0.0"]
    assert values_of(manager, "permit") == ["127.0.0.1/255.255.255.255",
                                           "192.0.2.10/255.255.255.255"]


def test_secrets_are_fresh_each_render_and_not_in_templates(
    settings: Settings, fake_root: AsteriskInstall
) -> None:
    first = render(settings, fake_root).credentials
    second_render = render(settings, fake_root)
    second = second_render.credentials
    assert first.ari_password != second.ari_password
    assert first.ami_password != second.ami_password
    assert len(second.ari_password) >= 24 and len(second.ami_password) >= 24
    templates = "".join(path.read_text() for path in TEMPLATE_DIR.rglob("*.conf"))
    for secret in (
        first.ari_password,
        first.ami_password,
        second.ari_password,
        second.ami_password,
    ):
        assert secret not in templates
    assert f"password = {second.ari_password}" in conf(second_render, "ari.conf")
    assert f"secret = {second.ami_password}" in conf(second_render, "manager.conf")
    assert read_credentials(settings) == second


def test_credentials_and_secret_configs_are_private(
    settings: Settings, fake_root: AsteriskInstall
) -> None:
    rendered = render(settings, fake_root)
    credentials = settings.asterisk_runtime_dir / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    for name in ("ari.conf", "manager.conf", "pjsip.conf"):
        assert stat.S_IMODE((rendered.base_dir / "etc" / name).stat().st_mode) == 0o600


def test_every_agent_is_an_endpoint_with_its_password(
    settings: Settings, fake_root: AsteriskInstall
) -> None:
    pjsip = conf(render(settings, fake_root), "pjsip.conf")
    assert "endpoint_identifier_order = username,ip,anonymous" in pjsip
    for agent in AGENTS:
        escaped = agent.sip_password.replace(";", "\\;")  # ';' would start a comment
        section = pjsip.split(f"[{agent.id}]\ntype = auth\n", 1)[1].split("\n\n", 1)[0]
        assert f"username = {agent.id}" in section
        assert f"password = {escaped}\n" in section + "\n"
        assert f"[{agent.id}]\ntype = endpoint\ncontext = agents\n" in pjsip
        assert f"[{agent.id}]\ntype = aor\nmax_contacts = 1\n" in pjsip


def test_every_ivr_number_routes_to_stasis(settings: Settings, fake_root: AsteriskInstall) -> None:
    extensions = conf(render(settings, fake_root), "extensions.conf")
    for number in settings.ivr.numbers:
        assert f"exten => {number},1,Stasis(cc,inbound)" in extensions
    for context in ("callers", "agents"):
        body = extensions.split(f"[{context}]\n", 1)[1].split("\n\n", 1)[0]
        includes = re.findall(r"include => (\S+)", body)
        assert includes[0] == "ivr-numbers" and includes[-1] == "unknown-number"
    assert "exten => 6000,1,Goto(baseline-ivr,s,1)" in extensions
    assert "exten => agent102,1,Dial(PJSIP/agent102,30)" in extensions


def test_directories_are_the_runtimes_own_inside_the_root(
    settings: Settings, fake_root: AsteriskInstall
) -> None:
    rendered = render(settings, fake_root)
    assert rendered.base_dir.is_relative_to(fake_root.root)  # type: ignore[arg-type]
    assert rendered.inner_base.startswith("/srv/cc/")
    asterisk = conf(rendered, "asterisk.conf")
    assert f"astetcdir => {rendered.inner_base}/etc" in asterisk
    assert "astmoddir => /usr/lib/aarch64-linux-gnu/asterisk/modules" in asterisk
    assert "astdatadir => /usr/share/asterisk" in asterisk
    assert "{" not in asterisk  # every placeholder filled


def test_two_runtime_dirs_get_two_folders(tmp_path: Path, fake_root: AsteriskInstall) -> None:
    one = render(Settings(state_dir=tmp_path / "one"), fake_root)
    two = render(Settings(state_dir=tmp_path / "two"), fake_root)
    assert one.base_dir != two.base_dir


def test_system_asterisk_renders_into_the_runtime_dir(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "share/asterisk/sounds").mkdir(parents=True)
    install = AsteriskInstall(root=None, binary="/usr/sbin/asterisk", version="20.5.0")
    monkeypatch.setattr(
        "contactcenter.telephony.asterisk.render.distro_data_dir",
        lambda install: str(tmp_path / "share/asterisk"),
    )
    monkeypatch.setattr(
        "contactcenter.telephony.asterisk.render.distro_module_dir",
        lambda install: "/usr/lib/asterisk/modules",
    )
    rendered = render(settings, install)
    assert rendered.base_dir == settings.asterisk_runtime_dir.absolute()
    assert rendered.asterisk_conf == f"{rendered.base_dir}/etc/asterisk.conf"


def test_bad_names_are_refused(tmp_path: Path, fake_root: AsteriskInstall) -> None:
    bad_app = Settings(state_dir=tmp_path, asterisk=AsteriskSettings(app="cc,inbound"))
    with pytest.raises(RenderError, match="asterisk.app"):
        render(bad_app, fake_root)
    bad_number = Settings(state_dir=tmp_path, ivr=IvrSettings(numbers={"50 00": "main"}))
    with pytest.raises(RenderError, match="ivr.numbers"):
        render(bad_number, fake_root)


def test_no_asterisk_and_not_root_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(provision.shutil, "which", lambda name: None)
    monkeypatch.setattr(provision.os, "geteuid", lambda: 1000)
    settings = Settings(asterisk=AsteriskSettings(cache_dir=tmp_path))
    with pytest.raises(ProvisionError, match="apt-get install asterisk.*run as root"):
        provision.locate_or_install(settings)


def test_recipe_key_is_short_and_stable() -> None:
    assert provision.recipe_key() == provision.recipe_key()
    assert re.fullmatch(r"[0-9a-f]{12}", provision.recipe_key())
