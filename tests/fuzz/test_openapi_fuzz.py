"""Schemathesis over the API document, against the platform as ``serve`` wires it.

Every operation of the document, with a fixed seed and a small example budget (a few
minutes in all), run by schemathesis's engine (what ``schemathesis run`` runs): its
examples, the coverage phase (each parameter missing, at its
bounds, of the wrong type; methods the path does not take; no or a wrong token) and
random cases; then stateful sequences that create, read, change and delete rows.
Every check runs: no 500, every status code and content type in the document,
answers that match their schema, invalid requests refused, valid ones taken, a 405
with ``Allow``, authentication enforced.

A valid request may still be refused with 422, the status for a rule the document
cannot state: a referenced row that does not exist, a phone number outside every
numbering plan, a time zone that is not in the IANA database, a segment field that
is not one. A 400 means the request is not what the document says, so a valid one
never gets it, except on the three operations below whose rules join parameters or
need what HTTP alone cannot send.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from schemathesis import BaseSchema, Case
from schemathesis.engine import events, from_schema

from tests.fuzz.served import Served, own_database, serve_in_thread

SEED = 20261102
#: examples per operation and phase: enough to reach every parameter, a few minutes in all
EXAMPLES = 12
#: statuses a valid request may get (schemathesis's list, with 422 and without 5xx)
VALID = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
#: (path, why a valid request may get a 400 there) the document cannot say otherwise
EXCEPTIONS = (
    ("/api/v1/metrics/{area}", "from must be before to, and at most 731 days before it"),
    ("/api/v1/customers/lookup", "the phone must be a number in some numbering plan"),
)

CONFIG: dict[str, Any] = {
    "seed": SEED,
    "generation": {"max-examples": EXAMPLES, "database": "none"},
    "checks": {"positive_data_acceptance": {"expected-statuses": VALID}},
    "operations": [
        *({"include-path": path, "checks": {"positive_data_acceptance": {
            "expected-statuses": [*VALID, "400"]}}} for path, _why in EXCEPTIONS),
        # a WebSocket handshake: what it needs (Upgrade and Sec-WebSocket-Key) would leave
        # an HTTP client waiting on the event stream; its 400 without them is documented
        {"include-path": "/api/v1/events", "include-method": "GET",
         "checks": {"positive_data_acceptance": {"enabled": False}}},
    ],
}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The app over a CRM of its own: a SQLite file, or a PostgreSQL database made for
    the run (PostgreSQL refuses what SQLite lets pass: numbers beyond a column's digits,
    NUL in text)."""
    state = tmp_path_factory.mktemp(f"fuzzed-{request.param}")
    if request.param == "sqlite":
        running = serve_in_thread(state)
        yield running
        running.stop()
        return
    with own_database() as url:
        running = serve_in_thread(state, url)
        yield running
        running.stop()


@pytest.fixture(scope="module")
def api_document(served: Served) -> BaseSchema:
    """The app's document, each request signed with a token of its own: a case may sign
    its token out (DELETE /api/v1/auth/token), and the next must not inherit that."""
    config = schemathesis.Config.from_dict({**CONFIG, "base-url": served.base_url})
    loaded = schemathesis.openapi.from_url(f"{served.base_url}/api/v1/openapi.json",
                                           config=config)

    @loaded.auth(refresh_interval=None, retry_on=[])
    class Admin:
        def get(self, case: Case, context: schemathesis.AuthContext) -> str:
            return served.admin_token()

        def set(self, case: Case, data: str, context: schemathesis.AuthContext) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return loaded


def _failures(document: BaseSchema) -> Iterator[str]:
    """What the run found, one line each: schema errors, then failed checks."""
    for event in from_schema(document).execute():
        if isinstance(event, events.FatalError | events.NonFatalError):
            yield f"{getattr(event, 'label', 'run')}: {event.info.format()}"
        elif isinstance(event, events.ScenarioFinished):
            for case_id, checks in event.recorder.checks.items():
                for check in checks:
                    if check.failure_info is None:
                        continue
                    failure = check.failure_info.failure
                    steps = check.failure_info.steps
                    how = steps[-1].curl if steps else check.failure_info.code_sample
                    yield (f"{failure.code} {failure.title} ({check.name}, {case_id}): "
                           f"{failure.message} -- {how}")


def test_every_operation_answers_as_documented(api_document: BaseSchema) -> None:
    failures = sorted(set(_failures(api_document)))
    assert not failures, f"{len(failures)} failures:\n" + "\n\n".join(failures)


def test_the_run_caused_no_server_error(served: Served) -> None:
    errors = served.server_errors
    assert errors.count == 0, f"{errors.count} requests answered 500, the last {errors.last}"


def test_every_path_parameter_is_declared(api_document: Any) -> None:
    raw = api_document.raw_schema
    for path, methods in raw["paths"].items():
        named = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for method, operation in methods.items():
            declared = {param["name"] for param in operation.get("parameters", ())
                        if param["in"] == "path"}
            assert declared == named, (method, path)


def test_the_document_has_every_route_of_the_app(served: Served, api_document: Any) -> None:
    documented = {(method.upper(), path) for path, methods in
                  api_document.raw_schema["paths"].items() for method in methods}
    routed = {(route.method, route.resource.canonical) for route in served.app.router.routes()
              if route.resource is not None and route.method != "HEAD"}
    assert routed == documented
