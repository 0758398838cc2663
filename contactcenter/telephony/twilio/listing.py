"""Asking Twilio, at start, which calls and conferences are in progress (the I/O half of
``resync.py``): every page of each list, followed by its ``next_page_uri``.

Requests (https://www.twilio.com/docs/voice/api/call-resource#read-multiple-call-resources
and the conference and participant pages):

- ``GET Calls.json?Status=in-progress``, then ``ringing`` and ``queued`` (legs placed that
  have not answered: their CallSids stay in the book);
- ``GET Conferences.json?Status=in-progress``, and ``Conferences/{CF}/Participants.json``
  of each one whose friendly name is a bridge of the platform's calls (every conference
  listed, since only its participants tell).

``take_up`` puts the driver's books back at start: the answers and legs on disk first,
then what the lists say, which wins for which calls still exist.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

from contactcenter.telephony.twilio.book import CallBook
from contactcenter.telephony.twilio.hooks import Setup
from contactcenter.telephony.twilio.replay import ReplayBook
from contactcenter.telephony.twilio.rest import RestSender
from contactcenter.telephony.twilio.resync import (
    LISTED_STATUSES,
    LegInfo,
    ListedCall,
    ListedConference,
    Resynced,
    calls_of,
    conferences_of,
    next_page,
    participants_of,
    resynced,
)
from contactcenter.telephony.twilio.store import BookFile
from contactcenter.telephony.twilio.translate import RestRequest

log = logging.getLogger(__name__)

T = TypeVar("T")
#: items per page (Twilio's largest)
PAGE_SIZE = "1000"
#: pages read of one list at most: a guard against a next_page_uri that loops
MAX_PAGES = 100


async def _pages(sender: RestSender, path: str, query: tuple[tuple[str, str], ...],
                 read: Callable[[Mapping[str, Any]], list[T]]) -> list[T]:
    items: list[T] = []
    request: RestRequest | None = RestRequest("GET", path, query)
    for _ in range(MAX_PAGES):
        if request is None:
            break
        page = await sender.send(request) or {}
        items.extend(read(page))
        uri = next_page(page)
        request = RestRequest("GET", uri, ()) if uri else None
    return items


async def list_calls(sender: RestSender, setup: Setup) -> list[ListedCall]:
    calls: list[ListedCall] = []
    for status in LISTED_STATUSES:
        calls += await _pages(sender, setup.api_path("Calls.json"),
                              (("Status", status), ("PageSize", PAGE_SIZE)), calls_of)
    return calls


async def list_conferences(sender: RestSender, setup: Setup) -> list[ListedConference]:
    found = await _pages(sender, setup.api_path("Conferences.json"),
                         (("Status", "in-progress"), ("PageSize", PAGE_SIZE)), conferences_of)
    conferences = []
    for sid, name in found:
        participants = await _pages(
            sender, setup.api_path(f"Conferences/{sid}/Participants.json"),
            (("PageSize", PAGE_SIZE),), participants_of)
        conferences.append(ListedConference(sid=sid, name=name,
                                            participants=tuple(participants)))
    return conferences


async def what_twilio_has(sender: RestSender, setup: Setup,
                          legs: Iterable[LegInfo]) -> Resynced:
    """The calls and conferences of the platform in progress, read against the legs the
    books on disk know (``resync.resynced``)."""
    calls = await list_calls(sender, setup)
    conferences = await list_conferences(sender, setup)
    return resynced(calls, conferences, legs, setup.numbers)


async def take_up(sender: RestSender, setup: Setup, file: BookFile | None,
                  replays: ReplayBook, book: CallBook) -> Resynced | None:
    """The books back after a restart; the engine's view, or None if Twilio could not
    be asked (the legs on disk are then taken as they are)."""
    answers, legs = file.load() if file is not None else ([], [])
    for key, xml in answers:
        replays.restore(key, xml)
    book.call_sids.update((leg.leg_id, leg.sid) for leg in legs)
    try:
        view = await what_twilio_has(sender, setup, legs)
    except Exception as exc:  # noqa: BLE001 - the webhooks must be served all the same
        log.warning("Twilio's calls in progress could not be listed (%s): the calls of "
                    "before the start are not picked up", exc)
        return None
    book.resynced(view)
    if file is not None:
        file.keep_legs(view.call_sids)
    log.info("Twilio resync: %d callers, %d answered legs, %d calls of the platform in "
             "progress", len(view.live), len(view.legs), len(view.present))
    return view
