"""The columns of a partner spreadsheet and the values people type into them.

`COLUMNS` is the upload and template column list, in template order: the Korean header the
template writes, and the other headers a file may use instead (the API's camelCase name, an
English name); core.files.columns matches them. The export (partners.files.export) shows the
same columns under the same headers, plus a few status columns.

The value tables read what people type for a type, a bank or a taxation type: the Korean label
(spaces ignored), PortOne's enum value, and for banks the name without '은행' when that is
unambiguous. Nothing here reads the database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from functools import lru_cache

from core.files.columns import Column, Columns
from partners.domain.banks import BANK_LABELS
from partners.models import PartnerType, TaxationType

COLUMNS = Columns(
    [
        Column("public_id", "파트너 아이디", ("id", "partnerId")),
        Column("name", "이름", ("name",), required=True),
        Column(
            "partner_type",
            "유형(사업자/원천징수대상자/원천징수비대상자)",
            ("type", "partnerType"),
            required=True,
        ),
        Column("contact_name", "담당자 이름", ("contactName", "contact.name"), required=True),
        Column("contact_email", "담당자 이메일", ("contactEmail", "contact.email"), required=True),
        Column("contact_phone", "담당자 전화번호", ("contactPhoneNumber", "contact.phoneNumber")),
        Column("bank", "은행", ("bank", "account.bank"), required=True),
        Column("account_currency", "통화", ("currency", "account.currency")),
        Column("account_number", "계좌번호", ("accountNumber", "account.number"), required=True),
        Column("account_holder", "예금주", ("accountHolder", "account.holder"), required=True),
        Column("default_contract", "기본 계약 아이디", ("defaultContractId",), required=True),
        Column("tags", "태그(쉼표 구분)", ("tags",)),
        Column("memo", "메모", ("memo",)),
        Column("company_name", "상호", ("companyName",)),
        Column("business_registration_number", "사업자등록번호", ("businessRegistrationNumber",)),
        Column("representative_name", "대표자", ("representativeName",)),
        Column("taxation_type", "과세유형", ("taxationType",)),
        Column("company_address", "사업장 주소", ("companyAddress",)),
        Column("business_type", "업태", ("businessType",)),
        Column("business_class", "종목", ("businessClass",)),
        Column("birthdate", "생년월일", ("birthdate",)),
    ]
)

#: the upload/template columns, in template order
IMPORT_FIELDS = tuple(column.name for column in COLUMNS.columns)
#: columns Excel must keep as text (leading zeros, long digit strings, dates typed as text)
TEXT_FIELDS = (
    "public_id",
    "contact_phone",
    "account_number",
    "business_registration_number",
    "birthdate",
)

#: the type details of a business, column -> the API's name inside `type.business`
BUSINESS_COLUMNS = {
    "company_name": "companyName",
    "business_registration_number": "businessRegistrationNumber",
    "representative_name": "representativeName",
    "taxation_type": "taxationType",
    "company_address": "companyAddress",
    "business_type": "businessType",
    "business_class": "businessClass",
}
#: where the API puts each column (union keys and list indexes dropped) -> column
API_PATHS: dict[tuple[str, ...], str] = {
    ("id",): "public_id",
    ("name",): "name",
    ("contact", "name"): "contact_name",
    ("contact", "email"): "contact_email",
    ("contact", "phoneNumber"): "contact_phone",
    ("account", "bank"): "bank",
    ("account", "currency"): "account_currency",
    ("account", "number"): "account_number",
    ("account", "holder"): "account_holder",
    ("defaultContractId",): "default_contract",
    ("tags",): "tags",
    ("memo",): "memo",
    ("type",): "partner_type",
    ("type", "birthdate"): "birthdate",
    **{("type", api): name for name, api in BUSINESS_COLUMNS.items()},
}
TYPE_KEYS = {
    PartnerType.BUSINESS: "business",
    PartnerType.WHT_PAYER: "whtPayer",
    PartnerType.NON_WHT_PAYER: "nonWhtPayer",
}

# --- values people type in a spreadsheet ---------------------------------------------------------

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def squash(value: str) -> str:
    """Key for the spellings people type; cached, since a file repeats a handful of them."""
    return _SPACES.sub("", value).upper()


TYPE_VALUES: dict[str, PartnerType] = {
    **{squash(str(label)): PartnerType(value) for value, label in PartnerType.choices},
    **{squash(value): PartnerType(value) for value in PartnerType.values},
}
TAXATION_VALUES: dict[str, str] = {
    **{squash(str(label)): value for value, label in TaxationType.choices},
    **{squash(value): value for value in TaxationType.values},
    "일반": TaxationType.NORMAL.value,
}


def _bank_values() -> dict[str, str]:
    """Korean bank names, their short forms without '은행' when unambiguous, and the enum."""
    out = {squash(label): code for code, label in BANK_LABELS.items()}
    short: dict[str, set[str]] = defaultdict(set)
    for code, label in BANK_LABELS.items():
        if label.endswith("은행") and len(label) > 2:
            short[squash(label[:-2])].add(code)
    out.update({k: next(iter(v)) for k, v in short.items() if len(v) == 1 and k not in out})
    out.update({squash(code): code for code in BANK_LABELS})
    return out


BANK_VALUES = _bank_values()
