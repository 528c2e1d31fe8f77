"""A partner upload: every row of a file validated exactly as the API validates a partner, then
one all-or-nothing write: `partners_create` for the new ids and `partner_update` for the ids that
exist (a re-import), in one transaction.

    read (core.files.sheets) -> header matching (core.files.columns) -> each row as the API's
    camelCase body -> `PartnerCreateInput`'s rules (through its compiled accepting path,
    core.fastpath; rows it declines go through DRF itself) -> cross-row checks with one query
    each (existing ids, contracts) -> `ImportPlan` (new / changed field by field / unchanged)
    -> `plan_commit`

A row whose id exists updates that partner: only the fields whose cell differs from the current
value change, and a blank cell keeps the current value. Its preview lists each
changed field old -> new (account numbers masked).

so a 100k-row file is validated in ~4 s of CPU (~15 s with a DRF run per row) and written in one
transaction. django-import-export's row-by-row import (instance lookup, diff, `save()` per row)
measured ~245 s per 100k rows here and still ~30 s in bulk mode
(docs/decisions.md#django-import-export). `bench/partner_import.py` measures this path.

This module must not write anything except through `partners.services.partners.partners_create`
and `partner_update`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import transaction
from rest_framework import serializers

from core.crypto import mask
from core.errors import DomainError, Refs
from core.fastpath import Unsure, compile_serializer
from core.files.cells import parse_date
from core.files.rows import CellError, RowError
from core.files.sheets import Table
from core.iterables import chunked
from core.perf import gc_paused
from partners import selectors
from partners.domain.banks import BANK_LABELS, SUPPORTED_CURRENCIES
from partners.domain.brn import format_brn
from partners.files.changes import CONTRACT, FieldChange, field_changes, same
from partners.files.columns import (
    API_PATHS,
    BANK_VALUES,
    BUSINESS_COLUMNS,
    COLUMNS,
    IMPORT_FIELDS,
    TAXATION_VALUES,
    TYPE_KEYS,
    TYPE_VALUES,
    squash,
)
from partners.inputs import PartnerCreateInput, partner_change
from partners.models import Partner, PartnerType
from partners.services.partners import (
    MAX_TAGS,
    PartnerChange,
    partner_update,
    partners_create,
    resolve_contracts,
)

#: rows per `public_id__in` query; keeps every backend far below its bind-parameter limit
ID_CHUNK = 5_000
#: how many rows the preview shows
PREVIEW_ROWS = 20
#: how many changed (and unchanged) partners the preview lists
UPDATE_PREVIEW_ROWS = 200


@dataclass(frozen=True)
class RowUpdate:
    """A row whose id exists and whose cells differ from the partner: the PATCH and its diff."""

    row: int
    partner: Partner
    change: PartnerChange
    changes: list[FieldChange]


@dataclass
class ImportPlan:
    """The validated file: the service's inputs in file order, or the errors.

    `items` are every row's PartnerChange (a full create); `existing` the partners whose ids the
    file names. `split()` sorts the rows into new partners, updates and unchanged ones."""

    is_for_test: bool
    items: list[PartnerChange] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    total_rows: int = 0
    existing: dict[str, Partner] = field(default_factory=dict)
    creates: list[tuple[int, PartnerChange]] = field(default_factory=list)
    updates: list[RowUpdate] = field(default_factory=list)
    unchanged: list[tuple[int, Partner]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.items)

    @property
    def write_count(self) -> int:
        return len(self.creates) + len(self.updates)

    def split(self) -> None:
        self.creates, self.updates, self.unchanged = [], [], []
        for number, item in zip(self.row_numbers, self.items, strict=True):
            partner = self.existing.get(item.id) if item.id else None
            if partner is None:
                self.creates.append((number, item))
                continue
            update = row_update(number, partner, item)
            if update is None:
                self.unchanged.append((number, partner))
            else:
                self.updates.append(update)

    def counts_by_type(self) -> list[tuple[str, int]]:
        """New partners by type."""
        counts = Counter(item.terms["partner_type"] for _number, item in self.creates)
        return [(str(label), counts[value]) for value, label in PartnerType.choices]

    def preview(self, limit: int = PREVIEW_ROWS) -> list[dict[str, Any]]:
        """First new rows for the confirm page; the account number stays masked."""
        out = []
        for number, item in self.creates[:limit]:
            terms = item.terms
            brn = terms.get("business_registration_number")
            out.append(
                {
                    "row": number,
                    "id": item.id or "",
                    "name": terms["name"],
                    "type": PartnerType(terms["partner_type"]).label,
                    "bank": BANK_LABELS.get(terms["bank"], terms["bank"]),
                    "currency": terms["account_currency"],
                    "account_number": mask(terms["account_number"]),
                    "holder": terms["account_holder"],
                    "contract": item.contract_id,
                    "brn": format_brn(brn) if brn else "",
                    "email": terms["contact_email"],
                }
            )
        return out

    def update_preview(self, limit: int = UPDATE_PREVIEW_ROWS) -> list[dict[str, Any]]:
        """The changed partners, each field old -> new (account numbers masked)."""
        return [
            {
                "row": update.row,
                "id": update.partner.public_id,
                "name": update.partner.name,
                "changes": update.changes,
            }
            for update in self.updates[:limit]
        ]

    def unchanged_preview(self, limit: int = UPDATE_PREVIEW_ROWS) -> list[dict[str, Any]]:
        return [
            {"row": number, "id": partner.public_id, "name": partner.name}
            for number, partner in self.unchanged[:limit]
        ]

    def snapshot(self) -> dict[str, Any]:
        """What the preview saw, for `stale_errors` at the confirm: the ids it would create and
        the version each existing partner had."""
        return {
            "new": sorted(item.id for _number, item in self.creates if item.id),
            "existing": {
                public_id: partner.applied_at.isoformat()
                for public_id, partner in self.existing.items()
            },
        }

    def stale_errors(self, snapshot: dict[str, Any]) -> list[RowError]:
        """Rows the confirm would write differently from what the preview showed: an id created
        or a partner changed since. The file is then refused, so nobody confirms a change they
        did not see."""
        new = set(snapshot.get("new") or ())
        seen = snapshot.get("existing") or {}
        column = COLUMNS.header("public_id")
        errors = []
        for number, item in zip(self.row_numbers, self.items, strict=True):
            partner = self.existing.get(item.id) if item.id else None
            if partner is None:
                continue
            if item.id in new:
                message = f"미리보기 뒤에 같은 아이디의 파트너가 생겼습니다: {item.id}"
            elif seen.get(item.id) not in (None, partner.applied_at.isoformat()):
                message = (
                    f"미리보기 뒤에 이 파트너가 바뀌었습니다: {item.id}. 다시 올려 확인하세요."
                )
            else:
                continue
            errors.append(RowError(number, column, message))
        return errors


def _current(partner: Partner) -> dict[str, Any]:
    terms = partner.terms()
    terms[CONTRACT] = partner.default_contract.public_id
    return terms


def row_update(number: int, partner: Partner, item: PartnerChange) -> RowUpdate | None:
    """A full row for an existing partner -> the PATCH of what differs (blank cells keep the
    current value), None when nothing does."""
    current = _current(partner)
    wanted = {**item.terms, CONTRACT: item.contract_id}
    terms = {
        name: value
        for name, value in item.terms.items()
        if value not in (None, "", [], {}) and not same(name, current.get(name), value)
    }
    contract_id = None if same(CONTRACT, current[CONTRACT], item.contract_id) else item.contract_id
    if not terms and contract_id is None:
        return None
    names = [*terms, *([CONTRACT] if contract_id else [])]
    order = {name: i for i, name in enumerate(IMPORT_FIELDS)}
    names.sort(key=lambda n: order.get(n, len(order)))
    return RowUpdate(
        row=number,
        partner=partner,
        change=PartnerChange(terms=terms, id=partner.public_id, contract_id=contract_id),
        changes=field_changes(current, wanted, names=names),
    )


# --- one row -------------------------------------------------------------------------------------


def _date_text(text: str) -> str:
    """A date in any format uploads take (1990-01-02, 1990.01.02, 1990/01/02, 19900102) as the
    API writes it; anything else is left to the serializer, whose message the row then shows."""
    try:
        return parse_date(text).isoformat()
    except CellError:
        return text


def error_fields(detail: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, str]]:
    """DRF's nested error detail -> (column field, message); the union key (business/whtPayer/
    nonWhtPayer) and list indexes are dropped so paths match `API_PATHS`."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            transparent = key == "non_field_errors" or str(key).isdigit()
            union_member = path == ("type",) and key in ("business", "whtPayer", "nonWhtPayer")
            if transparent or union_member:
                yield from error_fields(value, path)
            else:
                yield from error_fields(value, (*path, str(key)))
    elif isinstance(detail, list):
        for value in detail:
            yield from error_fields(value, path)
    else:
        probe = path
        while probe and probe not in API_PATHS:
            probe = probe[:-1]
        yield API_PATHS.get(probe, ""), str(detail)


