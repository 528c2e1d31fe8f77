"""Many ORDER transfers in one go (file uploads, internal batch calls): all rows or none.

Each row is validated and computed exactly like `transfers.order_transfer_create` (same checks in
the same order, same error types, `calc.calculate_order` for the money, the same snapshot
helpers), but set-based: partners, contracts, policies, property and parameter keys, payments and
the existing transfers they collide with are read with one query per kind (per 5,000 keys), the
contract and policy versions are looked up once per (entity, start date), settlement dates once
per (contract version, start date, explicit date), the calculation once per distinct (order,
versions, currency), and the rows are written with one insert for the new EXTERNAL payments and
one for the transfers (`bulk_create` in batches of 2,000; COPY on PostgreSQL, see `_insert`).
A 100,000-row batch: ~32 s on PostgreSQL on the shared 2-core box (bench/order_transfers_bulk.py).

What this module must NOT do:
* compute money, statuses or settlement dates itself — calculation.py and the helpers of
  transfers.py do, so a file row and an API call can never disagree;
* query per row — a 100,000-row file is one pass in Python plus a few dozen statements;
* write anything when a row fails — errors are collected for every row first
  (`BulkRowsError.failures`, index = position in `rows`), then raised before the first write.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from functools import partial
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField, Model, QuerySet, Sum
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone
from ulid import ULID

from core.api.wire import graphql_id
from core.errors import ApiError, conflict, not_found
from core.perf import gc_paused
from core.versioning import services as versioning
from partners.models import Partner, UserDefinedProperty
from policies import services as policy_services
from policies.models import Contract, PlatformSetting
from settlements import calculation as calc
from settlements import codec
from settlements.aggregation import assign_open_buckets, gather_created
from settlements.models import (
    Payment,
    SettlementParameter,
    Transfer,
    TransferStatus,
    TransferType,
)
from settlements.payments import (
    PaymentResolverError,
    get_payment_resolver,
    payment_json,
    store_portone_payment,
)
from settlements.transfers import (
    EntityVersion,
    _amount_columns,
    _check_currency,
    _check_parameters,
    _check_properties,
    _computed_snapshot,
    _initial_status,
    _settlement_date,
    _version_moment,
    _Versions,
    api_error,
    entity_version,
    payment_cap_error,
    versions_of,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 2_000
# Keys per `IN (...)` lookup: far below the bind-parameter limits of SQLite (32,766) and
# PostgreSQL (65,535).
KEY_CHUNK = 5_000


# --- errors ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowFailure:
    index: int  # position in `rows` (0-based)
    error: ApiError


class BulkRowsError(ApiError):
    """Some rows were refused; nothing was written. Type, status and extra fields are the first
    failure's (so an API caller sees the same error the single endpoint would give), the message
    names its row, and `failures` lists every refused row."""

    def __init__(self, failures: list[RowFailure]) -> None:
        first = failures[0]
        more = f" (외 {len(failures) - 1}개 행 오류)" if len(failures) > 1 else ""
        super().__init__(
            first.error.type,
            f"row {first.index}: {first.error.message or first.error.type}{more}",
            first.error.status,
            **{**first.error.extra, "row": first.index},
        )
        self.failures = failures


def external_api_failed(exc: PaymentResolverError) -> ApiError:
    """The PortOne payment lookup failed (time-out, 5xx, garbage): retry later (§11, 503)."""
    return ApiError("PLATFORM_EXTERNAL_API_FAILED", exc.message, 503)


# --- set-based reads ---------------------------------------------------------------------------


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), KEY_CHUNK):
        yield items[start : start + KEY_CHUNK]


def _by_public_id(queryset: QuerySet, ids: Iterable[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for chunk in _chunks(set(ids)):
        out.update((obj.public_id, obj) for obj in queryset.filter(public_id__in=chunk))
    return out


def _known_keys(model: type[Model], keys: set[str]) -> set[str]:
    if not keys:
        return set()
    return set(model.objects.filter(key__in=keys).values_list("key", flat=True))


# --- versions, once per (entity, start date) ---------------------------------------------------


@dataclass(frozen=True)
class _Texts:
    """JSON text of a part many rows share (see `_insert`)."""

    contract: str = ""
    terms: str = ""


class _VersionCache:
    """The contract/policy versions in force at a start date (domain.md §12.12), looked up once
    per (entity, date) and assembled exactly as `transfers._resolve_versions` does (same calc
    terms, same wire snapshots): keep the two in step.

    Start dates up to today all mean "now", so they share one cache key (None)."""

    def __init__(self, *, today: date) -> None:
        self.today = today
        self._moments: dict[date | None, datetime] = {}
        self._entities: dict[tuple[str, int, date | None], EntityVersion] = {}
        self._versions: dict[tuple, tuple[_Versions, dict, _Texts]] = {}

    def key(self, start: date) -> date | None:
        return start if start > self.today else None

    def _moment(self, key: date | None) -> datetime:
        if key not in self._moments:
            self._moments[key] = _version_moment(key or self.today)
        return self._moments[key]

    def _entity(self, kind: versioning.Kind, entity: Any, key: date | None) -> EntityVersion:
        cache_key = (kind.label, entity.pk, key)
        found = self._entities.get(cache_key)
        if found is None:
            found = self._entities[cache_key] = entity_version(kind, entity, self._moment(key))
        return found

    def versions(
        self,
        contract: Contract,
        shares: dict[str, Any],
        fees: dict[str, Any],
        key: date | None,
    ) -> tuple[_Versions, dict, _Texts]:
        """`_Versions`, its `codec.terms_to_json` and their JSON texts for one contract and policy
        set."""
        cache_key = (contract.pk, frozenset(shares), frozenset(fees), key)
        found = self._versions.get(cache_key)
        if found is None:
            versions = versions_of(
                self._entity(policy_services.CONTRACT, contract, key),
                {
                    pid: self._entity(policy_services.DISCOUNT_SHARE_POLICY, e, key)
                    for pid, e in shares.items()
                },
                {
                    pid: self._entity(policy_services.ADDITIONAL_FEE_POLICY, e, key)
                    for pid, e in fees.items()
                },
            )
            terms_json = codec.terms_to_json(versions.terms)
            texts = _Texts(contract=json.dumps(versions.contract), terms=json.dumps(terms_json))
            found = self._versions[cache_key] = (versions, terms_json, texts)
        return found


# --- the plan: every row validated and computed, nothing written yet --------------------------


PaymentKey = tuple[str, str]  # (kind, public id)


class _Builder:
    """Model instances for 10^5 rows without `Model.__init__`'s per-field work: the column values
    go straight into the instance `__dict__` (where `Model.__init__` would put them) and a fresh
    `ModelState`; 1.2 us instead of 22 us (keywords) or 8 us (positional) per Transfer. Only for
    models without pre_init/post_init receivers, which __init__ would have called; otherwise the
    positional constructor is used. Callable defaults are called per instance; auto_now(_add)
    columns are filled at insert time."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        fields = model._meta.concrete_fields
        self.factories = [
            (f.attname, f.default) for f in fields if f.has_default() and callable(f.default)
        ]
        per_instance = {name for name, _ in self.factories}
        self.defaults = {
            f.attname: None if f.primary_key or f.attname in per_instance else f.get_default()
            for f in fields
        }

    def build(self, values: dict[str, Any], **related: Model) -> Any:
        merged = {**self.defaults, **values}
        for name, factory in self.factories:
            if name not in values:
                merged[name] = factory()
        if len(merged) != len(self.defaults):
            unknown = set(merged) - self.defaults.keys()
            raise TypeError(f"unknown {self.model.__name__} columns: {unknown}")
        if pre_init.has_listeners(self.model) or post_init.has_listeners(self.model):
            obj = self.model(*merged.values())
        else:
            obj = self.model.__new__(self.model)
            obj.__dict__.update(merged)
            obj._state = ModelState()
        for name, value in related.items():  # what `obj.<fk>` returns without a query
            obj._state.fields_cache[name] = value
        return obj


