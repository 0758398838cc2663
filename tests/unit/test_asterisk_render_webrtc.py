"""The browser phones in the rendered config: a ``<id>-web`` WebRTC endpoint per agent (the
demo's supervisor phone too), the SIP WebSocket transport, the modules they need, ICE on,
and a fresh DTLS certificate whose files exist where the endpoints say."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from contactcenter.config.settings import AsteriskSettings, Settings, load_settings
from contactcenter.telephony.asterisk import dtls
from contactcenter.telephony.asterisk.provision import AsteriskInstall
from contactcenter.telephony.asterisk.render import RenderedConfig, render
from tests.support import require_tool

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def install(tmp_path: Path) -> AsteriskInstall:
    """A root file system shaped like Debian's, without Asterisk in it."""
    root = tmp_path / "rootfs"
    (root / "usr/share/asterisk/sounds").mkdir(parents=True)
    modules = root / "usr/lib/x86_64-linux-gnu/asterisk/modules"
    modules.mkdir(parents=True)
    (modules / "chan_pjsip.so").touch()
    return AsteriskInstall(root=root, binary="/usr/sbin/asterisk", version="22.1.0")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """The demo's agents and supervisor phone, on ports of the test's own."""
    demo = load_settings(ROOT / "config/demo.yaml", environ={})
    return Settings(state_dir=tmp_path / "state", agents=demo.agents,
                    asterisk=AsteriskSettings(sip_port=15060, ari_port=18088, ami_port=15038))


def conf(rendered: RenderedConfig, name: str) -> str:
    return (rendered.base_dir / "etc" / name).read_text()


def section(text: str, name: str, kind: str) -> dict[str, list[str]]:
    """The options of the ``[name]`` section of type ``kind``, comments stripped."""
    for match in re.finditer(rf"^\[{re.escape(name)}\]\n(.*?)(?=^\[|\Z)", text,
                             re.MULTILINE | re.DOTALL):
        options: dict[str, list[str]] = {}
        for line in match.group(1).splitlines():
            line = line.split(";", 1)[0].strip()
            if "=" in line:
                key, value = (part.strip() for part in line.split("=", 1))
                options.setdefault(key, []).append(value)
        if options.get("type") == [kind]:
            return options
    raise AssertionError(f"no [{name}] of type {kind}")


def test_every_agent_and_the_supervisor_phone_get_a_webrtc_endpoint(
        settings: Settings, install: AsteriskInstall) -> None:
    require_tool("openssl")
    pjsip = conf(render(settings, install), "pjsip.conf")
    ids = [agent.id for agent in settings.agents]
    assert "supervisor1" in ids and "agent110" in ids
    for agent in settings.agents:
        web = f"{agent.id}-web"
        endpoint = section(pjsip, web, "endpoint")
        assert endpoint["webrtc"] == ["yes"]  # DTLS-SRTP, ICE, AVPF, rtcp-mux, BUNDLE
        assert endpoint["auth"] == [web] and endpoint["aors"] == [web]
        assert endpoint["context"] == ["agents"]
        assert endpoint["allow"] == ["opus,ulaw,alaw"]
        assert endpoint["media_address"] == ["127.0.0.1"]
        auth = section(pjsip, web, "auth")
        assert auth["username"] == [web]
        assert auth["password"] == [agent.sip_password]  # the same as the SIP phone's
        aor = section(pjsip, web, "aor")
        assert aor["max_contacts"] == ["1"] and aor["remove_existing"] == ["yes"]
        # the SIP phone's endpoint is still there, without WebRTC
        assert "webrtc" not in section(pjsip, agent.id, "endpoint")


def test_the_websocket_transport_rides_on_the_http_server(
        settings: Settings, install: AsteriskInstall) -> None:
    rendered = render(settings, install)
    transport = section(conf(rendered, "pjsip.conf"), "transport-ws", "transport")
    assert transport["protocol"] == ["ws"]
    http = conf(rendered, "http.conf")
    assert re.search(r"^bindport = 18088$", http, re.MULTILINE)
    modules = conf(rendered, "modules.conf")
    for module in ("res_http_websocket.so", "res_pjsip_transport_websocket.so", "res_srtp.so",
                   "codec_opus_open_source.so", "res_format_attr_opus.so"):
        assert re.search(rf"^load => {re.escape(module)}", modules, re.MULTILINE), module
    # res_rtp_asterisk makes ICE sessions only with ICE on globally
    assert re.search(r"^icesupport = yes$", conf(rendered, "rtp.conf"), re.MULTILINE)


def test_a_fresh_certificate_exists_where_the_endpoints_say(
        settings: Settings, install: AsteriskInstall) -> None:
    openssl = require_tool("openssl")
    rendered = render(settings, install)
    endpoint = section(conf(rendered, "pjsip.conf"), "agent101-web", "endpoint")
    inner_cert, inner_key = endpoint["dtls_cert_file"][0], endpoint["dtls_private_key"][0]
    assert inner_cert.startswith(rendered.inner_base)  # as Asterisk sees it, in the chroot
    cert = install.host_path(inner_cert)
    key = install.host_path(inner_key)
    assert cert.is_file() and key.is_file()
    assert key.stat().st_mode & 0o077 == 0  # the key is the owner's only
    text = subprocess.run([openssl, "x509", "-in", str(cert), "-noout", "-text"],
                          capture_output=True, text=True, check=True).stdout
    assert "prime256v1" in text or "P-256" in text
    first = cert.read_bytes()
    render(settings, install)
    assert cert.read_bytes() != first  # fresh with every render, like the secrets


def test_without_openssl_asterisk_makes_its_own_certificate(
        settings: Settings, install: AsteriskInstall,
        monkeypatch: pytest.MonkeyPatch) -> None:
    real_which = shutil.which
    monkeypatch.setattr(dtls.shutil, "which",
                        lambda name: None if name == "openssl" else real_which(name))
    endpoint = section(conf(render(settings, install), "pjsip.conf"), "agent101-web",
                       "endpoint")
    assert endpoint["dtls_auto_generate_cert"] == ["yes"]
    assert "dtls_cert_file" not in endpoint
