"""What every test of the suite holds to: no request it makes is answered with a 500.

The app logs each unexpected failure once, with ``contactcenter.web.app.FAILED``, as
it answers 500 (``errors_as_json``); a handler on that logger fails the test during
which one was logged, whatever app it built and however it called it. A test that
breaks the app on purpose says so with the ``expects_server_error`` marker. The
platform run as a subprocess (``tests.integration.platform``) has its log read the
same way when it stops.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from contactcenter.web.app import FAILED

#: tests that make the app fail on purpose, by node id (without their parameters)
DELIBERATE = frozenset({
    # the audit log's storage breaks mid-request: the change must be rolled back
    "tests/crm/test_audit.py::test_a_change_and_its_entry_are_kept_or_lost_together",
})


class _Failures(logging.Handler):
    """Collects the app's "answered 500" lines."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == FAILED:
            self.lines.append(record.getMessage())


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.split("[")[0] in DELIBERATE:
            item.add_marker(pytest.mark.expects_server_error)


@pytest.fixture(autouse=True)
def _no_server_error(request: pytest.FixtureRequest) -> Iterator[None]:
    failures = _Failures()
    logger = logging.getLogger("contactcenter.web.app")
    logger.addHandler(failures)
    try:
        yield
    finally:
        logger.removeHandler(failures)
    if failures.lines and request.node.get_closest_marker("expects_server_error") is None:
        pytest.fail(f"the app answered 500: {'; '.join(failures.lines[:5])}"
                    " (see the log above for the traceback)", pytrace=False)
