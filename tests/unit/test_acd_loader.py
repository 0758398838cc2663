"""ACD config files: the demo's load, and errors name the file, the line and the field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from contactcenter.acd import Acd, Overflow, load_acd
from contactcenter.config.files import ConfigError
from contactcenter.ivr import load_flow
from contactcenter.ivr.model import QueueNode

ROOT = Path(__file__).resolve().parents[2]
DEMO_QUEUES = ROOT / "config" / "queues.yaml"
DEMO_AGENTS = ROOT / "config" / "agents.yaml"

QUEUES = """\
queues:
  sales:
    strategy: skills
    required_skill: sales
    min_level: 5
    widen_after:
      - {after: 20, min_level: 3}
    service_level_target: {percent: 90, seconds: 15}
    max_wait: 120
    overflow: {kind: queue, target: help}
  help:
    strategy: longest_idle
"""

AGENTS = """\
agents:
  ann:
    name: Ann
    skills: {sales: 7}
    queues: {sales: 1, help: 2}
"""


def write(tmp_path: Path, queues: str = QUEUES, agents: str = AGENTS) -> tuple[Path, Path]:
    (tmp_path / "queues.yaml").write_text(textwrap.dedent(queues))
    (tmp_path / "agents.yaml").write_text(textwrap.dedent(agents))
    return tmp_path / "queues.yaml", tmp_path / "agents.yaml"


def test_the_demo_files_load_and_run() -> None:
    config = load_acd(DEMO_QUEUES, DEMO_AGENTS)
    assert set(config.queues) == {"sales", "support", "operator"}
    assert config.queues["sales"].strategy == "skills"
    assert config.queues["sales"].service_level_target == (0.8, 20.0)
    assert config.queues["operator"].overflow == Overflow("queue", "support")
    Acd(config)


def test_the_demo_agents_are_the_demo_phones() -> None:
    settings = yaml.safe_load((ROOT / "config" / "demo.yaml").read_text())
    config = load_acd(DEMO_QUEUES, DEMO_AGENTS)
    phones = sorted(agent["id"] for agent in settings["agents"])
    assert sorted(config.agents) == [f"agent{n}" for n in range(101, 111)]
    assert phones == [*sorted(config.agents), "supervisor1"]  # and the supervisor's phone


def test_every_queue_the_ivr_names_exists() -> None:
    flow = load_flow(ROOT / "config" / "ivr" / "main.yaml")
    config = load_acd(DEMO_QUEUES, DEMO_AGENTS)
    named = {node.queue for node in flow.nodes.values() if isinstance(node, QueueNode)}
    assert named == {"sales", "support", "operator"}
    assert named <= set(config.queues)
    for name in named:  # and someone can answer each, with the skill the IVR asks for
        skill = flow.nodes[name].variables["skill"]
        assert any(a.skills.get(skill) and name in a.queues for a in config.agents.values())


def test_a_good_pair_of_files(tmp_path: Path) -> None:
    config = load_acd(*write(tmp_path))
    sales = config.queues["sales"]
    assert sales.service_level_target == (0.9, 15.0)
    assert sales.widen_after == ((20.0, 3),)
    assert (sales.ring_timeout, sales.wrap_up, sales.max_waiting) == (15.0, 10.0, None)
    assert config.agents["ann"].queues == {"sales": 1, "help": 2}


# (what is wrong, which file, text replaced -> by, expected "line: field: reason" start)
CASES = [
    ("unknown strategy", "q", "strategy: skills", "strategy: random",
     "3: queues.sales.strategy: unknown strategy 'random'"),
    ("negative time", "q", "max_wait: 120", "max_wait: -5",
     "9: queues.sales.max_wait: must be more than 0 seconds"),
    ("negative wrap-up", "q", "    strategy: longest_idle", "    wrap_up: -1",
     "12: queues.help.wrap_up: must not be negative"),
    ("a level out of range", "q", "min_level: 5", "min_level: 11",
     "5: queues.sales.min_level: a level is 1 to 10"),
    ("widening that does not lower the level", "q", "{after: 20, min_level: 3}",
     "{after: 20, min_level: 6}", "7: queues.sales.widen_after.0.min_level: each step lowers"),
    ("overflow to an unknown queue", "q", "target: help", "target: helpdesk",
     "10: queues.sales.overflow.target: no queue named 'helpdesk'"),
    ("overflow of an unknown kind", "q", "kind: queue", "kind: email",
     "10: queues.sales.overflow.kind: unknown kind 'email'"),
    ("max wait without an overflow", "q", "    overflow: {kind: queue, target: help}\n", "",
     "2: queues.sales.overflow: max_wait and max_waiting need an overflow"),
    ("a misspelt field", "q", "max_wait: 120", "max_wiat: 120",
     "9: queues.sales.max_wiat: unknown field 'max_wiat'; did you mean 'max_wait'?"),
    ("yes as a number", "q", "max_wait: 120", "max_wait: yes",
     "9: queues.sales.max_wait: Value error, expected a number, got true"),
    ("a service level above 100 %", "q", "percent: 90", "percent: 120",
     "8: queues.sales.service_level_target: needs a share above 0 up to 100 %"),
    ("an agent in an unknown queue", "a", "help: 2", "helpdesk: 2",
     "5: agents.ann.queues.helpdesk: no queue named 'helpdesk'"),
    ("a skill level out of range", "a", "sales: 7", "sales: 0",
     "4: agents.ann.skills.sales: a level is 1 to 10, not 0"),
    ("a tier below 1", "a", "sales: 1,", "sales: 0,",
     "5: agents.ann.queues.sales: a tier is 1 (first) or more"),
    ("a fractional level", "a", "sales: 7", "sales: 7.5",
     "4: agents.ann.skills.sales: Input should be a valid integer"),
    ("no agents", "a", AGENTS, "agents: {}\n", "1: agents: Dictionary should have at least 1"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "which", "old", "new", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_errors_name_file_line_and_field(
    tmp_path: Path, what: str, which: str, old: str, new: str, expected: str
) -> None:
    source = QUEUES if which == "q" else AGENTS
    assert old in source
    text = source.replace(old, new)
    paths = write(tmp_path, queues=text) if which == "q" else write(tmp_path, agents=text)
    with pytest.raises(ConfigError) as info:
        load_acd(*paths)
    error = info.value
    assert error.path == str(paths[0] if which == "q" else paths[1])
    assert f"{error.line}: {error.field}: {error.reason}".startswith(expected), str(error)


def test_an_overflow_loop_is_refused(tmp_path: Path) -> None:
    text = QUEUES + "    max_waiting: 3\n    overflow: {kind: queue, target: sales}\n"
    with pytest.raises(ConfigError, match="overflow loops: sales -> help -> sales") as info:
        load_acd(*write(tmp_path, queues=text))
    assert (info.value.line, info.value.field) == (10, "queues.sales.overflow.target")


def test_a_missing_file_and_bad_yaml(tmp_path: Path) -> None:
    queues, agents = write(tmp_path)
    with pytest.raises(ConfigError, match="cannot read"):
        load_acd(tmp_path / "missing.yaml", agents)
    agents.write_text("agents: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML") as info:
        load_acd(queues, agents)
    assert info.value.path == str(agents)