def row_body(get: Callable[[str], str]) -> tuple[dict[str, Any], dict[str, str]]:
    """One row (`get(column) -> cell text`) -> the API's camelCase body, plus errors from values
    the file maps itself (Korean or enum spellings of 유형, 은행, 과세유형) keyed by column."""
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
        code = BANK_VALUES.get(squash(bank))
        if code is None:
            errors["bank"] = f"알 수 없는 은행입니다: {bank} (은행 이름 또는 PortOne 은행 코드)"
        else:
            body["account"]["bank"] = code

    raw_type = get("partner_type")
    partner_type = TYPE_VALUES.get(squash(raw_type)) if raw_type else None
    if raw_type and partner_type is None:
        errors["partner_type"] = (
            f"알 수 없는 유형입니다: {raw_type} (사업자 / 원천징수대상자 / 원천징수비대상자)"
        )
    if partner_type == PartnerType.BUSINESS:
        business = {api: value for name, api in BUSINESS_COLUMNS.items() if (value := get(name))}
        if taxation := business.get("taxationType"):
            business["taxationType"] = TAXATION_VALUES.get(squash(taxation), taxation)
        body["type"] = {"business": business}
        if get("birthdate"):
            errors["birthdate"] = "사업자에는 생년월일을 입력하지 않습니다."
    elif partner_type is not None:
        individual = {"birthdate": _date_text(b)} if (b := get("birthdate")) else {}
        body["type"] = {TYPE_KEYS[partner_type]: individual}
        for name in BUSINESS_COLUMNS:
            if get(name):
                errors[name] = "사업자 유형에만 입력하는 항목입니다."
    return body, errors


