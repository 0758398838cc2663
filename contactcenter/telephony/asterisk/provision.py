"""Find an Asterisk 20+ to run, or build one in a cached Debian sid root file system.

A system ``asterisk`` on PATH wins. Otherwise ``debootstrap`` builds a minimal sid
root file system once per recipe; it is cached outside the repo and run with
``chroot ROOT asterisk -C CONF -f``. The chroot shares the host's network, so
loopback ports work from outside it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from contactcenter.config.settings import Settings

MIN_MAJOR = 20
SUITE = "sid"
VARIANT = "minbase"
PACKAGES = (
    "asterisk",
    "asterisk-modules",
    "asterisk-core-sounds-en-gsm",
    "asterisk-moh-opsound-gsm",
)
#: bump when the steps in ``_finish_rootfs`` change, so that caches are rebuilt
RECIPE_VERSION = "1"
MARKER = ".contactcenter-rootfs.json"
CHROOT_BINARY = "/usr/sbin/asterisk"

Log = Callable[[str], None]


class ProvisionError(RuntimeError):
    """No Asterisk can be run here; the message says what to install or do."""


@dataclass(frozen=True)
class AsteriskInstall:
    """An Asterisk that can be started: a system binary, or one inside a chroot."""

    root: Path | None
    """The root file system to chroot into; None for a system asterisk."""
    binary: str
    """The asterisk binary (a path inside ``root`` for a chroot)."""
    version: str

    def command(self, *args: str) -> list[str]:
        """The argv that runs asterisk with ``args``, through chroot if needed."""
        if self.root is None:
            return [self.binary, *args]
        return ["chroot", str(self.root), self.binary, *args]

    def host_path(self, inner: str | Path) -> Path:
        """Where a path as Asterisk sees it lives on the host."""
        inner = Path(inner)
        if self.root is None:
            return inner
        return self.root / inner.relative_to("/")


def recipe_key() -> str:
    """A short hash of everything that decides what the root file system holds."""
    recipe = {
        "suite": SUITE,
        "variant": VARIANT,
        "packages": sorted(PACKAGES),
        "recipe": RECIPE_VERSION,
    }
    digest = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()
    return digest[:12]


def rootfs_path(settings: Settings) -> Path:
    """The cached root file system for the current recipe."""
    return settings.asterisk_cache_dir.absolute() / "asterisk-rootfs" / recipe_key()


def parse_version(text: str) -> tuple[str, int] | None:
    """``Asterisk 22.10.1+dfsg...`` -> ("22.10.1+dfsg...", 22)."""
    match = re.search(r"Asterisk\s+((\d+)\.\S*)", text)
    if match is None:
        return None
    return match.group(1), int(match.group(2))


def system_asterisk() -> tuple[AsteriskInstall | None, str]:
    """The asterisk on PATH if it is new enough, and a note on why not otherwise."""
    binary = shutil.which("asterisk")
    if binary is None:
        return None, "no asterisk on PATH"
    try:
        out = subprocess.run(
            [binary, "-V"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"{binary} -V failed: {exc}"
    parsed = parse_version(out)
    if parsed is None:
        return None, f"{binary} -V printed no version: {out.strip()!r}"
    version, major = parsed
    if major < MIN_MAJOR:
        return None, f"{binary} is Asterisk {version}, older than {MIN_MAJOR}"
    return AsteriskInstall(root=None, binary=binary, version=version), ""


def cached_rootfs(settings: Settings) -> AsteriskInstall | None:
    """The cached root file system, if a complete one exists."""
    root = rootfs_path(settings)
    try:
        marker = json.loads((root / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return AsteriskInstall(root=root, binary=CHROOT_BINARY, version=marker["version"])


def locate_or_install(
    settings: Settings, *, allow_install: bool = True, log: Log = print
) -> AsteriskInstall:
    """The Asterisk to run: the system's, the cached root file system, or a new build."""
    found, why_not = system_asterisk()
    if found is not None:
        return found
    cached = cached_rootfs(settings)
    is_root = os.geteuid() == 0
    if cached is not None and is_root:
        write_hosts(cached.root)  # type: ignore[arg-type]
        return cached
    _check_can_build(cached, is_root, allow_install, why_not)
    return build_rootfs(settings, log=log)


