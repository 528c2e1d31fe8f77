"""Bulk payouts (일괄 지급): preview, create, approve, start (now or scheduled), cancel, stop
(docs/payouts.md#bulk-payouts). Sending is the runner's (payouts/services/runner.py).

Concurrency: every state change locks the bulk payout row first (select_for_update) and checks
its status under that lock, so two starts give one run; starting reserves the total under the
payout account's lock (ledger.reserve), so two bulk payouts cannot spend the same balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from core.errors import Conflict, DomainError, Forbidden, Invalid, Kind, NotFound, invalid
from core.outbound import events as webhook_events
from core.outbound.services import emit_for as emit_webhook_for
from partners.models import AccountStatus
from payouts.domain.amounts import PayoutAmount, calculate_payout
from payouts.models import (
    AccountTransfer,
    AccountTransferStatus,
    AccountTransferType,
    BulkAccountTransfer,
    BulkAccountTransferStatus,
    BulkPayout,
    BulkPayoutStatus,
    Payout,
    PayoutMethod,
    PayoutSettlement,
    PayoutStatus,
    WithdrawalType,
)
from payouts.selectors import BULK_PAYOUT_ID_MAX_LENGTH, bulk_payout_settlement_ids
from payouts.services import ledger
from payouts.services.finalize import bulk_payout_finalize
from payouts.services.selection import PayoutGroup, Selection, check_ids, select_payable
from payouts.services.transitions import (
    bulk_payouts_changed,
    follow,
    give_back,
    settlements_changed,
)
from policies.models import PlatformSetting
from settlements.models import (
    PAYABLE_SETTLEMENT_STATUSES,
    PartnerSettlement,
    PartnerSettlementStatus,
)
from settlements.services.buckets import lock_partner_settlements
from settlements.services.gather import record_history
from settlements.services.partner_settlements import settlements_refusal

KRW = "KRW"
SCHEDULE_SLOT_MINUTES = 10
MAINTENANCE_FROM = time(22, 50)  # 은행 점검: nothing scheduled from 22:50 ...
MAINTENANCE_UNTIL = time(1, 0)  # ... until 01:00 KST
MAX_SCHEDULED = 10


# --- who ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user ("user:<pk>") or an API secret ("secret:<pk>"). Maker-checker
    compares ids."""

    id: str
    name: str


SYSTEM = Actor("system", "시스템")


def actor_of(principal) -> Actor:
    """`request.user` of the admin (a User) or of the API (core.models.ApiPrincipal)."""
    secret = getattr(principal, "secret", None)
    if secret is not None:
        return Actor(f"secret:{secret.pk}", secret.name)
    if principal is not None and getattr(principal, "pk", None) is not None:
        return Actor(f"user:{principal.pk}", principal.get_username())
    return SYSTEM


# --- preview ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewLine:
    """One future payout."""

    partner_pk: int
    partner_id: str
    partner_name: str
    partner_type: str
    taxation_type: str | None
    currency: str
    settlement_count: int
    net_settlement: int
    net_settlement_tax_free: int
    amounts: PayoutAmount
    bank: str
    account_number_masked: str
    account_holder: str
    account_status: str
    account_verified: bool  # False: the holder check failed or is pending (flagged, not refused)


@dataclass(frozen=True)
class PreviewTotal:
    currency: str
    payout_count: int
    settlement_count: int
    settlement_amount: int
    supply_amount: int
    vat_amount: int
    tax_free_amount: int
    income_tax_amount: int
    local_income_tax_amount: int
    amount: int  # to pay


@dataclass(frozen=True)
class BulkPayoutPreview:
    lines: list[PreviewLine]
    totals: list[PreviewTotal]  # per currency, KRW first
    balance: ledger.Balances  # the KRW payout account
    recommended_deposit: int  # max(0, KRW total (+ fees) − available balance); AGENCY only
    settlement_amount_type: str
    deduct_wht: bool
    requires_approval: bool
    unverified_account_count: int


