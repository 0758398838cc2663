"""The desktop's preview countdown is the dialer core's: the web keeps each record shown
with the deadline the core gave it (the campaign's ``preview_seconds``), and sets no
timer of its own."""

from __future__ import annotations

from contactcenter.engine.outbound_campaigns import Campaigns
from contactcenter.web.pages.campaign_stream import PREVIEW_SECONDS, PreviewClock


async def test_a_preview_counts_down_to_the_cores_deadline() -> None:
    previews = PreviewClock(Campaigns())
    shown = {"type": "dialer.preview", "time": 100.0, "dial_id": "c-1", "agent": "a1",
             "campaign": "c", "deadline": 145.0}
    preview = previews.on_event(shown)
    assert preview is not None and preview["deadline"] == 145.0
    assert previews.of_agent("a1") == [preview] and previews.shown_to("c-1") == "a1"
    assert not previews._timers  # the core dials it at its deadline, not the web
    previews.on_event({"type": "dialer.attempt", "dial_id": "c-1", "agent": "a1"})
    assert previews.of_agent("a1") == [] and previews.shown_to("c-1") == "a1"
    older = previews.on_event({**shown, "dial_id": "c-2", "deadline": None})
    assert older is not None and older["deadline"] == 100.0 + PREVIEW_SECONDS
