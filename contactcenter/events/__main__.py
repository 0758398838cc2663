"""``python -m contactcenter.events``: write the catalogue's table into docs/events.md."""

from __future__ import annotations

import sys
from pathlib import Path

from contactcenter.events.docs import EVENTS_DOC, with_table

if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else EVENTS_DOC
    path.write_text(with_table(path.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"{path}: the event table written from the catalogue")
