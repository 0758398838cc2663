"""``X-Twilio-Signature`` checked against the configured public URL, and the apology
for a webhook the platform cannot handle. Requests are signed with the validator's own
``compute_signature``, as Twilio signs them
(https://www.twilio.com/docs/usage/webhooks/webhooks-security)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from twilio.request_validator import RequestValidator

from contactcenter.telephony.twilio.signature import check_signature, polite_twiml, public_url

TOKEN = "12345678901234567890123456789012"
FORM = json.loads((Path(__file__).parent / "twilio_requests" / "voice_incoming.json")
                  .read_text())["form"]


def _signed(url: str, form: dict[str, str] = FORM, token: str = TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, form))


def test_a_request_signed_for_the_public_url_passes() -> None:
    signature = _signed("https://cc.example.com/twilio/voice")
    verdict = check_signature(TOKEN, base="https://cc.example.com", path="/twilio/voice",
                              query="", form=FORM, signature=signature)
    assert verdict and verdict.url == "https://cc.example.com/twilio/voice"


@pytest.mark.parametrize("signature", [None, "", "bm90IGEgc2lnbmF0dXJl"])
def test_a_missing_or_wrong_signature_fails_with_a_reason(signature: str | None) -> None:
    verdict = check_signature(TOKEN, base="https://cc.example.com", path="/twilio/voice",
                              query="", form=FORM, signature=signature)
    assert not verdict and "X-Twilio-Signature" in verdict.reason
    assert TOKEN not in verdict.reason


def test_a_signature_by_another_token_or_over_other_parameters_fails() -> None:
    url = "https://cc.example.com/twilio/voice"
    assert not check_signature(TOKEN, base="https://cc.example.com", path="/twilio/voice",
                               query="", form=FORM, signature=_signed(url, token="x" * 32))
    tampered = {**FORM, "From": "+15550009999"}
    assert not check_signature(TOKEN, base="https://cc.example.com", path="/twilio/voice",
                               query="", form=tampered, signature=_signed(url))


def test_the_scheme_of_the_public_url_counts() -> None:
    signature = _signed("https://cc.example.com/twilio/voice")
    assert not check_signature(TOKEN, base="http://cc.example.com", path="/twilio/voice",
                               query="", form=FORM, signature=signature)


def test_a_default_port_may_be_written_or_not_another_port_must_match() -> None:
    signature = _signed("https://cc.example.com:443/twilio/voice")
    assert check_signature(TOKEN, base="https://cc.example.com", path="/twilio/voice",
                           query="", form=FORM, signature=signature)
    tunnel = _signed("https://cc.example.com:8443/twilio/voice")
    assert check_signature(TOKEN, base="https://cc.example.com:8443", path="/twilio/voice",
                           query="", form=FORM, signature=tunnel)
    assert not check_signature(TOKEN, base="https://cc.example.com", path="/twilio/voice",
                               query="", form=FORM, signature=tunnel)


def test_the_query_string_is_signed_as_received() -> None:
    query = "purpose=agent&call=CA1&leg=CA1-a1"
    signature = _signed(f"https://cc.example.com/twilio/answered?{query}")
    assert check_signature(TOKEN, base="https://cc.example.com", path="/twilio/answered",
                           query=query, form=FORM, signature=signature)
    assert not check_signature(TOKEN, base="https://cc.example.com", path="/twilio/answered",
                               query="purpose=agent&call=CA1&leg=CA2-a1", form=FORM,
                               signature=signature)


def test_a_path_prefix_of_the_proxy_is_kept() -> None:
    signature = _signed("https://example.com/cc/twilio/voice")
    assert check_signature(TOKEN, base="https://example.com/cc/", path="/twilio/voice",
                           query="", form=FORM, signature=signature)


def test_a_public_url_that_is_no_url_is_refused() -> None:
    with pytest.raises(ValueError, match="not an absolute"):
        public_url("cc.example.com", "/twilio/voice")


def test_the_polite_fallback_says_sorry_and_hangs_up() -> None:
    root = ET.fromstring(polite_twiml())
    say, hangup = list(root)
    assert root.tag == "Response" and say.tag == "Say" and "Sorry" in (say.text or "")
    assert hangup.tag == "Hangup"
