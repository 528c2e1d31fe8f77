"""Partner files: the column list (Korean headers <-> fields), reading uploaded CSV/XLSX, validating
every row exactly as the API does, and the set-based import shared by the admin and the bench.

django-import-export owns the *columns*: `PartnerResource` declares every header once and is used
for the download template and the export. It does **not** run the import. Its row-by-row
pipeline (instance lookup, diff, `save()` per row) measured ~245 s per 100k rows here and still
~30 s in bulk mode (shared/docs/anchors.md §1.4), and its admin preview is a rolled-back dry run
that repeats all of it. Instead the import is set-based:

    read (calamine / csv) -> `PartnerCreateInput`'s rules per row (the API's own serializer,
    through its compiled accepting path, core.fastpath; rows it declines go through DRF itself)
    -> cross-row checks with one query each (ids taken, contracts) -> one `partners_create`

so a 100k-row file is validated in ~4 s of CPU (~15 s with a DRF run per row) and written in one
all-or-nothing transaction. `bench/partner_import.py` measures it.

This module must not write anything except through `partners.services.partners_create`, and it
never keeps the upload itself: the admin stores the validated plan between preview and confirm.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, NamedTuple

from import_export import resources
from import_export.fields import Field
from rest_framework import serializers

from core.crypto import mask
from core.errors import ApiError
from core.fastpath import Unsure, compile_serializer
from core.files.sheets import FileError, Table, neutralise, read_table
from core.perf import gc_paused
from partners import services
from partners.api import PartnerCreateInput, partner_change
from partners.banks import BANK_LABELS, SUPPORTED_CURRENCIES
from partners.brn import format_brn
from partners.models import Partner, PartnerType, TaxationType
from policies.models import Contract

#: rows per `public_id__in` query; keeps every backend far below its bind-parameter limit
ID_CHUNK = 5_000
#: how many rows the preview shows, and how many errors the page lists
PREVIEW_ROWS = 20


# --- columns -------------------------------------------------------------------------------------


def _header_key(header: str) -> str:
    """Header matching ignores spaces and a parenthesised hint: '유형(사업자/…)' == '유형',
    '기본 계약 아이디' == '기본계약아이디'."""
    return re.sub(r"\s+", "", re.sub(r"\(.*\)", "", header.replace("\ufeff", "")))


def mask_birthdate(value: str | None) -> str:
    """'1990-01-02' -> '1990-**-**' (exports and lists show the year only)."""
    return f"{value[:4]}-**-**" if value else ""


#: the upload/template columns, in template order (PartnerResource field names)
IMPORT_FIELDS = (
    "public_id",
    "name",
    "partner_type",
    "contact_name",
    "contact_email",
    "contact_phone",
    "bank",
    "account_currency",
    "account_number",
    "account_holder",
    "default_contract",
    "tags",
    "memo",
    "company_name",
    "business_registration_number",
    "representative_name",
    "taxation_type",
    "company_address",
    "business_type",
    "business_class",
    "birthdate",
)
#: a file without one of these headers is refused before any row is read
REQUIRED_HEADERS = (
    "name",
    "partner_type",
    "contact_name",
    "contact_email",
    "bank",
    "account_number",
    "account_holder",
    "default_contract",
)
EXPORT_FIELDS = (*IMPORT_FIELDS, "account_status", "business_status", "is_archived", "is_for_test")


class PartnerResource(resources.ModelResource):
    """The partner columns of every file: template, import and export share these headers.

    `IMPORT_FIELDS` is the upload/template column list; the export adds read-only status columns.
    Exports mask the account number and the birth date (personal data, core.crypto).
    """

    public_id = Field(attribute="public_id", column_name="파트너 아이디")
    name = Field(attribute="name", column_name="이름")
    partner_type = Field(
        attribute="partner_type", column_name="유형(사업자/원천징수대상자/원천징수비대상자)"
    )
    contact_name = Field(attribute="contact_name", column_name="담당자 이름")
    contact_email = Field(attribute="contact_email", column_name="담당자 이메일")
    contact_phone = Field(attribute="contact_phone", column_name="담당자 전화번호")
    bank = Field(attribute="bank", column_name="은행")
    account_currency = Field(attribute="account_currency", column_name="통화")
    account_number = Field(attribute="account_number", column_name="계좌번호")
    account_holder = Field(attribute="account_holder", column_name="예금주")
    default_contract = Field(
        attribute="default_contract__public_id", column_name="기본 계약 아이디"
    )
    tags = Field(attribute="tags", column_name="태그(쉼표 구분)")
    memo = Field(attribute="memo", column_name="메모")
    company_name = Field(attribute="company_name", column_name="상호")
    business_registration_number = Field(
        attribute="business_registration_number", column_name="사업자등록번호"
    )
    representative_name = Field(attribute="representative_name", column_name="대표자")
    taxation_type = Field(attribute="taxation_type", column_name="과세유형")
    company_address = Field(attribute="company_address", column_name="사업장 주소")
    business_type = Field(attribute="business_type", column_name="업태")
    business_class = Field(attribute="business_class", column_name="종목")
    birthdate = Field(attribute="birthdate", column_name="생년월일")
    # export only
    account_status = Field(attribute="account_status", column_name="계좌 인증")
    business_status = Field(attribute="business_status", column_name="사업자 상태")
    is_archived = Field(attribute="is_archived", column_name="보관")
    is_for_test = Field(attribute="is_for_test", column_name="테스트")

    IMPORT_FIELDS = IMPORT_FIELDS
    REQUIRED_HEADERS = REQUIRED_HEADERS
    EXPORT_FIELDS = EXPORT_FIELDS

    class Meta:
        model = Partner
        fields = EXPORT_FIELDS
        export_order = EXPORT_FIELDS
        import_id_fields = ("public_id",)

    # -- columns as data, used by the template and the reader --

    @classmethod
    def import_columns(cls) -> list[tuple[str, str]]:
        """[(field name, Korean header)] in template order."""
        return [(name, cls.fields[name].column_name) for name in cls.IMPORT_FIELDS]

    @classmethod
    def header(cls, field_name: str) -> str:
        return cls.fields[field_name].column_name

    # -- export values: Korean labels, masked personal data --

    def dehydrate_partner_type(self, obj: Partner) -> str:
        return obj.get_partner_type_display()

    def dehydrate_bank(self, obj: Partner) -> str:
        return BANK_LABELS.get(obj.bank, obj.bank)

    def dehydrate_account_number(self, obj: Partner) -> str:
        return obj.masked_account_number

    def dehydrate_birthdate(self, obj: Partner) -> str:
        return mask_birthdate(obj.birthdate)

    def dehydrate_tags(self, obj: Partner) -> str:
        return ",".join(obj.tags or [])

    def dehydrate_taxation_type(self, obj: Partner) -> str:
        return obj.get_taxation_type_display() if obj.taxation_type else ""

    def dehydrate_account_status(self, obj: Partner) -> str:
        return obj.get_account_status_display()

    def dehydrate_business_status(self, obj: Partner) -> str:
        if obj.partner_type != PartnerType.BUSINESS:
            return ""
        return obj.get_business_status_display()

    def dehydrate_is_archived(self, obj: Partner) -> str:
        return "Y" if obj.is_archived else "N"

    def dehydrate_is_for_test(self, obj: Partner) -> str:
        return "Y" if obj.is_for_test else "N"

    def export_rows(self, partners: Iterable[Partner]) -> Iterator[list[Any]]:
        """Rows for CSV/XLSX, formula-neutralised; fields are resolved once, not per row (the
        Resource's own `export_resource` re-resolves the column order for every object)."""
        export_fields = [self.fields[name] for name in self.EXPORT_FIELDS]
        for obj in partners:
            yield [
                neutralise("" if (v := self.export_field(f, obj)) is None else v)
                for f in export_fields
            ]

    def export_headers(self) -> list[str]:
        return [self.header(name) for name in self.EXPORT_FIELDS]


# --- values people type in a spreadsheet ---------------------------------------------------------


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=4096)
def _squash(value: str) -> str:
    """Key for the spellings people type; cached, since a file repeats a handful of them."""
    return _SPACES.sub("", value).upper()


