"""The start banner: passwords on a terminal only, the event stream as it is opened now."""

from __future__ import annotations

from pathlib import Path

from contactcenter.config.settings import load_settings
from contactcenter.config.twilio_settings import TwilioSettings
from contactcenter.server.banner import banner
from contactcenter.server.exposure import PUBLISHED_SECRETS

ROOT = Path(__file__).resolve().parents[2]
DEMO = load_settings(ROOT / "config/demo.yaml", environ={})


def test_on_a_terminal_the_demo_banner_shows_the_users_passwords() -> None:
    text = banner(DEMO, terminal=True)
    assert "user           admin / demo-admin-pass (admin)" in text
    assert "user           supervisor / demo-supervisor-pass (supervisor)" in text


def test_into_a_log_the_banner_says_where_the_passwords_are_but_not_what() -> None:
    text = banner(DEMO, terminal=False)
    assert not [secret for secret in PUBLISHED_SECRETS if secret in text]
    assert "user           admin (admin)" in text
    assert f"passwords in {ROOT / 'config/demo.yaml'}" in text


def test_the_event_stream_line_names_no_token_in_the_address() -> None:
    text = banner(DEMO, terminal=True)
    assert "?token=" not in text
    assert ("event stream   ws://127.0.0.1:8080/api/v1/events (Authorization: Bearer, "
            "or ?ticket= from POST /api/v1/events/ticket)") in text


def test_twilio_s_numbers_are_named_with_their_voice_url_asterisk_s_with_its_sip() -> None:
    twilio = {"public_url": "https://cc.example.com", "account_sid": "AC" + "0" * 32,
              "numbers": ["+15550005000"]}
    numbers = {**DEMO.ivr.numbers, "+15550005000": "main"}
    both = DEMO.model_copy(update={"twilio": TwilioSettings(**twilio),
                                   "ivr": DEMO.ivr.model_copy(update={"numbers": numbers})})
    text = banner(both, terminal=False)
    assert ("call           +15550005000 on Twilio (its Voice URL: "
            "https://cc.example.com/twilio/voice)") in text
    assert "sip:+15550005000@" not in text and "sip:5000@" in text
    alone = banner(both.model_copy(update={"driver": "twilio"}), terminal=False)
    assert "SIP" not in alone and "sip:" not in alone
    assert "+15550005000 on Twilio" in alone
