"""Load the ACD's queues and agents from YAML; every error names the file, line and field.

Two files: ``config/queues.yaml`` (``queues:`` name -> settings) and
``config/agents.yaml`` (``agents:`` id -> name, skills, queues). Loading runs
in three steps: a misspelt field is named with a suggestion, pydantic checks
the shape (``schema.py``), then ``config_problems`` the values and the
cross-references (an agent in an unknown queue, an overflow loop...).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from contactcenter.acd.model import AcdConfig, config_problems
from contactcenter.acd.schema import AgentsFile, AgentSpec, QueuesFile, QueueSpec, build_config
from contactcenter.config.files import ConfigError, LineMap, line_of, load_yaml, validate

__all__ = ["load_acd", "parse_acd"]


def load_acd(queues_path: Path, agents_path: Path) -> AcdConfig:
    """The queues and agents files, checked together."""
    queues, queue_lines = load_yaml(queues_path)
    agents, agent_lines = load_yaml(agents_path)
    return parse_acd(
        queues, agents, queues_path=queues_path, agents_path=agents_path,
        queue_lines=queue_lines, agent_lines=agent_lines,
    )  # fmt: skip


def parse_acd(
    queues: Any,
    agents: Any,
    *,
    queues_path: Path | None = None,
    agents_path: Path | None = None,
    queue_lines: LineMap | None = None,
    agent_lines: LineMap | None = None,
) -> AcdConfig:
    """Validate already-parsed data (the files', or data built in a test)."""
    files = {
        "queues": (queues_path or Path("<queues>"), queue_lines or {}),
        "agents": (agents_path or Path("<agents>"), agent_lines or {}),
    }
    _known_fields(queues, "queues", QueueSpec, *files["queues"])
    _known_fields(agents, "agents", AgentSpec, *files["agents"])
    queues_file = validate(QueuesFile, queues, path=files["queues"][0], lines=files["queues"][1])
    agents_file = validate(AgentsFile, agents, path=files["agents"][0], lines=files["agents"][1])
    config = build_config(queues_file, agents_file)
    for which, key, reason in config_problems(config):
        path, lines = files[which]
        raise ConfigError(path, line_of(lines, key), ".".join(map(str, key)), reason)
    return config


def _known_fields(data: Any, top: str, model: type[BaseModel], path: Path, lines: LineMap) -> None:
    """Name a misspelt field, with the field it probably meant, before pydantic's checks."""
    entries = data.get(top) if isinstance(data, dict) else None
    if not isinstance(entries, dict):
        return
    fields = set(model.model_fields)
    for name, raw in entries.items():
        if not isinstance(raw, dict):
            continue
        for key in raw:
            if key not in fields:
                close = difflib.get_close_matches(str(key), fields, n=1)
                hint = (
                    f"did you mean {close[0]!r}?" if close else f"use {', '.join(sorted(fields))}"
                )
                where = (top, str(name), str(key))
                raise ConfigError(
                    path, line_of(lines, where), ".".join(where), f"unknown field {key!r}; {hint}"
                )
