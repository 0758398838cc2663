"""The call scripts the desk runs, loaded at start like the rest of the config."""

from __future__ import annotations

import logging
from collections.abc import Collection

from contactcenter.config.settings import Settings
from contactcenter.scripting import ScriptBook, load_scripts

log = logging.getLogger(__name__)


def desk_scripts(settings: Settings, queues: Collection[str]) -> ScriptBook | None:
    """The settings' scripts, checked against the ACD's queues (ConfigError, naming file,
    line and field, if wrong); None, with a warning, when the folder is not there."""
    folder = settings.resolve(settings.scripts.dir)
    if not folder.is_dir():
        log.warning("no call scripts: %s is not a folder; calls are offered without one",
                    folder)
        return None
    book = load_scripts(folder)
    book.check_queues(queues)
    return book
