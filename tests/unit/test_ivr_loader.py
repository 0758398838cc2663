"""Flow files: what loads, and errors that name the file, the line and the field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from contactcenter.config.files import ConfigError
from contactcenter.ivr import load_flow, load_flows
from contactcenter.ivr.model import HoursNode, InputNode, LookupNode, MenuNode, QueueNode

DEMO_DIR = Path(__file__).resolve().parents[2] / "config" / "ivr"

GOOD = """\
start: menu
variables:
  language: fr
nodes:
  menu:
    type: menu
    prompt: [hello, "digits:{caller}"]
    options:
      1: sales
      "*": bye
    fallback: bye
  sales:
    type: queue
    queue: sales
  bye:
    type: hangup
    prompt: goodbye
"""


def write(tmp_path: Path, text: str, name: str = "flow.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error(tmp_path: Path, text: str) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_flow(path)
    return info.value


def test_the_demo_flows_load() -> None:
    flows = load_flows(DEMO_DIR)
    main = flows["main"]
    assert main.name == "main" and main.start == "caller_lookup"
    assert isinstance(main.nodes["main_menu"], MenuNode)
    assert isinstance(main.nodes["account_number"], InputNode)
    assert isinstance(main.nodes["business_hours"], HoursNode)


def test_a_good_flow(tmp_path: Path) -> None:
    flow = load_flow(write(tmp_path, GOOD, "sales_line.yaml"))
    assert flow.name == "sales_line"
    menu = flow.nodes["menu"]
    assert isinstance(menu, MenuNode)
    assert menu.options == {"1": "sales", "*": "bye"}  # an unquoted 1 is the key "1"
    assert menu.prompt == ("sound:hello", "digits:{caller}")
    assert menu.max_retries == 3 and menu.timeout == 5
    assert flow.nodes["bye"].prompt == ("sound:goodbye",)
    assert isinstance(flow.nodes["sales"], QueueNode)
    assert flow.variables == {"language": "fr"}


def test_lookup_fields_as_a_list_or_a_mapping(tmp_path: Path) -> None:
    flow = load_flow(
        write(
            tmp_path,
            GOOD
            + """\
  who:
    type: lookup
    kind: caller
    fields: {full_name: name, tier: vip}
    found: menu
    not_found: menu
""",
        )
    )
    node = flow.nodes["who"]
    assert isinstance(node, LookupNode)
    assert node.fields == {"full_name": "name", "tier": "vip"}
    assert node.key == "{caller}"


def test_load_flows_names_flows_after_files(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "b.yml")
    (tmp_path / "notes.txt").write_text("not a flow")
    assert sorted(load_flows(tmp_path)) == ["a", "b"]


def test_two_files_for_one_flow(tmp_path: Path) -> None:
    write(tmp_path, GOOD, "a.yaml")
    write(tmp_path, GOOD, "a.yml")
    with pytest.raises(ConfigError, match="a flow named 'a' is already defined"):
        load_flows(tmp_path)


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a directory"):
        load_flows(tmp_path / "missing")


def bad(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


# (name, file text, expected "line: field: reason" start)
CASES = [
    (
        "unknown target",
        bad(GOOD, "1: sales", "1: nowhere"),
        "9: nodes.menu.options.1: no node named 'nowhere'",
    ),
    (
        "two-digit key",
        bad(GOOD, "1: sales", "12: sales"),
        "9: nodes.menu.options.12: a menu key is one of",
    ),
    ("key A", bad(GOOD, "1: sales", "A: sales"), "9: nodes.menu.options.A: a menu key"),
    (
        "missing start",
        bad(GOOD, "start: menu", "start: welcome"),
        "1: start: no node named 'welcome'",
    ),
    (
        "typo in a field",
        bad(GOOD, "fallback: bye", "fallbak: bye"),
        "11: nodes.menu.fallbak: unknown field 'fallbak'; did you mean 'fallback'?",
    ),
    (
        "missing field",
        bad(GOOD, "    fallback: bye\n", ""),
        "5: nodes.menu.fallback: Field required",
    ),
    (
        "unknown type",
        bad(GOOD, "type: queue", "type: queu"),
        "13: nodes.sales.type: unknown node type 'queu'",
    ),
    ("no type", bad(GOOD, "    type: queue\n", ""), "12: nodes.sales.type: missing"),
    (
        "bad timeout",
        bad(GOOD, "fallback: bye", "fallback: bye\n    timeout: -1"),
        "12: nodes.menu.timeout: Input should be greater than 0",
    ),
    (
        "bad media",
        bad(GOOD, "hello,", "video:hello,"),
        "7: nodes.menu.prompt.0: Value error, unknown media 'video'",
    ),
    ("reserved name", bad(GOOD, "  bye:", "  back:"), "15: nodes.back: 'back' is reserved"),
    ("bad variable name", bad(GOOD, "language: fr", "my-lang: fr"), "3: variables.my-lang"),
    (
        "yes as a value",
        bad(GOOD, "language: fr", "language: yes"),
        "3: variables.language: Value error, YAML read this as true/false",
    ),
]


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_config_errors_name_file_line_and_field(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    err = error(tmp_path, text)
    assert str(err).startswith(f"{tmp_path / 'flow.yaml'}:{expected}"), str(err)


NODES = """\
start: a
nodes:
  a:
    type: hangup