def _check_can_build(
    cached: AsteriskInstall | None, is_root: bool, allow_install: bool, why_not: str
) -> None:
    install_hint = (
        f"install Asterisk {MIN_MAJOR}+ (`apt-get install asterisk`), or run as root so "
        "that debootstrap can build a Debian sid root file system with it"
    )
    if cached is not None and not is_root:
        raise ProvisionError(
            f"{why_not}; a cached Asterisk root file system exists at {cached.root}, "
            f"but chroot needs root: {install_hint}"
        )
    if not allow_install:
        raise ProvisionError(
            f"{why_not} and no cached root file system; run `contactcenter asterisk install` "
            f"or {install_hint}"
        )
    missing = [tool for tool in ("debootstrap", "chroot") if shutil.which(tool) is None]
    if not is_root:
        also = f" (with {', '.join(missing)} installed)" if missing else ""
        raise ProvisionError(f"{why_not}; {install_hint}{also}")
    if missing:
        raise ProvisionError(
            f"{why_not}; building the root file system needs {' and '.join(missing)}: "
            f"`apt-get install debootstrap coreutils`, or {install_hint}"
        )


def build_rootfs(settings: Settings, *, log: Log = print) -> AsteriskInstall:
    """Build the root file system once: locked, into a temp dir, renamed when done."""
    final = rootfs_path(settings)
    final.parent.mkdir(parents=True, exist_ok=True)
    with _locked(final.parent / f"{final.name}.lock"):
        cached = cached_rootfs(settings)
        if cached is not None:  # another process finished it while we waited
            return cached
        _remove_tree(final)  # an incomplete one, without its marker
        building = final.parent / f"{final.name}.building"
        _remove_tree(building)  # left behind by a build that died
        log(f"Building the Asterisk root file system in {final} (debootstrap, about a minute)")
        started = time.monotonic()
        _debootstrap(building, final.parent / f"{final.name}.log")
        version = _finish_rootfs(building)
        os.rename(building, final)
        log(f"Built Asterisk {version} in {time.monotonic() - started:.0f} s")
    return AsteriskInstall(root=final, binary=CHROOT_BINARY, version=version)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _debootstrap(target: Path, log_file: Path) -> None:
    command = [
        "debootstrap",
        f"--variant={VARIANT}",
        f"--include={','.join(PACKAGES)}",
        SUITE,
        str(target),
    ]
    with open(log_file, "w") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False)
    if result.returncode != 0:
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-20:])
        _remove_tree(target)
        raise ProvisionError(
            f"debootstrap failed with exit code {result.returncode} (full log: {log_file}):\n{tail}"
        )


def _finish_rootfs(root: Path) -> str:
    """Post-install steps (covered by RECIPE_VERSION); returns the Asterisk version."""
    for deb in (root / "var/cache/apt/archives").glob("*.deb"):
        deb.unlink()
    (root / "srv/cc").mkdir(parents=True, exist_ok=True)
    write_hosts(root)
    out = subprocess.run(
        ["chroot", str(root), CHROOT_BINARY, "-V"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout
    parsed = parse_version(out)
    if parsed is None:
        raise ProvisionError(f"the new root file system's asterisk printed no version: {out!r}")
    version, major = parsed
    if major < MIN_MAJOR:
        raise ProvisionError(f"Debian {SUITE} gave Asterisk {version}, older than {MIN_MAJOR}")
    marker = {"version": version, "key": recipe_key(), "packages": list(PACKAGES)}
    (root / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
    return version


def write_hosts(root: Path) -> None:
    """Answer Asterisk's name lookups from a file: DNS inside the chroot stalls calls."""
    name = socket.gethostname()
    text = f"127.0.0.1\tlocalhost\n127.0.1.1\t{name}\n::1\tlocalhost ip6-localhost ip6-loopback\n"
    hosts = root / "etc/hosts"
    try:
        if hosts.read_text() == text:
            return
    except OSError:
        pass
    hosts.write_text(text)


def _mounts_under(path: Path) -> list[str]:
    prefix = str(path.absolute()).rstrip("/") + "/"
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return []
    points = [line.split()[1].replace("\\040", " ") for line in lines if len(line.split()) > 1]
    return [point for point in points if point.startswith(prefix)]


def _remove_tree(path: Path) -> None:
    """Remove a (half-built) root file system, never through a mount it still has."""
    if not path.exists():
        return
    for point in sorted(_mounts_under(path), reverse=True):
        subprocess.run(["umount", "-l", point], capture_output=True, check=False)
    left = _mounts_under(path)
    if left:
        raise ProvisionError(f"{path} still has mounts ({', '.join(left)}); unmount them first")
    shutil.rmtree(path)