def _amounts(group: PayoutGroup, setting: PlatformSetting) -> PayoutAmount:
    partner = group.partner
    return calculate_payout(
        net_settlement=group.net_settlement,
        net_settlement_tax_free=group.net_settlement_tax_free,
        partner_type=partner.partner_type,
        taxation_type=partner.taxation_type or None,
        settlement_amount_type=setting.settlement_amount_type,
        deduct_wht=setting.deduct_wht,
        currency=group.currency,
    )


def _check_method(groups: list[PayoutGroup], method: str) -> None:
    if method not in PayoutMethod.values:
        raise invalid(f"method: AGENCY 또는 DIRECT여야 합니다 ({method}).")
    if method == PayoutMethod.AGENCY:
        foreign = sorted({g.currency for g in groups if g.currency != KRW})
        if foreign:
            raise invalid(
                "송금대행(AGENCY)은 원화(KRW)만 지급할 수 있습니다: "
                f"{', '.join(foreign)} 정산은 직접 지급(DIRECT)이나 지급 완료 처리로 처리하세요."
            )


def _fee() -> int:
    return int(getattr(settings, "PAYOUT_BANK_FEE", 0))


def _threshold() -> int:
    return int(getattr(settings, "PAYOUT_APPROVAL_THRESHOLD", 10_000_000))


def bulk_payout_preview(
    selection: Selection, *, method: str = PayoutMethod.AGENCY
) -> BulkPayoutPreview:
    """What `bulk_payout_create` would make of this selection, without writing anything: the
    same checks and refusals, per partner × currency the net, supply/VAT/tax-free, withholding
    and amount to pay, the totals, the balance and the deposit still missing."""
    groups = select_payable(selection, lock=False)
    _check_method(groups, method)
    setting = PlatformSetting.for_mode(is_for_test=selection.is_for_test)
    lines = []
    for g in groups:
        p = g.partner
        lines.append(
            PreviewLine(
                partner_pk=p.pk,
                partner_id=p.public_id,
                partner_name=p.name,
                partner_type=p.partner_type,
                taxation_type=p.taxation_type,
                currency=g.currency,
                settlement_count=len(g.settlements),
                net_settlement=g.net_settlement,
                net_settlement_tax_free=g.net_settlement_tax_free,
                amounts=_amounts(g, setting),
                bank=p.bank,
                account_number_masked=p.masked_account_number,
                account_holder=p.account_holder,
                account_status=p.account_status,
                account_verified=p.account_status == AccountStatus.VERIFIED,
            )
        )
    totals = []
    for currency in sorted({line.currency for line in lines}, key=lambda c: (c != KRW, c)):
        mine = [line for line in lines if line.currency == currency]
        totals.append(
            PreviewTotal(
                currency=currency,
                payout_count=len(mine),
                settlement_count=sum(line.settlement_count for line in mine),
                settlement_amount=sum(line.amounts.settlement_amount for line in mine),
                supply_amount=sum(line.amounts.supply_amount for line in mine),
                vat_amount=sum(line.amounts.vat_amount for line in mine),
                tax_free_amount=sum(line.amounts.tax_free_amount for line in mine),
                income_tax_amount=sum(line.amounts.income_tax_amount for line in mine),
                local_income_tax_amount=sum(line.amounts.local_income_tax_amount for line in mine),
                amount=sum(line.amounts.amount for line in mine),
            )
        )
    balance = ledger.balances(selection.is_for_test)
    krw = next((t for t in totals if t.currency == KRW), None)
    need = (krw.amount + _fee() * krw.payout_count) if krw else 0
    recommended = max(0, need - balance.available) if method == PayoutMethod.AGENCY else 0
    return BulkPayoutPreview(
        lines=lines,
        totals=totals,
        balance=balance,
        recommended_deposit=recommended,
        settlement_amount_type=setting.settlement_amount_type,
        deduct_wht=setting.deduct_wht,
        requires_approval=(krw.amount if krw else 0) > _threshold(),
        unverified_account_count=sum(1 for line in lines if not line.account_verified),
    )


# --- create -------------------------------------------------------------------------------------


def payout_bank_key(payout: Payout) -> str:
    """The idempotency key every bank call about this payout carries: derived from the payout,
    so a resend can never become a second transfer."""
    return f"{'test' if payout.is_for_test else 'live'}-payout-{payout.public_id}"


