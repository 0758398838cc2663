"""Where an agent goes when wrap-up ends (a queue's ``wrap_up_end``), and the queues'
disposition codes as the loader reads and checks them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from contactcenter.acd import AcdConfig, AgentConfig, AgentState, QueueConfig, load_acd
from contactcenter.acd.harness import AcdHarness, offers
from contactcenter.acd.model import (
    AFTER_CALL,
    DEFAULT_DISPOSITIONS,
    Disposition,
    config_problems,
)
from contactcenter.config.files import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def harness(agents: tuple[str, ...] = ("a1",), **queue: object) -> AcdHarness:
    config = AcdConfig(
        queues={"q": QueueConfig("q", **queue)},  # type: ignore[arg-type]
        agents={a: AgentConfig(a, queues={"q": 1}) for a in agents},
    )
    return AcdHarness(config)


def state(h: AcdHarness, agent: str) -> tuple[AgentState, str]:
    view = h.acd.agent_state(agent)
    return view.state, view.reason


def talk(h: AcdHarness, call: str = "c1", agent: str = "a1") -> None:
    h.join(call, "q")
    h.answer(call, agent)
    h.advance(30)
    h.finish(call)


def test_by_default_the_agent_is_available_when_the_wrap_up_time_runs_out() -> None:
    h = harness(wrap_up=10.0)
    h.login("a1")
    talk(h)
    assert state(h, "a1") == (AgentState.WRAP_UP, "")
    h.advance(10)
    assert state(h, "a1") == (AgentState.AVAILABLE, "")


def test_a_paused_queue_pauses_the_agent_after_the_wrap_up_time_and_offers_nothing() -> None:
    h = harness(wrap_up=10.0, wrap_up_end="paused")
    h.login("a1")
    talk(h)
    h.join("c2", "q")
    out = h.advance(10)
    assert state(h, "a1") == (AgentState.PAUSED, AFTER_CALL)
    assert offers(out) == []
    assert [r["reason"] for r in h.reports("agent.state", out)] == [AFTER_CALL]
    # the agent says they are ready: the waiting caller at once
    assert offers(h.ready("a1")) == [("c2", "a1")]


def test_done_ends_wrap_up_in_the_queues_state_too() -> None:
    h = harness(wrap_up=60.0, wrap_up_end="paused")
    h.login("a1")
    talk(h)
    out = h.done("a1")
    assert state(h, "a1") == (AgentState.PAUSED, AFTER_CALL)
    wrapped = h.reports("call.wrapped", out)
    assert len(wrapped) == 1 and wrapped[0]["wrap"] == pytest.approx(0.0)
    assert h.acd.next_deadline() is None  # the wrap-up timer went with it


def test_done_in_an_available_queue_makes_the_agent_available() -> None:
    h = harness(wrap_up=60.0)
    h.login("a1")
    talk(h)
    h.done("a1")
    assert state(h, "a1") == (AgentState.AVAILABLE, "")


def test_no_wrap_up_time_still_ends_in_the_queues_state() -> None:
    h = harness(wrap_up=0.0, wrap_up_end="paused")
    h.login("a1")
    talk(h)
    assert state(h, "a1") == (AgentState.PAUSED, AFTER_CALL)


def test_a_pause_asked_for_during_the_call_wins_over_the_queue() -> None:
    h = harness(wrap_up=5.0, wrap_up_end="paused")
    h.login("a1")
    h.join("c1", "q")
    h.answer("c1", "a1")
    h.pause("a1", "lunch")
    h.finish("c1")
    h.advance(5)
    assert state(h, "a1") == (AgentState.PAUSED, "lunch")


def test_a_logout_asked_for_during_the_call_wins_over_the_queue() -> None:
    h = harness(wrap_up=5.0, wrap_up_end="paused")
    h.login("a1")
    h.join("c1", "q")
    h.answer("c1", "a1")
    h.logout("a1")
    h.finish("c1")
    assert state(h, "a1") == (AgentState.LOGGED_OUT, "")


def test_ready_during_wrap_up_is_available_whatever_the_queue_says() -> None:
    h = harness(wrap_up=60.0, wrap_up_end="paused")
    h.login("a1")
    talk(h)
    h.ready("a1")
    assert state(h, "a1") == (AgentState.AVAILABLE, "")


def test_the_state_is_the_one_of_the_queue_the_call_came_from() -> None:
    config = AcdConfig(
        queues={"calm": QueueConfig("calm", wrap_up=5.0),
                "busy": QueueConfig("busy", wrap_up=5.0, wrap_up_end="paused")},
        agents={"a1": AgentConfig("a1", queues={"calm": 1, "busy": 1})})
    h = AcdHarness(config)
    h.login("a1")
    h.join("c1", "calm")
    h.answer("c1", "a1")
    h.finish("c1")
    h.advance(5)
    assert state(h, "a1") == (AgentState.AVAILABLE, "")
    h.join("c2", "busy")
    h.answer("c2", "a1")
    h.finish("c2")
    h.advance(5)
    assert state(h, "a1") == (AgentState.PAUSED, AFTER_CALL)


# -- the config --------------------------------------------------------------------------

def test_a_queue_without_codes_gets_the_default_set() -> None:
    assert QueueConfig("q").dispositions == DEFAULT_DISPOSITIONS
    assert QueueConfig("q").wrap_up_end == "available"


def test_the_demo_queues_have_codes_that_cover_their_scripts_outcomes() -> None:
    from contactcenter.scripting import load_scripts
    from contactcenter.scripting.steps import EndStep

    config = load_acd(ROOT / "config/queues.yaml", ROOT / "config/agents.yaml")
    book = load_scripts(ROOT / "config/scripts")
    for name, queue in config.queues.items():
        codes = {d.code for d in queue.dispositions}
        assert {"wrong_number", "callback_requested"} <= codes, name
        script = book.for_queue(name)
        assert script is not None
        outcomes = {step.outcome for step in script.steps.values()
                    if isinstance(step, EndStep) and step.outcome}
        assert outcomes <= codes, (name, outcomes - codes)


def write(tmp_path: Path, queue: str) -> tuple[Path, Path]:
    (tmp_path / "queues.yaml").write_text("queues:\n  q:\n" + textwrap.indent(
        textwrap.dedent(queue), "    "))
    (tmp_path / "agents.yaml").write_text("agents:\n  a1:\n    queues: {q: 1}\n")
    return tmp_path / "queues.yaml", tmp_path / "agents.yaml"


def test_codes_and_the_wrap_up_end_load_from_yaml(tmp_path: Path) -> None:
    config = load_acd(*write(tmp_path, """\
        wrap_up_end: paused
        dispositions:
          - {code: sale, label: Sale made}
          - {code: no_sale}
        """))
    queue = config.queues["q"]
    assert queue.wrap_up_end == "paused"
    assert queue.dispositions == (Disposition("sale", "Sale made"),
                                  Disposition("no_sale", "No sale"))


@pytest.mark.parametrize("queue, line, field, reason", [
    ("wrap_up_end: ready\n", 3, "queues.q.wrap_up_end", "use available or paused"),
    ("dispositions: []\n", 3, "queues.q.dispositions", "at least one code"),
    ("dispositions:\n  - {code: sale}\n  - {code: sale}\n", 5,
     "queues.q.dispositions.1.code", "'sale' is listed twice"),
    ("dispositions:\n  - {code: Sale!}\n", 4, "queues.q.dispositions.0.code",
     "lower-case letters"),
    ("dispositions:\n  - {code: sale, label: '  '}\n", 4, "queues.q.dispositions.0.label",
     "text of 1 to 80"),
    ("dispositions:\n  - {code: sale, lable: Sale}\n", 4, "queues.q.dispositions.0.lable",
     "Extra inputs"),
    ("dispositions:\n  - sale\n", 4, "queues.q.dispositions.0", "valid dictionary"),
    ("dispositons: []\n", 3, "queues.q.dispositons", "did you mean 'dispositions'"),
])
def test_bad_codes_name_the_file_line_and_field(
        tmp_path: Path, queue: str, line: int, field: str, reason: str) -> None:
    queues, agents = write(tmp_path, queue)
    with pytest.raises(ConfigError) as error:
        load_acd(queues, agents)
    assert (error.value.path, error.value.line, error.value.field) == (str(queues), line, field)
    assert reason in error.value.reason


def test_a_hand_built_config_meets_the_same_rules() -> None:
    config = AcdConfig(queues={"q": QueueConfig("q", dispositions=(), wrap_up_end="x")},  # type: ignore[arg-type]
                       agents={})
    assert [key for _, key, _ in config_problems(config)] == [
        ("queues", "q", "wrap_up_end"), ("queues", "q", "dispositions")]
