"""The partner upload template: the Korean header row and one example row per partner type (using
the demo data's contracts, policies.demo, so the template imports as it is after `make run`), as
CSV (core.files.sheets) or as an XLSX whose ID/account/BRN/date columns are text (so Excel keeps
leading zeros) and whose type, bank, taxation type and currency cells offer drop-down lists from
a 코드표 sheet."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from core.files.sheets import SheetSpec
from partners.domain.banks import BANK_LABELS, SUPPORTED_CURRENCIES
from partners.files.columns import COLUMNS, IMPORT_FIELDS, TEXT_FIELDS
from partners.models import PartnerType, TaxationType

TITLE = "파트너"
#: the demo data's contracts the examples use (policies.demo; a test keeps them existing)
EXAMPLE_CONTRACTS = ("demo-standard", "demo-daily")
_EXAMPLES = [
    {
        "public_id": "partner-0001",
        "name": "가나다 상점",
        "partner_type": "사업자",
        "contact_name": "김담당",
        "contact_email": "owner@example.com",
        "contact_phone": "010-1234-5678",
        "bank": "국민은행",
        "account_currency": "KRW",
        "account_number": "110-123-456789",
        "account_holder": "주식회사 가나다",
        "default_contract": "demo-standard",
        "tags": "패션,신규",
        "memo": "예시 행입니다. 지우고 쓰세요.",
        "company_name": "주식회사 가나다",
        "business_registration_number": "120-81-47521",
        "representative_name": "김대표",
        "taxation_type": "일반과세",
        "company_address": "서울특별시 중구 세종대로 110",
        "business_type": "도소매",
        "business_class": "전자상거래",
    },
    {
        "public_id": "partner-0002",
        "name": "이작가",
        "partner_type": "원천징수대상자",
        "contact_name": "이작가",
        "contact_email": "writer@example.com",
        "bank": "신한은행",
        "account_currency": "KRW",
        "account_number": "110-987-654321",
        "account_holder": "이작가",
        "default_contract": "demo-daily",
        "tags": "프리랜서",
        "birthdate": "1990-01-02",
    },
    {
        "public_id": "",
        "name": "박강사",
        "partner_type": "원천징수비대상자",
        "contact_name": "박강사",
        "contact_email": "teacher@example.com",
        "bank": "KAKAO",
        "account_currency": "KRW",
        "account_number": "3333-01-1234567",
        "account_holder": "박강사",
        "default_contract": "demo-daily",
        "birthdate": "1985-12-31",
    },
]


def template_rows() -> list[list[str]]:
    """One example row per partner type, in template column order."""
    return [[row.get(name, "") for name in IMPORT_FIELDS] for row in _EXAMPLES]


def template_sheet() -> SheetSpec:
    return SheetSpec(title=TITLE, headers=COLUMNS.headers, rows=template_rows())


#: drop-down lists of the 코드표 sheet: column -> (its letter there, the values)
_CODE_LISTS = {
    "partner_type": ("A", [str(label).replace(" ", "") for label in PartnerType.labels]),
    "bank": ("B", list(BANK_LABELS.values())),
    "taxation_type": ("D", [str(label) for label in TaxationType.labels]),
    "account_currency": ("E", list(SUPPORTED_CURRENCIES)),
}


def _code_sheet(workbook: Workbook) -> None:
    codes = workbook.create_sheet("코드표")
    codes.append(["유형", "은행", "은행 코드(PortOne)", "과세유형", "통화"])
    columns = [
        _CODE_LISTS["partner_type"][1],
        _CODE_LISTS["bank"][1],
        list(BANK_LABELS),
        _CODE_LISTS["taxation_type"][1],
        _CODE_LISTS["account_currency"][1],
    ]
    for i in range(max(len(values) for values in columns)):
        codes.append([values[i] if i < len(values) else None for values in columns])


def template_xlsx() -> bytes:
    """The template as XLSX: text columns, drop-downs (warnings only: the upload also takes enum
    codes and short names) and the 코드표 sheet they read."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = TITLE
    sheet.append(COLUMNS.headers)
    for row in template_rows():
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    _code_sheet(workbook)
    for index, column in enumerate(COLUMNS.columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(column.header) * 2 + 2)
        if column.name in TEXT_FIELDS:
            sheet.column_dimensions[letter].number_format = "@"
            for row in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                row[0].number_format = "@"
        if column.name in _CODE_LISTS:
            source, values = _CODE_LISTS[column.name]
            validation = DataValidation(
                type="list",
                formula1=f"'코드표'!${source}$2:${source}${len(values) + 1}",
                errorStyle="warning",
                allow_blank=True,
            )
            validation.add(f"{letter}2:{letter}10000")
            sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
