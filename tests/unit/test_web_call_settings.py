"""The ``web_calls`` settings: refused with the file, the line and the field when a target
is neither a flow nor a queue, names one that does not exist, or is no dialplan name;
an origin that is none; a help page target that is no target. And what Asterisk gets:
one context per target, holding that target's extension only."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from contactcenter.config.files import ConfigError
from contactcenter.config.settings import load_settings
from contactcenter.webcall.dialplan import contexts, endpoint_fields
from contactcenter.webcall.grants import PREFIX, Grant
from contactcenter.webcall.settings import check_targets


def _settings(tmp_path: Path, web_calls: object) -> Path:
    path = tmp_path / "cc.yaml"
    path.write_text(yaml.safe_dump({"http_port": 8080, "web_calls": web_calls},
                                   sort_keys=False))
    return path


@pytest.mark.parametrize(("web_calls", "field", "says"), [
    ({"targets": {"sales": {}}}, "web_calls.targets.sales", "exactly one"),
    ({"targets": {"sales": {"queue": "sales", "flow": "main"}}}, "web_calls.targets.sales",
     "exactly one"),
    ({"targets": {"Sales Team": {"queue": "sales"}}}, "web_calls.targets", "lower-case"),
    ({"targets": {}}, "web_calls.targets", "at least 1"),
    ({"targets": {"sales": {"queue": "sales"}}, "allowed_origins": ["shop.example.com"]},
     "web_calls.allowed_origins", "not an origin"),
    ({"targets": {"sales": {"queue": "sales"}}, "help_target": "support"}, "web_calls",
     "no target named 'support'"),
    ({"targets": {"sales": {"queue": "sales"}}, "grant_seconds": 3600},
     "web_calls.grant_seconds", "less than or equal"),
    ({"targets": {"sales": {"queue": "sales"}}, "numbers": ["5000"]}, "web_calls.numbers",
     ""),
])
def test_wrong_settings_name_file_line_and_field(tmp_path: Path, web_calls: object,
                                                 field: str, says: str) -> None:
    path = _settings(tmp_path, web_calls)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.path == str(path)
    assert caught.value.line is not None
    assert caught.value.field == field
    assert says in caught.value.reason


def test_a_target_must_name_a_flow_or_queue_that_exists(tmp_path: Path) -> None:
    path = _settings(tmp_path, {"targets": {"sales": {"queue": "sales"},
                                            "menu": {"flow": "mian"}}})
    settings = load_settings(path, environ={})
    assert settings.web_calls is not None
    with pytest.raises(ConfigError) as caught:
        check_targets(settings.web_calls, path, flows={"main"}, queues={"sales"})
    error = caught.value
    assert (error.path, error.line, error.field) == (str(path), 7, "web_calls.targets.menu.flow")
    assert "no flow named 'mian' (have: main)" in error.reason
    check_targets(settings.web_calls, path, flows={"mian"}, queues={"sales"})


def test_each_target_has_a_context_with_its_extension_only() -> None:
    text = contexts(["sales", "help"], "cc")
    assert text.count("exten =>") == 2
    assert "[web-sales]\nexten => web-sales,1,Stasis(cc,inbound,web,${CHANNEL(endpoint)})" \
        in text
    assert "[web-help]\nexten => web-help,1," in text
    assert "include" not in text and "_X" not in text  # no patterns, nothing included


def test_a_grants_endpoint_lands_in_its_targets_context_and_takes_no_calls() -> None:
    grant = Grant(id=f"{PREFIX}c3", password="p" * 24, target="sales", issued=0.0,
                  expires=60.0, address="127.0.0.1")
    fields = {item["attribute"]: item["value"] for item in endpoint_fields(grant, "127.0.0.1")}
    assert fields["context"] == "web-sales"
    assert fields["auth"] == grant.id and fields["webrtc"] == "yes"
    assert "aors" not in fields  # never registered: nothing can ring it