def bulk_payout_id_taken(public_id: str, *, is_for_test: bool) -> bool:
    return (
        BulkPayout.objects.filter(is_for_test=is_for_test, public_id=public_id).exists()
        or bulk_payout_settlement_ids(public_id, is_for_test=is_for_test).exists()
    )


def build_payouts(
    bulk: BulkPayout,
    groups: list[PayoutGroup],
    setting: PlatformSetting,
    *,
    status: str,
    now: datetime,
) -> list[Payout]:
    """The payouts of `bulk` (one per partner × currency, amounts and account snapshotted) and
    their links; refuses, as NON_PAYABLE, a settlement that a live payout already holds (the
    partial unique constraint decides)."""
    payouts = []
    for g in groups:
        p = g.partner
        a = _amounts(g, setting)
        payout = Payout(
            is_for_test=bulk.is_for_test,
            bulk_payout=bulk,
            partner=p,
            method=bulk.method,
            status=status,
            status_updated_at=now,
            currency=g.currency,
            amount=a.amount,
            supply_amount=a.supply_amount,
            tax_free_amount=a.tax_free_amount,
            vat_amount=a.vat_amount,
            settlement_amount=a.settlement_amount,
            settlement_tax_free_amount=a.settlement_tax_free_amount,
            income_tax_amount=a.income_tax_amount,
            local_income_tax_amount=a.local_income_tax_amount,
            deduct_wht=setting.deduct_wht,
            settlement_amount_type=setting.settlement_amount_type,
            partner_name=p.name,
            partner_type=p.partner_type,
            partner_taxation_type=p.taxation_type,
            account_bank=p.bank,
            account_number=p.account_number,
            account_number_last4="".join(c for c in p.account_number or "" if c.isdigit())[-4:],
            account_holder=p.account_holder,
            account_status=p.account_status,
            account_verified=p.account_status == AccountStatus.VERIFIED,
            withdrawal_memo=bulk.withdrawal_memo,
            deposit_memo=bulk.deposit_memo,
            partner_settlement_count=len(g.settlements),
        )
        payout.bank_idempotency_key = payout_bank_key(payout)
        payouts.append(payout)
    Payout.objects.bulk_create(payouts, batch_size=1000)
    emit_webhook_for(  # docs/webhooks.md#events
        webhook_events.PAYOUT_CREATED, Payout, [p.pk for p in payouts], entity="payout"
    )
    links = [
        PayoutSettlement(payout=payout, partner_settlement=s, previous_status=s.status)
        for payout, g in zip(payouts, groups, strict=True)
        for s in g.settlements
    ]
    try:
        with transaction.atomic():
            PayoutSettlement.objects.bulk_create(links, batch_size=2000)
    except IntegrityError:
        raise settlements_refusal(
            "PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS",
            "다른 지급에 이미 포함된 정산 내역이 있습니다",
            Kind.INVALID,
            [s.public_id for g in groups for s in g.settlements],
        ) from None
    return payouts


def claim_settlements(groups: list[PayoutGroup], status: str, now: datetime) -> list[int]:
    """Payable -> `status`, in one conditional UPDATE; refuses if any was taken meanwhile."""
    pks = [s.pk for g in groups for s in g.settlements]
    claimed = PartnerSettlement.objects.filter(
        pk__in=pks, status__in=PAYABLE_SETTLEMENT_STATUSES
    ).update(status=status, status_updated_at=now, updated_at=now)
    settlements_changed(pks)
    if claimed != len(pks):  # only possible for a writer that skipped the lock
        raise settlements_refusal(
            "PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS",
            "다른 요청이 먼저 지급 처리한 정산 내역이 있습니다",
            Kind.INVALID,
            [s.public_id for g in groups for s in g.settlements],
        )
    return pks


