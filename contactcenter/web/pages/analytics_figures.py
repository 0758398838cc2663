"""The figures the analytics pages draw, each with the definition its doc gives.

The texts are those of docs/call-history.md (the call history's table and the
staffing section) and docs/rfm.md, with the Markdown taken out: the pages show
them, they do not define the figures again. ``tests/crm/test_analytics_export_
definitions.py`` checks that each one is still a passage of its doc, so a change
to the doc that the pages miss fails there.
"""

from __future__ import annotations

from contactcenter.web.pages.metrics import Metric

#: docs/call-history.md, "The figures": per queue or agent and interval
CALL_FIGURES: tuple[Metric, ...] = (
    Metric("offered", "Offered", "calls that reached the queue"),
    Metric("answered", "Answered", "outcome answered"),
    Metric("abandoned", "Abandoned",
           "the caller hung up waiting: outcome abandoned_in_queue (or abandoned, as "
           "imported histories say)"),
    Metric("short_abandoned", "Short abandons",
           "abandoned after waiting less than short_abandon_seconds (default 5)"),
    Metric("other", "Other",
           "offered − answered − abandoned: voicemail, callbacks, overflow to an IVR exit"),
    Metric("answered_within", "Answered within",
           "answered after waiting at most sl_seconds (default 20)"),
    Metric("service_level", "Service level",
           "answered_within / (offered − short_abandoned). Short abandons are left out: a "
           "caller who hangs up within a few seconds (a wrong number, second thoughts) was "
           "never one the agents could answer, and counting them punishes the queue for "
           "nothing. Every other call counts, abandoned or sent to voicemail."),
    Metric("asa", "ASA",
           "average speed of answer: mean wait_seconds of the answered calls"),
    Metric("aht", "AHT",
           "average handle time: mean of talk + wrap-up of the answered calls. The CRM's "
           "talk time runs from answer to hang-up, so it already contains the hold time; "
           "talk + hold + wrap would count hold twice. average_hold shows the hold part"),
    Metric("average_hold", "Average hold", "mean hold_seconds of the answered calls"),
    Metric("abandon_rate", "Abandon rate", "abandoned / offered (short abandons included)"),
    Metric("handle_seconds", "Handle seconds",
           "talk + wrap-up of the answered calls that started in the bucket"),
    Metric("handle_share", "Handle share",
           "handle_seconds / bucket length. Per agent, the share of the interval the agent "
           "spent on the calls that started in it; per queue, the average number of agents "
           "busy with its calls (Erlangs handled)"),
    Metric("busy_seconds", "Busy seconds",
           "the agents' time on a call, in wrap-up, or paused for a call of their own (a "
           "call they placed, a colleague's consultation), within the bucket"),
    Metric("available_seconds", "Available seconds",
           "the agents' time logged in and ready, within the bucket: waiting for a call, "
           "or rung by one not answered yet"),
    Metric("paused_seconds", "Paused seconds",
           "the agents' time on the other pauses (a break, lunch, training): logged in, "
           "not taking calls"),
    Metric("staffed_seconds", "Staffed seconds",
           "busy_seconds + available_seconds: the time the agents could take calls"),
    Metric("occupancy", "Occupancy",
           "busy_seconds / staffed_seconds: the share of their call-taking time the agents "
           "spent on calls. Pauses are left out, as every contact center's occupancy leaves "
           "them out. Per queue, over the time of the agents who were its members then: an "
           "agent of two queues counts in both"),
    Metric("first_contact_resolved", "Resolved first time",
           "answered calls whose caller (the same number) did not call in again (any "
           "inbound voice call) within fcr_days days (default 7) after the call's start"),
    Metric("fcr", "FCR",
           "first_contact_resolved / answered: the common proxy for first-contact "
           "resolution. A call less than fcr_days old may still turn out not resolved; "
           "calls without a caller number never count as resolved"),
)

#: docs/call-history.md, "Staffing per half hour"
STAFFING_FIGURES: tuple[Metric, ...] = (
    Metric("calls", "Calls forecast",
           "A weekly profile scaled by a trending level"),
    Metric("traffic", "Traffic (Erlangs)",
           "traffic A = forecast calls × AHT / 1800 Erlangs, AHT from the history (mean "
           "talk + wrap-up of the answered calls over the same weeks)"),
    Metric("erlang_c_agents", "Erlang C agents",
           "Erlang C (M/M/N, callers wait forever): the fewest agents N with 1 − C(N, A) · "
           "exp(−(N − A) · within / AHT) ≥ target"),
    Metric("erlang_c_service_level", "Erlang C service level",
           "Erlang C ignores that callers hang up, so it overstates the wait under load: "
           "an upper figure"),
    Metric("erlang_c_asa", "Erlang C ASA", "with its service level, ASA and occupancy A / N"),
    Metric("occupancy", "Occupancy", "with its service level, ASA and occupancy A / N"),
    Metric("erlang_a_agents", "Erlang A agents",
           "Erlang A (M/M/N+M, exponential patience): the fewest agents whose service "
           "level, leaving out the callers who hang up within short_abandon_seconds (as the "
           "history's does), reaches the target"),
    Metric("erlang_a_service_level", "Erlang A service level",
           "leaving out the callers who hang up within short_abandon_seconds (as the "
           "history's does)"),
    Metric("erlang_a_abandon", "Erlang A abandons",
           "with its share of callers who abandon"),
)

#: docs/rfm.md, "The figures"
RFM_FIGURES: tuple[Metric, ...] = (
    Metric("recency", "Recency",
           "whole days from the day (UTC) of the contact's last counted order to the as-of "
           "day; 0 for an order that day"),
    Metric("frequency", "Frequency", "the number of counted orders"),
    Metric("monetary", "Monetary", "the total of those orders"),
    Metric("score", "Scores",
           "on each figure the worst fifth scores 1 and the best fifth scores 5"),
)

#: the last lifetime value and churn run, as the scores routes' API document has it
#: (``contactcenter/web/score_routes.py``)
SCORE_FIGURES: tuple[Metric, ...] = (
    Metric("horizon_days", "Horizon (days)", "days ahead the value and purchases cover"),
    Metric("window_days", "Lapsed after (days)",
           "days without an order that make a customer lapsed"),
    Metric("auc", "Attrition model AUC", "the attrition model's held-out AUC"),
    Metric("p_alive_auc", "1 − P(alive) AUC",
           "1 - P(alive)'s AUC on the same held-out customers"),
)

#: which doc each group's texts come from (the definitions test reads them)
SOURCES = {"docs/call-history.md": CALL_FIGURES + STAFFING_FIGURES,
           "docs/rfm.md": RFM_FIGURES}
#: and which module's API document
API_SOURCES = {"contactcenter.web.score_routes": SCORE_FIGURES}