# --- the file ------------------------------------------------------------------------------------


def validate_table(table: Table, *, is_for_test: bool) -> ImportPlan:
    """Every row through the API's `PartnerCreateInput`, then the checks `partners_create` makes
    across rows (duplicate ids, ids taken, usable contracts, currency, tag count), each with one
    query for the whole file. Errors name the spreadsheet row and the header as written."""
    with gc_paused():
        return _validate_table(table, is_for_test=is_for_test)


def _validate_table(table: Table, *, is_for_test: bool) -> ImportPlan:
    plan = ImportPlan(is_for_test=is_for_test, total_rows=len(table.rows))
    layout, header_errors = COLUMNS.match(table.headers)
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
    valid: dict[int, PartnerChange] = {}
    header_count = len(table.headers)
    blank = dict.fromkeys(IMPORT_FIELDS, "")
    columns = tuple(layout.index.items())
    # A plain loop over the cells instead of core.files.columns.Line: a method call per cell is
    # 2 million calls for a 100k-row file.
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

        body, row_errors = row_body(values.__getitem__)
        for name, message in row_errors.items():
            errors[(number, name)] = message
        try:
            try:
                data = fast(body)
            except Unsure:
                data = serializer.run_validation(body)
        except serializers.ValidationError as exc:
            for name, message in error_fields(exc.detail):
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

    existing = _check_across_rows(keys, errors, is_for_test=is_for_test)

    if errors:
        order = {name: i for i, name in enumerate(IMPORT_FIELDS)}
        plan.errors = [
            RowError(number, layout.headers.get(name, ""), message)
            for (number, name), message in sorted(
                errors.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], -1))
            )
        ]
        return plan
    plan.row_numbers = [row.number for row in keys]
    plan.items = [valid[number] for number in plan.row_numbers]
    plan.existing = existing
    plan.split()
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
) -> dict[str, Partner]:
    """The set-based checks of `partners_create`, reported per row instead of once; answers the
    partners that already have one of the file's ids (their rows update them)."""
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
        if tag_count > MAX_TAGS:
            errors.setdefault((number, "tags"), f"태그는 최대 {MAX_TAGS}개입니다.")

    for public_id, numbers in rows_by_id.items():
        if len(numbers) > 1:
            for number in numbers:
                others = ", ".join(str(n) for n in numbers if n != number)
                errors.setdefault(
                    (number, "public_id"),
                    f"파일 안에서 아이디가 중복됩니다: {public_id} (행 {others})",
                )
    existing: dict[str, Partner] = {}
    for chunk in chunked(list(rows_by_id), ID_CHUNK):
        found = Partner.objects.filter(is_for_test=is_for_test, public_id__in=chunk).select_related(
            "default_contract"
        )
        for partner in found:
            existing[partner.public_id] = partner
            if partner.is_archived:
                for number in rows_by_id[partner.public_id]:
                    errors.setdefault(
                        (number, "public_id"),
                        f"보관된 파트너는 바꿀 수 없습니다: {partner.public_id} "
                        "(복원한 뒤 다시 올리거나 이 행을 지우세요)",
                    )

    usable = resolve_contracts(rows_by_contract, is_for_test=is_for_test)
    missing = set(rows_by_contract) - set(usable)
    archived = selectors.archived_contract_ids(missing, is_for_test=is_for_test)
    for contract_id in missing:
        if contract_id in archived:
            message = f"보관된 계약은 쓸 수 없습니다: {contract_id}"
        else:
            mode = "테스트" if is_for_test else "운영"
            message = f"계약을 찾을 수 없습니다: {contract_id} ({mode} 계약 중에서 찾음)"
        for number in rows_by_contract[contract_id]:
            errors.setdefault((number, "default_contract"), message)
    return existing


