"""The managed Asterisk: starts on free ports, serves ARI, AMI and SIP, stops clean."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest
from panoramisk import Manager

from contactcenter.config.settings import Settings
from contactcenter.telephony.asterisk.process import AsteriskError, AsteriskProcess, ari_info
from contactcenter.telephony.asterisk.provision import parse_version
from contactcenter.telephony.asterisk.render import read_credentials
from tests.integration.conftest import make_asterisk_settings
from tests.support import free_ports, require_tool

pytestmark = pytest.mark.asterisk

MakeProcess = Callable[[Settings], AsteriskProcess]

# REGISTER, answer the challenge with -au/-ap, then expect the final answer.
REGISTER = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register">
<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[remote_ip]>;tag=[call_number]
To: <sip:[service]@[remote_ip]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port]>
Max-Forwards: 70
Expires: 60
Content-Length: 0

]]></send>
<recv response="401" auth="true"/>
<send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:[service]@[remote_ip]>;tag=[call_number]
To: <sip:[service]@[remote_ip]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:[service]@[local_ip]:[local_port]>
[authentication]
Max-Forwards: 70
Expires: 60
Content-Length: 0

]]></send>
{final}
</scenario>
"""
ACCEPTED = '<recv response="200"/>'
REFUSED = (
    '<recv response="401" optional="true" next="refused"/>\n<recv response="403"/>\n'
    '<label id="refused"/>'
)


def sipp(tmp_path: Path, settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """One sipp run against the settings' SIP port from 127.0.0.1; exit code 0 = as scripted."""
    binary = require_tool("sipp")
    local, media = free_ports(2)
    command = [
        binary,
        f"127.0.0.1:{settings.asterisk.sip_port}",
        *args,
        "-i",
        "127.0.0.1",
        "-p",
        str(local),
        "-mi",
        "127.0.0.1",
        "-mp",
        str(media),
        "-m",
        "1",
        "-l",
        "1",
        "-timeout",
        "15s",
        "-timeout_error",
        "-nostdin",
    ]
    return subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False
    )


def register(
    tmp_path: Path, settings: Settings, user: str, password: str, final: str
) -> subprocess.CompletedProcess[str]:
    scenario = tmp_path / f"register-{user}.xml"
    scenario.write_text(REGISTER.format(final=final))
    return sipp(tmp_path, settings, "-sf", str(scenario), "-s", user, "-au", user, "-ap", password)


def test_start_serves_ari_with_version_20_or_newer(
    asterisk_settings: Settings, asterisk_processes: MakeProcess
) -> None:
    process = asterisk_processes(asterisk_settings)
    started = time.monotonic()
    rendered = process.start()
    assert time.monotonic() - started < 10
    info = ari_info(rendered.credentials)
    assert info is not None
    parsed = parse_version(f"Asterisk {info['system']['version']}")
    assert parsed is not None and parsed[1] >= 20
    status = process.status()
    assert status["running"] and status["pid"] == process.processes()[0]
    assert read_credentials(asterisk_settings) == rendered.credentials


async def test_ami_login_and_ping_with_panoramisk(
    asterisk_settings: Settings, asterisk_processes: MakeProcess
) -> None:
    creds = asterisk_processes(asterisk_settings).start().credentials
    manager = Manager(
        host=creds.ami_host,
        port=creds.ami_port,
        username=creds.ami_user,
        secret=creds.ami_password,
        ping_delay=0,
    )
    try:
        await manager.connect()
        reply = await manager.send_action({"Action": "Ping"})
        assert reply["Response"] == "Success"
    finally:
        manager.close()


