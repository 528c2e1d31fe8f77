"""Account numbers, holder names and the identity a holder lookup is asked with: pure rules.

No Django and no I/O: the account-holder provider (partners.providers.account_holder) and the
background verification (partners.services.verification) both use these. A provider's log line
shows an account number only through `mask_account_number`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

from partners.domain.brn import validate_brn

_ACCOUNT_SEPARATORS = re.compile(r"[\s\-]")


def mask_account_number(account_number: str) -> str:
    """All but the last 4 characters masked: ``"110-123-456789"`` → ``"********6789"``.
    The only form in which an account number may reach a log line."""
    digits = _ACCOUNT_SEPARATORS.sub("", account_number)
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


def mask_birthdate(value: str | None) -> str:
    """'1990-01-02' -> '1990-**-**' (exports and the admin show the year only)."""
    return f"{value[:4]}-**-**" if value else ""


def normalize_account_number(raw: str) -> str:
    """Digits only (hyphens/spaces removed), 6–20 of them, else ``ValueError``."""
    number = _ACCOUNT_SEPARATORS.sub("", raw)
    if not number.isascii() or not number.isdigit():
        raise ValueError("계좌번호는 숫자와 하이픈(-)만 입력해 주세요.")
    if not 6 <= len(number) <= 20:
        raise ValueError("계좌번호 자릿수가 올바르지 않습니다. (6~20자리)")
    return number


@dataclass(frozen=True)
class Identity:
    kind: Literal["birthdate", "business_registration_number"]
    value: str  # yyyyMMdd or the 10-digit BRN — never logged


def parse_identity(raw: str | None) -> Identity | None:
    """8 digits → birth date (checked to be a real date), 10 digits → BRN (checksum checked)."""
    if raw is None or not raw.strip():
        return None
    value = _ACCOUNT_SEPARATORS.sub("", raw)
    if value.isascii() and value.isdigit() and len(value) == 8:
        try:
            date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            raise ValueError("생년월일이 올바른 날짜가 아닙니다. (yyyyMMdd)") from None
        return Identity("birthdate", value)
    if len(value) == 10:
        return Identity("business_registration_number", validate_brn(value))
    raise ValueError("생년월일(yyyyMMdd) 또는 사업자등록번호(10자리)를 입력해 주세요.")


# ---------------------------------------------------------------------------------------------
# Holder-name comparison (docs/partners.md#account-holder-matching)
# ---------------------------------------------------------------------------------------------

# Every spelling of a legal-form marker → one canonical token. The marker keeps its position:
# "(주)샌드박스" (앞주) and "샌드박스(주)" (뒷주) are different registered names, so they do not
# match each other, but "주식회사 샌드박스" = "(주)샌드박스" = "㈜샌드박스" do. Applied after NFKC,
# which already turns ㈜ (U+321C) into "(주)", ㈱ into "(株)" and full-width brackets into ASCII.
_CORPORATE_MARKERS: Final[tuple[tuple[str, str], ...]] = (
    ("주식회사", "(주)"),
    ("株式會社", "(주)"),
    ("株式会社", "(주)"),
    ("(株)", "(주)"),
    ("유한책임회사", "(유한책임)"),
    ("유한회사", "(유)"),
    ("합자회사", "(합자)"),
    ("합명회사", "(합명)"),
    ("사단법인", "(사)"),
    ("재단법인", "(재)"),
)
_WHITESPACE = re.compile(r"\s+")


def normalize_holder_name(name: str) -> str:
    """The form :func:`holder_matches` compares: NFKC, no whitespace, canonical corporate
    markers, case-folded (for Latin-script names)."""
    text = _WHITESPACE.sub("", unicodedata.normalize("NFKC", name))
    for spelling, canonical in _CORPORATE_MARKERS:
        text = text.replace(spelling, canonical)
    return text.casefold()


def holder_matches(expected: str, actual: str) -> bool:
    """Does the bank's holder name (``actual``) match the partner's ``holder`` (``expected``)?

    Whitespace is ignored and (주)/주식회사/㈜ and similar legal-form markers are treated as the
    same (docs/partners.md#account-holder-matching). Empty names never match: nothing was verified.
    """
    left, right = normalize_holder_name(expected), normalize_holder_name(actual)
    return bool(left) and left == right