TYPE_VALUES: dict[str, PartnerType] = {
    **{_squash(str(label)): PartnerType(value) for value, label in PartnerType.choices},
    **{_squash(value): PartnerType(value) for value in PartnerType.values},
}
TAXATION_VALUES: dict[str, str] = {
    **{_squash(str(label)): value for value, label in TaxationType.choices},
    **{_squash(value): value for value in TaxationType.values},
    "일반": TaxationType.NORMAL.value,
}


def _bank_values() -> dict[str, str]:
    """Korean bank names, their short forms without '은행' when unambiguous, and the enum."""
    out = {_squash(label): code for code, label in BANK_LABELS.items()}
    short: dict[str, set[str]] = defaultdict(set)
    for code, label in BANK_LABELS.items():
        if label.endswith("은행") and len(label) > 2:
            short[_squash(label[:-2])].add(code)
    out.update({k: next(iter(v)) for k, v in short.items() if len(v) == 1 and k not in out})
    out.update({_squash(code): code for code in BANK_LABELS})
    return out


BANK_VALUES = _bank_values()

TYPE_KEYS = {
    PartnerType.BUSINESS: "business",
    PartnerType.WHT_PAYER: "whtPayer",
    PartnerType.NON_WHT_PAYER: "nonWhtPayer",
}
BUSINESS_COLUMNS = {
    "company_name": "companyName",
    "business_registration_number": "businessRegistrationNumber",
    "representative_name": "representativeName",
    "taxation_type": "taxationType",
    "company_address": "companyAddress",
    "business_type": "businessType",
    "business_class": "businessClass",
}
#: API error path (union keys and list indexes dropped) -> column field
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


