"""``contactcenter asterisk install|start|stop|status``: short messages, exit codes."""

from __future__ import annotations

from collections.abc import Callable

from contactcenter.config.settings import Settings
from contactcenter.server.exposure import refuse_exposed_demo_secrets
from contactcenter.server.statedir import prepare_state_dir
from contactcenter.telephony.asterisk.process import AsteriskError, AsteriskProcess
from contactcenter.telephony.asterisk.provision import ProvisionError, locate_or_install
from contactcenter.telephony.asterisk.render import RenderError, render

ACTIONS = ("install", "render", "start", "stop", "status")


def asterisk_command(action: str, settings: Settings) -> int:
    """Run one action; 0 on success, 1 when it failed, 2 for an unknown action,
    3 from ``status`` when Asterisk is not running (as LSB init scripts do)."""
    handlers: dict[str, Callable[[Settings], int]] = {
        "install": _install,
        "render": _render,
        "start": _start,
        "stop": _stop,
        "status": _status,
    }
    handler = handlers.get(action)
    if handler is None:
        print(f"unknown action {action!r}; choose one of {', '.join(ACTIONS)}")
        return 2
    if action in ("render", "start"):  # the phones' passwords would listen with it
        refuse_exposed_demo_secrets(settings, asterisk_only=True)
    try:
        if action in ("render", "start"):  # its rendered config holds those passwords
            prepare_state_dir(settings.state_dir)
        return handler(settings)
    except (ProvisionError, AsteriskError, RenderError, OSError) as exc:
        print(f"asterisk {action} failed: {exc}")
        return 1


def _install(settings: Settings) -> int:
    install = locate_or_install(settings)
    where = f"root file system {install.root}" if install.root else install.binary
    print(f"Asterisk {install.version} ready: {where}")
    return 0


def _render(settings: Settings) -> int:
    """Render the config only, for an Asterisk run by someone else (a container)."""
    install = locate_or_install(settings, allow_install=False)
    rendered = render(settings, install)
    print(f"Asterisk config rendered: asterisk -C {rendered.asterisk_conf} -f")
    return 0


def _start(settings: Settings) -> int:
    process = AsteriskProcess(settings)
    rendered = process.start()
    ast = settings.asterisk
    print(f"Asterisk running (pid {process.processes()[0]}), config in {rendered.base_dir}")
    print(
        f"  SIP udp {ast.host}:{ast.sip_port}  ARI {rendered.credentials.ari_url}  "
        f"AMI {ast.host}:{ast.ami_port}  RTP {ast.rtp_port_start}-{ast.rtp_port_end}"
    )
    print(f"  credentials in {rendered.runtime_dir / 'credentials.json'}")
    return 0


def _stop(settings: Settings) -> int:
    stopped = AsteriskProcess(settings).stop()
    print("Asterisk stopped" if stopped else "Asterisk was not running")
    return 0


def _status(settings: Settings) -> int:
    status = AsteriskProcess(settings).status()
    if not status["running"]:
        print(f"Asterisk is not running (runtime dir {status['runtime_dir']})")
        return 3
    print(f"Asterisk {status['version']} running, pid {status['pid']}")
    print(
        f"  SIP {status['host']}:{status['sip_port']}  ARI port {status['ari_port']}  "
        f"AMI port {status['ami_port']}  RTP {status['rtp_ports']}"
    )
    return 0
