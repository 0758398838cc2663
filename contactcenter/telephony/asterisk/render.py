"""Render the templates in ``asterisk/`` into a runtime folder of this run.

Each render makes fresh ARI and AMI secrets and writes them, mode 0600, to
``<runtime_dir>/credentials.json``; the templates hold placeholders only. With a
chroot, Asterisk's own folders live inside the root file system (one per
runtime dir, so that instances run side by side) and the runtime dir keeps a
pointer to them in ``runtime.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from string import Template

from contactcenter.config.settings import AgentSettings, Settings
from contactcenter.telephony.asterisk.dtls import CertificateError, dtls_options
from contactcenter.telephony.asterisk.provision import AsteriskInstall
from contactcenter.webcall.dialplan import contexts as web_contexts

TEMPLATE_DIR = Path(__file__).resolve().parents[3] / "asterisk"
CREDENTIALS_FILE = "credentials.json"
POINTER_FILE = "runtime.json"
ARI_USER = "contactcenter"
AMI_USER = "contactcenter"
#: Asterisk's own folders under the runtime base
FOLDERS = ("etc", "run", "log", "lib", "lib/cache", "spool", "spool/recording")
#: a unix socket path longer than this does not fit in sockaddr_un
MAX_SOCKET_PATH = 100


class RenderError(ValueError):
    """A setting cannot be written into Asterisk's config; says which and why."""


@dataclass(frozen=True)
class Credentials:
    """How the platform reaches this run's Asterisk."""

    ari_url: str
    """HTTP base of ARI, without ``/ari`` (e.g. ``http://127.0.0.1:8088``)."""
    ari_user: str
    ari_password: str
    ami_host: str
    ami_port: int
    ami_user: str
    ami_password: str
    app: str


@dataclass(frozen=True)
class RenderedConfig:
    """Where a render put things, on the host and as Asterisk sees them."""

    runtime_dir: Path
    """The settings' runtime dir (host path): credentials, pointer, pid and output."""
    base_dir: Path
    """Asterisk's own folders (etc, run, log, lib, spool) on the host."""
    inner_base: str
    """The same folder as Asterisk sees it (inside the chroot, if any)."""
    root: Path | None
    credentials: Credentials

    @property
    def asterisk_conf(self) -> str:
        """The ``-C`` argument, as Asterisk sees it."""
        return f"{self.inner_base}/etc/asterisk.conf"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "log" / "messages"


def runtime_dir(settings: Settings) -> Path:
    return settings.asterisk_runtime_dir.absolute()


def layout(settings: Settings, install: AsteriskInstall) -> tuple[Path, str]:
    """(host path, path as Asterisk sees it) of the folder Asterisk's files go in."""
    runtime = runtime_dir(settings)
    if install.root is None:
        return runtime, str(runtime)
    tag = hashlib.sha256(str(runtime).encode()).hexdigest()[:12]
    inner = f"/srv/cc/{tag}"
    return install.host_path(inner), inner


def render(settings: Settings, install: AsteriskInstall) -> RenderedConfig:
    """Write every template and fresh secrets; return where they went."""
    base_dir, inner_base = layout(settings, install)
    runtime = runtime_dir(settings)
    run_dir = _run_dir(inner_base)
    for folder in FOLDERS:
        (base_dir / folder).mkdir(parents=True, exist_ok=True)
    install.host_path(run_dir).mkdir(parents=True, exist_ok=True)
    runtime.mkdir(parents=True, exist_ok=True)
    credentials = _new_credentials(settings)
    try:  # the browser phones' media certificate, fresh like the secrets
        dtls = dtls_options(base_dir, inner_base)
    except CertificateError as exc:
        raise RenderError(str(exc)) from None
    values = _values(settings, install, inner_base, run_dir, credentials, dtls)
    _write_configs(base_dir / "etc", values)
    rendered = RenderedConfig(runtime, base_dir, inner_base, install.root, credentials)
    _write_private(runtime / CREDENTIALS_FILE, json.dumps(asdict(credentials), indent=2))
    _write_pointer(rendered, install, run_dir)
    return rendered


def _run_dir(inner_base: str) -> str:
    """The control socket's folder; a short one if the base path is too long for it."""
    run_dir = f"{inner_base}/run"
    if len(f"{run_dir}/asterisk.ctl") <= MAX_SOCKET_PATH:
        return run_dir
    tag = hashlib.sha256(inner_base.encode()).hexdigest()[:12]
    return f"/tmp/cc-asterisk-{tag}"