def test_agent_registers_with_its_password_only(
    tmp_path: Path, asterisk_settings: Settings, asterisk_processes: MakeProcess
) -> None:
    process = asterisk_processes(asterisk_settings)
    process.start()
    agent = asterisk_settings.agents[1]  # its password has a ';', escaped in pjsip.conf
    good = register(tmp_path, asterisk_settings, agent.id, agent.sip_password, ACCEPTED)
    assert good.returncode == 0, good.stdout + good.stderr
    assert f"{agent.id}/sip:{agent.id}@127.0.0.1" in process.rx("pjsip show contacts")
    bad = register(tmp_path, asterisk_settings, "agent101", "not-the-password", REFUSED)
    assert bad.returncode == 0, bad.stdout + bad.stderr


def test_local_caller_reaches_the_plain_dialplan_ivr(
    tmp_path: Path, asterisk_settings: Settings, asterisk_processes: MakeProcess
) -> None:
    asterisk_processes(asterisk_settings).start()
    call = sipp(tmp_path, asterisk_settings, "-sn", "uac", "-s", "6000", "-d", "300")
    assert call.returncode == 0, call.stdout + call.stderr


def test_two_instances_run_side_by_side(tmp_path: Path, asterisk_processes: MakeProcess) -> None:
    first = asterisk_processes(make_asterisk_settings(tmp_path / "one"))
    second = asterisk_processes(make_asterisk_settings(tmp_path / "two"))
    creds = [first.start().credentials, second.start().credentials]
    assert creds[0].ari_url != creds[1].ari_url
    assert creds[0].ari_password != creds[1].ari_password
    assert all(ari_info(each) is not None for each in creds)
    assert first.processes() != second.processes()
    first.stop()
    assert ari_info(creds[1]) is not None


def test_stop_leaves_no_asterisk_behind(
    asterisk_settings: Settings, asterisk_processes: MakeProcess
) -> None:
    process = asterisk_processes(asterisk_settings)
    rendered = process.start()
    assert process.processes()
    assert process.stop() is True
    assert process.processes() == []
    assert not _asterisk_pids_mentioning(rendered.inner_base)
    assert not process.pid_file.exists()
    assert ari_info(rendered.credentials) is None
    assert process.stop() is False  # idempotent


def test_start_replaces_a_stale_instance(
    asterisk_settings: Settings, asterisk_processes: MakeProcess
) -> None:
    stale = asterisk_processes(asterisk_settings)
    stale.start()
    old_pids = stale.processes()
    fresh = asterisk_processes(asterisk_settings)  # as a new `contactcenter` run would
    rendered = fresh.start()
    assert fresh.processes() and set(fresh.processes()).isdisjoint(old_pids)
    assert ari_info(rendered.credentials) is not None


def test_start_refuses_a_taken_port(
    asterisk_settings: Settings, asterisk_processes: MakeProcess
) -> None:
    process = asterisk_processes(asterisk_settings)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", asterisk_settings.asterisk.ari_port))
        squatter.listen()
        with pytest.raises(AsteriskError, match="ARI port .* is taken"):
            process.start()
    assert process.processes() == []


def _asterisk_pids_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "asterisk" in cmdline and text in cmdline:
            found.append(int(entry.name))
    return found


async def test_ari_answers_beside_more_browser_phones_than_asterisks_default_allows(
    asterisk_settings: Settings, asterisk_processes: MakeProcess
) -> None:
    """Each browser phone (an agent's desktop, a web visitor's call) holds a session of
    Asterisk's HTTP server, the one ARI is served on. With Asterisk's default limit of
    100 sessions, ARI refused the platform's requests once about 90 were open."""
    rendered = asterisk_processes(asterisk_settings).start()
    ws_url = rendered.credentials.ari_url.replace("http://", "ws://", 1) + "/ws"
    # no limit of the client's own (aiohttp's is 100 connections)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        phones = [await asyncio.wait_for(session.ws_connect(ws_url, protocols=("sip",)), 10)
                  for _ in range(150)]
        try:
            assert all(not phone.closed for phone in phones)
            info = await asyncio.to_thread(ari_info, rendered.credentials)
            assert info is not None, "ARI refused beside 150 browser phones"
        finally:
            for phone in phones:
                await phone.close()
