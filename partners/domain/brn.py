"""Business registration number (사업자등록번호, BRN) normalisation and check-digit validation.

Pure Python, no Django import. This module says whether a number is *well formed*; it does not say
whether the business exists or is still trading — that is the NTS status lookup in
``partners.providers.company_state`` (국세청 휴폐업 조회), which a valid checksum never replaces.

python-stdnum's ``stdnum.kr.brn`` is deliberately not used: it checks length and ranges but not the
check digit, so it accepts 120-81-47522 (only 120-81-47521 is valid) —
docs/partners.md#brn-check-digit.
"""

from __future__ import annotations

import re

BRN_LENGTH = 10

# NTS weights for the first nine digits (tax office 3, business type 2, serial 4);
# docs/partners.md#brn-check-digit.
_WEIGHTS: tuple[int, ...] = (1, 3, 7, 1, 3, 7, 1, 3, 5)

# Separators people type or paste: ASCII hyphen, spaces, and the look-alike dashes that office
# software substitutes (en/em dash, minus sign, full-width hyphen-minus).
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\uff0d]")


def normalize_brn(raw: str) -> str:
    """Strip hyphens and whitespace: ``" 120-81-47521 "`` → ``"1208147521"``.

    Only removes separators; it does not check length or digits (see :func:`validate_brn`).
    """
    return _SEPARATORS.sub("", raw)


def check_digit(first_nine: str) -> int:
    """The NTS check digit for the first nine digits of a BRN.

    sum = Σ dᵢ·wᵢ (w = 1,3,7,1,3,7,1,3,5) + ⌊d₉·5 / 10⌋ (the carry of the 9th digit × 5);
    check = (10 − sum mod 10) mod 10.
    """
    if len(first_nine) != BRN_LENGTH - 1 or not first_nine.isascii() or not first_nine.isdigit():
        raise ValueError("check_digit() needs exactly nine ASCII digits")
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True))
    total += digits[8] * 5 // 10
    return (10 - total % 10) % 10


def validate_brn(raw: str) -> str:
    """Return the normalised 10-digit BRN or raise ``ValueError`` with a Korean message."""
    brn = normalize_brn(raw)
    if not brn:
        raise ValueError("사업자등록번호를 입력해 주세요.")
    # isascii() rejects full-width and other Unicode digits that str.isdigit() would accept.
    if not brn.isascii() or not brn.isdigit():
        raise ValueError("사업자등록번호는 숫자만 입력해 주세요. (하이픈은 생략 가능)")
    if len(brn) != BRN_LENGTH:
        raise ValueError(f"사업자등록번호는 10자리여야 합니다. (입력: {len(brn)}자리)")
    if check_digit(brn[:9]) != int(brn[9]):
        raise ValueError("유효하지 않은 사업자등록번호입니다. (검증번호 불일치)")
    return brn


def is_valid_brn(raw: str) -> bool:
    """True when ``raw`` normalises to 10 digits with a correct NTS check digit."""
    try:
        validate_brn(raw)
    except ValueError:
        return False
    return True


def format_brn(raw: str) -> str:
    """Display form ``XXX-XX-XXXXX``: ``"1208147521"`` → ``"120-81-47521"``.

    Validates first, so a malformed number raises ``ValueError`` instead of being dressed up.
    """
    brn = validate_brn(raw)
    return f"{brn[:3]}-{brn[3:5]}-{brn[5:]}"
