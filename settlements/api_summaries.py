"""Transfer reads in bulk: `GET /platform/transfer-summaries` (정산 상세 내역 목록) and its CSV,
`GET /platform/transfer-summaries/sheet-file` (domain.md §7.8). Read-only: nothing here writes.

The filter (`PlatformTransferFilterInput`) runs entirely in SQL. Policies, products and
transfer-level user-defined properties live only in the wire-format `snapshot` JSON, so those
criteria match its text form (see `_json_text`), which works the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, StrIndex
from django.db.models.lookups import GreaterThan
from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework import serializers
from rest_framework.response import Response

from core.api.views import PortOneApiView, is_for_test, paginate, request_body
from core.api.wire import drop_none, graphql_id
from core.errors import invalid_request
from core.files import sheets
from core.inputs import OneOf, PageInput, validated
from core.versioning import services as versioning
from partners import services as partner_services
from partners.banks import BANK_LABELS
from partners.models import (
    Partner,
    PartnerStatus,
    PartnerTag,
    PartnerType,
    TaxationType,
    UserDefinedProperty,
)
from settlements.models import (
    AMOUNT_FIELDS,
    OPEN_BUCKET_STATUS,
    Transfer,
    TransferStatus,
    TransferType,
    transfer_status_q,
)

PAYMENT_METHOD_TYPES = (
    "CARD",
    "TRANSFER",
    "VIRTUAL_ACCOUNT",
    "GIFT_CERTIFICATE",
    "MOBILE",
    "EASY_PAY",
    "CONVENIENCE_STORE",
    "CRYPTO",
)
PAYMENT_METHOD_LABELS = {
    "CARD": "카드",
    "TRANSFER": "계좌이체",
    "VIRTUAL_ACCOUNT": "가상계좌",
    "GIFT_CERTIFICATE": "상품권",
    "MOBILE": "휴대폰",
    "EASY_PAY": "간편결제",
    "CONVENIENCE_STORE": "편의점",
    "CRYPTO": "암호화폐",
}
KEYWORD_KEYS = (
    "all",
    "paymentId",
    "transferId",
    "transferMemo",
    "productId",
    "productName",
    "partnerId",
    "partnerName",
    "partnerMemo",
    "partnerSettlementId",
    "payoutId",
)

# --- input ------------------------------------------------------------------------------------

#: `{from, until}`: "from" is a Python keyword, so the fields are declared through a dict.
DateRangeInput = type(
    "DateRangeInput",
    (serializers.Serializer,),
    {"from": serializers.DateField(), "until": serializers.DateField()},
)


class PropertyExactMatchInput(serializers.Serializer):
    key = serializers.CharField(max_length=50)
    value = serializers.CharField(allow_blank=True, max_length=1000)


def _strings() -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(), required=False)


class TransferFilterInput(serializers.Serializer):
    settlementStartDateRange = DateRangeInput(required=False)
    settlementDateRange = DateRangeInput(required=False)
    partnerTags = _strings()
    contractIds = _strings()
    discountSharePolicyIds = _strings()
    additionalFeePolicyIds = _strings()
    paymentMethodTypes = serializers.ListField(
        child=serializers.ChoiceField(choices=PAYMENT_METHOD_TYPES), required=False
    )
    channelKeys = _strings()
    types = serializers.ListField(
        child=serializers.ChoiceField(choices=TransferType.values), required=False
    )
    statuses = serializers.ListField(
        child=serializers.ChoiceField(choices=TransferStatus.values), required=False
    )
    userDefinedProperty = PropertyExactMatchInput(required=False)
    keyword = OneOf(
        {name: serializers.CharField(allow_blank=True) for name in KEYWORD_KEYS}, required=False
    )
    isForTest = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if "settlementStartDateRange" in attrs and "settlementDateRange" in attrs:
            raise serializers.ValidationError(
                "settlementStartDateRange 와 settlementDateRange 는 하나만 보낼 수 있습니다."
            )
        return attrs


class SummariesInput(serializers.Serializer):
    page = PageInput(required=False)
    filter = TransferFilterInput(required=False)


class SheetInput(serializers.Serializer):
    filter = TransferFilterInput(required=False)
    fields = serializers.ListField(child=serializers.CharField(), required=False)


# --- filter -----------------------------------------------------------------------------------


def _json_text(value: str) -> str:
    """`value` as a JSON string literal the way the database prints the `snapshot` column.

    SQLite keeps Django's `json.dumps` output (ASCII, non-ASCII as \\uXXXX); PostgreSQL prints
    jsonb with the characters themselves. Both separate with ", " and ": ", and both put "id"
    first in our policy and product objects (insertion order / jsonb's shortest-key-first)."""
    return json.dumps(value, ensure_ascii=connection.vendor != "postgresql")


def _snapshot_has(needle: str) -> Q:
    """Case-sensitive substring test on the snapshot text (INSTR / STRPOS, unlike SQLite's
    case-insensitive LIKE)."""
    return Q(GreaterThan(StrIndex("snapshot_text", Value(needle)), 0))


def _snapshot_matches(pattern: str) -> Q:
    """Regex on the snapshot text: Python `re` on SQLite, `~` (ARE) on PostgreSQL. Patterns stay
    within the syntax both share."""
    return Q(snapshot_text__regex=pattern)


def _policy_q(key: str, ids: list[str]) -> Q:
    """Transfers whose discounts / additional fees (order level or any line) use one of `ids`:
    `"sharePolicy": {"id": "P1"` / `"policy": {"id": "F1"` in the snapshot."""
    q = Q()
    for policy_id in ids:
        q |= _snapshot_has(f'"{key}": {{"id": {_json_text(policy_id)}')
    return q


def _product_name_q(name: str, *, partial: bool) -> Q:
    # Inside a product object ([^{}]* never leaves it), the "name" (or, for `all`, also "id")
    # value equals / contains the text.
    literal = re.escape(_json_text(name)[1:-1])
    if partial:
        return _snapshot_matches(r'"product": \{[^{}]*"(id|name)": "([^"\\]|\\.)*' + literal)
    return _snapshot_matches(r'"product": \{[^{}]*"name": "' + literal + '"')


def _transfer_property_q(key: str, value: str) -> Q:
    """The transfer's own userDefinedProperties, stored as {"key": k, "value": {"string": v}}
    ("key" sorts before "value" in jsonb too), matched exactly."""
    needle = f'{{"key": {_json_text(key)}, "value": {{"string": {_json_text(value)}}}}}'
    text = Cast("user_defined_properties", TextField())
    return Q(GreaterThan(StrIndex(text, Value(needle)), 0))


def _keyword_q(keyword: tuple[str, str] | None) -> Q:
    if keyword is None:
        return Q()
    key, text = keyword
    if text == "":
        return Q()
    if key == "payoutId":
        # Payouts do not link transfers yet (payouts app); until they do, nothing matches.
        return Q(pk__in=[])
    exact = {
        "paymentId": Q(payment_public_id=text),
        "transferId": Q(public_id=text),
        "partnerId": Q(partner__public_id=text),
        "productId": _snapshot_has(f'"product": {{"id": {_json_text(text)}'),
        "productName": _product_name_q(text, partial=False),
        "transferMemo": Q(memo__icontains=text),
        "partnerName": Q(partner__name__icontains=text),
        "partnerMemo": Q(partner__memo__icontains=text),
        "partnerSettlementId": _partner_settlement_q(text),
    }
    if key != "all":
        return exact[key]
    return (
        Q(public_id__icontains=text)
        | Q(payment_public_id__icontains=text)
        | Q(memo__icontains=text)
        | Q(partner__public_id__icontains=text)
        | Q(partner__name__icontains=text)
        | Q(partner__memo__icontains=text)
        | _partner_settlement_q(text)
        | _product_name_q(text, partial=True)
    )


def _partner_settlement_q(text: str) -> Q:
    """A transfer's partner settlement, once gathered (an open bucket's id is never shown)."""
    return Q(partner_settlement__public_id__icontains=text) & ~Q(
        partner_settlement__status=OPEN_BUCKET_STATUS
    )


def _date_range(qs: QuerySet, field: str, value: dict | None) -> QuerySet:
    if not value:
        return qs
    return qs.filter(**{f"{field}__gte": value["from"], f"{field}__lte": value["until"]})


def filter_transfers(qs: QuerySet, f: dict[str, Any]) -> QuerySet:
    """Apply a validated `PlatformTransferFilterInput` (without isForTest, which the caller
    resolves against the query's `test`)."""
    qs = qs.alias(snapshot_text=Cast("snapshot", TextField()))
    qs = _date_range(qs, "settlement_start_date", f.get("settlementStartDateRange"))
    qs = _date_range(qs, "settlement_date", f.get("settlementDateRange"))
    if f.get("partnerTags"):
        tagged = PartnerTag.objects.filter(tag__in=f["partnerTags"]).values("partner_id")
        qs = qs.filter(partner_id__in=tagged)
    if f.get("contractIds"):
        qs = qs.filter(contract__public_id__in=f["contractIds"])
    if f.get("discountSharePolicyIds"):
        qs = qs.filter(_policy_q("sharePolicy", f["discountSharePolicyIds"]))
    if f.get("additionalFeePolicyIds"):
        qs = qs.filter(_policy_q("policy", f["additionalFeePolicyIds"]))
    if f.get("paymentMethodTypes"):
        qs = qs.filter(payment__method__type__in=f["paymentMethodTypes"])
    if f.get("channelKeys"):
        qs = qs.filter(payment__channel_key__in=f["channelKeys"])
    if f.get("types"):
        qs = qs.filter(type__in=f["types"])
    if f.get("statuses"):
        qs = qs.filter(transfer_status_q(f["statuses"]))
    if f.get("userDefinedProperty"):
        prop = f["userDefinedProperty"]
        qs = qs.filter(_transfer_property_q(prop["key"], prop["value"]))
    return qs.filter(_keyword_q(f.get("keyword")))


def transfers_for(request, f: dict[str, Any]) -> QuerySet:
    """Test mode: query `test` > `filter.isForTest` > false (docs release note 2025-10-02)."""
    versioning.promote_due(partner_services.PARTNER)  # partner names as of now
    qs = Transfer.objects.filter(is_for_test=is_for_test(request, f))
    return (
        filter_transfers(qs, f)
        .select_related("partner", "partner_settlement")  # (current_status)
        .defer("calc_input")
    )


# --- summary JSON -----------------------------------------------------------------------------


def _partner_properties(partner: Partner) -> list[dict[str, Any]]:
    return [
        {"key": key, "value": {"string": value}}
        for key, value in (partner.user_defined_properties or {}).items()
    ]


def partner_summary_json(partner: Partner) -> dict[str, Any]:
    taxation = None
    if partner.partner_type == PartnerType.BUSINESS:
        taxation = partner.taxation_type or TaxationType.NORMAL
    return drop_none(
        {
            "id": partner.public_id,
            "graphqlId": graphql_id("partner", partner.public_id),
            "name": partner.name,
            "type": partner.partner_type,
            "userDefinedProperties": _partner_properties(partner),
            "taxationType": taxation,
        }
    )


def payment_summary_json(payment: dict[str, Any]) -> dict[str, Any]:
    """Snapshot `PlatformPayment` -> `PlatformTransferSummaryPayment` (method -> methodType)."""
    method_type = (payment.get("method") or {}).get("type")
    if payment.get("type") == "PORT_ONE":
        return drop_none(
            {
                "type": "PORT_ONE",
                "id": payment["id"],
                "orderName": payment.get("orderName") or "",
                "currency": payment["currency"],
                "methodType": method_type,
            }
        )
    return drop_none(
        {
            "type": "EXTERNAL",
            "id": payment["id"],
            "currency": payment["currency"],
            "orderName": payment.get("orderName") or None,
            "methodType": method_type,
        }
    )


def _store_id(payment: dict[str, Any]) -> str:
    # EXTERNAL payments have no PortOne store; report the installation's own store id (if any).
    return payment.get("storeId") or getattr(settings, "PORTONE_STORE_ID", "") or ""


def transfer_summary_json(transfer: Transfer) -> dict[str, Any]:
    partner_properties = _partner_properties(transfer.partner)
    common = {
        "type": transfer.type,
        "id": transfer.public_id,
        "graphqlId": graphql_id("transfer", transfer.public_id),
        "partner": partner_summary_json(transfer.partner),
        "status": transfer.current_status,
        "settlementDate": transfer.settlement_date,
        "settlementCurrency": transfer.settlement_currency,
        "isForTest": transfer.is_for_test,
        "partnerUserDefinedProperties": partner_properties,  # deprecated copy (SDK)
        "userDefinedProperties": transfer.user_defined_properties or [],
        "memo": transfer.memo,
    }
    if transfer.type == TransferType.MANUAL:
        return drop_none(
            {
                **common,
                "settlementAmount": transfer.amount_settlement,
                "settlementTaxFreeAmount": transfer.amount_settlement_tax_free,
            }
        )
    snapshot = transfer.snapshot or {}
    payment = snapshot.get("payment") or {}
    amount: dict[str, Any] = {
        wire: getattr(transfer, f"amount_{col}") for wire, col in AMOUNT_FIELDS.items()
    }
    amount["userDefinedFormulas"] = {}
    return drop_none(
        {
            **common,
            "storeId": _store_id(payment),
            "contract": snapshot.get("contract"),
            "amount": amount,
            "payment": payment_summary_json(payment),
            "settlementStartDate": transfer.settlement_start_date,
        }
    )


# --- sheet columns (domain.md §7.8) -----------------------------------------------------------

Getter = Callable[[Transfer], Any]


def _amount(column: str, *, manual: str | None = None) -> Getter:
    """An amount column; MANUAL transfers only have settlement amounts (`manual`)."""

    def get(t: Transfer) -> Any:
        if t.type == TransferType.MANUAL:
            return getattr(t, f"amount_{manual}") if manual else None
        return getattr(t, f"amount_{column}")

    return get


def _snap(*path: str) -> Getter:
    def get(t: Transfer) -> Any:
        value: Any = t.snapshot or {}
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    return get


def _method_label(t: Transfer) -> str | None:
    method_type = ((t.snapshot or {}).get("payment") or {}).get("method", {}) or {}
    kind = method_type.get("type") if isinstance(method_type, dict) else None
    return PAYMENT_METHOD_LABELS.get(kind, kind) if kind else None


TRANSFER_COLUMNS: dict[str, tuple[str, Getter]] = {
    "TRANSFER_ID": ("정산건 아이디", lambda t: t.public_id),
    "TRANSFER_TYPE": ("정산 유형", lambda t: str(TransferType(t.type).label)),
    "TRANSFER_STATUS": ("정산 상태", lambda t: t.get_current_status_display()),
    "TRANSFER_SETTLEMENT_DATE": ("정산일", lambda t: t.settlement_date),
    "TRANSFER_SETTLEMENT_START_DATE": ("정산 시작일", lambda t: t.settlement_start_date),
    "TRANSFER_SETTLEMENT_CURRENCY": ("정산 통화", lambda t: t.settlement_currency),
    "TRANSFER_SETTLEMENT_AMOUNT": ("정산금액", _amount("settlement", manual="settlement")),
    "TRANSFER_SETTLEMENT_TAX_FREE_AMOUNT": (
        "정산 면세금액",
        _amount("settlement_tax_free", manual="settlement_tax_free"),
    ),
    "TRANSFER_MEMO": ("메모", lambda t: t.memo),
    "TRANSFER_PAYMENT_ID": ("주문 번호(결제 아이디)", lambda t: t.payment_public_id or None),
    "TRANSFER_ORDER_NAME": ("주문명", _snap("payment", "orderName")),
    "TRANSFER_PAYMENT_METHOD": ("결제수단", _method_label),
    "TRANSFER_CONTRACT_ID": ("계약 아이디", _snap("contract", "id")),
    "TRANSFER_CONTRACT_NAME": ("계약 이름", _snap("contract", "name")),
    "TRANSFER_ORDER_AMOUNT": ("주문금액", _amount("order")),
    "TRANSFER_ORDER_TAX_FREE_AMOUNT": ("주문 면세금액", _amount("order_tax_free")),
    "TRANSFER_DISCOUNT_AMOUNT": ("할인금액", _amount("discount")),
    "TRANSFER_DISCOUNT_TAX_FREE_AMOUNT": ("할인 면세금액", _amount("discount_tax_free")),
    "TRANSFER_DISCOUNT_SHARE_AMOUNT": ("할인 분담금", _amount("discount_share")),
    "TRANSFER_DISCOUNT_SHARE_TAX_FREE_AMOUNT": (
        "할인 면세 분담금",
        _amount("discount_share_tax_free"),
    ),
    "TRANSFER_PAYMENT_AMOUNT": ("결제금액", _amount("payment")),
    "TRANSFER_PAYMENT_SUPPLY_AMOUNT": ("결제 공급가액", _amount("payment_supply")),
    "TRANSFER_PAYMENT_VAT_AMOUNT": ("결제 부가세액", _amount("payment_vat")),
    "TRANSFER_PAYMENT_TAX_FREE_AMOUNT": ("결제 면세금액", _amount("payment_tax_free")),
    "TRANSFER_PAYMENT_VAT_BURDEN_AMOUNT": ("결제 부가세 부담금", _amount("payment_vat_burden")),
    "TRANSFER_PLATFORM_FEE": ("중개수수료", _amount("platform_fee")),
    "TRANSFER_PLATFORM_FEE_VAT": ("중개수수료 부가세", _amount("platform_fee_vat")),
    "TRANSFER_ADDITIONAL_FEE": ("추가 수수료", _amount("additional_fee")),
    "TRANSFER_ADDITIONAL_FEE_VAT": ("추가 수수료 부가세", _amount("additional_fee_vat")),
}


def _partner_type_label(p: Partner) -> str:
    return str(PartnerType(p.partner_type).label) if p.partner_type else ""


def _taxation_label(p: Partner) -> str | None:
    return str(TaxationType(p.taxation_type).label) if p.taxation_type else None


PARTNER_COLUMNS: dict[str, tuple[str, Callable[[Partner], Any]]] = {
    "PARTNER_ID": ("파트너 아이디", lambda p: p.public_id),
    "PARTNER_NAME": ("파트너 이름", lambda p: p.name),
    "PARTNER_TYPE": ("파트너 유형", _partner_type_label),
    "PARTNER_STATUS": ("파트너 승인 상태", lambda p: str(PartnerStatus(p.status).label)),
    "PARTNER_TAGS": ("파트너 태그", lambda p: ", ".join(p.tags or [])),
    "PARTNER_MEMO": ("파트너 메모", lambda p: p.memo),
    "PARTNER_DEFAULT_CONTRACT_ID": ("기본 계약 아이디", lambda p: p.default_contract.public_id),
    "PARTNER_COMPANY_NAME": ("상호", lambda p: p.company_name),
    "PARTNER_BUSINESS_REGISTRATION_NUMBER": (
        "사업자등록번호",
        lambda p: p.business_registration_number,
    ),
    "PARTNER_REPRESENTATIVE_NAME": ("대표자", lambda p: p.representative_name),
    "PARTNER_TAXATION_TYPE": ("과세 유형", _taxation_label),
    "PARTNER_CONTACT_NAME": ("담당자 이름", lambda p: p.contact_name),
    "PARTNER_CONTACT_EMAIL": ("담당자 이메일", lambda p: p.contact_email),
    "PARTNER_CONTACT_PHONE_NUMBER": ("담당자 전화번호", lambda p: p.contact_phone),
    "PARTNER_BANK": ("은행", lambda p: BANK_LABELS.get(p.bank, p.bank)),
    # Masked from the stored last four digits: no decryption per row, no account numbers in files.
    "PARTNER_ACCOUNT_NUMBER": (
        "계좌번호",
        lambda p: f"******{p.account_number_last4}" if p.account_number_last4 else None,
    ),
    "PARTNER_ACCOUNT_HOLDER": ("예금주", lambda p: p.account_holder),
    "PARTNER_ACCOUNT_CURRENCY": ("계좌 통화", lambda p: p.account_currency),
}

DEFAULT_SHEET_FIELDS: tuple[str, ...] = (
    "TRANSFER_ID",
    "TRANSFER_TYPE",
    "TRANSFER_STATUS",
    "PARTNER_ID",
    "PARTNER_NAME",
    "TRANSFER_SETTLEMENT_DATE",
    "TRANSFER_SETTLEMENT_START_DATE",
    "TRANSFER_SETTLEMENT_CURRENCY",
    "TRANSFER_SETTLEMENT_AMOUNT",
    "TRANSFER_SETTLEMENT_TAX_FREE_AMOUNT",
    "TRANSFER_CONTRACT_ID",
    "TRANSFER_CONTRACT_NAME",
    "TRANSFER_PAYMENT_ID",
    "TRANSFER_ORDER_NAME",
    "TRANSFER_PAYMENT_METHOD",
    "TRANSFER_ORDER_AMOUNT",
    "TRANSFER_ORDER_TAX_FREE_AMOUNT",
    "TRANSFER_DISCOUNT_AMOUNT",
    "TRANSFER_DISCOUNT_TAX_FREE_AMOUNT",
    "TRANSFER_DISCOUNT_SHARE_AMOUNT",
    "TRANSFER_DISCOUNT_SHARE_TAX_FREE_AMOUNT",
    "TRANSFER_PAYMENT_AMOUNT",
    "TRANSFER_PAYMENT_SUPPLY_AMOUNT",
    "TRANSFER_PAYMENT_VAT_AMOUNT",
    "TRANSFER_PAYMENT_TAX_FREE_AMOUNT",
    "TRANSFER_PAYMENT_VAT_BURDEN_AMOUNT",
    "TRANSFER_PLATFORM_FEE",
    "TRANSFER_PLATFORM_FEE_VAT",
    "TRANSFER_ADDITIONAL_FEE",
    "TRANSFER_ADDITIONAL_FEE_VAT",
    "TRANSFER_MEMO",
)


def _transfer_property(key: str) -> Getter:
    def get(t: Transfer) -> Any:
        for prop in t.user_defined_properties or []:
            if prop.get("key") == key:
                return (prop.get("value") or {}).get("string")
        return None

    return get


def _partner_property(key: str) -> Getter:
    return lambda t: (t.partner.user_defined_properties or {}).get(key)


def _partner_column(getter: Callable[[Partner], Any]) -> Getter:
    return lambda t: getter(t.partner)


def sheet_columns(fields: list[str] | None) -> list[tuple[str, Getter]]:
    """Column keys -> (Korean header, getter), in the requested order; unknown keys -> 400.

    Besides the fixed keys: TRANSFER_{key} / PARTNER_{key} for registered user-defined
    properties, FORMULA_{key} for user-defined formulas (none are defined yet: empty cells)."""
    keys = list(dict.fromkeys(fields or DEFAULT_SHEET_FIELDS))
    labels = dict(UserDefinedProperty.objects.values_list("key", "label"))
    columns: list[tuple[str, Getter]] = []
    unknown: list[str] = []
    for key in keys:
        if key in TRANSFER_COLUMNS:
            columns.append(TRANSFER_COLUMNS[key])
        elif key in PARTNER_COLUMNS:
            label, getter = PARTNER_COLUMNS[key]
            columns.append((label, _partner_column(getter)))
        elif key.startswith("TRANSFER_") and key[9:] in labels:
            columns.append((f"정산건 속성: {labels[key[9:]]}", _transfer_property(key[9:])))
        elif key.startswith("PARTNER_") and key[8:] in labels:
            columns.append((f"파트너 속성: {labels[key[8:]]}", _partner_property(key[8:])))
        elif key.startswith("FORMULA_") and len(key) > 8:
            columns.append((f"정산 수식: {key[8:]}", lambda t: None))
        else:
            unknown.append(key)
    if unknown:
        raise invalid_request(f"fields: 알 수 없는 열 키입니다: {', '.join(unknown)}")
    return columns


def sheet_rows(qs: QuerySet, columns: list[tuple[str, Getter]]) -> Iterator[list[Any]]:
    for transfer in qs.iterator(chunk_size=2000):
        yield ["" if (v := getter(transfer)) is None else v for _, getter in columns]


def _cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# --- views ------------------------------------------------------------------------------------


class TransferSummariesView(PortOneApiView):
    """GET /platform/transfer-summaries (TransferClient.get_platform_transfer_summaries)."""

    def get(self, request):
        data = validated(SummariesInput, request_body(request))
        qs = transfers_for(request, data.get("filter") or {}).order_by("-created_at", "-id")
        items, page = paginate(qs, data.get("page"))
        return Response(
            {"transferSummaries": [transfer_summary_json(t) for t in items], "page": page}
        )


class TransferSheetView(PortOneApiView):
    """GET /platform/transfer-summaries/sheet-file (download_platform_transfer_sheet): CSV,
    UTF-8 with BOM, streamed in chunks of 2,000 transfers."""

    def get(self, request):
        data = validated(SheetInput, request_body(request))
        columns = sheet_columns(data.get("fields"))
        qs = (
            transfers_for(request, data.get("filter") or {})
            .select_related("partner__default_contract")  # PARTNER_DEFAULT_CONTRACT_ID
            .order_by("-created_at", "-id")
        )
        rows = ([_cell(v) for v in row] for row in sheet_rows(qs, columns))
        response = StreamingHttpResponse(
            sheets.csv_stream([label for label, _ in columns], rows),
            content_type=sheets.CSV_CONTENT_TYPE,
        )
        filename = f"transfers-{timezone.localdate():%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
