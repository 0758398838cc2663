"""The agent desktop's server side: screen-pops, call scripts on the call, dispositions.

``Desk`` (``service.py``) is what ``serve`` starts beside the CRM outbox and what the
routes of ``contactcenter.web.desk_routes`` ask; ``ScreenPops`` (``screenpop.py``)
reads the bus and pops each offered call on its agent's desktop. See docs/events.md.
"""

from contactcenter.desk.errors import DeskError
from contactcenter.desk.screenpop import DeskCall, ScreenPops
from contactcenter.desk.service import MAX_NOTES, Desk
from contactcenter.desk.wiring import desk_scripts

__all__ = ["MAX_NOTES", "Desk", "DeskCall", "DeskError", "ScreenPops", "desk_scripts"]