def _new_credentials(settings: Settings) -> Credentials:
    ast = settings.asterisk
    host = f"[{ast.host}]" if ":" in ast.host else ast.host
    return Credentials(
        ari_url=f"http://{host}:{ast.ari_port}",
        ari_user=ARI_USER,
        ari_password=secrets.token_urlsafe(24),
        ami_host=ast.host,
        ami_port=ast.ami_port,
        ami_user=AMI_USER,
        ami_password=secrets.token_urlsafe(24),
        app=ast.app,
    )


def _values(
    settings: Settings,
    install: AsteriskInstall,
    inner_base: str,
    run_dir: str,
    credentials: Credentials,
    dtls: str,
) -> dict[str, str]:
    """Every placeholder of the templates: listeners, secrets, folders, sections."""
    ast = settings.asterisk
    values = {
        "host": conf_value(ast.host, "asterisk.host"),
        "sip_port": str(ast.sip_port),
        "ari_port": str(ast.ari_port),
        "ami_port": str(ast.ami_port),
        "rtp_start": str(ast.rtp_port_start),
        "rtp_end": str(ast.rtp_port_end),
        "app": dialplan_word(ast.app, "asterisk.app"),
        "ari_user": credentials.ari_user,
        "ari_password": credentials.ari_password,
        "ami_user": credentials.ami_user,
        "ami_password": credentials.ami_password,
        "dtls": dtls,
        **_folders(install, inner_base, run_dir),
    }
    return {**values, **_sections(settings, values)}


def _sections(settings: Settings, values: dict[str, str]) -> dict[str, str]:
    """The parts repeated per agent, number or target, made from the single values."""
    # a supervisor's phone (a user of another role linked to it) takes no queue's calls
    others = {user.agent for user in settings.users if user.role != "agent" and user.agent}
    web = settings.web_calls  # a web visitor's one-time endpoint reaches its target only
    return {
        "agents": "".join(_agent_endpoint(agent, values) for agent in settings.agents),
        "ivr_numbers": "".join(_ivr_number(number, values["app"])
                               for number in settings.ivr.numbers),
        "agent_numbers": "".join(_part("extensions-agent-number.conf", {"id": agent.id})
                                 for agent in settings.agents),
        "queue_members": queue_members(
            [agent for agent in settings.agents if agent.id not in others]),
        "outbound": _outbound(settings, values),
        "web_calls": web_contexts(web.targets if web else (), values["app"]),
    }


def _ivr_number(number: str, app: str) -> str:
    """The dialplan extension that hands a call to this number's IVR flow in ``app``."""
    return _part("extensions-ivr-number.conf",
                 {"number": dialplan_word(number, "ivr.numbers"), "app": app})


def _folders(install: AsteriskInstall, inner_base: str, run_dir: str) -> dict[str, str]:
    """This run's own folders, and the distro's for sounds, hold music and modules."""
    data_dir = distro_data_dir(install)
    return {
        "etc_dir": f"{inner_base}/etc",
        "run_dir": run_dir,
        "log_dir": f"{inner_base}/log",
        "lib_dir": f"{inner_base}/lib",
        "cache_dir": f"{inner_base}/lib/cache",
        "spool_dir": f"{inner_base}/spool",
        "data_dir": data_dir,
        "moh_dir": f"{data_dir}/moh",
        "module_dir": distro_module_dir(install),
    }


def _outbound(settings: Settings, values: dict[str, str]) -> str:
    """The ``customers`` endpoint that callbacks and click-to-talk dial out through."""
    ast = settings.asterisk
    if ast.outbound_host is None:
        return ""
    host = conf_value(ast.outbound_host, "asterisk.outbound_host")
    return _part("pjsip-outbound.conf", {"outbound_host": host, "host": values["host"],
                                         "outbound_port": str(ast.outbound_port)})


def _agent_endpoint(agent: AgentSettings, values: dict[str, str]) -> str:
    """The agent's SIP phone endpoint, and ``<id>-web`` for the desktop's browser phone."""
    name = (agent.name or agent.id).replace('"', "'")
    fields = {
        "id": agent.id,
        "name": conf_value(name, f"agents.{agent.id}.name"),
        "password": conf_value(agent.sip_password, f"agents.{agent.id}.sip_password"),
        "host": values["host"],
        "dtls": values["dtls"],
    }
    return _part("pjsip-agent.conf", fields) + _part("pjsip-agent-web.conf", fields)