"""


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        (
            """\
  h:
    type: hours
    timezone: America/New_York
    weekly:
      mon: "08:00-18:00"
      tue: ["08:00-12:00", "25:00-26:00"]
    open: a
    closed: a
""",
            "10: nodes.h.weekly.tue.1: Value error, no such time of day",
        ),
        (
            """\
  h:
    type: hours
    timezone: America/Springfield
    open: a
    closed: a
""",
            "7: nodes.h.timezone: Value error, unknown time zone 'America/Springfield'",
        ),
        (
            """\
  h:
    type: hours
    timezone: UTC
    weekly: {monday: "08:00-18:00"}
    open: a
    closed: a
""",
            "8: nodes.h.weekly.monday: Input should be 'mon'",
        ),
        (
            """\
  h:
    type: hours
    timezone: UTC
    holidays: ["12-25", "31-12"]
    open: a
    closed: a
""",
            "8: nodes.h.holidays.1: Value error, expected a date",
        ),
        (
            """\
  i:
    type: input
    prompt: beep
    variable: pin
    min_digits: 6
    max_digits: 4
    next: a
    fallback: a
""",
            "5: nodes.i: Value error, min_digits (6) exceeds max_digits (4)",
        ),
        (
            """\
  l:
    type: lookup
    kind: account
    found: a
    not_found: a
""",
            "5: nodes.l: Value error, an account lookup needs a key",
        ),
        (
            """\
  b:
    type: branch
    variable: vip
    cases:
      yes: a
    default: a
""",
            "8: nodes.b.cases: Value error, YAML read a key as true/false",
        ),
        (
            """\
  s1:
    type: set
    variables: {x: "1"}
    next: s2
  s2:
    type: branch
    variable: x
    cases: {"1": s1}
    default: a
""",
            "5: nodes.s1: these nodes loop without waiting for the caller: s1 -> s2 -> s1",
        ),
    ],
    ids=["time", "zone", "weekday", "holiday", "digits", "account key", "yes key", "loop"],
)
def test_node_errors(tmp_path: Path, node: str, expected: str) -> None:
    err = error(tmp_path, NODES + node)
    assert str(err).startswith(f"{tmp_path / 'flow.yaml'}:{expected}"), str(err)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    err = error(tmp_path, "start: a\nnodes:\n  a: [unclosed\n")
    assert err.line is not None and err.line >= 3
    assert "not valid YAML" in str(err)


def test_an_empty_file(tmp_path: Path) -> None:
    err = error(tmp_path, "")
    assert err.field == "start"


def test_a_node_given_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    twice = GOOD + """\
  sales:
    type: hangup
"""
    problem = error(tmp_path, twice)
    assert (problem.line, problem.field) == (18, "nodes.sales")
    assert "'sales' is already defined on line 12" in problem.reason


@pytest.mark.parametrize(("name", "value", "what"), [
    ("priority", "high", "a whole number"),
    ("skill", "sales team", "a skill's name"),
    ("language", "French", "a language code"),
])
def test_a_variable_the_platform_reads_is_checked_by_type(
        tmp_path: Path, name: str, value: str, what: str) -> None:
    flow = GOOD.replace("  sales:\n    type: queue", f"""\
  sales:
    type: set
    variables: {{{name}: "{value}"}}
    next: queue_it
  queue_it:
    type: queue""")
    problem = error(tmp_path, flow)
    assert problem.field.startswith("nodes.sales.variables") and what in problem.reason
    assert problem.line == 14  # the variables line


def test_a_template_is_left_to_the_call(tmp_path: Path) -> None:
    flow = GOOD.replace("  language: fr", "  language: fr\n  priority: \"{vip_level}\"")
    assert load_flow(write(tmp_path, flow)).variables["priority"] == "{vip_level}"


@pytest.mark.parametrize("second", ['"1"', "01"])
def test_a_menu_key_written_twice_another_way_is_refused(tmp_path: Path, second: str) -> None:
    twice = GOOD.replace('      "*": bye', f'      {second}: bye\n      "*": bye')
    problem = error(tmp_path, twice)
    assert problem.field == f"nodes.menu.options.{second.strip(chr(34))}"
    assert "is already defined on line 9" in problem.reason  # the first 1: sales
