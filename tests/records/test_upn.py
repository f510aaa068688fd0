import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from records.upn import CHECK_ALPHABET, check_letter, is_valid_upn, validate_upn

digits = st.text(alphabet="0123456789", min_size=12, max_size=12)
temporary_bodies = st.builds(
    lambda numbers, last: numbers + last,
    st.text(alphabet="0123456789", min_size=11, max_size=11),
    st.sampled_from(CHECK_ALPHABET),
)


def test_worked_example_from_the_dfe_guidance():
    # 8x2 + 1x4 + 2x5 + 5x10 + 1x13 = 93; 93 mod 23 = 1 -> B (DOMAIN.md section (e)).
    assert check_letter("801200005001") == "B"
    assert is_valid_upn("B801200005001")
    assert not is_valid_upn("A801200005001")


def test_vendor_example_corrected():
    # A vendor page gives Q207000016049; the sum is 266, 266 mod 23 = 13 -> P.
    assert is_valid_upn("P207000016049")
    assert not is_valid_upn("Q207000016049")


@given(digits)
def test_the_computed_check_letter_always_validates(body):
    assert is_valid_upn(check_letter(body) + body)


@given(temporary_bodies)
def test_temporary_upns_ending_in_a_letter_validate(body):
    assert is_valid_upn(check_letter(body) + body)


@given(digits, st.sampled_from(CHECK_ALPHABET))
def test_any_other_check_letter_is_refused(body, letter):
    expected = check_letter(body)
    upn = letter + body
    assert is_valid_upn(upn) == (letter == expected)


@given(digits, st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=9))
def test_changing_one_digit_is_detected(body, position, delta):
    # Weights 2..13 are all coprime with 23, so a single changed digit changes the letter.
    upn = check_letter(body) + body
    chars = list(upn)
    chars[position] = str((int(chars[position]) + delta) % 10)
    assert not is_valid_upn("".join(chars))


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("B80120000500", "upn_length"),
        ("B8012000050011", "upn_length"),
        ("", "upn_length"),
        ("I801200005001", "upn_format"),
        ("O801200005001", "upn_format"),
        ("B80120000500S", "upn_format"),
        ("BB01200005001", "upn_format"),
        ("A801200005001", "upn_check_letter"),
    ],
)
def test_invalid_upns_say_what_is_wrong(value, code):
    with pytest.raises(ValidationError) as raised:
        validate_upn(value)
    assert raised.value.code == code
    assert "UPN" in raised.value.messages[0]


def test_spaces_and_lower_case_are_normalised():
    assert is_valid_upn(" b801 2000 05001 ")