def queue_members(agents: list[AgentSettings]) -> str:
    """The ``member =>`` lines of queues.conf's baseline queue (number 6100): every agent's
    endpoint, so that a benchmark pits Asterisk's own ``Queue()`` against the platform's
    ACD on the very same phones. The id doubles as the member name (no commas in it)."""
    return "".join(f"member => PJSIP/{agent.id},0,{agent.id}\n" for agent in agents)


def _part(name: str, values: dict[str, str]) -> str:
    return Template((TEMPLATE_DIR / "parts" / name).read_text()).substitute(values)


def conf_value(value: str, field: str) -> str:
    """A value for an Asterisk config line: ``;`` starts a comment unless escaped."""
    if any(ord(char) < 32 for char in value):
        raise RenderError(f"{field}: control characters cannot go into Asterisk's config")
    return value.replace("\\", "\\\\").replace(";", "\\;")


def dialplan_word(value: str, field: str) -> str:
    """A dialplan extension or app name: nothing that the parser would split on."""
    if not value or any(not (char.isalnum() or char in "+*#_-.") for char in value):
        raise RenderError(f"{field}: {value!r} is not a valid dialplan name")
    return value


def _write_configs(etc_dir: Path, values: dict[str, str]) -> None:
    for stale in etc_dir.glob("*.conf"):
        stale.unlink()
    etc_dir.chmod(0o700)  # ari.conf and manager.conf hold secrets
    for template in sorted(TEMPLATE_DIR.glob("*.conf")):
        text = Template(template.read_text()).substitute(values)
        _write_private(etc_dir / template.name, text)


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, atomically."""
    temp = path.with_name(f".{path.name}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(temp, 0o600)
    os.replace(temp, path)


def _write_pointer(rendered: RenderedConfig, install: AsteriskInstall, run_dir: str) -> None:
    pointer = {
        "root": str(install.root) if install.root else None,
        "binary": install.binary,
        "version": install.version,
        "base_dir": str(rendered.base_dir),
        "inner_base": rendered.inner_base,
        "run_dir": run_dir,
        "asterisk_conf": rendered.asterisk_conf,
    }
    _write_private(rendered.runtime_dir / POINTER_FILE, json.dumps(pointer, indent=2))


def read_credentials(settings: Settings) -> Credentials:
    """The credentials of the last render for these settings."""
    path = runtime_dir(settings) / CREDENTIALS_FILE
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path} does not exist: start Asterisk first (`contactcenter asterisk start`)"
        ) from None
    return Credentials(**data)


def read_pointer(settings: Settings) -> dict[str, str | None] | None:
    """What the last render recorded about where Asterisk's files are, if any."""
    try:
        return json.loads((runtime_dir(settings) / POINTER_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return None


def distro_data_dir(install: AsteriskInstall) -> str:
    """The distro's data folder (sounds, moh, rest-api): Debian's, or a source build's."""
    for candidate in ("/usr/share/asterisk", "/var/lib/asterisk", "/usr/local/share/asterisk"):
        if (install.host_path(candidate) / "sounds").is_dir():
            return candidate
    raise RenderError("cannot find Asterisk's sounds (looked in /usr/share and /var/lib)")


def distro_module_dir(install: AsteriskInstall) -> str:
    """The module folder; Debian puts it under a multiarch triplet we do not hard-code."""
    root = install.host_path("/")
    patterns = (
        "usr/lib/*/asterisk/modules",
        "usr/lib/asterisk/modules",
        "usr/lib64/asterisk/modules",
        "usr/local/lib/asterisk/modules",
    )
    for pattern in patterns:
        for found in sorted(root.glob(pattern)):
            if (found / "chan_pjsip.so").exists():
                return "/" + str(found.relative_to(root))
    raise RenderError("cannot find Asterisk's modules (no chan_pjsip.so under /usr/lib)")


def remove_runtime(settings: Settings, install: AsteriskInstall) -> None:
    """Delete the folder a render made inside a root file system; it outlives the
    runtime dir (tests use this). Asterisk must be stopped first."""
    if install.root is not None:
        base_dir, _ = layout(settings, install)
        shutil.rmtree(base_dir, ignore_errors=True)