@transaction.atomic
def bulk_payout_create(
    *,
    selection: Selection,
    name: str,
    actor: Actor,
    method: str = PayoutMethod.AGENCY,
    public_id: str | None = None,
    memo: str | None = None,
    withdrawal_memo: str | None = None,
    deposit_memo: str | None = None,
    background: bool = False,
) -> BulkPayout:
    """일괄 지급 만들기: PREPARED, its payouts PREPARED, the settlements CONFIRMED. With
    `background` (ids only; the admin's large selections): PREPARING at once, built by
    `bulk_payout_prepare` in a django-q2 task.

    Refusals: those of the selection (payouts.services.selection), in its order, with the bulk
    payout id checked between the ids' shape and their lookup, as complete-payout does
    (PLATFORM_BULK_PAYOUT_ID_ALREADY_EXISTS, 409); AGENCY with a foreign currency."""
    is_for_test = selection.is_for_test
    if not (name or "").strip():
        raise invalid("name: 일괄 지급 이름을 입력하세요.")
    if public_id is not None and len(public_id) > BULK_PAYOUT_ID_MAX_LENGTH:
        raise invalid(f"id: {BULK_PAYOUT_ID_MAX_LENGTH}자 이하여야 합니다.")

    def id_unused() -> None:
        lock_partner_settlements()
        if public_id is not None and bulk_payout_id_taken(public_id, is_for_test=is_for_test):
            raise Conflict(
                "PLATFORM_BULK_PAYOUT_ID_ALREADY_EXISTS",
                f"이미 사용된 일괄 지급 아이디입니다: {public_id}",
            )

    if background:
        if selection.partner_settlement_ids is None:
            raise invalid("partnerSettlementIds: 백그라운드 준비는 정산 내역 아이디로만 합니다.")
        check_ids(list(selection.partner_settlement_ids))
        id_unused()
        bulk = _new_bulk(
            is_for_test, name, method, public_id, memo, withdrawal_memo, deposit_memo, actor
        )
        bulk.status = BulkPayoutStatus.PREPARING
        bulk.preparing_selection = {"partnerSettlementIds": list(selection.partner_settlement_ids)}
        bulk.partner_settlement_count = len(selection.partner_settlement_ids)
        bulk.save()
        pk = bulk.pk
        transaction.on_commit(lambda: async_task("payouts.tasks.prepare_bulk_payout", pk))
        bulk_payouts_created([pk])
        return bulk
    groups = select_payable(selection, lock=True, before_load=id_unused)
    _check_method(groups, method)
    bulk = _new_bulk(
        is_for_test, name, method, public_id, memo, withdrawal_memo, deposit_memo, actor
    )
    _fill(bulk, groups)
    bulk_payouts_created([bulk.pk])
    return bulk


def bulk_payouts_created(pks: list[int]) -> None:
    """docs/webhooks.md#events: `platform.bulk_payout.created`, with the status at commit."""
    emit_webhook_for(webhook_events.BULK_PAYOUT_CREATED, BulkPayout, pks, entity="bulk_payout")


def _new_bulk(
    is_for_test: bool,
    name: str,
    method: str,
    public_id: str | None,
    memo: str | None,
    withdrawal_memo: str | None,
    deposit_memo: str | None,
    actor: Actor,
) -> BulkPayout:
    setting = PlatformSetting.for_mode(is_for_test=is_for_test)
    bulk = BulkPayout(
        is_for_test=is_for_test,
        name=name.strip(),
        method=method,
        status=BulkPayoutStatus.PREPARED,
        status_updated_at=timezone.now(),
        memo=memo,
        withdrawal_memo=withdrawal_memo or setting.default_withdrawal_memo,
        deposit_memo=deposit_memo or setting.default_deposit_memo,
        creator_id=actor.id,
        creator_name=actor.name,
    )
    if public_id is not None:
        bulk.public_id = public_id
    return bulk


def _fill(bulk: BulkPayout, groups: list[PayoutGroup]) -> None:
    """The bulk payout PREPARED with its payouts PREPARED and the settlements CONFIRMED."""
    setting = PlatformSetting.for_mode(is_for_test=bulk.is_for_test)
    now = timezone.now()
    payouts_preview = [(g, _amounts(g, setting)) for g in groups]
    bulk.status, bulk.status_updated_at = BulkPayoutStatus.PREPARED, now
    bulk.preparing_selection = None
    bulk.payout_count = len(groups)
    bulk.partner_settlement_count = sum(len(g.settlements) for g in groups)
    bulk.total_payout_amount = sum(a.amount for _, a in payouts_preview)
    bulk.total_settlement_amount = sum(a.settlement_amount for _, a in payouts_preview)
    bulk.save()
    build_payouts(bulk, groups, setting, status=PayoutStatus.PREPARED, now=now)
    pks = claim_settlements(groups, PartnerSettlementStatus.CONFIRMED, now)
    record_history(pks, f"bulkPayout:{bulk.public_id}"[:100])


