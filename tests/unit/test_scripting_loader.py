"""Call script files: what loads, and errors that name the file, the line and the field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from contactcenter.config.files import ConfigError
from contactcenter.scripting import load_script, load_scripts, parse_script
from contactcenter.scripting.questions import ChoiceQuestion, NumberQuestion
from contactcenter.scripting.steps import BranchStep, EndStep, SayStep

DEMO_DIR = Path(__file__).resolve().parents[2] / "config" / "scripts"

GOOD = """\
title: Test line
queues: [sales]
start: hello
fallbacks:
  contact.first_name: there
objections:
  busy: later
  pricey: {label: Costs too much, step: discount}
steps:
  hello:
    type: say
    text: Hi {{ contact.first_name }}
    next: plan
  plan:
    type: question
    kind: choice
    text: Which plan?
    options: [Basic, Gold]
    next: budget
  budget:
    type: question
    kind: number
    text: Budget?
    min: 0
    next: check
  check:
    type: branch
    cases:
      - {field: answers.budget, greater_than: 100, goto: big}
      - {field: answers.plan, in: [gold], goto: big}
    default: small
  big:
    type: end
    text: Big
    outcome: sale
  small:
    type: end
    text: Small
  later:
    type: question
    kind: date
    text: When?
    next: resume
  discount:
    type: say
    text: Ten percent off.
    next: resume
