"""The demo on Twilio with an API key in its credentials, as the desktop's Twilio phone
needs: the access tokens it gets are signed with that key's secret."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from contactcenter.config.settings import Settings
from contactcenter.telephony.asterisk.render import CREDENTIALS_FILE, Credentials, runtime_dir
from tests.unit.twilio_fake_api import ACCOUNT, TOKEN, demo_on_twilio

KEY, SECRET = "SK" + "c" * 32, "the-api-key-secret-" + "k" * 16


def demo_with_api_key(folder: Path, api_base: str, **twilio: Any) -> Path:
    """``demo_on_twilio``'s settings, its credentials file holding an API key too."""
    path = demo_on_twilio(folder, api_base, **twilio)
    credentials = folder / "twilio.json"
    credentials.write_text(json.dumps({"account_sid": ACCOUNT, "auth_token": TOKEN,
                                       "api_key": KEY, "api_secret": SECRET}))
    credentials.chmod(0o600)
    return path


def asterisk_not_started(settings: Settings) -> None:
    """What ``contactcenter asterisk start`` leaves for the driver, pointing nowhere: Asterisk
    beside Twilio is wired (its driver is made), never started."""
    folder = runtime_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CREDENTIALS_FILE).write_text(json.dumps(asdict(Credentials(
        ari_url="http://127.0.0.1:1", ari_user="u", ari_password="p", ami_host="127.0.0.1",
        ami_port=1, ami_user="u", ami_password="p", app="contactcenter"))))
