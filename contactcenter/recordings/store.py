"""The recordings' folder: a name in, a file inside the folder out, or nothing.

Asterisk writes a queue's recording as ``<spool>/recording/<name>.wav``
(``RecordBridge``, ``format=wav``); the name comes from the call's record. A
name is taken only when it is one Asterisk could have written (letters,
digits, ``.``, ``_``, ``-``, no leading dot) and the resolved file sits right
in the folder, so no name, however it reached the database, reads a file
elsewhere (``../``, an absolute path, a symbolic link out of the folder).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from contactcenter.config.settings import Settings

#: what a recording's name may be: the platform's own are ``call-<call id>[-<n>]``
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
SUFFIX = ".wav"


def recordings_folder(settings: Settings) -> Path | None:
    """The folder on this host: the setting, else the managed Asterisk's spool."""
    if settings.recordings.dir is not None:
        return settings.resolve(settings.recordings.dir)
    from contactcenter.telephony.asterisk.render import read_pointer

    pointer = read_pointer(settings)
    base = pointer.get("base_dir") if pointer else None
    return Path(base) / "spool" / "recording" if base else None


@dataclass(frozen=True)
class Recording:
    name: str
    path: Path
    modified: float  #: seconds since the epoch: when Asterisk last wrote to it
    size: int


class RecordingStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_of(self, name: str) -> Path | None:
        """The file of ``name`` if it is a recording's name and inside the folder."""
        if not NAME.fullmatch(name) or ".." in name:
            return None
        path = self.folder / f"{name}{SUFFIX}"
        try:
            real = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if real.parent != self.folder.resolve() or not real.is_file():
            return None
        return real

    def find(self, name: str) -> Recording | None:
        path = self.path_of(name)
        if path is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        return Recording(name, path, stat.st_mtime, stat.st_size)

    def older_than(self, cutoff: float) -> list[Recording]:
        """Recordings last written before ``cutoff`` (seconds since the epoch), oldest
        first."""
        if not self.folder.is_dir():
            return []
        found = []
        for path in self.folder.glob(f"*{SUFFIX}"):
            recording = self.find(path.name[:-len(SUFFIX)])
            if recording is not None and recording.modified < cutoff:
                found.append(recording)
        return sorted(found, key=lambda recording: (recording.modified, recording.name))

    def delete(self, recording: Recording) -> bool:
        """Remove the recording's name from the folder; False when it was gone already.

        The name, not the file it resolves to: a name that is a link to another
        recording's file removes the link, and that recording goes in its own time
        with its own entry in the audit log."""
        try:
            (self.folder / f"{recording.name}{SUFFIX}").unlink()
        except FileNotFoundError:
            return False
        return True
