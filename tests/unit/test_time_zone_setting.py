"""The contact center's time zone setting: UTC unless set, an IANA name, and a wrong
one stops the start naming the file, the line and the field."""

from pathlib import Path

import pytest

from contactcenter.config.files import ConfigError
from contactcenter.config.settings import load_settings


def test_the_zone_is_utc_unless_set() -> None:
    assert load_settings(None, environ={}).time_zone == "UTC"


def test_the_zone_from_the_file_and_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "cc.yaml"
    path.write_text("http_port: 8080\ntime_zone: America/New_York\n")
    assert load_settings(path, environ={}).time_zone == "America/New_York"
    changed = load_settings(path, environ={"CC_TIME_ZONE": "Europe/Berlin"})
    assert changed.time_zone == "Europe/Berlin"


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "Europe", "", "../etc/passwd", "EST5"])
def test_an_unknown_zone_names_file_line_and_field(tmp_path: Path, name: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(f"http_port: 8080\ntime_zone: '{name}'\n")
    with pytest.raises(ConfigError) as error:
        load_settings(path, environ={})
    assert (error.value.line, error.value.field) == (2, "time_zone")
    assert "not an IANA time zone" in str(error.value)


def test_an_unknown_zone_from_the_environment_names_the_variable() -> None:
    with pytest.raises(ConfigError) as error:
        load_settings(None, environ={"CC_TIME_ZONE": "Nowhere/Town"})
    assert "CC_TIME_ZONE" in str(error.value) and error.value.field == "time_zone"
