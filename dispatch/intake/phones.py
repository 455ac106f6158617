"""Which phone numbers intake takes, by libphonenumber's rules for China. Pure: no database.

Taken: numbers libphonenumber knows as valid (mobile, landline with its area code, 400/800
lines, and any number in international form, +852…); a local landline without its area code
(7 or 8 digits, not starting with 0 or 1), as a CTI shows a local caller; service numbers of five
digits or more (12345, 95588, 10086) and the toll-free three-digit ones (110, 119, 120, 122),
the caller of a relayed call. Refused, each with its reason: other characters than digits,
spaces, brackets, dashes and a leading +; other short numbers ("123" is no callback number);
anything else libphonenumber finds invalid for its length or prefix (10 or 12 digits). The number
is kept as written (trimmed): the console and SMS gateway read it as the caller gave it.
"""
from __future__ import annotations

import re
from typing import Annotated

import phonenumbers
from phonenumbers import NumberParseException, PhoneMetadata, shortnumberinfo
from phonenumbers.shortnumberinfo import ShortNumberCost
from pydantic import AfterValidator, Field

REGION = "CN"
WRITTEN = re.compile(r"\+?[0-9\-() ]+")
LOCAL_LANDLINE = re.compile(r"[2-9]\d{6,7}")
LONGEST = 15          # digits of the longest number E.164 allows
SHORTEST_SERVICE = 5
# libphonenumber's own pattern of Chinese mobiles: most callers' numbers, written as 11 plain
# digits, are taken by it in 1 µs instead of the 100 µs that parsing and validating cost
MOBILE = re.compile(PhoneMetadata.metadata_for_region(REGION).mobile.national_number_pattern)


def check_phone(raw: str) -> str:
    """The number, trimmed; a ValueError saying why when intake should not take it."""
    number = raw.strip()
    digits = re.sub(r"\D", "", number)
    if not digits or not WRITTEN.fullmatch(number):
        raise ValueError("a phone number holds digits, spaces, brackets, dashes and a leading + "
                         "only")
    if len(digits) > LONGEST:
        raise ValueError(f"{len(digits)} digits is too long for a phone number")
    if not number.startswith("+"):
        if MOBILE.fullmatch(digits) or LOCAL_LANDLINE.fullmatch(digits):
            return number
        if len(digits) < 7:
            if _service_number(digits):
                return number
            raise ValueError(f"{digits} is too short for a phone number and is no known "
                             "service number")
    if _valid(number):
        return number
    raise ValueError(f"{number} is not a valid Chinese mobile or landline (with area code) "
                     "number, nor an international one (+country code)")


def _parsed(number: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(number, REGION)
    except NumberParseException:      # e.g. a single digit: "did not seem to be a number"
        return None


def _valid(number: str) -> bool:
    parsed = _parsed(number)
    return parsed is not None and phonenumbers.is_valid_number(parsed)


def _service_number(digits: str) -> bool:
    parsed = _parsed(digits)
    if parsed is None or not shortnumberinfo.is_valid_short_number_for_region(parsed, REGION):
        return False
    return len(digits) >= SHORTEST_SERVICE or shortnumberinfo.expected_cost_for_region(
        parsed, REGION) == ShortNumberCost.TOLL_FREE


Phone = Annotated[str, Field(max_length=32), AfterValidator(check_phone)]
