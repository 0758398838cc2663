"""Is a webhook Twilio's? ``X-Twilio-Signature`` checked against the public URL.

Twilio signs the URL it requested, the one configured with it (the proxy's or tunnel's
in front of the platform, not the address the platform listens on), followed by the
sorted form parameters, with the account's auth token (HMAC-SHA1, base64):
https://www.twilio.com/docs/usage/webhooks/webhooks-security. So the URL is rebuilt from
the configured public base, the request's path and its query string exactly as received;
``RequestValidator`` tries it with and without the scheme's default port, as Twilio's own
signing is inconsistent about it.

A webhook the platform cannot handle (a bad signature, an unknown path, a call no longer
known) is answered with ``polite_twiml``: the caller hears a short apology, not Twilio's
"an application error has occurred".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import VoiceResponse

SIGNATURE_HEADER = "X-Twilio-Signature"
SORRY = "Sorry, we cannot take your call right now. Please try again later. Goodbye."


@dataclass(frozen=True, slots=True)
class Verdict:
    """``valid``, and why not, naming the URL checked (never the secret)."""

    valid: bool
    reason: str
    url: str

    def __bool__(self) -> bool:
        return self.valid


def public_url(base: str, path: str, query: str = "") -> str:
    """The URL Twilio requested: ``base`` (scheme, host, port, any path prefix the proxy
    adds) + the request's path + its raw query string."""
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"the public URL {base!r} is not an absolute http(s) URL")
    url = f"{base.rstrip('/')}/{path.lstrip('/')}"
    return f"{url}?{query}" if query else url


def check_signature(auth_token: str, *, base: str, path: str, query: str,
                    form: Mapping[str, str], signature: str | None) -> Verdict:
    """The verdict on one webhook: ``form`` as posted, ``signature`` the header's value."""
    url = public_url(base, path, query)
    if not signature:
        return Verdict(False, f"no {SIGNATURE_HEADER} header", url)
    if RequestValidator(auth_token).validate(url, form, signature):
        return Verdict(True, "signed by Twilio", url)
    return Verdict(False, f"{SIGNATURE_HEADER} does not match {url} "
                          "(is the public URL the one configured with Twilio?)", url)


def polite_twiml(message: str = SORRY, language: str = "en-US") -> str:
    """A short apology, then the end of the call."""
    response = VoiceResponse()
    response.say(message, language=language)
    response.hangup()
    return str(response.to_xml())
