"""Start, watch and stop the Asterisk of one runtime dir.

Asterisk runs in the foreground (``-f``) in a session of its own, so that it
outlives ``contactcenter asterisk start`` and a stop can signal its whole
process group. Everything a later stop or status needs is found again from
the settings: the pid file and the pointer that ``render`` leaves in the
runtime dir.
"""

from __future__ import annotations

import base64
import itertools
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from contactcenter.config.settings import Settings
from contactcenter.telephony.asterisk.provision import AsteriskInstall, Log, locate_or_install
from contactcenter.telephony.asterisk.render import (
    Credentials,
    RenderedConfig,
    read_credentials,
    read_pointer,
    render,
    runtime_dir,
)

PID_FILE = "asterisk.pid"
OUTPUT_FILE = "asterisk.out"


class AsteriskError(RuntimeError):
    """Asterisk did not start, stop or answer; the message carries its log's tail."""


class AsteriskProcess:
    """The managed Asterisk of ``settings.asterisk_runtime_dir``."""

    def __init__(
        self, settings: Settings, install: AsteriskInstall | None = None, *, log: Log = print
    ) -> None:
        self.settings = settings
        self._install = install
        self._log = log
        self._child: subprocess.Popen[bytes] | None = None
        self._log_offset = 0
        self.runtime_dir = runtime_dir(settings)

    @property
    def pid_file(self) -> Path:
        return self.runtime_dir / PID_FILE

    @property
    def output_file(self) -> Path:
        return self.runtime_dir / OUTPUT_FILE

    def install(self) -> AsteriskInstall:
        if self._install is None:
            self._install = locate_or_install(self.settings, log=self._log)
        return self._install

    def start(self, timeout: float = 60) -> RenderedConfig:
        """Render fresh config and secrets, spawn Asterisk, return once it serves."""
        replacing = bool(self.processes())
        if replacing:
            self._log(f"Stopping the Asterisk still running from {self.runtime_dir}")
            self.stop()
        install = self.install()
        rendered = render(self.settings, install)
        # a stopped Asterisk's main thread can be a zombie while its other threads
        # still hold the sockets for a moment: give its ports a few seconds to free
        _wait_ports_free(self.settings, 5.0 if replacing else 0.0)
        deadline = time.monotonic() + timeout
        self._log_offset = _size(rendered.log_file)  # Asterisk appends; show this run only
        self._spawn(install, rendered)
        try:
            self._wait_ready(rendered, deadline)
        except AsteriskError as exc:
            tail = self._log_tail(rendered)
            self.stop()
            raise AsteriskError(f"{exc}\n{tail}") from None
        return rendered

    def _spawn(self, install: AsteriskInstall, rendered: RenderedConfig) -> None:
        with open(self.output_file, "wb") as out:
            self._child = subprocess.Popen(
                install.command("-C", rendered.asterisk_conf, "-f"),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop signals all of it
                cwd=rendered.base_dir if install.root is None else "/",
            )
        self.pid_file.write_text(f"{self._child.pid}\n")

    def _wait_ready(self, rendered: RenderedConfig, deadline: float) -> None:
        """Fully booted, then ARI answers and AMI takes a login."""
        creds = rendered.credentials
        checks = (
            ("finish booting", lambda: self._rx_ok("core waitfullybooted", deadline)),
            ("answer ARI", lambda: ari_info(creds) is not None),
            ("accept an AMI login", lambda: ami_login_ok(creds)),
        )
        for what, check in checks:
            while not check():
                if self._child is not None and self._child.poll() is not None:
                    code = self._child.returncode
                    raise AsteriskError(f"Asterisk exited with code {code} before it could {what}")
                if time.monotonic() > deadline:
                    raise AsteriskError(f"Asterisk did not {what} in time")
                time.sleep(0.05)

    def _rx_ok(self, command: str, deadline: float) -> bool:
        try:
            self.rx(command, timeout=max(1.0, deadline - time.monotonic()))
        except AsteriskError:
            return False
        return True

    def stop(self, timeout: float = 10) -> bool:
        """``core stop now``, then SIGTERM, then SIGKILL; True if one was running."""
        pids = self.processes()
        if pids:
            try:
                self.rx("core stop now", timeout=min(3.0, timeout / 2))
            except AsteriskError:
                pass  # not answering: the signals below do it
            deadline = time.monotonic() + timeout / 2
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if self._wait_gone(pids, deadline):
                    break
                for pid in self._alive(pids):
                    _kill_group(pid, sig)
                deadline = time.monotonic() + timeout / 4
            if not self._wait_gone(pids, time.monotonic() + 2):
                raise AsteriskError(f"Asterisk pids {self._alive(pids)} survived SIGKILL")
        self.pid_file.unlink(missing_ok=True)
        self._child = None
        return bool(pids)

    def _wait_gone(self, pids: list[int], deadline: float) -> bool:
        while self._alive(pids):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _alive(self, pids: list[int]) -> list[int]:
        if self._child is not None:
            self._child.poll()  # reap our own child, or it lingers as a zombie
        return [pid for pid in pids if _is_running(pid)]

    def processes(self) -> list[int]:
        """Pids of the Asterisk servers (not ``-rx`` clients) of this runtime dir."""
        conf = self._asterisk_conf()
        if conf is None:
            return []
        return [pid for pid in _all_pids() if _is_server_of(pid, conf)]

    def status(self) -> dict[str, Any]:
        """Whether it runs, its pid and version, and the ports of the settings."""
        ast = self.settings.asterisk
        pids = self.processes()
        pointer = read_pointer(self.settings) or {}
        version = pointer.get("version")
        if pids:
            info = ari_info(read_credentials(self.settings))
            if info is not None:
                version = info.get("system", {}).get("version", version)
        return {
            "running": bool(pids),
            "pid": pids[0] if pids else None,
            "version": version,
            "host": ast.host,
            "sip_port": ast.sip_port,
            "ari_port": ast.ari_port,
            "ami_port": ast.ami_port,
            "rtp_ports": f"{ast.rtp_port_start}-{ast.rtp_port_end}",
            "runtime_dir": str(self.runtime_dir),
        }

    def rx(self, command: str, timeout: float = 10) -> str:
        """Run one CLI command in the running Asterisk (``asterisk -rx``); its output."""
        conf = self._asterisk_conf()
        install = self._pointer_install()
        if conf is None or install is None:
            raise AsteriskError(f"nothing rendered in {self.runtime_dir}: start Asterisk first")
        try:
            result = subprocess.run(
                install.command("-C", conf, "-rx", command),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise AsteriskError(f"asterisk -rx {command!r} timed out") from None
        if result.returncode != 0:
            raise AsteriskError(
                f"asterisk -rx {command!r}: {(result.stdout + result.stderr).strip()}"
            )
        return result.stdout

    def _asterisk_conf(self) -> str | None:
        pointer = read_pointer(self.settings)
        return None if pointer is None else pointer.get("asterisk_conf")

    def _pointer_install(self) -> AsteriskInstall | None:
        """The install of the last render, which is the one a running Asterisk uses."""
        pointer = read_pointer(self.settings)
        if pointer is None:
            return None
        root = pointer.get("root")
        return AsteriskInstall(
            root=Path(root) if root else None,
            binary=str(pointer["binary"]),
            version=str(pointer.get("version") or ""),
        )

    def _log_tail(self, rendered: RenderedConfig, lines: int = 25) -> str:
        parts = []
        for path, offset in ((self.output_file, 0), (rendered.log_file, self._log_offset)):
            try:
                with open(path, "rb") as handle:
                    handle.seek(offset)
                    text = handle.read().decode(errors="replace").splitlines()[-lines:]
            except OSError:
                continue
            if text:
                parts.append(f"--- last lines of {path}:\n" + "\n".join(text))
        return "\n".join(parts) or f"(no output in {self.output_file} or {rendered.log_file})"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def ari_info(creds: Credentials, timeout: float = 2) -> dict[str, Any] | None:
    """``GET /ari/asterisk/info`` with the credentials; None unless it answers 200."""
    token = base64.b64encode(f"{creds.ari_user}:{creds.ari_password}".encode()).decode()
    request = urllib.request.Request(
        f"{creds.ari_url}/ari/asterisk/info", headers={"Authorization": f"Basic {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status != 200:
                return None
            return json.loads(response.read())
    except (OSError, ValueError, urllib.error.URLError):
        return None


def ami_login_ok(creds: Credentials, timeout: float = 2) -> bool:
    """Whether AMI accepts a login with the credentials (then logs off)."""
    login = f"Action: Login\r\nUsername: {creds.ami_user}\r\nSecret: {creds.ami_password}\r\n\r\n"
    try:
        with socket.create_connection((creds.ami_host, creds.ami_port), timeout=timeout) as sock:
            reply = _ami_exchange(sock, login)
            sock.sendall(b"Action: Logoff\r\n\r\n")
    except OSError:
        return False
    return "Response: Success" in reply


def _ami_exchange(sock: socket.socket, message: str) -> str:
    """Send one action; read until the end of its reply (a blank line)."""
    received = b""
    while b"\r\n" not in received:  # the banner line comes first
        chunk = sock.recv(4096)
        if not chunk:
            return ""
        received += chunk
    sock.sendall(message.encode())
    reply = received.split(b"\r\n", 1)[1]
    while b"\r\n\r\n" not in reply:
        chunk = sock.recv(4096)
        if not chunk:
            break
        reply += chunk
    return reply.decode(errors="replace")


def _wait_ports_free(settings: Settings, patience: float) -> None:
    deadline = time.monotonic() + patience
    while True:
        try:
            _check_ports_free(settings)
            return
        except AsteriskError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def _check_ports_free(settings: Settings) -> None:
    """Fail before spawning if a listener port is taken: Asterisk would only log it."""
    ast = settings.asterisk
    wanted = (
        ("SIP", socket.SOCK_DGRAM, ast.sip_port),
        ("ARI", socket.SOCK_STREAM, ast.ari_port),
        ("AMI", socket.SOCK_STREAM, ast.ami_port),
    )
    for name, kind, port in wanted:
        family = socket.AF_INET6 if ":" in ast.host else socket.AF_INET
        with socket.socket(family, kind) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((ast.host, port))
            except OSError as exc:
                raise AsteriskError(
                    f"{name} port {ast.host}:{port} is taken ({exc.strerror}); "
                    "choose another in the settings"
                ) from None


def _all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _is_server_of(pid: int, conf: str) -> bool:
    """An ``asterisk -C conf`` that is not a remote console (``-r``, ``-rx``)."""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    argv = [arg.decode(errors="replace") for arg in args if arg]
    if not argv or not os.path.basename(argv[0]).startswith("asterisk"):
        return False
    remote = any(arg.startswith("-") and "r" in arg.lower() for arg in argv[1:] if arg != conf)
    return not remote and any(a == "-C" and b == conf for a, b in itertools.pairwise(argv))


def _is_running(pid: int) -> bool:
    """Alive and not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _kill_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass
