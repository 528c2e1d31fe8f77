"""The payout cards of the admin home (settlements.admin.home.card_provider): the payout
account's available balance against what is due this week and this month, and bulk payouts
running, scheduled or with failures to deal with."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from payouts.models import BulkPayout, BulkPayoutStatus, PayoutStatus
from payouts.services import ledger
from settlements.admin.common import amount_text
from settlements.admin.home import Card, card_provider
from settlements.selectors import home as numbers


@card_provider
def payout_cards(request, is_for_test: bool) -> list[Card]:
    cards: list[Card] = []
    if request.user.has_perm("payouts.view_accounttransfer"):
        b = ledger.balances(is_for_test)
        today = timezone.localdate()
        week = numbers.due_between(
            is_for_test=is_for_test,
            date_from=numbers.week_of(today)[0],
            date_until=numbers.week_of(today)[1],
        ).of("KRW")["net"]
        month = numbers.due_between(
            is_for_test=is_for_test,
            date_from=numbers.month_of(today)[0],
            date_until=numbers.month_of(today)[1],
        ).of("KRW")["net"]
        short_week = max(0, week - b.available)
        short_month = max(0, month - b.available)
        lines = [
            f"잔액 {amount_text(b.balance)} · 예약 {amount_text(b.reserved)}",
            f"이번 주 지급 예정 {amount_text(week)}"
            + (f" · 부족 {amount_text(short_week)}" if short_week else " · 충분"),
            f"이번 달 지급 예정 {amount_text(month)}"
            + (f" · 부족 {amount_text(short_month)}" if short_month else " · 충분"),
        ]
        url = reverse("admin:payouts_accounttransfer_changelist")
        cards.append(
            Card(
                key="payout-balance",
                title="지급 계좌 사용 가능 잔액",
                value=amount_text(b.available),
                lines=lines,
                link=f"{url}?is_for_test__exact={int(is_for_test)}",
                link_label="원장 보기 · 입금 등록",
                tone="danger" if short_week else ("warning" if short_month else ""),
            )
        )
    if request.user.has_perm("payouts.view_bulkpayout"):
        mine = BulkPayout.objects.filter(is_for_test=is_for_test)
        running = mine.filter(
            status__in=(BulkPayoutStatus.ONGOING, BulkPayoutStatus.POST_PROCESS_PENDING)
        ).count()
        scheduled = mine.filter(
            status=BulkPayoutStatus.PREPARED, scheduled_at__isnull=False
        ).count()
        prepared = mine.filter(status=BulkPayoutStatus.PREPARED, scheduled_at__isnull=True).count()
        with_failures = (
            mine.filter(payouts__status=PayoutStatus.FAILED, completed_at__isnull=False)
            .distinct()
            .count()
        )
        url = reverse("admin:payouts_bulkpayout_changelist")
        cards.append(
            Card(
                key="bulk-payouts",
                title="일괄 지급",
                value=f"지급 중 {running:,}건",
                lines=[
                    f"예약 {scheduled:,}건 · 시작 전 {prepared:,}건",
                    f"실패 건이 있는 완료된 일괄 지급 {with_failures:,}건",
                ],
                link=f"{url}?is_for_test__exact={int(is_for_test)}",
                link_label="일괄 지급 목록",
                tone="danger" if with_failures else ("warning" if running else ""),
            )
        )
    return cards
