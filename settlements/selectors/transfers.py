"""Transfers as lists show them: the filter of `PlatformTransferFilterInput`, shared by the
transfer-summaries API, its CSV and (next) the admin, run entirely in SQL; and one transfer by id.

Policies, products and transfer-level user-defined properties live only in the `snapshot` JSON,
so those criteria match its text form (see `_json_text`), which works the same on SQLite and
PostgreSQL.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.db.models import Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, StrIndex
from django.db.models.lookups import GreaterThan

from core.errors import NotFound
from core.versioning import services as versioning
from partners.services.partners import PARTNER
from settlements.models import OPEN_BUCKET_STATUS, Transfer
from settlements.selectors.partners import tagged

#: the kinds of keyword search (the SDK's `keyword` keys, snake_case)
KEYWORDS = (
    "all",
    "payment_id",
    "transfer_id",
    "transfer_memo",
    "product_id",
    "product_name",
    "partner_id",
    "partner_name",
    "partner_memo",
    "partner_settlement_id",
    "payout_id",
)


@dataclass(frozen=True)
class TransferFilter:
    settlement_start_date_range: tuple[date, date] | None = None  # from, until (inclusive)
    settlement_date_range: tuple[date, date] | None = None
    partner_tags: tuple[str, ...] = ()
    contract_ids: tuple[str, ...] = ()
    discount_share_policy_ids: tuple[str, ...] = ()
    additional_fee_policy_ids: tuple[str, ...] = ()
    payment_method_types: tuple[str, ...] = ()
    channel_keys: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()  # as Transfer.status (derived), not the stored column
    user_defined_property: tuple[str, str] | None = None  # key, exact value
    keyword: tuple[str, str] | None = None  # one of KEYWORDS, text


def transfer_get(*, public_id: str, is_for_test: bool) -> Transfer:
    transfer = (
        Transfer.objects.select_related("partner__default_contract", "partner_settlement")
        .filter(public_id=public_id, is_for_test=is_for_test)
        .first()
    )
    if transfer is None:
        raise NotFound("PLATFORM_TRANSFER_NOT_FOUND", f"정산건을 찾을 수 없습니다: {public_id}")
    return transfer


def transfers(*, is_for_test: bool, f: TransferFilter) -> QuerySet:
    """The filtered transfers with what their status and summary need selected."""
    versioning.promote_due(PARTNER)  # partner names as of now
    qs = filter_transfers(Transfer.objects.filter(is_for_test=is_for_test), f)
    return qs.select_related("partner", "partner_settlement").defer("calc_input")


def _date_range(qs: QuerySet, field: str, value: tuple[date, date] | None) -> QuerySet:
    if value is None:
        return qs
    return qs.filter(**{f"{field}__gte": value[0], f"{field}__lte": value[1]})


def filter_transfers(qs: QuerySet, f: TransferFilter) -> QuerySet:
    qs = qs.alias(snapshot_text=Cast("snapshot", TextField()))
    qs = _date_range(qs, "settlement_start_date", f.settlement_start_date_range)
    qs = _date_range(qs, "settlement_date", f.settlement_date_range)
    if f.partner_tags:
        qs = qs.filter(partner_id__in=tagged(f.partner_tags))
    if f.contract_ids:
        qs = qs.filter(contract__public_id__in=f.contract_ids)
    if f.discount_share_policy_ids:
        qs = qs.filter(_policy_q("sharePolicy", list(f.discount_share_policy_ids)))
    if f.additional_fee_policy_ids:
        qs = qs.filter(_policy_q("policy", list(f.additional_fee_policy_ids)))
    if f.payment_method_types:
        qs = qs.filter(payment__method__type__in=f.payment_method_types)
    if f.channel_keys:
        qs = qs.filter(payment__channel_key__in=f.channel_keys)
    if f.types:
        qs = qs.filter(type__in=f.types)
    if f.statuses:
        qs = qs.in_status(*f.statuses)
    if f.user_defined_property is not None:
        qs = qs.filter(_transfer_property_q(*f.user_defined_property))
    return qs.filter(_keyword_q(f.keyword))


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
    if key == "payout_id":
        # Payouts do not link transfers yet (payouts app); until they do, nothing matches.
        return Q(pk__in=[])
    exact = {
        "payment_id": Q(payment_public_id=text),
        "transfer_id": Q(public_id=text),
        "partner_id": Q(partner__public_id=text),
        "product_id": _snapshot_has(f'"product": {{"id": {_json_text(text)}'),
        "product_name": _product_name_q(text, partial=False),
        "transfer_memo": Q(memo__icontains=text),
        "partner_name": Q(partner__name__icontains=text),
        "partner_memo": Q(partner__memo__icontains=text),
        "partner_settlement_id": _partner_settlement_q(text),
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