# --- commit --------------------------------------------------------------------------------------


class ImportRefused(Exception):
    """The service refused the plan (e.g. an id taken since it was checked); nothing written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__("; ".join(e.message for e in errors[:3]))
        self.errors = errors


@dataclass(frozen=True)
class Committed:
    created: list[Partner]
    updated: list[Partner]

    def __len__(self) -> int:
        return len(self.created) + len(self.updated)


def plan_commit(plan: ImportPlan) -> Committed:
    """Every new row in one `partners_create` call and every changed one through
    `partner_update`, in one transaction: all or none.

    The services check ids, contracts and each partner's rules again, so a row that became
    invalid after the plan was made fails the whole file; `ImportRefused` then names the rows.
    """
    with gc_paused(), transaction.atomic():
        created: list[Partner] = []
        if plan.creates:
            items = [item for _number, item in plan.creates]
            try:
                created = partners_create(is_for_test=plan.is_for_test, items=items)
            except DomainError as exc:
                raise ImportRefused(_service_errors(plan.creates, exc)) from exc
        updated, failures = [], []
        for update in plan.updates:
            try:
                with transaction.atomic():
                    updated.append(
                        partner_update(
                            public_id=update.partner.public_id,
                            is_for_test=plan.is_for_test,
                            change=update.change,
                        )
                    )
            except DomainError as exc:
                failures.append(_update_error(update, exc))
        if failures:
            raise ImportRefused(failures)  # leaves the transaction: the creates roll back too
    return Committed(created=created, updated=updated)


_MESSAGE_COLUMNS = {
    "defaultContractId": "default_contract",
    "account.currency": "account_currency",
    "tags": "tags",
}
_CODE_COLUMNS = {
    "PLATFORM_CONTRACT_NOT_FOUND": "default_contract",
    "PLATFORM_INSUFFICIENT_DATA_TO_CHANGE_PARTNER_TYPE": "partner_type",
    "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_TYPE_UNCHANGEABLE": "partner_type",
    "PLATFORM_MEMBER_COMPANY_CONNECTED_PARTNER_BRN_UNCHANGEABLE": "business_registration_number",
    "PLATFORM_ARCHIVED_PARTNER": "public_id",
}


def _update_error(update: RowUpdate, exc: DomainError) -> RowError:
    message = exc.message or exc.code
    prefix, _sep, rest = message.partition(": ")
    name = _MESSAGE_COLUMNS.get(prefix) or _CODE_COLUMNS.get(exc.code, "")
    if prefix in _MESSAGE_COLUMNS:
        message = rest
    return RowError(update.row, COLUMNS.header(name) if name else "", message)


def _service_errors(rows: list[tuple[int, PartnerChange]], exc: DomainError) -> list[RowError]:
    """Point a refusal that names partners or contracts (`ids`) back at the rows that hold them."""
    refs = exc.details.get("ids")
    if isinstance(refs, Refs) and refs.entity in ("contract", "partner"):
        ids = set(refs.ids)
        if refs.entity == "contract":
            column, key = COLUMNS.header("default_contract"), lambda item: item.contract_id
        else:
            column, key = COLUMNS.header("public_id"), lambda item: item.id
        found = [
            RowError(number, column, f"{exc.message} ({key(item)})")
            for number, item in rows
            if key(item) in ids
        ]
        if found:
            return found
    return [RowError(0, "", f"{exc.code}: {exc.message}")]