def background_threshold() -> int:
    """Selections of more settlements than this are built in the background (PREPARING)."""
    return max(1, int(getattr(settings, "PAYOUT_BACKGROUND_SETTLEMENTS", 2_000)))


@transaction.atomic
def bulk_payout_prepare(bulk_pk: int) -> str | None:
    """The background half of creation (django-q2 `payouts.tasks.prepare_bulk_payout`): a
    PREPARING bulk payout's selection, checked and loaded under the same locks as a direct
    creation, becomes its payouts (PREPARED). A selection refused by then (a settlement taken or
    changed meanwhile) cancels it with the refusal as `prepare_error`. Nothing happens when it
    is no longer PREPARING (cancelled meanwhile) or another worker holds it. Returns the status
    it left, or None."""
    bulk = (
        BulkPayout.objects.select_for_update(skip_locked=True)
        .filter(pk=bulk_pk, status=BulkPayoutStatus.PREPARING)
        .first()
    )
    if bulk is None:
        return None
    ids = list((bulk.preparing_selection or {}).get("partnerSettlementIds") or [])
    selection = Selection.of_ids(ids, is_for_test=bulk.is_for_test)
    try:
        with transaction.atomic():
            groups = select_payable(selection, lock=True, before_load=lock_partner_settlements)
            _check_method(groups, bulk.method)
            _fill(bulk, groups)
    except DomainError as exc:
        now = timezone.now()
        bulk.status, bulk.status_updated_at, bulk.cancelled_at = (
            BulkPayoutStatus.CANCELLED,
            now,
            now,
        )
        bulk.prepare_error = exc.message[:500]
        bulk.save(
            update_fields=[
                "status",
                "status_updated_at",
                "cancelled_at",
                "prepare_error",
                "updated_at",
            ]
        )
    bulk_payouts_changed([bulk.pk])
    return bulk.status


