"""The campaigns page: every outbound campaign's board for campaign managers, pushed live,
with Start, Pause, Resume and Stop; a form to make a campaign (from a saved segment, the
campaign's members, leads or a CSV file) and to change one; and the one definition of
each figure.

The definitions say what ``contactcenter/engine/campaign_board.py`` computes, in the
words of the people who read the board. The page renders them once, as a definition
list, and its script puts the same text in each figure's ``title`` (from the page
data), so a figure and its meaning cannot drift apart.
"""

from __future__ import annotations

from aiohttp import web

from contactcenter.dialer.campaign_file import MODES, Retries
from contactcenter.web.keys import PRINCIPAL
from contactcenter.web.pages.campaign_stream import ADMIN
from contactcenter.web.pages.metrics import Metric
from contactcenter.web.pages.render import Markup, fill, join, page, tag
from contactcenter.web.pages.views import _who, csrf_for, nav
from contactcenter.web.permissions import allowed
from crm_core.models import LEAD_STATUSES

_LIVE = ("people who answered and were connected to an agent, plus those abandoned; "
         "a call counts when it ends")

#: (group heading, its figures), in the order a card shows them
CAMPAIGN_FIGURES: tuple[tuple[str, tuple[Metric, ...]], ...] = (
    ("Campaign", (
        Metric("state", "State",
               "Whether the campaign dials: idle (loaded, not started), running, paused (no "
               "new dial; dials under way end as they will; a record shown in preview goes "
               "back to the list) or stopped (for good)."),
        Metric("strategy", "Mode",
               "How dials are paced: preview (an agent sees each record and dials or skips "
               "it), progressive (one dial per free agent), power (a set number of dials per "
               "free agent) or predictive (as many dials as keep the expected abandoned rate "
               "under its target)."),
        Metric("lines", "Lines in use",
               "Dials under way now, from the moment the call gate is asked until the call "
               "ends (checking, ringing or answered), out of the campaign's most."),
    )),
    ("Dials", (
        Metric("dialed", "Dialed",
               "Calls placed since the platform started: each one an attempt at a record. A "
               "record skipped in preview or refused by the call gate is not dialed."),
        Metric("ringing", "Ringing now",
               "Dials placed and not answered yet: the network is connecting them or the "
               "phone is ringing."),
        Metric("humans", "Answered by people",
               "Dials that a person answered (machine detection heard a person), whether or "
               "not an agent then took them."),
        Metric("machines", "Answered by machines",
               "Dials an answering machine answered: hung up on, or a message left."),
        Metric("connected", "Connected",
               "People who answered and were bridged to an agent's open line."),
        Metric("busy", "Busy", "Dials that met a busy line."),
        Metric("no_answer", "No answer",
               "Dials nobody answered within the campaign's ring time (15 seconds at "
               "least)."),
        Metric("failed", "Failed",
               "Dials that failed: the network or the number refused them, or the call "
               "ended before machine detection said who had answered."),
    )),
    ("Abandoned", (
        Metric("abandoned", "Abandoned",
               "People who answered and were not talking with an agent within 2 seconds: no "
               "agent was free, the bridge failed, or they hung up first. Each hears who "
               "called and a number to call back."),
        Metric("rate_today", "Abandoned rate today",
               f"Abandoned calls divided by live answers ({_LIVE}) since midnight UTC; "
               "blank before the first live answer."),
        Metric("rate_24h", "Abandoned rate, rolling 24 h",
               f"Abandoned calls divided by live answers ({_LIVE}) in the last 24 hours: "
               "one of the two windows the law measures and the dialer paces against."),
        Metric("rate_30d", "Abandoned rate, rolling 30 days",
               f"Abandoned calls divided by live answers ({_LIVE}) in the last 30 days: the "
               "other window the law measures."),
        Metric("target", "Target",
               "The most the abandoned rate may reach in either rolling window: the "
               "campaign's abandon_target, 3 % at most (16 CFR 310.4(b)(4)(i), Ofcom)."),
    )),
    ("Agents", (
        Metric("agents_by_state", "Agents by state",
               "Agents working the campaign now, by the state of their line: ringing (their "
               "phone rings to join), ready (line open, waiting for a person), talking, "
               "wrap-up, paused."),
        Metric("talk_minutes_per_hour", "Talk minutes per agent hour",
               "Minutes agents talked with people, per hour their line was open, over every "
               "agent's lines since the platform started (lines closed since included); "
               "blank until a line opened."),
    )),
    ("List", (
        Metric("records_left", "Left",
               "Records still to be dialed: due now, due later for a retry, or not yet "
               "due."),
        Metric("records_due_now", "Due now", "Records that may be dialed now."),
        Metric("records_due_for_retry", "Due for retry",
               "Records tried before whose next attempt waits for its retry time."),
        Metric("records_not_yet_due", "Not yet due",
               "Records never tried whose first attempt waits for its time."),
        Metric("records_dialing", "Dialing", "Records with a dial under way now."),
        Metric("records_reached", "Reached",
               "Records whose person answered and talked with an agent: done."),
        Metric("records_exhausted", "Exhausted",
               "Records done without reaching a person: out of attempts, or refused by the "
               "call gate for good (do-not-call, consent)."),
    )),
)
CAMPAIGN_METRICS: tuple[Metric, ...] = tuple(
    metric for _group, metrics in CAMPAIGN_FIGURES for metric in metrics)


def _definitions() -> Markup:
    return join(Markup(tag("dt", m.label, id=f"def-{m.key}") + tag("dd", m.definition))
                for m in CAMPAIGN_METRICS)


#: the outcomes a retry rule is given for (``CampaignSpec.retries``)
RETRIED = ("busy", "no_answer", "machine", "failed", "abandoned")


def _form_options(request: web.Request) -> dict[str, object]:
    """What the new-campaign and edit forms offer, and whether this user may use them
    (the ``dialer`` permission: create for a new campaign, update for a change)."""
    admin = request.app.get(ADMIN)
    role = request[PRINCIPAL].role
    names = admin.options() if admin is not None else {"queues": [], "agents": [],
                                                       "scripts": []}
    return {"modes": list(MODES), "outcomes": list(RETRIED), "lead_statuses": list(
        LEAD_STATUSES), "retry_defaults": Retries().model_dump(), **names,
        "can_create": admin is not None and allowed(role, "dialer", "create"),
        "can_edit": admin is not None and allowed(role, "dialer", "update"),
        "can_read_segments": allowed(role, "segments", "read")}


async def campaigns_page(request: web.Request) -> web.Response:
    figures = [{"group": group, "metrics": [
        {"key": m.key, "label": m.label, "definition": m.definition} for m in metrics]}
        for group, metrics in CAMPAIGN_FIGURES]
    main = fill("campaigns.html", definitions=_definitions())
    data = _who(request) | {"figures": figures, "form": _form_options(request)}
    return page(title="Campaigns", body_class="campaigns", main=main, script="campaigns.js",
                data=data, nav=nav(request, "/campaigns"), csrf=csrf_for(request))