"""


def with_steps(extra: str) -> str:
    """GOOD with more steps at its end."""
    return GOOD + textwrap.indent(textwrap.dedent(extra), "  ")


def write(tmp_path: Path, text: str, name: str = "script.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def error(tmp_path: Path, text: str) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_script(path)
    return info.value


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line holding ``needle``."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return found[occurrence - 1]


def test_the_demo_scripts_load() -> None:
    book = load_scripts(DEMO_DIR)
    assert set(book) >= {"sales", "support", "default"}
    assert book.for_queue("sales") is book["sales"]
    assert book.for_queue("support") is book["support"]
    assert book.for_queue("operator") is book["default"]
    assert set(book["sales"].objections) >= {"too_expensive", "not_interested", "call_me_later"}


def test_a_good_script(tmp_path: Path) -> None:
    script = load_script(write(tmp_path, GOOD, "sales_line.yaml"))
    assert script.name == "sales_line" and script.title == "Test line"
    assert script.start == "hello" and script.queues == ("sales",)
    assert isinstance(script.steps["hello"], SayStep)
    assert isinstance(script.steps["plan"], ChoiceQuestion)
    assert isinstance(script.steps["budget"], NumberQuestion)
    assert isinstance(script.steps["check"], BranchStep)
    big = script.steps["big"]
    assert isinstance(big, EndStep) and big.outcome == "sale"
    assert script.objections["busy"].step == "later"  # the short form
    assert script.label("busy") == "Busy" and script.label("pricey") == "Costs too much"
    assert script.fallbacks == {"contact.first_name": "there"}


def test_a_script_built_in_code() -> None:
    script = parse_script({"start": "a", "steps": {"a": {"type": "end", "text": "Bye"}}},
                          name="tiny")
    assert script.title == "Tiny" and script.default is False


@pytest.mark.parametrize(
    ("old", "new", "needle", "field", "reason"),
    [
        ("    next: plan", "    next: plna", "next: plna", "steps.hello.next",
         "no step named 'plna'; did you mean 'plan'?"),
        ("      - {field: answers.budget, greater_than: 100, goto: big}",
         "      - {field: answers.budget, greater_than: 100, goto: bigg}", "goto: bigg",
         "steps.check.cases.0.goto", "no step named 'bigg'"),
        ("start: hello", "start: helo", "start: helo", "start", "no step named 'helo'"),
        ("  busy: later", "  busy: latr", "busy: latr", "objections.busy.step",
         "no step named 'latr'"),
        ("Hi {{ contact.first_name }}", "Hi {{ contakt.first_name }}", "contakt",
         "steps.hello.text", "unknown root 'contakt'"),
        ("Hi {{ contact.first_name }}", "Hi {{ contact.first_name }", "Hi {{",
         "steps.hello.text", "malformed merge field"),
        ("Hi {{ contact.first_name }}", "Hi {{ answers.colour }}", "answers.colour",
         "steps.hello.text", "names no question's answer"),
        ("    default: small\n", "", "check:", "steps.check.default", "Field required"),
        ("    kind: number", "    kind: numbr", "kind: numbr", "steps.budget.kind",
         "unknown question kind 'numbr'"),
        ("    type: say", "    type: sya", "type: sya", "steps.hello.type",
         "unknown step type 'sya'"),
        ("    min: 0", "    minimum: 0", "minimum: 0", "steps.budget.minimum",
         "did you mean 'min'?"),
        ("    options: [Basic, Gold]", "    options: [yes, no]", "options: [yes, no]",
         "steps.plan.options.0", "quote it"),
        ("    options: [Basic, Gold]", "    options: [Gold, gold]", "options: [Gold, gold]",
         "steps.plan.options", "listed twice"),
        ("in: [gold]", "in: [platinum]", "in: [platinum]", "steps.check.cases.1",
         "'platinum' is not an option"),
        ("greater_than: 100, goto", "greater_than: 100, less_than: 5, goto", "less_than: 5",
         "steps.check.cases.0", "exactly one of"),
        ("    min: 0", "    min: 10\n    max: 5", "  budget:", "steps.budget",
         "min (10) exceeds max (5)"),
        ("  contact.first_name: there", "  kontact.first_name: there", "kontact",
         "fallbacks.kontact.first_name", "unknown root"),
    ],
)
def test_errors_name_file_line_and_field(tmp_path: Path, old: str, new: str, needle: str,
                                         field: str, reason: str) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    exc = error(tmp_path, text)
    assert exc.path.endswith("script.yaml")
    assert exc.field == field
    assert reason in exc.reason
    assert exc.line == line_of(text, needle)
    assert str(exc).startswith(f"{exc.path}:{exc.line}: {field}: ")


def test_a_step_defined_twice(tmp_path: Path) -> None:
    text = GOOD + "  hello:\n    type: end\n    text: Again\n"
    exc = error(tmp_path, text)
    assert exc.field == "steps.hello" and "already defined on line" in exc.reason
    assert exc.line == line_of(text, "  hello:", 2)


def test_an_answer_name_used_twice(tmp_path: Path) -> None:
    text = GOOD.replace("    text: When?\n", "    text: When?\n    save_as: budget\n")
    exc = error(tmp_path, text)
    assert exc.field == "steps.later.save_as"
    assert "already saved by step 'budget'" in exc.reason
    assert exc.line == line_of(text, "save_as: budget")


def test_an_unreachable_step(tmp_path: Path) -> None:
    text = GOOD + "  orphan:\n    type: end\n    text: Nobody gets here\n"
    exc = error(tmp_path, text)
    assert exc.field == "steps.orphan" and "unreachable" in exc.reason
    assert exc.line == line_of(text, "orphan:")


def test_resume_where_the_main_script_walks(tmp_path: Path) -> None:
    text = GOOD.replace("    default: small", "    default: discount")
    text = text.replace("  small:\n    type: end\n    text: Small\n", "")
    exc = error(tmp_path, text)
    assert exc.field == "steps.discount.next"
    assert "main script" in exc.reason
    assert exc.line == line_of(text, "next: resume", 2)


def test_a_loop_without_a_question(tmp_path: Path) -> None:
    text = with_steps("""\
        again:
          type: say
          text: Again
          next: discount
    """).replace("    text: Ten percent off.\n    next: resume",
                 "    text: Ten percent off.\n    next: again")
    exc = error(tmp_path, text)
    assert exc.field == "steps.discount"
    assert "loop without a question: discount -> again -> discount" in exc.reason
    assert exc.line == line_of(text, "  discount:")


def test_a_loop_through_a_question_is_allowed(tmp_path: Path) -> None:
    text = with_steps("""\
        more:
          type: question
          kind: yes_no
          text: Anything else?
          next: more_check
        more_check:
          type: branch
          cases:
            - {field: answers.more, equals: true, goto: budget}
          default: small
    """).replace("    default: small", "    default: more", 1)
    script = load_script(write(tmp_path, text))
    assert {"more", "more_check"} <= set(script.steps)


def test_a_bad_pattern_names_the_field(tmp_path: Path) -> None:
    text = with_steps("""\
        code:
          type: question
          kind: text
          text: Code?
          pattern: "[a-"
          next: resume
    """).replace("  busy: later\n", "  busy: later\n  coded: code\n")
    exc = error(tmp_path, text)
    assert exc.field == "steps.code.pattern" and "regular expression" in exc.reason
    assert exc.line == line_of(text, "pattern:")


def test_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a directory of call scripts"):
        load_scripts(tmp_path / "missing")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    exc = error(tmp_path, "start: a\nsteps:\n  a: [unclosed\n")
    assert exc.line is not None and "not valid YAML" in exc.reason