def bulk_payouts_prepare_stale(older_than_seconds: int = 120) -> list[int]:
    """PREPARING bulk payouts whose build never finished (its worker died: the transaction
    rolled back), built again; by the minute task that recovers payouts."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pks = list(
        BulkPayout.objects.filter(
            status=BulkPayoutStatus.PREPARING, status_updated_at__lte=cutoff
        ).values_list("pk", flat=True)
    )
    return [pk for pk in pks if bulk_payout_prepare(pk) is not None]


# --- approve ------------------------------------------------------------------------------------


def _locked(public_id: str, is_for_test: bool) -> BulkPayout:
    bulk = (
        BulkPayout.objects.select_for_update()
        .filter(is_for_test=is_for_test, public_id=public_id)
        .first()
    )
    if bulk is None:
        raise NotFound(
            "PLATFORM_BULK_PAYOUT_NOT_FOUND", f"일괄 지급을 찾을 수 없습니다: {public_id}"
        )
    return bulk


def _wrong_status(bulk: BulkPayout, action: str) -> Invalid:
    state = bulk.get_status_display()
    if bulk.is_scheduled:
        state = f"{state}, 예약됨"
    return Invalid(
        "PLATFORM_INVALID_BULK_PAYOUT_STATUS",
        f"일괄 지급 {bulk.public_id}: '{state}' 상태에서는 {action}할 수 없습니다.",
        status=bulk.status,
    )


def requires_approval(bulk: BulkPayout) -> bool:
    return bulk.total_payout_amount > _threshold()


@transaction.atomic
def bulk_payout_approve(*, public_id: str, is_for_test: bool, actor: Actor) -> BulkPayout:
    """승인 (maker-checker): by anyone but its creator, before it starts."""
    bulk = _locked(public_id, is_for_test)
    if bulk.status not in (BulkPayoutStatus.PREPARING, BulkPayoutStatus.PREPARED):
        raise _wrong_status(bulk, "승인")
    if actor.id == bulk.creator_id:
        raise Forbidden(
            "PLATFORM_SELF_APPROVAL_NOT_ALLOWED",
            "일괄 지급을 만든 사람은 승인할 수 없습니다. 다른 담당자의 승인이 필요합니다.",
        )
    bulk.approver_id, bulk.approver_name = actor.id, actor.name
    bulk.approved_at = timezone.now()
    bulk.save(update_fields=["approver_id", "approver_name", "approved_at", "updated_at"])
    return bulk


# --- start --------------------------------------------------------------------------------------


def check_schedule(scheduled_at: datetime, *, now: datetime | None = None) -> datetime:
    """10-minute slots, in the future, outside 22:50–01:00 KST (bank maintenance)."""
    if timezone.is_naive(scheduled_at):
        raise invalid("scheduledAt: 시간대가 있는 일시여야 합니다.")
    local = timezone.localtime(scheduled_at)
    now = now or timezone.now()
    if local.minute % SCHEDULE_SLOT_MINUTES or local.second or local.microsecond:
        raise invalid("scheduledAt: 예약은 10분 단위로만 할 수 있습니다 (예: 14:00, 14:10).")
    if scheduled_at <= now:
        raise invalid("scheduledAt: 예약 시각은 지금 이후여야 합니다.")
    clock = local.time()
    if clock >= MAINTENANCE_FROM or clock < MAINTENANCE_UNTIL:
        raise invalid("scheduledAt: 22:50부터 01:00까지는 은행 점검 시간이라 예약할 수 없습니다.")
    return scheduled_at


def enqueue_run(bulk_pk: int) -> None:
    """After commit: the runner as a django-q2 task (payouts.tasks.run_bulk_payout)."""
    transaction.on_commit(
        lambda: async_task(
            "payouts.tasks.run_bulk_payout", bulk_pk, task_name=f"bulk-payout-{bulk_pk}"
        )
    )


@transaction.atomic
def bulk_payout_start(
    *,
    public_id: str,
    is_for_test: bool,
    actor: Actor,
    scheduled_at: datetime | None = None,
    now: datetime | None = None,
) -> BulkPayout:
    """시작 / 예약. Now: ONGOING, payouts CONFIRMED (queued), the runner enqueued. Scheduled:
    still PREPARED with `scheduled_at`, payouts SCHEDULED, settlements PAYOUT_SCHEDULED; the
    minute task starts it when due. Either way an AGENCY bulk payout reserves its total (+ bank
    fees) now: one withdrawal per payout, PREPARED or SCHEDULED. Refusals, nothing written:
    PLATFORM_BULK_PAYOUT_NOT_FOUND, PLATFORM_INVALID_BULK_PAYOUT_STATUS (not PREPARED, or already
    scheduled), PLATFORM_BULK_PAYOUT_APPROVAL_REQUIRED (403), PLATFORM_INSUFFICIENT_BALANCE."""
    bulk = _locked(public_id, is_for_test)
    now = now or timezone.now()
    if bulk.status != BulkPayoutStatus.PREPARED or bulk.scheduled_at is not None:
        raise _wrong_status(bulk, "시작")
    if requires_approval(bulk) and bulk.approved_at is None:
        raise Forbidden(
            "PLATFORM_BULK_PAYOUT_APPROVAL_REQUIRED",
            f"총 지급액 {bulk.total_payout_amount:,}원이 승인 기준 {_threshold():,}원을 넘어 "
            "다른 담당자의 승인이 필요합니다.",
        )
    if scheduled_at is not None:
        check_schedule(scheduled_at, now=now)
        scheduled = BulkPayout.objects.filter(
            is_for_test=is_for_test, status=BulkPayoutStatus.PREPARED, scheduled_at__isnull=False
        ).count()
        if scheduled >= MAX_SCHEDULED:
            raise invalid(f"예약된 일괄 지급은 {MAX_SCHEDULED}개까지입니다.")
    payouts = list(bulk.payouts.filter(status=PayoutStatus.PREPARED).order_by("id"))
    payout_status = PayoutStatus.SCHEDULED if scheduled_at else PayoutStatus.CONFIRMED
    if bulk.method == PayoutMethod.AGENCY:
        _reserve(bulk, payouts, actor, scheduled_at, now)
    elif scheduled_at is None:
        payout_status = PayoutStatus.PROCESSING  # DIRECT: paid outside; results are recorded
    pks = [p.pk for p in payouts]
    Payout.objects.filter(pk__in=pks).update(
        status=payout_status, status_updated_at=now, scheduled_at=scheduled_at, updated_at=now
    )
    follow(pks, payout_status)
    if scheduled_at is not None:
        bulk.scheduled_at = scheduled_at
        fields = ["scheduled_at", "updated_at"]
    else:
        bulk.status, bulk.status_updated_at, bulk.started_at = BulkPayoutStatus.ONGOING, now, now
        fields = ["status", "status_updated_at", "started_at", "updated_at"]
    bulk.save(update_fields=fields)
    if scheduled_at is None:
        bulk_payouts_changed([bulk.pk])
    if scheduled_at is None and bulk.method == PayoutMethod.AGENCY:
        enqueue_run(bulk.pk)
    return bulk


def _reserve(
    bulk: BulkPayout,
    payouts: list[Payout],
    actor: Actor,
    scheduled_at: datetime | None,
    now: datetime,
) -> None:
    account = ledger.lock_account(bulk.is_for_test)
    fee = _fee()
    total = sum(p.amount for p in payouts)
    ledger.reserve(account, total + fee * len(payouts))
    status = AccountTransferStatus.SCHEDULED if scheduled_at else AccountTransferStatus.PREPARED
    batch = BulkAccountTransfer.objects.create(
        is_for_test=bulk.is_for_test,
        account=account,
        bulk_payout=bulk,
        creator_id=actor.id,
        total_amount=total,
        status=BulkAccountTransferStatus.SCHEDULED
        if scheduled_at
        else BulkAccountTransferStatus.ONGOING,
        scheduled_at=scheduled_at,
        status_updated_at=now,
    )
    AccountTransfer.objects.bulk_create(
        [
            AccountTransfer(
                is_for_test=bulk.is_for_test,
                account=account,
                type=AccountTransferType.WITHDRAWAL,
                withdrawal_type=WithdrawalType.PARTNER_PAYOUT,
                status=status,
                status_updated_at=now,
                currency=p.currency,
                amount=p.amount,
                fee_amount=fee,
                withdrawal_memo=p.withdrawal_memo,
                deposit_memo=p.deposit_memo,
                deposit_bank=p.account_bank,
                deposit_account_number=p.account_number,
                deposit_account_holder=p.account_holder,
                partner_id=p.partner_id,
                payout=p,
                bulk_payout=bulk,
                bulk_account_transfer=batch,
                scheduled_at=scheduled_at,
                bank_idempotency_key=p.bank_idempotency_key,
            )
            for p in payouts
        ],
        batch_size=1000,
    )


@transaction.atomic
def bulk_payouts_start_due(*, now: datetime | None = None) -> list[int]:
    """The minute task: scheduled bulk payouts whose time has come become ONGOING (their
    reservation was made when they were scheduled). Returns their pks (the task runs them)."""
    now = now or timezone.now()
    due = list(
        BulkPayout.objects.select_for_update(skip_locked=True)
        .filter(status=BulkPayoutStatus.PREPARED, scheduled_at__lte=now)
        .values_list("pk", flat=True)
    )
    for pk in due:
        BulkPayout.objects.filter(pk=pk).update(
            status=BulkPayoutStatus.ONGOING, status_updated_at=now, started_at=now, updated_at=now
        )
        BulkAccountTransfer.objects.filter(bulk_payout_id=pk).update(
            status=BulkAccountTransferStatus.ONGOING, status_updated_at=now
        )
    bulk_payouts_changed(due)
    return due


# --- cancel / stop ------------------------------------------------------------------------------


def _release(bulk: BulkPayout, payout_pks: list[int], status: str, now: datetime) -> None:
    """Payouts not sent -> CANCELLED/STOPPED, their reserved withdrawals too, and their
    settlements back to what they were."""
    Payout.objects.filter(pk__in=payout_pks).update(
        status=status, status_updated_at=now, updated_at=now
    )
    transfer_status = (
        AccountTransferStatus.CANCELLED
        if status == PayoutStatus.CANCELLED
        else AccountTransferStatus.STOPPED
    )
    AccountTransfer.objects.filter(
        payout_id__in=payout_pks,
        is_fee=False,
        status__in=(AccountTransferStatus.PREPARED, AccountTransferStatus.SCHEDULED),
    ).update(status=transfer_status, status_updated_at=now, updated_at=now)
    settlement_pks = give_back(payout_pks)
    reason = "일괄 지급 취소" if status == PayoutStatus.CANCELLED else "일괄 지급 중단"
    record_history(settlement_pks, f"{reason}:{bulk.public_id}"[:100])


@transaction.atomic
def bulk_payout_stop_unsent(bulk_pk: int, payout_pks: list[int]) -> None:
    """The runner's half of 중단: payouts it had claimed (PROCESSING, marked sent) but not yet
    handed to the bank when the stop came. Never sent, so they end like the queued ones:
    STOPPED, their settlements given back, the reservation freed."""
    bulk = BulkPayout.objects.select_for_update().get(pk=bulk_pk)
    lock_partner_settlements()
    now = timezone.now()
    mine = {
        "payout_id__in": payout_pks,
        "is_fee": False,
        "status": AccountTransferStatus.PROCESSING,
    }
    AccountTransfer.objects.filter(**mine).update(
        status=AccountTransferStatus.PREPARED,
        attempt_count=F("attempt_count") - 1,
        sent_at=None,
        status_updated_at=now,
        updated_at=now,
    )
    Payout.objects.filter(pk__in=payout_pks, status=PayoutStatus.PROCESSING).update(
        attempt_count=F("attempt_count") - 1, sent_at=None
    )
    _release(bulk, payout_pks, PayoutStatus.STOPPED, now)
    bulk_payout_finalize(bulk.pk)


@transaction.atomic
def bulk_payout_cancel(*, public_id: str, is_for_test: bool, actor: Actor) -> BulkPayout:
    """취소, until it starts (PREPARING, PREPARED, or scheduled): CANCELLED; payouts CANCELLED;
    the settlements return to the payable status they had, selectable again at once."""
    bulk = _locked(public_id, is_for_test)
    if bulk.status not in (BulkPayoutStatus.PREPARING, BulkPayoutStatus.PREPARED):
        raise _wrong_status(bulk, "취소")
    lock_partner_settlements()
    now = timezone.now()
    pks = list(bulk.payouts.select_for_update().values_list("pk", flat=True))
    _release(bulk, pks, PayoutStatus.CANCELLED, now)
    BulkAccountTransfer.objects.filter(bulk_payout=bulk).update(
        status=BulkAccountTransferStatus.COMPLETED, status_updated_at=now
    )
    bulk.status, bulk.status_updated_at, bulk.cancelled_at = BulkPayoutStatus.CANCELLED, now, now
    bulk.save(update_fields=["status", "status_updated_at", "cancelled_at", "updated_at"])
    bulk_payouts_changed([bulk.pk])
    return bulk


@transaction.atomic
def bulk_payout_stop(*, public_id: str, is_for_test: bool, actor: Actor) -> BulkPayout:
    """중단 of a running one: payouts not yet sent become STOPPED and give their settlements
    back; those already with the bank finish. The bulk payout completes when they have."""
    bulk = _locked(public_id, is_for_test)
    if bulk.status != BulkPayoutStatus.ONGOING:
        raise _wrong_status(bulk, "중단")
    lock_partner_settlements()
    now = timezone.now()
    unsent = (PayoutStatus.PREPARED, PayoutStatus.CONFIRMED, PayoutStatus.SCHEDULED)
    if bulk.method == PayoutMethod.DIRECT:
        unsent = (*unsent, PayoutStatus.PROCESSING)  # nothing is sent by us
    pks = list(
        bulk.payouts.select_for_update().filter(status__in=unsent).values_list("pk", flat=True)
    )
    _release(bulk, pks, PayoutStatus.STOPPED, now)
    bulk.stopped_at = now
    bulk.save(update_fields=["stopped_at", "updated_at"])
    bulk_payout_finalize(bulk.pk)
    return bulk