_TRANSFERS = _Builder(Transfer)
_PAYMENTS = _Builder(Payment)


@dataclass(frozen=True)
class _Computation:
    amount: calc.SettlementAmount
    columns: dict[str, int]
    snapshot: dict[str, Any]  # orderLines, discounts, additionalFees, amount
    order_json: dict[str, Any]
    snapshot_text: str
    order_text: str


def _with_text(value: dict) -> tuple[dict, str]:
    return value, json.dumps(value)


@dataclass
class _Row:
    values: dict[str, Any]  # Transfer columns by attname, payment_id still missing
    partner: Partner
    contract: Contract
    payment_key: PaymentKey
    json_texts: dict[str, str]  # column -> json.dumps(values[column]), built from shared parts


@dataclass
class _Plan:
    rows: list[_Row] = field(default_factory=list)
    payments: dict[PaymentKey, Payment] = field(default_factory=dict)  # existing ones
    #: EXTERNAL payments' field values from the rows (the last row of a payment wins, as the
    #: single service's update_or_create does)
    external: dict[PaymentKey, dict[str, Any]] = field(default_factory=dict)
    failures: list[RowFailure] = field(default_factory=list)


class _Planner:
    def __init__(self, *, is_for_test: bool, rows: list[dict[str, Any]], source: str) -> None:
        self.is_for_test = is_for_test
        self.rows = rows
        self.source = source
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.setting = PlatformSetting.for_mode(is_for_test=is_for_test)
        self.versions = _VersionCache(today=self.today)
        self.plan = _Plan()
        self._dates: dict[tuple, date | ApiError] = {}
        self._computed: dict[tuple, _Computation | ApiError] = {}
        self._payment_wire: dict[Any, tuple[dict, str]] = {}
        self._scratch = Payment(is_for_test=is_for_test, kind=Payment.Kind.EXTERNAL)
        self._load()
        self.plan.payments = self.payments

    # --- reads, one per kind ---

    def _load(self) -> None:
        rows, is_for_test = self.rows, self.is_for_test
        self.partners: dict[str, Partner] = _by_public_id(
            Partner.objects.select_related("default_contract").filter(
                is_for_test=is_for_test, is_archived=False
            ),
            (r["partner_id"] for r in rows),
        )
        contract_ids = {r["contract_id"] for r in rows if r.get("contract_id")}
        contract_ids |= {
            p.default_contract.public_id for p in self.partners.values() if p.default_contract
        }
        self.contracts: dict[str, Contract] = _by_public_id(
            Contract.objects.filter(is_for_test=is_for_test, is_archived=False), contract_ids
        )
        share_ids: set[str] = set()
        fee_ids: set[str] = set()
        for row in rows:
            order: calc.Order = row["order"]
            share_ids.update(d.share_policy_id for d in order.all_discounts())
            fee_ids.update(f.policy_id for f in order.additional_fees)
            fee_ids.update(f.policy_id for line in order.lines for f in line.additional_fees)
        self.share_policies = _by_public_id(
            policy_services.DISCOUNT_SHARE_POLICY.model.objects.filter(
                is_for_test=is_for_test, is_archived=False
            ),
            share_ids,
        )
        self.fee_policies = _by_public_id(
            policy_services.ADDITIONAL_FEE_POLICY.model.objects.filter(
                is_for_test=is_for_test, is_archived=False
            ),
            fee_ids,
        )
        self.known_properties = _known_keys(
            UserDefinedProperty,
            {p["key"] for r in rows for p in r.get("user_defined_properties") or ()},
        )
        self.known_parameters = _known_keys(
            SettlementParameter, {k for r in rows for k in r.get("parameters") or {}}
        )
        explicit_ids = {r["id"] for r in rows if r.get("id")}
        self.used_ids: set[str] = set()
        for chunk in _chunks(explicit_ids):
            self.used_ids.update(
                Transfer.objects.filter(is_for_test=is_for_test, public_id__in=chunk).values_list(
                    "public_id", flat=True
                )
            )
        self._load_payments()

    def _load_payments(self) -> None:
        """Payments of both kinds (locked, like the single service locks its payment), PortOne
        payments unknown locally asked from the resolver, then the ORDER transfers already
        registered against them (for the caps and the duplicate check)."""
        wanted: dict[str, set[str]] = {Payment.Kind.PORT_ONE: set(), Payment.Kind.EXTERNAL: set()}
        for row in self.rows:
            kind = Payment.Kind.EXTERNAL if row.get("external_payment") else Payment.Kind.PORT_ONE
            wanted[kind].add(row["payment_id"])
        self.payments: dict[PaymentKey, Payment] = {}
        base = Payment.objects.select_for_update().filter(is_for_test=self.is_for_test)
        for kind, ids in wanted.items():
            for public_id, payment in _by_public_id(base.filter(kind=kind), ids).items():
                self.payments[(kind, public_id)] = payment
        self.payment_errors: dict[str, ApiError] = {}
        missing = sorted(
            wanted[Payment.Kind.PORT_ONE]
            - {pid for kind, pid in self.payments if kind == Payment.Kind.PORT_ONE}
        )
        if missing:
            resolver = get_payment_resolver()
            for public_id in missing:
                try:
                    body = resolver.fetch(public_id)
                except PaymentResolverError as exc:
                    self.payment_errors[public_id] = external_api_failed(exc)
                    continue
                if body is not None:
                    self.payments[(Payment.Kind.PORT_ONE, public_id)] = store_portone_payment(
                        body, is_for_test=self.is_for_test
                    )

        pks = [p.pk for p in self.payments.values()]
        key_of = {p.pk: key for key, p in self.payments.items()}
        #: payment key -> [registered payment, registered tax-free] of ORDER transfers
        self.registered: dict[PaymentKey, list[int]] = {}
        #: (partner pk, payment key) -> public id of an ORDER transfer of that pair
        self.pairs: dict[tuple[int, PaymentKey], str] = {}
        for chunk in _chunks(pks):
            orders = Transfer.objects.filter(type=TransferType.ORDER, payment_id__in=chunk)
            for row in (
                orders.order_by()
                .values("payment_id")
                .annotate(total=Sum("amount_payment"), tax_free=Sum("amount_payment_tax_free"))
            ):
                self.registered[key_of[row["payment_id"]]] = [row["total"], row["tax_free"]]
            if self.setting.supports_multiple_order_transfers_per_partner:
                continue
            for partner_id, payment_id, public_id in orders.order_by("pk").values_list(
                "partner_id", "payment_id", "public_id"
            ):  # the latest transfer of a pair wins, as `.first()` does in the single service
                self.pairs[(partner_id, key_of[payment_id])] = public_id

    # --- one row ---

    def run(self) -> _Plan:
        for index, row in enumerate(self.rows):
            try:
                self.plan.rows.append(self._row(row))
            except ApiError as exc:
                self.plan.failures.append(RowFailure(index, exc))
        return self.plan

    def _row(self, row: dict[str, Any]) -> _Row:
        """The checks of `order_transfer_create`, in its order, against the preloaded sets."""
        partner = self.partners.get(row["partner_id"])
        if partner is None:
            raise not_found(
                "PLATFORM_PARTNER_NOT_FOUND",
                f"partnerId: 파트너를 찾을 수 없습니다: {row['partner_id']}",
            )
        default = partner.default_contract
        contract_id = row.get("contract_id") or (default.public_id if default else "")
        contract = self.contracts.get(contract_id)
        if contract is None:
            raise not_found(
                "PLATFORM_CONTRACT_NOT_FOUND", f"contractId: 계약을 찾을 수 없습니다: {contract_id}"
            )
        properties = self._properties(row.get("user_defined_properties") or [])
        parameters = self._parameters(row.get("parameters") or {})
        public_id = row.get("id")
        if public_id and public_id in self.used_ids:
            raise conflict(
                "PLATFORM_TRANSFER_ID_ALREADY_USED", f"이미 사용된 정산건 아이디입니다: {public_id}"
            )
        public_id = public_id or str(ULID())
        order: calc.Order = row["order"]

        detail = row.get("external_payment")
        payment_key, payment, paid_at, (wire, wire_text) = self._payment(row["payment_id"], detail)
        currency = wire["currency"]
        _check_currency(currency)
        start = row.get("settlement_start_date") or (
            self._local_date(paid_at) if paid_at else self.today
        )
        version_key = self.versions.key(start)
        shares = self._policies(
            {d.share_policy_id for d in order.all_discounts()},
            self.share_policies,
            calc.DiscountSharePoliciesNotFoundError,
        )
        fees = self._policies(
            {f.policy_id for f in order.additional_fees}
            | {f.policy_id for line in order.lines for f in line.additional_fees},
            self.fee_policies,
            calc.AdditionalFeePoliciesNotFoundError,
        )
        versions, terms_json, texts = self.versions.versions(contract, shares, fees, version_key)
        computation = self._compute(order, versions, currency, contract)
        amount = computation.amount
        explicit = row.get("settlement_date")
        settlement_date = self._settlement_date(contract, versions, version_key, start, explicit)

        if payment is not None:
            self._check_caps(payment_key, payment, amount)
        pair = (partner.pk, payment_key)
        if not self.setting.supports_multiple_order_transfers_per_partner:
            existing = self.pairs.get(pair)
            if existing is not None:
                raise conflict(
                    "PLATFORM_TRANSFER_ALREADY_EXISTS",
                    f"이 결제와 파트너의 주문 정산건이 이미 있습니다: {existing}",
                    transferId=existing,
                    transferGraphqlId=graphql_id("transfer", existing),
                )

        # Accepted: what later rows of the batch must see.
        self.pairs[pair] = public_id
        if row.get("id"):
            self.used_ids.add(public_id)
        registered = self.registered.setdefault(payment_key, [0, 0])
        registered[0] += amount.payment
        registered[1] += amount.payment_tax_free
        if detail is not None:
            self.plan.external[payment_key] = _external_values(detail, self.source)

        return _Row(
            values={
                "public_id": public_id,
                "is_for_test": self.is_for_test,
                "type": TransferType.ORDER,
                "status": _initial_status(start, settlement_date, self.today),
                "partner_id": partner.pk,
                "contract_id": contract.pk,
                "settlement_start_date": start,
                "settlement_date": settlement_date,
                "settlement_date_explicit": explicit is not None,
                "settlement_currency": currency,
                "memo": row.get("memo"),
                "user_defined_properties": properties,
                "parameters": parameters,
                "payment_public_id": payment_key[1],
                "snapshot": {
                    "contract": versions.contract,
                    "payment": wire,
                    **computation.snapshot,
                },
                "calc_input": {
                    "order": computation.order_json,
                    "terms": terms_json,
                    "currency": currency,
                },
                **computation.columns,
            },
            partner=partner,
            contract=contract,
            payment_key=payment_key,
            # json.dumps of the two dicts above, from the texts of their shared parts
            json_texts={
                "snapshot": f'{{"contract": {texts.contract}, "payment": {wire_text}, '
                f"{computation.snapshot_text[1:-1]}}}",
                "calc_input": f'{{"order": {computation.order_text}, "terms": {texts.terms}, '
                f'"currency": {json.dumps(currency)}}}',
            },
        )

    def _compute(
        self, order: calc.Order, versions: _Versions, currency: str, contract: Contract
    ) -> _Computation:
        """`calc.calculate_order` and what the single service derives from its result (amount
        columns, the computed snapshot, the order's JSON), once per distinct (order, versions,
        currency): the calculation is pure, and files repeat the same order amounts and policy
        sets many times. Transfers of equal orders share these (read-only) snapshot parts."""
        key = (order, id(versions), currency)
        found = self._computed.get(key)
        if found is None:
            try:
                result = calc.calculate_order(order, versions.terms, currency=currency)
            except calc.CalculationError as exc:
                found = api_error(exc, contract_id=contract.public_id)
            else:
                snapshot = _computed_snapshot(result, versions)
                order_json = codec.to_json(order)
                found = _Computation(
                    amount=result.amount,
                    columns=_amount_columns(result.amount),
                    snapshot=snapshot,
                    order_json=order_json,
                    snapshot_text=json.dumps(snapshot),
                    order_text=json.dumps(order_json),
                )
            self._computed[key] = found
        if isinstance(found, ApiError):
            raise found
        return found

    def _local_date(self, moment: datetime) -> date:
        if timezone.is_naive(moment):
            return timezone.localdate(moment)  # raises like the single service
        return moment.astimezone(self.tz).date()

    def _properties(self, properties: list[dict]) -> list[dict]:
        if any(p["key"] not in self.known_properties for p in properties):
            return _check_properties(properties)  # raises the single service's error
        return [{"key": p["key"], "value": {"string": p["value"]["string"]}} for p in properties]

    def _parameters(self, parameters: dict[str, dict]) -> dict[str, dict]:
        if any(key not in self.known_parameters for key in parameters):
            return _check_parameters(parameters)  # raises the single service's error
        return parameters

    def _policies(self, ids: set[str], found: dict[str, Any], error: type) -> dict[str, Any]:
        if not ids:
            return {}
        missing = sorted(ids - found.keys())
        if missing:
            raise api_error(error(missing))
        return {pid: found[pid] for pid in ids}

    def _settlement_date(
        self,
        contract: Contract,
        versions: _Versions,
        version_key: date | None,
        start: date,
        explicit: date | None,
    ) -> date:
        key = (contract.pk, version_key, start, explicit)
        found = self._dates.get(key)
        if found is None:
            try:
                found = _settlement_date(start, versions.contract_terms, explicit, self.setting)
            except ApiError as exc:
                found = exc
            self._dates[key] = found
        if isinstance(found, ApiError):
            raise found
        return found

    # --- payments ---

    def _payment(
        self, public_id: str, detail: dict | None
    ) -> tuple[PaymentKey, Payment | None, datetime | None, tuple[dict, str]]:
        """(key, the PORT_ONE payment or None for EXTERNAL, paidAt, (wire snapshot, its JSON))."""
        if detail is None:
            key = (Payment.Kind.PORT_ONE, public_id)
            payment = self.payments.get(key)
            if payment is None:
                if public_id in self.payment_errors:
                    raise self.payment_errors[public_id]
                raise not_found(
                    "PLATFORM_PAYMENT_NOT_FOUND",
                    f"paymentId: 포트원 결제를 찾을 수 없습니다: {public_id}",
                )
            wire = self._payment_wire.get(payment.pk)
            if wire is None:
                wire = self._payment_wire[payment.pk] = _with_text(payment_json(payment))
            return key, payment, payment.paid_at, wire
        _check_currency(detail["currency"])
        # The single service upserts the payment from each request's detail, so a row's snapshot
        # shows that row's detail (rows of one payment usually repeat it: cached).
        method = detail.get("method")
        cache_key = (
            public_id,
            detail["currency"],
            detail.get("orderName"),
            detail.get("paidAt"),
            tuple(sorted(method.items())) if method else None,
        )
        wire = self._payment_wire.get(cache_key)
        if wire is None:
            scratch = self._scratch
            scratch.public_id = public_id
            for name, value in _external_values(detail, self.source).items():
                setattr(scratch, name, value)
            wire = self._payment_wire[cache_key] = _with_text(payment_json(scratch))
        return (Payment.Kind.EXTERNAL, public_id), None, detail.get("paidAt"), wire

    def _check_caps(self, key: PaymentKey, payment: Payment, new: calc.SettlementAmount) -> None:
        """domain.md §12.15 as the single service checks it, with the batch's earlier rows
        counted as registered."""
        reg_total, reg_tax_free = self.registered.get(key, (0, 0))
        error = payment_cap_error(payment, reg_total, reg_tax_free, new)
        if error is not None:
            raise error


