"""Who may do what: role -> resource -> actions, the one table every route is checked against.

Actions are ``read``, ``create``, ``update`` and ``delete``. A resource is a
collection of the API (``contacts``) or a feature (``calls``, ``events``); a
route names the one it touches and the action it takes (``contactcenter.web.
security``), and a route that names none is refused, so a new route cannot be
left open by mistake. Resources listed before their routes exist
(``articles``, ``quotes``, ``segments``) say now who will get them.
"""

from __future__ import annotations

from collections.abc import Mapping

READ = frozenset({"read"})
READ_CREATE = frozenset({"read", "create"})
WORK = frozenset({"read", "create", "update"})
ALL = frozenset({"read", "create", "update", "delete"})
ACTIONS = ALL
#: the calls offered to an agent: screen-pop, script, disposition (the route refuses an
#: agent another agent's call)
DESK = frozenset({"read", "update"})

#: what every signed-in user may do: the screen-pop, the event stream (filtered by role)
#: and the knowledge base
_EVERYONE: dict[str, frozenset[str]] = {"customers": READ, "events": READ, "articles": READ,
                                        "queues": READ}

#: the CRM's operational data, which supervisors read in full
OPERATIONAL = ("accounts", "activities", "articles", "calls", "campaigns", "cases", "contacts",
               "interactions", "invoices", "leads", "metrics", "offers", "opportunities",
               "orders", "products", "quotes", "segments")
#: only admins: the people who sign in and the record of what they changed
ADMINISTRATIVE = ("audit", "users")
#: the analytical CRM: ``analytics`` is its models and dashboards (RFM, lifetime value,
#: churn, uplift, segments, offers; reading them and running them again), ``call_history``
#: the contact center's own history, forecast and staffing
ANALYTICAL = ("analytics", "call_history")

PERMISSIONS: Mapping[str, Mapping[str, frozenset[str]]] = {
    "agent": _EVERYONE | {
        # agents add the unknown caller the screen-pop offers a "new contact" form for
        "contacts": READ_CREATE, "accounts": READ, "interactions": READ, "articles": READ,
        # agents work cases: they open them and move them along
        "cases": WORK, "activities": READ_CREATE,
        # their own state and figures (the route refuses anyone else's)
        "agents": frozenset({"read", "update"}),
        "desk": DESK,
        # a call they place themselves, from their own phone
        "click_to_talk": frozenset({"create"}),
        # hold, transfer, consult on their own calls (the route refuses anyone else's)
        "call_control": frozenset({"read", "update"}),
        # the pages: their own desktop, never the boards
        "desktop": READ,
        # their browser phone's SIP account (the route refuses anyone else's)
        "softphone": READ,
        # the CRM pages (contacts, their timeline, accounts): whoever reads contacts
        "crm_pages": READ,
        # working an outbound campaign from their own phone, and their own seats and
        # previews (the routes refuse anyone else's)
        "dialer_seats": ALL,
        # the recordings of the calls they took (the route refuses any other's)
        "recordings": READ,
        # the voicemail of their own box and their queues' boxes: played, taken, handled
        "voicemail": DESK,
    },
    "sales": _EVERYONE | {
        "leads": ALL, "opportunities": ALL, "accounts": ALL, "contacts": ALL,
        "activities": ALL, "quotes": ALL,
        "products": READ, "orders": READ, "interactions": READ, "metrics": READ,
        "invoices": READ, "offers": READ, "crm_pages": READ,
    },
    "marketing": _EVERYONE | {
        "campaigns": ALL, "segments": ALL, "leads": READ, "products": READ, "metrics": READ,
        "offers": ALL,
        # who is worth what, who is leaving, whom a campaign persuades: theirs to run
        "analytics": READ_CREATE,
        # campaign managers: the dialer's campaigns, started, paused, stopped
        "dialer": ALL,
    },
    "supervisor": _EVERYONE | {name: READ for name in OPERATIONAL} | {
        # supervisors keep the knowledge base their agents and customers read
        "cases": WORK, "activities": READ_CREATE, "articles": ALL,
        "agents": frozenset({"read", "update"}),
        "desk": DESK,
        "click_to_talk": frozenset({"create"}),
        "softphone": READ,  # their own phone's only, like an agent
        "desktop": READ, "boards": READ, "crm_pages": READ,
        # listen to, whisper to, barge into agents' calls
        "monitoring": frozenset({"create"}),
        "call_control": frozenset({"read", "update"}),
        "dialer": frozenset({"read", "update"}), "dialer_seats": ALL,
        "analytics": READ, "call_history": READ,
        # the recordings of their queues' and their agents' calls (the route checks)
        "recordings": READ,
        # their queues' and agents' voicemail: assigned, handled
        "voicemail": DESK,
    },
    # the contact center's manager: the dashboards and every figure behind them, the boards,
    # the CRM read-only; they change no record and take no call
    "manager": _EVERYONE | {name: READ for name in OPERATIONAL} | {
        "analytics": READ_CREATE, "call_history": READ, "boards": READ, "crm_pages": READ,
        "dialer": READ,
    },
    "admin": _EVERYONE | {name: ALL for name in OPERATIONAL + ADMINISTRATIVE + ANALYTICAL}
    | {"desk": DESK, "softphone": READ,
       "agents": frozenset({"read", "update"}), "click_to_talk": frozenset({"create"}),
       "monitoring": frozenset({"create"}), "desktop": READ, "boards": READ,
       "crm_pages": READ, "call_control": frozenset({"read", "update"}),
       "dialer": ALL, "dialer_seats": ALL, "recordings": READ, "voicemail": DESK},
}


def allowed(role: str, resource: str, action: str) -> bool:
    return action in PERMISSIONS.get(role, {}).get(resource, frozenset())


def roles_allowed(resource: str, action: str) -> list[str]:
    """The roles that may take ``action`` on ``resource``, for the API's documentation."""
    return [role for role in PERMISSIONS if allowed(role, resource, action)]
