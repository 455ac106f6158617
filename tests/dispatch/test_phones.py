"""Which phone numbers intake takes: real Chinese mobile, landline and service numbers, and
foreign numbers in international form; obvious junk is refused with the reason."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.intake.phones import check_phone

ACCEPTED = [
    "13800001111", "138-0000-1111", "138 0000 1111", "+86 138 0000 1111", "8613800001111",
    "19912345678", "17012345678",                        # newer mobile ranges
    "0746-8223456", "07468223456", "(0746)8223456", "010-12345678", "+86 746 822 3456",
    "8223456", "82234567",                               # a local landline, no area code
    "400-800-8888",                                      # a national service line
    "12345", "12315", "95588", "10086", "96777",         # public and company service numbers
    "110", "119", "120", "122",                          # emergency (a call relayed from 110)
    "+852 9123 4567", "+1 650 253 0000",                 # callers from abroad
]
REFUSED = [
    ("123", "short"), ("1234", "short"), ("12", "short"), ("114", "short"),
    ("138000011112", "not a valid"), ("1380000111", "not a valid"),   # 12 and 10 digits
    ("00000000000", "not a valid"), ("11111111111", "not a valid"),
    ("0746-822345", "not a valid"), ("123456789012345678", "too long"),
    ("+999 1234567", "not a valid"), ("abc", "digits"), ("138 0000 1111 ext 2", "digits"),
    ("---", "digits"), ("", "digits"), ("+", "digits"), ("1", "short"), ("+86", "not a valid"),
]


@pytest.mark.parametrize("number", ACCEPTED)
def test_real_numbers_are_accepted_as_written(number):
    assert check_phone(number) == number


@pytest.mark.parametrize("number,why", REFUSED)
def test_junk_is_refused_with_its_reason(number, why):
    with pytest.raises(ValueError, match=why):
        check_phone(number)


def test_surrounding_spaces_are_dropped():
    assert check_phone(" 13800001111 ") == "13800001111"


@given(st.text(alphabet="0123456789+-() ", max_size=32))
def test_any_text_of_phone_characters_is_taken_or_refused_never_a_crash(text):
    try:
        assert check_phone(text) == text.strip()
    except ValueError:
        pass
