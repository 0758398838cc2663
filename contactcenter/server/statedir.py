"""The state folder (``settings.state_dir``) is for the platform's account alone.

It holds the CRM's SQLite database (password hashes, customers' personal data),
the call journal, the agents' states and the key that signs tokens: the folder
is 0700 and each file in it 0600, whatever the umask the platform was started
with. The platform opens its own files with ``private_opener``; files others
create for it (SQLite's ``-journal``, ``-wal`` and ``-shm``, the Asterisk config
rendered at start) follow the process umask, which ``prepare_state_dir`` sets.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
#: new files and folders of the process: nobody but its account reads them
PRIVATE_UMASK = 0o077


def private_opener(path: str, flags: int) -> int:
    """``open(..., opener=private_opener)``: a new file is 0600, an older, looser one is
    made so (when the platform's account owns it)."""
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        tighten(Path(path), fd=fd)
    except BaseException:
        os.close(fd)
        raise
    return fd


def tighten(path: Path, mode: int = PRIVATE_FILE, *, fd: int | None = None) -> None:
    """Take the bits beyond ``mode`` (group's, others') off a file or folder."""
    info = os.fstat(fd) if fd is not None else path.stat()
    current = stat.S_IMODE(info.st_mode)
    if current & ~mode == 0:
        return
    kept = current & mode | (current & 0o100 if mode & 0o700 else 0)  # the owner's x stays
    try:
        if fd is not None:
            os.fchmod(fd, kept)
        else:
            path.chmod(kept)
    except PermissionError:  # another account's file: say so, do not stop the platform
        log.warning("%s is readable by others and not ours to change (mode %o)",
                    path, stat.S_IMODE(info.st_mode))


def private_dir(path: Path) -> None:
    """Make the folder (0700), or take the others' bits off one that exists."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    tighten(path, PRIVATE_DIR)


def prepare_state_dir(path: Path) -> None:
    """Before the platform writes anything: the folder private, the files already in it
    private, and the process umask 077 so that what it creates later is too."""
    os.umask(PRIVATE_UMASK)
    private_dir(path)
    for child in path.iterdir():
        if child.is_file() and not child.is_symlink():
            tighten(child)
