"""ORDER transfers (주문 정산건), one or 10^5 at a time, through one pipeline.

`order_transfer_create` (the API) and `order_transfers_create_bulk` (files, batch calls) both
run `_Planner`: every row is checked and computed in the same order with the same code — partner
→ contract → user-defined properties → settlement parameters → id → payment → currency → start
date → policies → versions → calculation → settlement date → PortOne payment caps → duplicate
(partner, payment) — against sets read with one query per kind, and nothing is written until
every row has passed (docs/calculation.md, "Order transfers"). Only the write differs: one row
is saved (with its history row), many are copied (COPY on PostgreSQL).

What this module must NOT do:
* compute money, statuses or dates itself — settlements.domain does, through
  settlements.services.rules, so a file row and an API call can never disagree;
* query per row — a 100,000-row file is one pass in Python plus a few dozen statements;
* write anything when a row fails — every row's refusal is collected first (`RowsRefused`, index
  = position in the rows given), then raised before the first write.

Concurrency: the payments of the batch are locked (SELECT … FOR UPDATE; an EXTERNAL payment seen
for the first time is inserted first, so two requests for one new order wait for each other), so
the caps and the duplicate check see every committed transfer of those payments.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Model, Sum
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone
from ulid import ULID

from core.errors import (
    Conflict,
    DomainError,
    Invalid,
    NotFound,
    Ref,
    RowFailure,
    RowsRefused,
    Unavailable,
)
from core.iterables import chunked
from core.perf import gc_paused
from partners.domain.banks import SUPPORTED_CURRENCIES
from partners.models import Partner
from policies import services as policy_services
from policies.models import Contract, PlatformSetting
from settlements.domain import calculation as calc
from settlements.domain import codec
from settlements.models import Payment, Transfer, TransferType
from settlements.models.transfers import (
    AMOUNT_FROM_COLUMNS,
    PART_KEY,
    PARTS_MARKER,
    SnapshotPart,
    part_digest,
)
from settlements.providers import PaymentResolverError, get_payment_resolver
from settlements.selectors.payments import payment_snapshot
from settlements.services import rules, sql
from settlements.services.payments import store_portone_payment
from settlements.services.refusals import refusal
from settlements.services.versions import VersionCache, Versions, VersionTexts, usable_policies
from settlements.services.writes import insert_many, save_one

logger = logging.getLogger(__name__)

BATCH_SIZE = 2_000
#: from this many new EXTERNAL payments on, they are copied (`_Planner._insert_payments`)
COPY_PAYMENTS_FROM = 100


# --- what a caller asks for ---------------------------------------------------------------------


@dataclass(frozen=True)
class ExternalPayment:
    """`externalPaymentDetail`: a payment of another PG, stored as an EXTERNAL payment."""

    currency: str
    order_name: str | None = None
    paid_at: datetime | None = None
    method: Mapping[str, Any] | None = None  # {"type": "CARD"}, {"type": "EASY_PAY", ...}


@dataclass(frozen=True)
class OrderTransferRequest:
    partner_id: str
    payment_id: str
    order: calc.Order
    contract_id: str | None = None  # None: the partner's default contract
    settlement_start_date: date | None = None  # None: the payment's date (KST), else today
    settlement_date: date | None = None  # None: from the contract's cycle
    external_payment: ExternalPayment | None = None  # None: a PortOne payment
    memo: str | None = None
    parameters: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    user_defined_properties: Sequence[Mapping[str, Any]] = ()  # [{key, value: {string}}]
    id: str | None = None


def order_transfer_create(*, is_for_test: bool, request: OrderTransferRequest) -> Transfer:
    """One ORDER transfer: a one-row plan, saved with its history row. Refusals are the row's
    own (not wrapped in RowsRefused)."""
    with transaction.atomic():
        plan = _Planner(is_for_test=is_for_test, requests=[request], source=Payment.Source.API)
        plan.run()
        if plan.failures:
            raise plan.failures[0].error
        return _write_one(plan)


def order_transfers_create_bulk(
    *,
    is_for_test: bool,
    rows: Sequence[OrderTransferRequest],
    dry_run: bool = False,
    payment_source: str = Payment.Source.API,
) -> list[Transfer]:
    """One ORDER transfer per row, or none. Later rows see earlier ones: a second row for the
    same partner and payment is a duplicate, PortOne payment caps count the batch's earlier rows.

    Raises `RowsRefused` (every refused row, by index) before writing anything. `dry_run`
    checks and computes, returns the unsaved transfers and rolls back (payments the resolver
    fetched included). `payment_source` marks new EXTERNAL payments (files pass CSV).
    """
    with gc_paused(), transaction.atomic():
        started = time.perf_counter()
        plan = _Planner(
            is_for_test=is_for_test, requests=rows, source=payment_source, dry_run=dry_run
        )
        loaded = time.perf_counter()
        plan.run()
        planned = time.perf_counter()
        logger.info(
            "bulk order transfers: %d rows planned in %.2f s (reads and new payments %.2f s, "
            "rows %.2f s; %d refused)",
            len(rows),
            planned - started,
            loaded - started,
            planned - loaded,
            len(plan.failures),
            extra={"phases": {"load_s": loaded - started, "plan_s": planned - loaded}},
        )
        if plan.failures:
            raise RowsRefused(plan.failures)
        if dry_run:
            transaction.set_rollback(True)
            return _transfers(plan)[0]
        return _write_many(plan)


# --- the plan: every row checked and computed, nothing written yet -----------------------------


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


def _with_text(value: dict) -> tuple[dict, str]:
    return value, json.dumps(value)


@dataclass
class _Row:
    values: dict[str, Any]  # Transfer columns by attname, payment_id still missing
    partner: Partner
    contract: Contract
    payment_key: PaymentKey
    #: what the bulk writer serialises snapshot and calc_input from (`_JsonTexts`)
    json_parts: tuple[Versions, VersionTexts, str, _Computation, str]


def _external_values(detail: ExternalPayment, source: str) -> dict[str, Any]:
    """The Payment fields an externalPaymentDetail sets."""
    return {
        "source": source,
        "currency": detail.currency,
        "order_name": detail.order_name or "",
        "paid_at": detail.paid_at,
        "method": dict(detail.method) if detail.method else None,
    }


class _Planner:
    def __init__(
        self,
        *,
        is_for_test: bool,
        requests: Sequence[OrderTransferRequest],
        source: str,
        dry_run: bool = False,
    ) -> None:
        self.is_for_test = is_for_test
        self.dry_run = dry_run
        self.requests = requests
        self.source = source
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.setting = PlatformSetting.for_mode(is_for_test=is_for_test)
        self.versions = VersionCache(today=self.today)
        self.calendar = rules.calendar()
        self.rows: list[_Row] = []
        self.failures: list[RowFailure] = []
        #: EXTERNAL payments whose fields the rows change (the last row of a payment wins)
        self.changed_payments: dict[PaymentKey, dict[str, Any]] = {}
        self._dates: dict[tuple, date | DomainError] = {}
        self._computed: dict[tuple, _Computation | DomainError] = {}
        self._payment_wire: dict[Any, tuple[dict, str]] = {}
        self._scratch = Payment(is_for_test=is_for_test, kind=Payment.Kind.EXTERNAL)
        self._inserted_pks: set[int] = set()  # payments this call inserted
        self._load()

    # --- reads, one per kind ---

    def _load(self) -> None:
        requests, is_for_test = self.requests, self.is_for_test
        self.lookups = rules.BatchLookups(
            is_for_test=is_for_test,
            partner_ids=(r.partner_id for r in requests),
            property_keys=(p["key"] for r in requests for p in r.user_defined_properties),
            parameter_keys=(k for r in requests for k in r.parameters),
            transfer_ids=(r.id for r in requests if r.id),
        )
        contract_ids = {r.contract_id for r in requests if r.contract_id}
        contract_ids |= {
            p.default_contract.public_id
            for p in self.lookups.partners.values()
            if p.default_contract
        }
        self.contracts: dict[str, Contract] = rules.by_public_id(
            Contract.objects.filter(is_for_test=is_for_test, is_archived=False), contract_ids
        )
        share_ids: set[str] = set()
        fee_ids: set[str] = set()
        for request in requests:
            share_ids.update(_share_ids(request.order))
            fee_ids.update(_fee_ids(request.order))
        self.share_policies = usable_policies(
            policy_services.DISCOUNT_SHARE_POLICY, share_ids, is_for_test=is_for_test
        )
        self.fee_policies = usable_policies(
            policy_services.ADDITIONAL_FEE_POLICY, fee_ids, is_for_test=is_for_test
        )
        self._load_payments()

    def _load_payments(self) -> None:
        """The batch's payments, locked: existing ones of both kinds, EXTERNAL ones inserted
        first when new (not in a dry run), PortOne ones unknown locally asked from the resolver;
        then the ORDER transfers already registered against them (for the caps and the duplicate
        check)."""
        wanted: dict[str, set[str]] = {Payment.Kind.PORT_ONE: set(), Payment.Kind.EXTERNAL: set()}
        external: dict[str, dict[str, Any]] = {}  # public id -> the last row's fields
        for request in self.requests:
            if request.external_payment is None:
                wanted[Payment.Kind.PORT_ONE].add(request.payment_id)
            else:
                wanted[Payment.Kind.EXTERNAL].add(request.payment_id)
                if request.external_payment.currency in SUPPORTED_CURRENCIES:  # else refused below
                    external[request.payment_id] = _external_values(
                        request.external_payment, self.source
                    )
        self.payments: dict[PaymentKey, Payment] = self._locked(wanted)
        new = [
            _PAYMENTS.build(
                {
                    "is_for_test": self.is_for_test,
                    "kind": Payment.Kind.EXTERNAL,
                    "public_id": pid,
                    **values,
                }
            )
            for pid, values in external.items()
            if (Payment.Kind.EXTERNAL, pid) not in self.payments
        ]
        if new and self.dry_run:  # nothing is written: the transfers show unsaved payments
            self.payments.update(((Payment.Kind.EXTERNAL, p.public_id), p) for p in new)
        elif new:
            self.payments.update(self._insert_payments(new))
        for pid, values in external.items():
            payment = self.payments.get((Payment.Kind.EXTERNAL, pid))
            if payment is not None and any(getattr(payment, k) != v for k, v in values.items()):
                self.changed_payments[(Payment.Kind.EXTERNAL, pid)] = values

        self.payment_errors: dict[str, DomainError] = {}
        missing = sorted(
            wanted[Payment.Kind.PORT_ONE]
            - {pid for kind, pid in self.payments if kind == Payment.Kind.PORT_ONE}
        )
        if missing:
            resolver = get_payment_resolver()
            for public_id in missing:
                try:
                    body = resolver.fetch(public_id)
                except PaymentResolverError as exc:  # PortOne unreachable or garbled: retry
                    self.payment_errors[public_id] = Unavailable(
                        "PLATFORM_EXTERNAL_API_FAILED", exc.message
                    )
                    continue
                if body is not None:
                    self.payments[(Payment.Kind.PORT_ONE, public_id)] = store_portone_payment(
                        body, is_for_test=self.is_for_test
                    )

        # Payments this transaction has just inserted have no transfers yet.
        pks = [p.pk for p in self.payments.values() if p.pk not in self._inserted_pks]
        key_of = {p.pk: key for key, p in self.payments.items()}
        #: payment key -> [registered payment, registered tax-free] of ORDER transfers
        self.registered: dict[PaymentKey, list[int]] = {}
        #: (partner pk, payment key) -> public id of an ORDER transfer of that pair
        self.pairs: dict[tuple[int, PaymentKey], str] = {}
        for chunk in chunked(pks, rules.KEY_CHUNK):
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
            ):  # the latest transfer of a pair wins
                self.pairs[(partner_id, key_of[payment_id])] = public_id

    def _insert_payments(self, new: list[Payment]) -> dict[PaymentKey, Payment]:
        """New EXTERNAL payments, locked: inserted (a few with bulk_create, many on PostgreSQL
        through COPY, `sql.insert_new_ignoring_conflicts`); those a concurrent request inserted
        first are read (and wait for its lock)."""
        kind = Payment.Kind.EXTERNAL
        if len(new) == 1:
            return self._insert_payment(new[0])
        if len(new) < COPY_PAYMENTS_FROM or connection.vendor != "postgresql":
            Payment.objects.bulk_create(new, batch_size=BATCH_SIZE, ignore_conflicts=True)
            return self._locked({kind: {p.public_id for p in new}})
        inserted = sql.insert_new_ignoring_conflicts(Payment, new, key="public_id")
        self._inserted_pks.update(p.pk for p in inserted)
        found: dict[PaymentKey, Payment] = {(kind, p.public_id): p for p in inserted}
        taken = {p.public_id for p in new} - {p.public_id for p in inserted}
        if taken:
            found.update(self._locked({kind: taken}))
        return found

    def _insert_payment(self, payment: Payment) -> dict[PaymentKey, Payment]:
        """One new payment (the single-transfer API): an INSERT that returns its key, in a
        savepoint. Inserted by us, it is ours until commit and no transfer can reference it yet,
        so the reads of registered transfers skip it: 4 statements where bulk_create, the read
        back and those reads were 5 ORM queries (bench/order_transfer_api.py). A unique
        conflict means a concurrent request inserted it first: it is read, waiting for that
        request's lock, as bulk_create's ON CONFLICT DO NOTHING path does."""
        kind = Payment.Kind.EXTERNAL
        try:
            with transaction.atomic():
                payment.save(force_insert=True)
        except IntegrityError:
            found = self._locked({kind: {payment.public_id}})
            if not found:  # not a duplicate key: some other constraint refused the row
                raise
            return found
        self._inserted_pks.add(payment.pk)
        return {(kind, payment.public_id): payment}

    def _locked(self, wanted: dict[str, set[str]]) -> dict[PaymentKey, Payment]:
        base = Payment.objects.select_for_update().filter(is_for_test=self.is_for_test)
        found: dict[PaymentKey, Payment] = {}
        for kind, ids in wanted.items():
            for public_id, payment in rules.by_public_id(base.filter(kind=kind), ids).items():
                found[(kind, public_id)] = payment
        return found

    # --- one row ---

    def run(self) -> None:
        for index, request in enumerate(self.requests):
            try:
                self.rows.append(self._row(request))
            except DomainError as exc:
                self.failures.append(RowFailure(index, exc))

    def _row(self, request: OrderTransferRequest) -> _Row:
        """The checks of an ORDER transfer, in their order, against the preloaded sets."""
        lookups = self.lookups
        partner = lookups.partner(request.partner_id)
        default = partner.default_contract
        contract_id = request.contract_id or (default.public_id if default else "")
        contract = self.contracts.get(contract_id)
        if contract is None:
            raise NotFound(
                "PLATFORM_CONTRACT_NOT_FOUND", f"contractId: 계약을 찾을 수 없습니다: {contract_id}"
            )
        properties = lookups.properties(list(request.user_defined_properties))
        parameters = lookups.parameters(dict(request.parameters))
        lookups.check_id(request.id)
        public_id = request.id or str(ULID())
        order = request.order

        detail = request.external_payment
        payment_key, payment, paid_at, (wire, wire_text) = self._payment(request.payment_id, detail)
        currency = wire["currency"]
        rules.check_currency(currency)
        start = request.settlement_start_date or (
            self._local_date(paid_at) if paid_at else self.today
        )
        version_key = self.versions.key(start)
        shares = self._policies(
            _share_ids(order), self.share_policies, calc.DiscountSharePoliciesNotFoundError
        )
        fees = self._policies(
            _fee_ids(order), self.fee_policies, calc.AdditionalFeePoliciesNotFoundError
        )
        versions, terms_json, texts = self.versions.versions(contract, shares, fees, version_key)
        computation = self._compute(order, versions, currency, contract)
        amount = computation.amount
        explicit = request.settlement_date
        settlement_date = self._settlement_date(contract, versions, version_key, start, explicit)

        if payment is not None:
            self._check_caps(payment_key, payment, amount)
        pair = (partner.pk, payment_key)
        if not self.setting.supports_multiple_order_transfers_per_partner:
            existing = self.pairs.get(pair)
            if existing is not None:
                raise Conflict(
                    "PLATFORM_TRANSFER_ALREADY_EXISTS",
                    f"이 결제와 파트너의 주문 정산건이 이미 있습니다: {existing}",
                    transfer_id=Ref("transfer", existing),
                )

        # Accepted: what later rows of the batch must see.
        self.pairs[pair] = public_id
        lookups.take_id(request.id)
        registered = self.registered.setdefault(payment_key, [0, 0])
        registered[0] += amount.payment
        registered[1] += amount.payment_tax_free

        return _Row(
            values={
                "public_id": public_id,
                "is_for_test": self.is_for_test,
                "type": TransferType.ORDER,
                "stored_status": rules.initial_status(start, settlement_date, self.today),
                "partner_id": partner.pk,
                "contract_id": contract.pk,
                "settlement_start_date": start,
                "settlement_date": settlement_date,
                "settlement_date_explicit": explicit is not None,
                "settlement_currency": currency,
                "memo": request.memo,
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
            json_parts=(versions, texts, wire_text, computation, currency),
        )

    def _compute(
        self, order: calc.Order, versions: Versions, currency: str, contract: Contract
    ) -> _Computation:
        """`calc.calculate_order` and what is derived from its result (amount columns, the
        computed snapshot, the order's JSON), once per distinct (order, versions, currency): the
        calculation is pure, and files repeat the same order amounts and policy sets many
        times. Transfers of equal orders share these (read-only) snapshot parts."""
        key = (order, id(versions), currency)
        found = self._computed.get(key)
        if found is None:
            try:
                result = calc.calculate_order(order, versions.terms, currency=currency)
            except calc.CalculationError as exc:
                found = refusal(exc, contract_id=contract.public_id)
            else:
                snapshot = rules.computed_snapshot(result, versions)
                order_json = codec.to_json(order)
                found = _Computation(
                    amount=result.amount,
                    columns=rules.amount_columns(result.amount),
                    snapshot=snapshot,
                    order_json=order_json,
                )
            self._computed[key] = found
        if isinstance(found, DomainError):
            raise found
        return found

    def _local_date(self, moment: datetime) -> date:
        if timezone.is_naive(moment):
            return timezone.localdate(moment)  # raises, as for any naive instant
        return moment.astimezone(self.tz).date()

    def _policies(self, ids: set[str], found: dict[str, Any], error: type) -> dict[str, Any]:
        if not ids:
            return {}
        missing = sorted(ids - found.keys())
        if missing:
            raise refusal(error(missing))
        return {pid: found[pid] for pid in ids}

    def _settlement_date(
        self,
        contract: Contract,
        versions: Versions,
        version_key: date | None,
        start: date,
        explicit: date | None,
    ) -> date:
        key = (contract.pk, version_key, start, explicit)
        found = self._dates.get(key)
        if found is None:
            try:
                found = rules.settlement_date(
                    start, versions.contract_terms, explicit, self.setting, self.calendar
                )
            except DomainError as exc:
                found = exc
            self._dates[key] = found
        if isinstance(found, DomainError):
            raise found
        return found

    # --- payments ---

    def _payment(
        self, public_id: str, detail: ExternalPayment | None
    ) -> tuple[PaymentKey, Payment | None, datetime | None, tuple[dict, str]]:
        """(key, the PORT_ONE payment or None for EXTERNAL, paidAt, (snapshot, its JSON))."""
        if detail is None:
            key = (Payment.Kind.PORT_ONE, public_id)
            payment = self.payments.get(key)
            if payment is None:
                if public_id in self.payment_errors:
                    raise self.payment_errors[public_id]
                raise NotFound(
                    "PLATFORM_PAYMENT_NOT_FOUND",
                    f"paymentId: 포트원 결제를 찾을 수 없습니다: {public_id}",
                )
            wire = self._payment_wire.get(payment.pk)
            if wire is None:
                wire = self._payment_wire[payment.pk] = _with_text(payment_snapshot(payment))
            return key, payment, payment.paid_at, wire
        rules.check_currency(detail.currency)
        # A row's snapshot shows that row's detail (rows of one payment usually repeat it).
        method = detail.method
        cache_key = (
            public_id,
            detail.currency,
            detail.order_name,
            detail.paid_at,
            tuple(sorted(method.items())) if method else None,
        )
        wire = self._payment_wire.get(cache_key)
        if wire is None:
            scratch = self._scratch
            scratch.public_id = public_id
            for name, value in _external_values(detail, self.source).items():
                setattr(scratch, name, value)
            wire = self._payment_wire[cache_key] = _with_text(payment_snapshot(scratch))
        return (Payment.Kind.EXTERNAL, public_id), None, detail.paid_at, wire

    def _check_caps(self, key: PaymentKey, payment: Payment, new: calc.SettlementAmount) -> None:
        """ORDER transfers of a PortOne payment never exceed what was paid (docs/calculation.md,
        "Payment caps"), the batch's earlier rows counted as registered."""
        reg_total, reg_tax_free = self.registered.get(key, (0, 0))
        error = payment_cap_error(payment, reg_total, reg_tax_free, new)
        if error is not None:
            raise error


def _share_ids(order: calc.Order) -> set[str]:
    return {d.share_policy_id for d in order.all_discounts()}


def _fee_ids(order: calc.Order) -> set[str]:
    return {f.policy_id for f in order.additional_fees} | {
        f.policy_id for line in order.lines for f in line.additional_fees
    }


def payment_cap_error(
    payment: Payment, reg_total: int, reg_tax_free: int, new: calc.SettlementAmount
) -> DomainError | None:
    """The cap a new ORDER transfer of `new` would break, given what is registered already."""
    if payment.kind != Payment.Kind.PORT_ONE or payment.total_amount is None:
        return None
    paid_tax_free = payment.tax_free_amount or 0
    checks = (
        (
            "PLATFORM_SETTLEMENT_PAYMENT_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT",
            reg_total,
            new.payment,
            payment.total_amount,
        ),
        (
            "PLATFORM_SETTLEMENT_SUPPLY_WITH_VAT_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT",
            reg_total - reg_tax_free,
            new.payment - new.payment_tax_free,
            payment.total_amount - paid_tax_free,
        ),
        (
            "PLATFORM_SETTLEMENT_TAX_FREE_AMOUNT_EXCEEDED_PORT_ONE_PAYMENT",
            reg_tax_free,
            new.payment_tax_free,
            paid_tax_free,
        ),
    )
    for code, registered_amount, requested, paid in checks:
        if registered_amount + requested > paid:
            return Invalid(
                code,
                f"정산 금액 합계가 포트원 결제 금액을 넘습니다: {registered_amount} + "
                f"{requested} > {paid}",
                registered_settlement_payment_amount=registered_amount,
                request_settlement_payment_amount=requested,
                port_one_payment_amount=paid,
            )
    return None


# --- writing -------------------------------------------------------------------------------------


def _transfers(plan: _Planner) -> tuple[list[Transfer], dict[int, tuple]]:
    """The Transfer objects, and by id(object) the parts of their JSON columns (`_JsonTexts`)."""
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
        texts[id(transfer)] = row.json_parts
    return out, texts


def _update_payments(plan: _Planner) -> list[Payment]:
    changed = []
    for key, values in plan.changed_payments.items():
        payment = plan.payments[key]
        for name, value in values.items():
            setattr(payment, name, value)
        changed.append(payment)
    if changed:
        Payment.objects.bulk_update(
            changed,
            ["source", "currency", "order_name", "paid_at", "method", "updated_at"],
            batch_size=BATCH_SIZE,
        )
    return changed


def _write_one(plan: _Planner) -> Transfer:
    _update_payments(plan)
    (transfer,), _ = _transfers(plan)
    return save_one(transfer)


def _write_many(plan: _Planner) -> list[Transfer]:
    started = time.perf_counter()
    changed = _update_payments(plan)
    logger.info(
        "bulk order transfers: %d payments changed %.2f s",
        len(changed),
        time.perf_counter() - started,
        extra={"phases": {"payments_changed_s": time.perf_counter() - started}},
    )
    transfers, parts = _transfers(plan)
    if connection.vendor != "postgresql":  # bulk_create writes the objects' own values
        insert_many(transfers)
        return transfers
    texts = _JsonTexts()
    json_texts = {key: texts.row(*row_parts) for key, row_parts in parts.items()}
    texts.save_parts()
    insert_many(transfers, json_texts=lambda t: json_texts[id(t)])
    return transfers


class _JsonTexts:
    """The stored JSON of bulk-created transfers (COPY), narrow: what every transfer of a
    contract version and policy set shares — the contract and policy versions as frozen, the
    calculation terms — is stored once as a `SnapshotPart` and referenced, and the snapshot's
    amount is left to the amount columns (models.transfers); reading a transfer puts both back,
    so the API, the admin and cancellations see the same snapshot as before (1.86 KB rows, most
    of it these copies, became ~1.1 KB). The objects returned keep their whole dicts. Texts are
    built once per shared piece (versions, computation) and joined per row: json.dumps per row
    was 40 % of a row's budget."""

    def __init__(self) -> None:
        self.parts: dict[str, Any] = {}  # digest -> value
        self._versions: dict[int, tuple[str, str, dict[int, dict]]] = {}
        self._computations: dict[tuple[int, int], tuple[str, str]] = {}

    def _ref(self, value: Any, text: str, **also: Any) -> dict[str, Any]:
        digest = part_digest(text)
        self.parts.setdefault(digest, value)
        return {**also, PART_KEY: digest}

    def _of_versions(self, versions: Versions, texts: VersionTexts) -> tuple[str, str, dict]:
        found = self._versions.get(id(versions))
        if found is None:
            policies = {}  # id(policy snapshot) -> its reference ("id" kept for the filters)
            for snapshot in (*versions.discount_policies.values(), *versions.fee_policies.values()):
                ident = {"id": snapshot["id"]} if "id" in snapshot else {}
                policies[id(snapshot)] = self._ref(snapshot, json.dumps(snapshot), **ident)
            contract = versions.contract
            ident = {"id": contract["id"]} if "id" in contract else {}
            found = self._versions[id(versions)] = (
                json.dumps(self._ref(contract, texts.contract, **ident)),
                json.dumps(self._ref(json.loads(texts.terms), texts.terms)),
                policies,
            )
        return found

    def _of_computation(self, computation: _Computation, versions: Versions, policies: dict):
        key = (id(computation), id(versions))
        found = self._computations.get(key)
        if found is None:
            found = self._computations[key] = (
                json.dumps(_narrow(computation.snapshot, policies)),
                json.dumps(computation.order_json),
            )
        return found

    def row(
        self,
        versions: Versions,
        texts: VersionTexts,
        payment: str,
        computation: _Computation,
        currency: str,
    ) -> dict[str, str]:
        contract, terms, policies = self._of_versions(versions, texts)
        snapshot, order = self._of_computation(computation, versions, policies)
        return {
            "snapshot": f'{{"{PARTS_MARKER}": 1, "contract": {contract}, "payment": {payment}, '
            f"{snapshot[1:-1]}}}",
            "calc_input": f'{{"{PARTS_MARKER}": 1, "order": {order}, "terms": {terms}, '
            f'"currency": {json.dumps(currency)}}}',
        }

    def save_parts(self) -> None:
        SnapshotPart.objects.bulk_create(
            [SnapshotPart(digest=d, value=v) for d, v in self.parts.items()],
            ignore_conflicts=True,
        )


def _narrow(snapshot: dict[str, Any], policies: dict[int, dict]) -> dict[str, Any]:
    """A computed snapshot with the policy versions it embeds replaced by their references, and
    its amount (the transfer's amount columns) left out."""

    def entries(items: list[dict], key: str) -> list[dict]:
        return [{**e, key: policies.get(id(e[key]), e[key])} for e in items]

    out = dict(snapshot)
    out["amount"] = AMOUNT_FROM_COLUMNS
    out["discounts"] = entries(snapshot["discounts"], "sharePolicy")
    out["additionalFees"] = entries(snapshot["additionalFees"], "policy")
    out["orderLines"] = [
        {
            **line,
            "discounts": entries(line["discounts"], "sharePolicy"),
            "additionalFees": entries(line["additionalFees"], "policy"),
        }
        for line in snapshot["orderLines"]
    ]
    return out
