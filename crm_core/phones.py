"""Phone numbers in E.164, the one form the CRM stores and looks callers up by.

Caller ids arrive in every shape (``+1 555 000 1001``, ``15550001001``,
``(555) 000-1001``); stored numbers and lookups both go through ``to_e164`` so
that they meet. ``phonenumbers`` carries the numbering plans of every country.
"""

from __future__ import annotations

import phonenumbers

DEFAULT_REGION = "US"


class InvalidPhoneNumber(ValueError):
    """The text is not a phone number that can be dialled."""


def to_e164(text: str, region: str = DEFAULT_REGION) -> str:
    """``+15550001001`` for any way of writing it; raise InvalidPhoneNumber otherwise."""
    cleaned = text.strip()
    if cleaned.isdigit() and len(cleaned) > 10 and not cleaned.startswith("0"):
        cleaned = "+" + cleaned  # an international number written without its plus
    try:
        number = phonenumbers.parse(cleaned, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhoneNumber(f"{text!r} is not a phone number: {exc}") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidPhoneNumber(f"{text!r} is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def try_e164(text: str, region: str = DEFAULT_REGION) -> str | None:
    """Like ``to_e164``, None for what is not a phone number (an extension, 'anonymous')."""
    try:
        return to_e164(text, region)
    except InvalidPhoneNumber:
        return None
