"""Transfer writes: order transfers, order-cancel transfers, manual transfers, deletion.

Resolves what the pure modules need (partner, contract and policy versions, payment, calendar,
settings), calls `settlements.calculation` / `settlements.dates`, and stores the result with a
wire-format snapshot of the versions it used (domain.md §5, §12.12). Money logic lives in
calculation.py, never here. Input comes as plain dicts in calculation/SDK terms from api.py or
files; errors are core.errors.ApiError with the SDK's types.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from ulid import ULID

from core.api.wire import graphql_id
from core.errors import ApiError, conflict, invalid_request, not_found
from core.versioning import services as versioning
from partners.banks import SUPPORTED_CURRENCIES
from partners.models import Partner, UserDefinedProperty
from policies import services as policy_services
from policies.api import additional_fee_policy_json, contract_json, discount_share_policy_json
from policies.models import Contract, PlatformSetting
from settlements import calculation as calc
from settlements import codec, dates
from settlements.aggregation import (
    assign_open_buckets,
    gather_created,
    gather_now_for,
    lock_partner_settlements,
    partner_settlements_recompute,
)
from settlements.models import (
    AMOUNT_FIELDS,
    ClosedDay,
    PartnerSettlement,
    Payment,
    PaymentCancellation,
    SettlementParameter,
    Transfer,
    TransferStatus,
    TransferType,
)
from settlements.payments import PaymentResolverError, find_portone_payment, payment_json

# --- errors ---------------------------------------------------------------------------------

_GRAPHQL_KIND_OF_IDS = {
    "PLATFORM_DISCOUNT_SHARE_POLICIES_NOT_FOUND": "discount_share_policy",
    "PLATFORM_ADDITIONAL_FEE_POLICIES_NOT_FOUND": "additional_fee_policy",
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def api_error(
    exc: calc.CalculationError | dates.SettlementDateEarlierThanStartDateError,
    *,
    contract_id: str | None = None,
) -> ApiError:
    """A refusal of the pure modules -> the SDK error body (camelCase extras, graphqlIds)."""
    extra: dict[str, Any] = {}
    for key, value in vars(exc).items():
        if key.startswith("_") or key == "args":
            continue
        if isinstance(value, tuple):
            value = list(value)
        if isinstance(value, date):
            value = value.isoformat()
        extra[_camel(key)] = str(value) if hasattr(value, "value") else value
    if "requestedQuantity" in extra:
        extra.pop("requestedQuantity")
    kind = _GRAPHQL_KIND_OF_IDS.get(exc.error_type)
    if kind and "ids" in extra:
        extra["graphqlIds"] = [graphql_id(kind, i) for i in extra["ids"]]
    if "discountSharePolicyId" in extra:
        extra["discountSharePolicyGraphqlId"] = graphql_id(
            "discount_share_policy", extra["discountSharePolicyId"]
        )
    if isinstance(exc, calc.DiscountSharePolicyIdDuplicatedError):
        extra["graphqlId"] = graphql_id("discount_share_policy", exc.id)
    if isinstance(exc, calc.ContractFixedAmountFeeCurrencyMismatchedError):
        extra.update(id=contract_id, graphqlId=graphql_id("contract", contract_id or ""))
    if isinstance(exc, calc.AdditionalFixedAmountFeeCurrencyMismatchedError):
        extra["graphqlId"] = graphql_id("additional_fee_policy", exc.id)
    return ApiError(exc.error_type, str(exc), exc.http_status, **extra)


# --- lookups shared by the three kinds -------------------------------------------------------


def _partner(public_id: str, *, is_for_test: bool) -> Partner:
    partner = (
        Partner.objects.select_related("default_contract")
        .filter(public_id=public_id, is_for_test=is_for_test, is_archived=False)
        .first()
    )
    if partner is None:
        raise not_found(
            "PLATFORM_PARTNER_NOT_FOUND", f"partnerId: 파트너를 찾을 수 없습니다: {public_id}"
        )
    return partner


def _check_currency(currency: str) -> None:
    if currency not in SUPPORTED_CURRENCIES:
        raise ApiError(
            "PLATFORM_CURRENCY_NOT_SUPPORTED", f"지원하지 않는 정산 통화입니다: {currency}", 400
        )


def _check_properties(properties: list[dict]) -> list[dict]:
    keys = [p["key"] for p in properties]
    known = set(UserDefinedProperty.objects.filter(key__in=keys).values_list("key", flat=True))
    unknown = sorted(set(keys) - known)
    if unknown:
        raise not_found(
            "PLATFORM_USER_DEFINED_PROPERTY_NOT_FOUND",
            f"등록되지 않은 사용자 정의 속성입니다: {', '.join(unknown)}",
        )
    return [{"key": p["key"], "value": {"string": p["value"]["string"]}} for p in properties]


def _check_parameters(parameters: dict[str, dict]) -> dict[str, dict]:
    known = set(
        SettlementParameter.objects.filter(key__in=list(parameters)).values_list("key", flat=True)
    )
    unknown = sorted(set(parameters) - known)
    if unknown:
        raise not_found(
            "PLATFORM_SETTLEMENT_PARAMETER_NOT_FOUND",
            f"등록되지 않은 정산 파라미터입니다: {', '.join(unknown)}",
        )
    return parameters


def _new_id(public_id: str | None, *, is_for_test: bool) -> str:
    if public_id and Transfer.objects.filter(public_id=public_id, is_for_test=is_for_test).exists():
        raise conflict(
            "PLATFORM_TRANSFER_ID_ALREADY_USED", f"이미 사용된 정산건 아이디입니다: {public_id}"
        )
    return public_id or str(ULID())


def _save(transfer: Transfer) -> Transfer:
    """Insert a new transfer; one created before its settlement date joins its open bucket."""
    try:
        with transaction.atomic():
            assign_open_buckets([transfer])
            transfer.save()
    except IntegrityError:  # a concurrent request took the id between the check and the insert
        raise conflict(
            "PLATFORM_TRANSFER_ID_ALREADY_USED",
            f"이미 사용된 정산건 아이디입니다: {transfer.public_id}",
        ) from None
    return transfer


def calendar() -> dates.BusinessCalendar:
    return dates.BusinessCalendar(frozenset(ClosedDay.objects.values_list("date", flat=True)))


def _initial_status(start: date | None, settlement_date: date, today: date) -> str:
    """domain.md §7.3, §12.17: SCHEDULED before the start date, SETTLED from the settlement date."""
    if settlement_date <= today and (start is None or start <= today):
        return TransferStatus.SETTLED
    if start is not None and start > today:
        return TransferStatus.SCHEDULED
    return TransferStatus.IN_PROCESS


def _version_moment(start: date) -> datetime:
    """domain.md §12.12: the version in force at max(now, start date 00:00 KST)."""
    start_at = timezone.make_aware(datetime.combine(start, time.min))
    return max(timezone.now(), start_at)


def _cycle(terms: dict[str, Any]) -> dates.SettlementCycle:
    return dates.SettlementCycle(
        lag_days=terms["lag_days"],
        date_policy=terms["date_policy"],
        method=terms["cycle_method"],
        days_of_week=tuple(terms["days_of_week"]),
        days_of_month=tuple(terms["days_of_month"]),
        manual_dates=tuple(dates.MonthDay(d["month"], d["day"]) for d in terms["manual_dates"]),
    )


def _settlement_date(
    start: date, contract_terms: dict, explicit: date | None, setting: PlatformSetting
) -> date:
    try:
        return dates.settlement_date(
            start,
            _cycle(contract_terms),
            calendar(),
            adjust_after_holiday_if_earlier=setting.adjust_settlement_date_after_holiday_if_earlier,
            explicit=explicit,
        )
    except dates.SettlementDateEarlierThanStartDateError as exc:
        raise api_error(exc) from exc


def _amount_columns(amount: calc.SettlementAmount) -> dict[str, int]:
    return {f"amount_{col}": getattr(amount, col) for col in AMOUNT_FIELDS.values()}


def amount_json(amount: calc.SettlementAmount) -> dict[str, Any]:
    out = {wire: getattr(amount, col) for wire, col in AMOUNT_FIELDS.items()}
    out["userDefinedFormulas"] = {}
    return out


# --- resolving versions ----------------------------------------------------------------------


@dataclass
class _Versions:
    terms: calc.SettlementTerms
    contract: dict[str, Any]  # wire snapshot
    discount_policies: dict[str, dict]  # id -> wire snapshot
    fee_policies: dict[str, dict]
    contract_terms: dict[str, Any]


def _resolve_versions(
    contract: Contract, share_ids: set[str], fee_ids: set[str], *, at: datetime, is_for_test: bool
) -> _Versions:
    """The contract and policy versions in force at `at`; archived or unknown policies count as
    missing (domain.md §12.13) and are reported together."""
    kinds = (policy_services.DISCOUNT_SHARE_POLICY, policy_services.ADDITIONAL_FEE_POLICY)
    found: list[dict[str, Any]] = []
    for kind, ids, error in zip(
        kinds,
        (share_ids, fee_ids),
        (calc.DiscountSharePoliciesNotFoundError, calc.AdditionalFeePoliciesNotFoundError),
        strict=True,
    ):
        entities = {
            e.public_id: e
            for e in kind.model.objects.filter(
                public_id__in=ids, is_for_test=is_for_test, is_archived=False
            )
        }
        missing = sorted(ids - set(entities))
        if missing:
            raise api_error(error(missing))
        found.append(entities)
    return versions_of(
        entity_version(policy_services.CONTRACT, contract, at),
        {pid: entity_version(kinds[0], entity, at) for pid, entity in found[0].items()},
        {pid: entity_version(kinds[1], entity, at) for pid, entity in found[1].items()},
    )


@dataclass(frozen=True)
class EntityVersion:
    """One contract or policy version: its calculation terms, wire snapshot and raw terms."""

    calc_terms: Any
    wire: dict[str, Any]
    terms: dict[str, Any]


def entity_version(kind: versioning.Kind, entity: Any, at: datetime) -> EntityVersion:
    terms, applied = versioning.terms_at(kind, entity, at)
    if kind is policy_services.CONTRACT:
        return EntityVersion(
            calc.ContractTerms(
                _fee(terms), terms["platform_fee_vat_payer"], terms["subtract_payment_vat_amount"]
            ),
            contract_json(entity, terms, applied),
            terms,
        )
    if kind is policy_services.DISCOUNT_SHARE_POLICY:
        return EntityVersion(
            calc.DiscountSharePolicyTerms(terms["partner_share_rate"]),
            discount_share_policy_json(entity, terms, applied),
            terms,
        )
    return EntityVersion(
        calc.AdditionalFeePolicyTerms(_fee(terms), terms["vat_payer"]),
        additional_fee_policy_json(entity, terms, applied),
        terms,
    )


def versions_of(
    contract: EntityVersion, shares: dict[str, EntityVersion], fees: dict[str, EntityVersion]
) -> _Versions:
    return _Versions(
        terms=calc.SettlementTerms(
            contract=contract.calc_terms,
            discount_share_policies={pid: v.calc_terms for pid, v in shares.items()},
            additional_fee_policies={pid: v.calc_terms for pid, v in fees.items()},
        ),
        contract=contract.wire,
        discount_policies={pid: v.wire for pid, v in shares.items()},
        fee_policies={pid: v.wire for pid, v in fees.items()},
        contract_terms=dict(contract.terms),
    )


def _fee(terms: dict[str, Any]) -> calc.Fee:
    return calc.Fee(terms["fee_type"], rate=terms["fee_rate"], amount=terms["fee_amount"])


# --- output snapshot of the computed parts ---------------------------------------------------


def _discount_json(d: calc.DiscountSettlement, policies: dict[str, dict]) -> dict:
    return {
        "sharePolicy": policies[d.share_policy_id],
        "amount": d.amount,
        "taxFreeAmount": d.tax_free_amount,
        "shareAmount": d.share_amount,
        "shareTaxFreeAmount": d.share_tax_free_amount,
    }


def _fee_json(f: calc.AdditionalFeeSettlement, policies: dict[str, dict]) -> dict:
    return {"policy": policies[f.policy_id], "amount": f.amount, "vat": f.vat}


def _product_json(p: calc.Product) -> dict:
    out = {"id": p.id, "name": p.name, "amount": p.amount, "taxFreeAmount": p.tax_free_amount}
    if p.tag is not None:
        out["tag"] = p.tag
    return out


def _computed_snapshot(result: calc.OrderSettlement, versions: _Versions) -> dict:
    return {
        "orderLines": [
            {
                "product": _product_json(line.product),
                "quantity": line.quantity,
                "discounts": [
                    _discount_json(d, versions.discount_policies) for d in line.discounts
                ],
                "additionalFees": [
                    _fee_json(f, versions.fee_policies) for f in line.additional_fees
                ],
                "amount": amount_json(line.amount),
            }
            for line in result.order_lines
        ],
        "discounts": [_discount_json(d, versions.discount_policies) for d in result.discounts],
        "additionalFees": [_fee_json(f, versions.fee_policies) for f in result.additional_fees],
        "amount": amount_json(result.amount),
    }


# --- payments --------------------------------------------------------------------------------


def _external_payment(payment_id: str, detail: dict, *, is_for_test: bool) -> Payment:
    payment, _ = Payment.objects.update_or_create(
        is_for_test=is_for_test,
        kind=Payment.Kind.EXTERNAL,
        public_id=payment_id,
        defaults={
            "source": Payment.Source.API,
            "currency": detail["currency"],
            "order_name": detail.get("orderName") or "",
            "paid_at": detail.get("paidAt"),
            "method": detail.get("method"),
        },
    )
    return payment


def _check_payment_caps(payment: Payment, result: calc.OrderSettlement) -> None:
    """domain.md §7.4, §12.15: ORDER transfers of a PortOne payment never exceed what was paid."""
    if payment.kind != Payment.Kind.PORT_ONE or payment.total_amount is None:
        return
    registered = Transfer.objects.filter(payment=payment, type=TransferType.ORDER).aggregate(
        payment=Sum("amount_payment"), tax_free=Sum("amount_payment_tax_free")
    )
    error = payment_cap_error(
        payment, registered["payment"] or 0, registered["tax_free"] or 0, result.amount
    )
    if error is not None:
        raise error


def payment_cap_error(
    payment: Payment, reg_total: int, reg_tax_free: int, new: calc.SettlementAmount
) -> ApiError | None:
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
    for type_, registered_amount, requested, paid in checks:
        if registered_amount + requested > paid:
            return ApiError(
                type_,
                f"정산 금액 합계가 포트원 결제 금액을 넘습니다: {registered_amount} + "
                f"{requested} > {paid}",
                400,
                registeredSettlementPaymentAmount=registered_amount,
                requestSettlementPaymentAmount=requested,
                portOnePaymentAmount=paid,
            )
    return None


# --- ORDER -----------------------------------------------------------------------------------


@transaction.atomic
def order_transfer_create(*, is_for_test: bool, data: dict[str, Any]) -> Transfer:
    """`data`: partner_id, payment_id, order (calc.Order), contract_id?, settlement_start_date?,
    settlement_date?, external_payment?, memo?, parameters, user_defined_properties, id?."""
    partner = _partner(data["partner_id"], is_for_test=is_for_test)
    contract_id = data.get("contract_id") or partner.default_contract.public_id
    contract = Contract.objects.filter(
        public_id=contract_id, is_for_test=is_for_test, is_archived=False
    ).first()
    if contract is None:
        raise not_found(
            "PLATFORM_CONTRACT_NOT_FOUND", f"contractId: 계약을 찾을 수 없습니다: {contract_id}"
        )
    properties = _check_properties(data.get("user_defined_properties") or [])
    parameters = _check_parameters(data.get("parameters") or {})
    public_id = _new_id(data.get("id"), is_for_test=is_for_test)
    order: calc.Order = data["order"]
    share_ids = {d.share_policy_id for d in order.all_discounts()}
    fee_ids = {f.policy_id for f in order.additional_fees} | {
        f.policy_id for line in order.lines for f in line.additional_fees
    }

    if data.get("external_payment") is not None:
        _check_currency(data["external_payment"]["currency"])
        payment = _external_payment(
            data["payment_id"], data["external_payment"], is_for_test=is_for_test
        )
    else:
        try:
            payment = find_portone_payment(data["payment_id"], is_for_test=is_for_test)
        except PaymentResolverError as exc:  # PortOne unreachable or garbled: retry later (§11)
            raise ApiError("PLATFORM_EXTERNAL_API_FAILED", exc.message, 503) from exc
        if payment is None:
            raise not_found(
                "PLATFORM_PAYMENT_NOT_FOUND",
                f"paymentId: 포트원 결제를 찾을 수 없습니다: {data['payment_id']}",
            )
    currency = payment.currency
    _check_currency(currency)

    today = timezone.localdate()
    start = data.get("settlement_start_date") or (
        timezone.localdate(payment.paid_at) if payment.paid_at else today
    )
    versions = _resolve_versions(
        contract, share_ids, fee_ids, at=_version_moment(start), is_for_test=is_for_test
    )
    try:
        result = calc.calculate_order(order, versions.terms, currency=currency)
    except calc.CalculationError as exc:
        raise api_error(exc, contract_id=contract.public_id) from exc
    setting = PlatformSetting.for_mode(is_for_test=is_for_test)
    settlement_date = _settlement_date(
        start, versions.contract_terms, data.get("settlement_date"), setting
    )

    # Serialise concurrent transfers of one payment: caps and duplicates are checked under lock.
    Payment.objects.select_for_update().filter(pk=payment.pk).first()
    _check_payment_caps(payment, result)
    if not setting.supports_multiple_order_transfers_per_partner:
        existing = Transfer.objects.filter(
            type=TransferType.ORDER, partner=partner, payment=payment
        ).first()
        if existing is not None:
            raise conflict(
                "PLATFORM_TRANSFER_ALREADY_EXISTS",
                f"이 결제와 파트너의 주문 정산건이 이미 있습니다: {existing.public_id}",
                transferId=existing.public_id,
                transferGraphqlId=graphql_id("transfer", existing.public_id),
            )

    snapshot = {
        "contract": versions.contract,
        "payment": payment_json(payment),
        **_computed_snapshot(result, versions),
    }
    transfer = Transfer(
        public_id=public_id,
        is_for_test=is_for_test,
        type=TransferType.ORDER,
        status=_initial_status(start, settlement_date, today),
        partner=partner,
        contract=contract,
        settlement_start_date=start,
        settlement_date=settlement_date,
        settlement_date_explicit=data.get("settlement_date") is not None,
        settlement_currency=currency,
        memo=data.get("memo"),
        user_defined_properties=properties,
        parameters=parameters,
        payment=payment,
        payment_public_id=payment.public_id,
        snapshot=snapshot,
        calc_input={
            "order": codec.to_json(order),
            "terms": codec.terms_to_json(versions.terms),
            "currency": currency,
        },
        **_amount_columns(result.amount),
    )
    return _after_create(_save(transfer))


def _after_create(transfer: Transfer) -> Transfer:
    """A transfer that is already SETTLED joins its partner settlement at once (§8.1)."""
    if transfer.status == TransferStatus.SETTLED:
        gather_now_for([transfer.pk])
        transfer.refresh_from_db()
    return transfer


# --- ORDER_CANCEL ----------------------------------------------------------------------------


def _original(data: dict[str, Any], *, is_for_test: bool) -> Transfer:
    qs = Transfer.objects.select_for_update().filter(
        is_for_test=is_for_test, type=TransferType.ORDER
    )
    if data.get("transfer_id"):
        original = qs.filter(public_id=data["transfer_id"]).first()
        if original is None:
            raise not_found(
                "PLATFORM_TRANSFER_NOT_FOUND",
                f"transferId: 주문 정산건을 찾을 수 없습니다: {data['transfer_id']}",
            )
        return original
    if not (data.get("partner_id") and data.get("payment_id")):
        raise invalid_request("transferId 또는 partnerId와 paymentId가 필요합니다.")
    candidates = list(
        qs.filter(partner__public_id=data["partner_id"], payment_public_id=data["payment_id"])[:2]
    )
    if not candidates:
        raise not_found(
            "PLATFORM_TRANSFER_NOT_FOUND", "해당 파트너와 결제의 주문 정산건이 없습니다."
        )
    if len(candidates) > 1:
        raise invalid_request_type(
            "PLATFORM_CANNOT_SPECIFY_TRANSFER",
            "주문 정산건이 여러 개입니다. transferId로 지정하세요.",
        )
    return candidates[0]


def invalid_request_type(type_: str, message: str) -> ApiError:
    return ApiError(type_, message, 400)


def _prior_cancellations(original: Transfer) -> list[calc.Cancellation]:
    cancels = original.cancel_transfers.order_by("created_at", "id").values_list(
        "calc_input", flat=True
    )
    return [codec.cancellation_from_json(c["cancellation"]) for c in cancels]


def _check_cancel_caps(
    payment: Payment, cancellation_id: str, amount: calc.SettlementAmount, original: Transfer
) -> None:
    """domain.md §12.15: cancels of one PortOne cancellation never exceed its amount."""
    if payment.kind != Payment.Kind.PORT_ONE:
        return
    cancel = PaymentCancellation.objects.filter(
        payment=payment, cancellation_id=cancellation_id
    ).first()
    if cancel is None:
        raise not_found(
            "PLATFORM_CANCELLATION_NOT_FOUND",
            f"cancellationId: 포트원 결제 취소를 찾을 수 없습니다: {cancellation_id}",
        )
    if cancel.total_amount is None:
        return
    registered = Transfer.objects.filter(
        payment=payment, type=TransferType.ORDER_CANCEL, cancellation_id=cancellation_id
    ).aggregate(payment=Sum("amount_payment"), tax_free=Sum("amount_payment_tax_free"))
    reg_total, reg_tax_free = registered["payment"] or 0, registered["tax_free"] or 0
    cancel_tax_free = cancel.tax_free_amount or 0
    for amount_type, reg, requested, allowed in (
        (
            "SUPPLY_WITH_VAT",
            reg_total - reg_tax_free,
            amount.payment - amount.payment_tax_free,
            cancel.total_amount - cancel_tax_free,
        ),
        ("TAX_FREE", reg_tax_free, amount.payment_tax_free, cancel_tax_free),
    ):
        if reg + requested > allowed:
            raise ApiError(
                "PLATFORM_SETTLEMENT_CANCEL_AMOUNT_EXCEEDED_PORT_ONE_CANCEL",
                f"취소 정산 금액이 포트원 취소 금액을 넘습니다 ({amount_type}): "
                f"{reg} + {requested} > {allowed}",
                400,
                registeredSettlementCancelAmount=reg,
                requestSettlementCancelAmount=requested,
                portOneCancelAmount=allowed,
                amountType=amount_type,
            )


@transaction.atomic
def order_cancel_transfer_create(*, is_for_test: bool, data: dict[str, Any]) -> Transfer:
    """`data`: transfer_id? | (partner_id, payment_id), cancellation_id, cancellation
    (calc.Cancellation), settlement_start_date?, settlement_date?, external_cancellation?,
    memo?, user_defined_properties, id?."""
    original = _original(data, is_for_test=is_for_test)
    payment = original.payment
    external = data.get("external_cancellation")
    if payment.kind == Payment.Kind.PORT_ONE and external is not None:
        raise invalid_request_type(
            "PLATFORM_CANCELLATION_AND_PAYMENT_TYPE_MISMATCHED",
            "포트원 결제의 취소에는 externalCancellationDetail을 쓸 수 없습니다.",
        )
    properties = _check_properties(data.get("user_defined_properties") or [])
    public_id = _new_id(data.get("id"), is_for_test=is_for_test)
    duplicate = original.cancel_transfers.filter(cancellation_id=data["cancellation_id"]).first()
    if duplicate is not None:
        raise conflict(
            "PLATFORM_TRANSFER_ALREADY_EXISTS",
            f"이 취소의 정산건이 이미 있습니다: {duplicate.public_id}",
            transferId=duplicate.public_id,
            transferGraphqlId=graphql_id("transfer", duplicate.public_id),
        )

    terms = codec.terms_from_json(original.calc_input["terms"])
    cancellation: calc.Cancellation = data["cancellation"]
    try:
        remaining = calc.remaining_order(
            codec.order_from_json(original.calc_input["order"]), _prior_cancellations(original)
        )
        result = calc.calculate_cancellation(
            remaining, cancellation, terms, currency=original.settlement_currency
        )
    except calc.CalculationError as exc:
        raise api_error(exc) from exc

    cancelled_at = (external or {}).get("cancelledAt")
    if payment.kind == Payment.Kind.PORT_ONE:
        _check_cancel_caps(payment, data["cancellation_id"], result.cancel.amount, original)
        cancelled_at = PaymentCancellation.objects.get(
            payment=payment, cancellation_id=data["cancellation_id"]
        ).cancelled_at
    today = timezone.localdate()
    # domain.md §3.3 / §12.16: start = cancelledAt (KST) unless given, else today.
    start = data.get("settlement_start_date") or (
        timezone.localdate(cancelled_at) if cancelled_at else today
    )
    contract_terms = _contract_terms_from_snapshot(original)
    setting = PlatformSetting.for_mode(is_for_test=is_for_test)
    settlement_date = _settlement_date(start, contract_terms, data.get("settlement_date"), setting)

    versions = _Versions(
        terms=terms,
        contract=original.snapshot["contract"],
        discount_policies=_policies_from_snapshot(original, "discounts", "sharePolicy"),
        fee_policies=_policies_from_snapshot(original, "additionalFees", "policy"),
        contract_terms=contract_terms,
    )
    snapshot = {
        "contract": original.snapshot["contract"],
        "payment": original.snapshot["payment"],
        "cancellation": {
            "id": data["cancellation_id"],
            "cancelledAt": cancelled_at or timezone.now(),
        },
        **_computed_snapshot(result.cancel, versions),
    }
    from core.api.wire import drop_none

    transfer = Transfer(
        public_id=public_id,
        is_for_test=is_for_test,
        type=TransferType.ORDER_CANCEL,
        status=_initial_status(start, settlement_date, today),
        partner=original.partner,
        contract=original.contract,
        settlement_start_date=start,
        settlement_date=settlement_date,
        settlement_date_explicit=data.get("settlement_date") is not None,
        settlement_currency=original.settlement_currency,
        memo=data.get("memo"),
        user_defined_properties=properties,
        parameters=original.parameters,
        payment=payment,
        payment_public_id=original.payment_public_id,
        original=original,
        cancellation_id=data["cancellation_id"],
        cancelled_at=cancelled_at,
        snapshot=drop_none(snapshot),
        calc_input={"cancellation": codec.to_json(cancellation)},
        **_amount_columns(result.cancel.amount),
    )
    return _after_create(_save(transfer))


def _contract_terms_from_snapshot(original: Transfer) -> dict[str, Any]:
    """The original's contract version (its cycle decides the cancel's settlement date)."""
    cycle = original.snapshot["contract"]["settlementCycle"]
    method = cycle["method"]
    return {
        "lag_days": cycle["lagDays"],
        "date_policy": cycle["datePolicy"],
        "cycle_method": method["type"],
        "days_of_week": method.get("daysOfWeek", []),
        "days_of_month": method.get("daysOfMonth", []),
        "manual_dates": method.get("dates", []),
    }


def _policies_from_snapshot(original: Transfer, key: str, policy_key: str) -> dict[str, dict]:
    entries = list(original.snapshot.get(key, []))
    for line in original.snapshot.get("orderLines", []):
        entries += line.get(key, [])
    return {e[policy_key]["id"]: e[policy_key] for e in entries}


# --- MANUAL ----------------------------------------------------------------------------------


@transaction.atomic
def manual_transfer_create(*, is_for_test: bool, data: dict[str, Any]) -> Transfer:
    """`data`: partner_id, settlement_amount, settlement_date, settlement_tax_free_amount?,
    settlement_currency?, memo?, user_defined_properties, id?. Negative amounts adjust."""
    partner = _partner(data["partner_id"], is_for_test=is_for_test)
    currency = data.get("settlement_currency") or "KRW"
    _check_currency(currency)
    amount, tax_free = data["settlement_amount"], data.get("settlement_tax_free_amount") or 0
    if tax_free and (abs(tax_free) > abs(amount) or (tax_free > 0) != (amount > 0)):
        raise invalid_request(
            "settlementTaxFreeAmount: 정산금액과 같은 부호이고 절댓값이 정산금액 이하여야 합니다."
        )
    properties = _check_properties(data.get("user_defined_properties") or [])
    public_id = _new_id(data.get("id"), is_for_test=is_for_test)
    today = timezone.localdate()
    transfer = Transfer(
        public_id=public_id,
        is_for_test=is_for_test,
        type=TransferType.MANUAL,
        status=_initial_status(None, data["settlement_date"], today),
        partner=partner,
        settlement_date=data["settlement_date"],
        settlement_date_explicit=True,
        settlement_currency=currency,
        memo=data.get("memo"),
        user_defined_properties=properties,
        amount_settlement=amount,
        amount_settlement_tax_free=tax_free,
    )
    return _after_create(_save(transfer))


def manual_transfers_create(*, is_for_test: bool, rows: list[dict[str, Any]]) -> list[Transfer]:
    """Bulk manual transfers (files): all or nothing, validated together, then bulk inserted."""
    with transaction.atomic():
        partners = {
            p.public_id: p
            for p in Partner.objects.filter(
                is_for_test=is_for_test,
                is_archived=False,
                public_id__in={r["partner_id"] for r in rows},
            )
        }
        missing = sorted({r["partner_id"] for r in rows} - set(partners))
        if missing:
            raise not_found(
                "PLATFORM_PARTNER_NOT_FOUND",
                f"파트너를 찾을 수 없습니다: {', '.join(missing[:20])}",
            )
        today = timezone.localdate()
        transfers = []
        for row in rows:
            currency = row.get("settlement_currency") or "KRW"
            _check_currency(currency)
            transfers.append(
                Transfer(
                    public_id=row.get("id") or str(ULID()),
                    is_for_test=is_for_test,
                    type=TransferType.MANUAL,
                    status=_initial_status(None, row["settlement_date"], today),
                    partner=partners[row["partner_id"]],
                    settlement_date=row["settlement_date"],
                    settlement_date_explicit=True,
                    settlement_currency=currency,
                    memo=row.get("memo"),
                    user_defined_properties=[],
                    amount_settlement=row["settlement_amount"],
                    amount_settlement_tax_free=row.get("settlement_tax_free_amount") or 0,
                )
            )
        # Mostly dated today or earlier (SETTLED at once): into their buckets under the
        # exclusive lock, and gathered right after the insert.
        assign_open_buckets(transfers, settled_too=True)
        try:
            with transaction.atomic():
                created = Transfer.objects.bulk_create(transfers, batch_size=2000)
        except IntegrityError:
            raise conflict(
                "PLATFORM_TRANSFER_ID_ALREADY_USED", "이미 사용된 정산건 아이디가 있습니다."
            ) from None
        gather_created(created)
        return created


# --- reads and deletion ----------------------------------------------------------------------


def transfer_get(*, public_id: str, is_for_test: bool) -> Transfer:
    transfer = (
        Transfer.objects.select_related("partner__default_contract", "partner_settlement")
        .filter(public_id=public_id, is_for_test=is_for_test)
        .first()
    )
    if transfer is None:
        raise not_found("PLATFORM_TRANSFER_NOT_FOUND", f"정산건을 찾을 수 없습니다: {public_id}")
    return transfer


DELETABLE_TRANSFER_STATUSES = (TransferStatus.SCHEDULED, TransferStatus.IN_PROCESS)


@transaction.atomic
def transfer_delete(*, public_id: str, is_for_test: bool) -> None:
    """domain.md §7.8: SCHEDULED / IN_PROCESS, or SETTLED while its partner settlement may still
    be deleted (then that settlement is recomputed)."""
    lock_partner_settlements()  # a concurrent payout must not take the settlement meanwhile
    transfer = (
        Transfer.objects.select_for_update(of=("self",))
        .select_related("partner_settlement")
        .filter(public_id=public_id, is_for_test=is_for_test)
        .first()
    )
    if transfer is None:
        raise not_found("PLATFORM_TRANSFER_NOT_FOUND", f"정산건을 찾을 수 없습니다: {public_id}")
    if transfer.type == TransferType.ORDER and transfer.cancel_transfers.exists():
        raise invalid_request_type(
            "PLATFORM_CANCEL_ORDER_TRANSFERS_EXISTS",
            "취소 정산건이 있는 주문 정산건은 삭제할 수 없습니다.",
        )
    settlement: PartnerSettlement | None = transfer.partner_settlement
    from settlements.models import DELETABLE_SETTLEMENT_STATUSES, OPEN_BUCKET_STATUS

    status = transfer.current_status
    deletable = status in DELETABLE_TRANSFER_STATUSES or (
        status == TransferStatus.SETTLED
        and (
            settlement is None  # not gathered yet
            or settlement.status == OPEN_BUCKET_STATUS
            or settlement.status in DELETABLE_SETTLEMENT_STATUSES
        )
    )
    if not deletable:
        raise invalid_request_type(
            "PLATFORM_TRANSFER_NON_DELETABLE_STATUS",
            f"삭제할 수 없는 상태입니다: {transfer.get_current_status_display()}",
        )
    transfer.delete()
    if settlement is not None:
        partner_settlements_recompute([settlement.pk])


# --- provisional transfers -------------------------------------------------------------------


def scheduled_transfers_recompute(*, today: date | None = None) -> int:
    """domain.md §12.12: a SCHEDULED order transfer's amounts and date are provisional; when its
    start date comes they are recomputed with the contract and policy versions in force then, and
    frozen from IN_PROCESS on. Call before the status advance.

    Skipped (kept as computed) when a cancel already references the transfer, since the cancel
    used the original terms, or when a policy it used has been archived since (§12.13).
    """
    today = today or timezone.localdate()
    due = Transfer.objects.filter(
        type=TransferType.ORDER,
        status=TransferStatus.SCHEDULED,
        settlement_start_date__lte=today,
        cancel_transfers__isnull=True,
    ).values_list("pk", flat=True)
    recomputed = 0
    for pk in list(due):
        with transaction.atomic():
            transfer = (
                Transfer.objects.select_for_update(of=("self",))
                .select_related("contract")
                .filter(pk=pk, status=TransferStatus.SCHEDULED)
                .first()
            )
            if transfer is not None and _recompute(transfer):
                recomputed += 1
    return recomputed


def _recompute(transfer: Transfer) -> bool:
    order = codec.order_from_json(transfer.calc_input["order"])
    share_ids = {d.share_policy_id for d in order.all_discounts()}
    fee_ids = {f.policy_id for f in order.additional_fees} | {
        f.policy_id for line in order.lines for f in line.additional_fees
    }
    start = transfer.settlement_start_date
    try:
        versions = _resolve_versions(
            transfer.contract,
            share_ids,
            fee_ids,
            at=_version_moment(start),
            is_for_test=transfer.is_for_test,
        )
        result = calc.calculate_order(order, versions.terms, currency=transfer.settlement_currency)
    except (ApiError, calc.CalculationError):
        return False
    if not transfer.settlement_date_explicit:
        setting = PlatformSetting.for_mode(is_for_test=transfer.is_for_test)
        settlement_date = _settlement_date(start, versions.contract_terms, None, setting)
        if settlement_date != transfer.settlement_date:
            # Another date is another aggregation key: move to that key's open bucket (the old
            # one, if left empty, is dropped when its day is gathered).
            transfer.settlement_date = settlement_date
            transfer.partner_settlement_id = None
            assign_open_buckets([transfer])
    transfer.snapshot = {
        "contract": versions.contract,
        "payment": transfer.snapshot["payment"],
        **_computed_snapshot(result, versions),
    }
    transfer.calc_input = {**transfer.calc_input, "terms": codec.terms_to_json(versions.terms)}
    for column, value in _amount_columns(result.amount).items():
        setattr(transfer, column, value)
    transfer.save()
    return True
