"""What every test of the suite holds to: no request it makes is answered with a 500,
and no event it makes the platform publish is outside the catalogue.

The app logs each unexpected failure once, with ``contactcenter.web.app.FAILED``, as
it answers 500 (``errors_as_json``); a handler on that logger fails the test during
which one was logged, whatever app it built and however it called it. A test that
breaks the app on purpose says so with the ``expects_server_error`` marker. The
platform run as a subprocess (``tests.integration.platform``) has its log read the
same way when it stops.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterator
from typing import Any

import pytest

from contactcenter.events.catalogue import UNCATALOGUED
from contactcenter.telephony.sim.virtual import VirtualTimeLoop
from contactcenter.web.app import FAILED

# every event published is checked against the catalogue, its fields' types too, in this
# process and in the platform the integration tests start
os.environ["CC_STRICT_EVENTS"] = "1"

#: tests that make the app fail on purpose, by node id (without their parameters)
DELIBERATE = frozenset({
    # the audit log's storage breaks mid-request: the change must be rolled back
    "tests/crm/test_audit.py::test_a_change_and_its_entry_are_kept_or_lost_together",
    # an event outside the catalogue is published to see that it is not sent
    "tests/unit/test_journal_and_bus.py::test_an_event_outside_the_catalogue_is_not_sent",
})


class _Failures(logging.Handler):
    """Collects the app's "answered 500" lines."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        # an event of a type the catalogue lacks, whoever made it; a field missing or of
        # the wrong type fails the platform's own runs (integration tests), where every
        # event is the platform's, not the events a unit test makes up in short
        if record.msg == FAILED or (record.msg == UNCATALOGUED
                                    and str(record.args[0]).startswith("unknown type")):
            self.lines.append(record.getMessage())


def pytest_asyncio_loop_factories(config: pytest.Config,
                                   item: pytest.Item) -> dict[str, Any]:
    """``@pytest.mark.virtual_time``: the test runs on a loop whose clock jumps to the next
    timer when nothing is ready (``VirtualTimeLoop``): the engine's timers run as they do
    live, and "nothing else happens in the next 5 s" is a fact, not a wait. Any other
    test: asyncio's own loop."""
    if item.get_closest_marker("virtual_time") is None:
        return {"asyncio": asyncio.new_event_loop}
    return {"virtual_time": VirtualTimeLoop}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.split("[")[0] in DELIBERATE:
            item.add_marker(pytest.mark.expects_server_error)


@pytest.fixture(autouse=True)
def _no_server_error(request: pytest.FixtureRequest) -> Iterator[None]:
    failures = _Failures()
    loggers = [logging.getLogger(name) for name in ("contactcenter.web.app",
                                                    "contactcenter.events.catalogue")]
    for logger in loggers:
        logger.addHandler(failures)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeHandler(failures)
    if failures.lines and request.node.get_closest_marker("expects_server_error") is None:
        pytest.fail(f"the app answered 500, or published an event outside the catalogue: "
                    f"{'; '.join(failures.lines[:5])} (see the log above)", pytrace=False)