def _external_values(detail: dict, source: str) -> dict[str, Any]:
    """The fields `transfers._external_payment` sets from an externalPaymentDetail."""
    return {
        "source": source,
        "currency": detail["currency"],
        "order_name": detail.get("orderName") or "",
        "paid_at": detail.get("paidAt"),
        "method": detail.get("method"),
    }


# --- writing -------------------------------------------------------------------------------------


def _external_payments(plan: _Plan, is_for_test: bool) -> tuple[list[Payment], list[Payment]]:
    """(new EXTERNAL payments, existing ones whose fields the rows change)."""
    new, changed = [], []
    for key, values in plan.external.items():
        payment = plan.payments.get(key)
        if payment is None:
            payment = _PAYMENTS.build(
                {"is_for_test": is_for_test, "kind": key[0], "public_id": key[1], **values}
            )
            plan.payments[key] = payment
            new.append(payment)
        elif any(getattr(payment, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(payment, name, value)
            changed.append(payment)
    return new, changed


def _transfers(plan: _Plan) -> tuple[list[Transfer], dict[int, dict[str, str]]]:
    """The Transfer objects, and the JSON texts of their snapshot columns by id(object)."""
    out, texts = [], {}
    for row in plan.rows:
        payment = plan.payments[row.payment_key]
        transfer = _TRANSFERS.build(
            {**row.values, "payment_id": payment.pk},
            partner=row.partner,
            contract=row.contract,
            payment=payment,
        )
        out.append(transfer)
        texts[id(transfer)] = row.json_texts
    return out, texts


def _insert(
    model: type[Model], objs: list[Model], json_texts: dict[int, dict[str, str]] | None = None
) -> None:
    """`bulk_create` (batches of 2,000); on PostgreSQL a COPY instead.

    Why COPY: Django 5.2 sends a PostgreSQL bulk insert as `UNNEST(%s::jsonb[], ...)` with
    client-side binding, so psycopg escapes every quote of every JSON snapshot into an array
    literal in Python and the server parses it back: 20,000 transfers took 9-13 s that way (and
    23 s with plain VALUES batches), 2 s with COPY (anchors.md §5: COPY ~ 100k rows/s). Ids come
    from the table's sequence first, so the objects get their pks just as with bulk_create.
    `json_texts` (by id(obj)) may give a JSON column's text already serialised: snapshots share
    most of their parts between rows, and json.dumps per row was 40 us of the 100 us budget."""
    if not objs:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=BATCH_SIZE)
        return
    from psycopg.copy import QueuedLibpqWriter

    opts = model._meta
    fields = opts.concrete_fields
    quote = connection.ops.quote_name
    now = timezone.now()
    auto_now = [f.attname for f in fields if getattr(f, "auto_now", False)]
    auto_now_add = [f.attname for f in fields if getattr(f, "auto_now_add", False)]
    attnames = [f.attname for f in fields]
    # Columns whose Python value psycopg cannot take as it is: JSON (text) and choices (a
    # TextChoices member is a str, but say so explicitly rather than rely on the MRO).
    converted = [
        (i, f.attname, partial(json.dumps, cls=f.encoder) if isinstance(f, JSONField) else None)
        for i, f in enumerate(fields)
        if isinstance(f, JSONField) or f.choices
    ]
    no_texts: dict[str, str] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [opts.db_table, opts.pk.column, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
            for name in auto_now:
                setattr(obj, name, now)
            for name in auto_now_add:
                if getattr(obj, name) is None:
                    setattr(obj, name, now)
        columns = ", ".join(quote(f.column) for f in fields)
        sql = f"COPY {quote(opts.db_table)} ({columns}) FROM STDIN"
        # The queued writer sends from a thread, so formatting rows here overlaps with the
        # server parsing the previous ones (jsonb, TOAST): the server is the slower side.
        writer = QueuedLibpqWriter(cursor.cursor)
        with connection.wrap_database_errors, cursor.cursor.copy(sql, writer=writer) as copy:
            for obj in objs:
                values = obj.__dict__
                row = [values[name] for name in attnames]
                given = json_texts.get(id(obj), no_texts) if json_texts else no_texts
                for i, name, dumps in converted:
                    value = row[i]
                    if value is None:
                        continue
                    if dumps is None:
                        row[i] = value.value if isinstance(value, Enum) else value
                    else:
                        row[i] = given[name] if name in given else dumps(value)
                copy.write_row(row)
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def _write(plan: _Plan, is_for_test: bool) -> list[Transfer]:
    started = time.perf_counter()
    new, changed = _external_payments(plan, is_for_test)
    _insert(Payment, new)
    if changed:
        Payment.objects.bulk_update(
            changed,
            ["source", "currency", "order_name", "paid_at", "method", "updated_at"],
            batch_size=BATCH_SIZE,
        )
    paid = time.perf_counter()
    transfers, texts = _transfers(plan)
    # Inserted (and so stored and numbered) by aggregation key: a bucket's members share pages
    # when it is summed, and `gather_now_for` (rows that leave their bucket) works through ids in
    # sorted chunks that each touch a settlement once (file order: 3x slower for 100k rows).
    by_key = sorted(transfers, key=lambda t: (t.partner_id, t.settlement_date, t.contract_id))
    # Every row joins its key's open bucket; when some are SETTLED already (dated today or
    # earlier), under the exclusive settlement lock, and their buckets are gathered right after.
    settled = [t for t in transfers if t.status == TransferStatus.SETTLED]
    assign_open_buckets(by_key, settled_too=bool(settled))
    bucketed = time.perf_counter()
    try:
        with transaction.atomic():
            _insert(Transfer, by_key, texts)
    except IntegrityError:  # a concurrent request took one of the ids after our check
        raise conflict(
            "PLATFORM_TRANSFER_ID_ALREADY_USED", "이미 사용된 정산건 아이디가 있습니다."
        ) from None
    inserted = time.perf_counter()
    if settled:
        gather_created(settled)
        by_pk = {t.pk: t for t in settled}
        for chunk in _chunks(list(by_pk)):
            for pk, settlement_id in Transfer.objects.filter(pk__in=chunk).values_list(
                "pk", "partner_settlement_id"
            ):
                by_pk[pk].partner_settlement_id = settlement_id
    logger.info(
        "bulk order transfers: %d payments (+%d changed) %.2f s, buckets %.2f s, "
        "%d transfers %.2f s, gather %d %.2f s",
        len(new),
        len(changed),
        paid - started,
        bucketed - paid,
        len(transfers),
        inserted - bucketed,
        len(settled),
        time.perf_counter() - inserted,
    )
    return transfers


def order_transfers_create_bulk(
    *,
    is_for_test: bool,
    rows: list[dict[str, Any]],
    dry_run: bool = False,
    payment_source: str = Payment.Source.API,
) -> list[Transfer]:
    """Create one ORDER transfer per row, or none.

    `rows`: dicts with the keys of `order_transfer_create`'s `data` (partner_id, payment_id,
    order (calc.Order), contract_id?, settlement_start_date?, settlement_date?,
    external_payment?, memo?, parameters, user_defined_properties, id?). Later rows see earlier
    ones: a second row for the same partner and payment is a duplicate, PortOne payment caps
    count the batch's earlier rows.

    Raises `BulkRowsError` (every refused row, by index) before writing anything. `dry_run`
    validates and computes, returns the unsaved transfers and rolls back (payments the resolver
    fetched included). `payment_source` marks new EXTERNAL payments (files pass CSV).
    """
    with gc_paused(), transaction.atomic():
        started = time.perf_counter()
        plan = _Planner(is_for_test=is_for_test, rows=rows, source=payment_source).run()
        logger.info(
            "bulk order transfers: %d rows planned in %.2f s (%d refused)",
            len(rows),
            time.perf_counter() - started,
            len(plan.failures),
        )
        if plan.failures:
            raise BulkRowsError(plan.failures)
        if dry_run:
            transaction.set_rollback(True)
            _external_payments(plan, is_for_test)  # unsaved, so the transfers can show them
            return _transfers(plan)[0]
        return _write(plan, is_for_test)
