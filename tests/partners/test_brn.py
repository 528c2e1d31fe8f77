"""BRN normalisation and NTS check digit (docs/partners.md#brn-check-digit). Pure functions: no
database."""

import pytest

from partners.domain.brn import check_digit, format_brn, is_valid_brn, normalize_brn, validate_brn


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        # docs/partners.md#brn-check-digit [measured] valid / invalid numbers
        ("120-81-47521", True),
        ("116-82-00276", True),
        ("134-86-72683", True),
        ("220-81-62517", True),
        ("120-81-47522", False),  # python-stdnum accepts this one; we must not
        ("123-45-67890", False),
        # the 9th digit's carry (d9 * 5 // 10) matters: 5..9 in position 9
        ("120-90-99996", True),
        ("120-90-99995", False),
        # normalisation
        ("1208147521", True),
        (" 120 81 47521 ", True),
        ("120–81–47521", True),  # en dashes pasted from a word processor
        ("120-8147521", True),
        # wrong length
        ("120-81-4752", False),
        ("120-81-475211", False),
        ("", False),
        ("---", False),
        # letters and non-ASCII digits
        ("12O-81-47521", False),
        ("abc-de-fghij", False),
        ("１２０８１４７５２１", False),  # full-width digits
        ("120.81.47521", False),
    ],
)
def test_is_valid_brn(raw: str, valid: bool) -> None:
    assert is_valid_brn(raw) is valid


def test_check_digit_of_the_reference_number() -> None:
    assert check_digit("120814752") == 1


def test_check_digit_needs_nine_digits() -> None:
    with pytest.raises(ValueError, match="nine"):
        check_digit("12081475")


def test_normalize_brn_strips_hyphens_and_spaces_only() -> None:
    assert normalize_brn(" 120-81-47521\t") == "1208147521"
    assert normalize_brn("12O-81") == "12O81"


def test_validate_brn_returns_the_normalised_number() -> None:
    assert validate_brn("120-81-47521") == "1208147521"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "입력해 주세요"),
        ("12O-81-47521", "숫자만"),
        ("120-81-4752", "10자리"),
        ("120-81-47522", "검증번호"),
    ],
)
def test_validate_brn_explains_in_korean(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_brn(raw)


def test_format_brn() -> None:
    assert format_brn("1208147521") == "120-81-47521"
    assert format_brn("120 81 47521") == "120-81-47521"


def test_format_brn_refuses_an_invalid_number() -> None:
    with pytest.raises(ValueError, match="검증번호"):
        format_brn("1208147522")