# --- reading files -------------------------------------------------------------------------------


# --- validation ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # as in the spreadsheet: header = 1
    column: str  # the Korean header as written in the file ("" = whole row / file)
    message: str


@dataclass
class ImportPlan:
    """The validated file: `partners_create` items in file order, or the errors."""

    is_for_test: bool
    items: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.items)

    def counts_by_type(self) -> list[tuple[str, int]]:
        counts = Counter(item["terms"]["partner_type"] for item in self.items)
        return [(str(label), counts[value]) for value, label in PartnerType.choices]

    def preview(self, limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
        """First rows for the confirm page; the account number stays masked."""
        out = []
        for number, item in zip(self.row_numbers[:limit], self.items[:limit], strict=True):
            terms = item["terms"]
            brn = terms.get("business_registration_number")
            out.append(
                {
                    "row": number,
                    "id": item.get("id") or "",
                    "name": terms["name"],
                    "type": PartnerType(terms["partner_type"]).label,
                    "bank": BANK_LABELS.get(terms["bank"], terms["bank"]),
                    "currency": terms["account_currency"],
                    "account_number": mask(terms["account_number"]),
                    "holder": terms["account_holder"],
                    "contract": item["contract_id"],
                    "brn": format_brn(brn) if brn else "",
                    "email": terms["contact_email"],
                }
            )
        return out

    def as_json(self) -> dict[str, Any]:
        return {
            "is_for_test": self.is_for_test,
            "items": self.items,
            "row_numbers": self.row_numbers,
            "total_rows": self.total_rows,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportPlan:
        return cls(
            is_for_test=data["is_for_test"],
            items=data["items"],
            row_numbers=data["row_numbers"],
            total_rows=data["total_rows"],
        )


def _columns(headers: list[str]) -> tuple[dict[str, int], dict[str, str], list[RowError]]:
    """Map file headers to fields: (field -> index, field -> header as written, header errors)."""
    by_key = {_header_key(h): name for name, h in PartnerResource.import_columns()}
    index: dict[str, int] = {}
    written: dict[str, str] = {name: h for name, h in PartnerResource.import_columns()}
    errors: list[RowError] = []
    for i, header in enumerate(headers):
        if not header:
            continue
        name = by_key.get(_header_key(header))
        if name is None:
            errors.append(RowError(1, header, "알 수 없는 열입니다. 템플릿의 열 이름을 쓰세요."))
        elif name in index:
            errors.append(RowError(1, header, "같은 열이 두 번 있습니다."))
        else:
            index[name] = i
            written[name] = header
    for name in PartnerResource.REQUIRED_HEADERS:
        if name not in index:
            errors.append(RowError(1, written[name], "필수 열이 없습니다."))
    return index, written, errors


def _error_fields(detail: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """DRF's nested error detail -> (column field, message); the union key (business/whtPayer/
    nonWhtPayer) and list indexes are dropped so paths match `API_PATHS`."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            transparent = key == "non_field_errors" or str(key).isdigit()
            union_member = path == ("type",) and key in ("business", "whtPayer", "nonWhtPayer")
            if transparent or union_member:
                yield from _error_fields(value, path)
            else:
                yield from _error_fields(value, (*path, str(key)))
    elif isinstance(detail, list):
        for value in detail:
            yield from _error_fields(value, path)
    else:
        probe = path
        while probe and probe not in API_PATHS:
            probe = probe[:-1]
        yield API_PATHS.get(probe, ""), str(detail)


def _row_to_api(get: Callable[[str], str]) -> tuple[dict[str, Any], dict[str, str]]:
    """One row -> the API's camelCase body, plus errors from values the file maps itself
    (Korean or enum spellings of 유형, 은행, 과세유형) keyed by column field."""
    errors: dict[str, str] = {}
    body: dict[str, Any] = {
        "name": get("name"),
        "contact": {"name": get("contact_name"), "email": get("contact_email")},
        "account": {
            "bank": get("bank"),
            "currency": (get("account_currency") or "KRW").upper(),
            "number": get("account_number"),
            "holder": get("account_holder"),
        },
        "defaultContractId": get("default_contract"),
        "tags": [t.strip() for t in get("tags").split(",") if t.strip()],
    }
    for key, name in (("id", "public_id"), ("memo", "memo")):
        if value := get(name):
            body[key] = value
    if phone := get("contact_phone"):
        body["contact"]["phoneNumber"] = phone
    if bank := get("bank"):
        code = BANK_VALUES.get(_squash(bank))
        if code is None:
            errors["bank"] = f"알 수 없는 은행입니다: {bank} (은행 이름 또는 PortOne 은행 코드)"
        else:
            body["account"]["bank"] = code

    raw_type = get("partner_type")
    partner_type = TYPE_VALUES.get(_squash(raw_type)) if raw_type else None
    if raw_type and partner_type is None:
        errors["partner_type"] = (
            f"알 수 없는 유형입니다: {raw_type} (사업자 / 원천징수대상자 / 원천징수비대상자)"
        )
    if partner_type == PartnerType.BUSINESS:
        business = {api: value for name, api in BUSINESS_COLUMNS.items() if (value := get(name))}
        if taxation := business.get("taxationType"):
            business["taxationType"] = TAXATION_VALUES.get(_squash(taxation), taxation)
        body["type"] = {"business": business}
        if get("birthdate"):
            errors["birthdate"] = "사업자에는 생년월일을 입력하지 않습니다."
    elif partner_type is not None:
        individual = {"birthdate": b} if (b := get("birthdate")) else {}
        body["type"] = {TYPE_KEYS[partner_type]: individual}
        for name in BUSINESS_COLUMNS:
            if get(name):
                errors[name] = "사업자 유형에만 입력하는 항목입니다."
    return body, errors


def validate_table(table: Table, *, is_for_test: bool) -> ImportPlan:
    """Every row through the API's `PartnerCreateInput`, then the checks `partners_create` makes
    across rows (duplicate ids, ids taken, usable contracts, currency, tag count), each with one
    query for the whole file. Errors name the spreadsheet row and the Korean header."""
    with gc_paused():
        return _validate_table(table, is_for_test=is_for_test)


def _validate_table(table: Table, *, is_for_test: bool) -> ImportPlan:
    plan = ImportPlan(is_for_test=is_for_test, total_rows=len(table.rows))
    index, header_of, header_errors = _columns(table.headers)
    if header_errors:
        plan.errors = header_errors
        return plan
    if not table.rows:
        plan.errors = [RowError(2, "", "등록할 행이 없습니다.")]
        return plan

    # One serializer instance for all rows (building one costs ~0.9 ms: deep-copied fields), and
    # its compiled accepting path (core.fastpath): ~10 µs for a good row instead of ~120 µs. A row
    # the fast path cannot vouch for goes through the serializer itself, whose messages we show.
    serializer = PartnerCreateInput()
    fast = compile_serializer(serializer)
    errors: dict[tuple[int, str], str] = {}
    keys: list[_RowKeys] = []
    valid: dict[int, dict[str, Any]] = {}
    header_count = len(table.headers)
    blank = dict.fromkeys(PartnerResource.IMPORT_FIELDS, "")
    columns = tuple(index.items())
    for number, cells in table.rows:
        width = len(cells)
        if any(cells[header_count:]):
            errors[(number, "")] = (
                "헤더보다 칸이 많습니다. 값에 쉼표가 있으면 큰따옴표로 감싸 주세요."
            )
        values = blank.copy()  # field -> cell text, "" for a column the file lacks
        for name, i in columns:
            if i < width:
                values[name] = cells[i]

        body, row_errors = _row_to_api(values.__getitem__)
        for name, message in row_errors.items():
            errors[(number, name)] = message
        try:
            try:
                data = fast(body)
            except Unsure:
                data = serializer.run_validation(body)
        except serializers.ValidationError as exc:
            for name, message in _error_fields(exc.detail):
                errors.setdefault((number, name), message)
        else:
            if not row_errors:
                valid[number] = partner_change(data)
        keys.append(
            _RowKeys(
                number,
                body.get("id", ""),
                body["defaultContractId"],
                body["account"]["currency"],
                len(dict.fromkeys(body["tags"])),
            )
        )

    _check_across_rows(keys, errors, is_for_test=is_for_test)

    if errors:
        order = {name: i for i, name in enumerate(PartnerResource.IMPORT_FIELDS)}
        plan.errors = [
            RowError(number, header_of.get(name, ""), message)
            for (number, name), message in sorted(
                errors.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], -1))
            )
        ]
        return plan
    plan.row_numbers = [row.number for row in keys]
    plan.items = [valid[number] for number in plan.row_numbers]
    return plan


class _RowKeys(NamedTuple):
    """What the cross-row checks need from a row (keeps 10^5 full row bodies out of memory)."""

    number: int
    id: str
    contract_id: str
    currency: str
    tag_count: int


def _check_across_rows(
    keys: list[_RowKeys],
    errors: dict[tuple[int, str], str],
    *,
    is_for_test: bool,
) -> None:
    """The set-based checks of `services.partners_create`, reported per row instead of once."""
    rows_by_id: dict[str, list[int]] = defaultdict(list)
    rows_by_contract: dict[str, list[int]] = defaultdict(list)
    for number, public_id, contract_id, currency, tag_count in keys:
        if public_id:
            rows_by_id[public_id].append(number)
        if contract_id:
            rows_by_contract[contract_id].append(number)
        if currency not in SUPPORTED_CURRENCIES:
            errors.setdefault(
                (number, "account_currency"),
                f"지원하지 않는 통화입니다: {currency} (지원: {', '.join(SUPPORTED_CURRENCIES)})",
            )
        if tag_count > services.MAX_TAGS:
            errors.setdefault((number, "tags"), f"태그는 최대 {services.MAX_TAGS}개입니다.")

    for public_id, numbers in rows_by_id.items():
        if len(numbers) > 1:
            for number in numbers:
                others = ", ".join(str(n) for n in numbers if n != number)
                errors.setdefault(
                    (number, "public_id"),
                    f"파일 안에서 아이디가 중복됩니다: {public_id} (행 {others})",
                )
    ids = list(rows_by_id)
    for start in range(0, len(ids), ID_CHUNK):
        taken = Partner.objects.filter(
            is_for_test=is_for_test, public_id__in=ids[start : start + ID_CHUNK]
        ).values_list("public_id", flat=True)
        for public_id in taken:
            for number in rows_by_id[public_id]:
                errors.setdefault(
                    (number, "public_id"), f"이미 있는 파트너 아이디입니다: {public_id}"
                )

    usable = services.resolve_contracts(rows_by_contract, is_for_test=is_for_test)
    missing = set(rows_by_contract) - set(usable)
    archived = set(
        Contract.objects.filter(
            public_id__in=missing, is_for_test=is_for_test, is_archived=True
        ).values_list("public_id", flat=True)
    )
    for contract_id in missing:
        if contract_id in archived:
            message = f"보관된 계약은 쓸 수 없습니다: {contract_id}"
        else:
            mode = "테스트" if is_for_test else "운영"
            message = f"계약을 찾을 수 없습니다: {contract_id} ({mode} 계약 중에서 찾음)"
        for number in rows_by_contract[contract_id]:
            errors.setdefault((number, "default_contract"), message)


def validate_file(data: bytes, filename: str, *, is_for_test: bool) -> ImportPlan:
    """Read and validate; a file-level problem comes back as a row-1 error, never raised."""
    try:
        table = read_table(data, filename)
    except FileError as exc:
        return ImportPlan(is_for_test=is_for_test, errors=[RowError(1, "", str(exc))])
    return validate_table(table, is_for_test=is_for_test)


def plan_commit(plan: ImportPlan) -> list[Partner]:
    """All rows in one `partners_create` call (one transaction: all or none).

    The service re-checks ids and contracts, so a row taken by someone else between preview and
    confirm fails the whole file; `ImportRefused` then names the rows.
    """
    try:
        with gc_paused():
            return services.partners_create(is_for_test=plan.is_for_test, items=plan.items)
    except ApiError as exc:
        raise ImportRefused(_service_errors(plan, exc)) from exc


class ImportRefused(Exception):
    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.message for e in errors[:3]))
        self.errors = errors


def _service_errors(plan: ImportPlan, exc: ApiError) -> list[RowError]:
    """Point an ApiError carrying `ids` back at the rows that hold them."""
    ids = set(exc.extra.get("ids") or [])
    header = PartnerResource.header
    if ids and exc.type.startswith("PLATFORM_CONTRACT"):
        column, key = header("default_contract"), lambda item: item["contract_id"]
    elif ids:
        column, key = header("public_id"), lambda item: item.get("id")
    else:
        return [RowError(0, "", f"{exc.type}: {exc.message}")]
    return [
        RowError(number, column, f"{exc.message} ({key(item)})")
        for number, item in zip(plan.row_numbers, plan.items, strict=True)
        if key(item) in ids
    ] or [RowError(0, "", f"{exc.type}: {exc.message}")]


# --- template ------------------------------------------------------------------------------------


def template_rows() -> list[list[str]]:
    """One example row per partner type, in template column order."""
    examples = [
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
            "default_contract": "contract-1",
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
            "default_contract": "contract-1",
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
            "default_contract": "contract-1",
            "birthdate": "1985-12-31",
        },
    ]
    return [[row.get(name, "") for name in PartnerResource.IMPORT_FIELDS] for row in examples]


# --- writing files -------------------------------------------------------------------------------

#: columns Excel must keep as text (leading zeros, long digit strings, dates typed as text)
TEXT_FIELDS = (
    "public_id",
    "contact_phone",
    "account_number",
    "business_registration_number",
    "birthdate",
)
CSV_CHUNK_ROWS = 500


def csv_chunks(headers: list[str], rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text in chunks for a streaming response; starts with a BOM so Korean Excel reads
    UTF-8 instead of guessing CP949. Cells must already be neutralised."""

    class _Line:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(_Line())
    yield "\ufeff" + writer.writerow(headers)
    chunk: list[str] = []
    for row in rows:
        chunk.append(writer.writerow(row))
        if len(chunk) >= CSV_CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)


def write_xlsx(fileobj: Any, headers: list[str], rows: Iterable[list[Any]], title: str) -> None:
    """openpyxl write-only (rows streamed to a temp file, flat memory; lxml makes it ~2x faster,
    anchors.md §4.2). Cells must already be neutralised: openpyxl itself stores any text that
    starts with '=' as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(row)
    workbook.save(fileobj)


def template_csv() -> bytes:
    return "".join(
        csv_chunks([h for _, h in PartnerResource.import_columns()], template_rows())
    ).encode("utf-8")


def template_xlsx() -> bytes:
    """The upload template: Korean headers, one example per type, ID/account/BRN/date columns
    formatted as text so Excel keeps leading zeros, and drop-downs fed by a 코드표 sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "파트너"
    columns = PartnerResource.import_columns()
    sheet.append([header for _, header in columns])
    for row in template_rows():
        sheet.append(row)
    sheet.freeze_panes = "A2"
    for cell in sheet[1]:
        cell.font = Font(bold=True)

    codes = workbook.create_sheet("코드표")
    lists = {
        "partner_type": [str(label).replace(" ", "") for label in PartnerType.labels],
        "bank": list(BANK_LABELS.values()),
        "taxation_type": [str(label) for label in TaxationType.labels],
        "account_currency": list(SUPPORTED_CURRENCIES),
    }
    codes.append(["유형", "은행", "은행 코드(PortOne)", "과세유형", "통화"])
    height = max(len(v) for v in lists.values())
    bank_codes = list(BANK_LABELS)
    for i in range(height):
        codes.append(
            [
                lists["partner_type"][i] if i < len(lists["partner_type"]) else None,
                lists["bank"][i] if i < len(lists["bank"]) else None,
                bank_codes[i] if i < len(bank_codes) else None,
                lists["taxation_type"][i] if i < len(lists["taxation_type"]) else None,
                lists["account_currency"][i] if i < len(lists["account_currency"]) else None,
            ]
        )
    source_column = {
        "partner_type": "A",
        "bank": "B",
        "taxation_type": "D",
        "account_currency": "E",
    }
    for index, (name, header) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, len(header) * 2 + 2)
        if name in TEXT_FIELDS:
            sheet.column_dimensions[letter].number_format = "@"
            for row in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                row[0].number_format = "@"
        if name in source_column:
            src = source_column[name]
            validation = DataValidation(
                type="list",
                formula1=f"'코드표'!${src}$2:${src}${len(lists[name]) + 1}",
                # the file also accepts enum codes and short names, so warn instead of refusing
                errorStyle="warning",
                allow_blank=True,
            )
            validation.add(f"{letter}2:{letter}10000")
            sheet.add_data_validation(validation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
