"""The payout part of the Platform API. Thin: validate (payouts.inputs) -> selector or service ->
output (payouts.api.outputs).

* The SDK's: complete-payout (PayoutClient.complete_platform_payout_by_partner_settlement_ids)
  and the reads get_platform_bulk_payouts, get_platform_payouts,
  get_platform_account_transfers, get_platform_bulk_account_transfers.
* Ours, in the same wire style (docs/api.md#payouts-our-extension): bulk-payout creation, read,
  start, approve, cancel, stop; the payout account and its deposits. The actor of a write is the
  API secret (`request.user`, core.api.auth), so maker-checker needs a second secret.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from core.api.views import PortOneApiView, body_dict, is_for_test, paginate, request_body
from core.inputs import validated
from core.wire import drop_none, graphql_id
from payouts import inputs
from payouts.api import schema
from payouts.api.outputs import (
    account_transfer_counts,
    account_transfer_json,
    bulk_account_transfer_counts,
    bulk_account_transfer_json,
    bulk_payout_counts,
    bulk_payout_json,
    payout_account_json,
    payout_counts,
    payout_json,
)
from payouts.inputs import CompletePayoutInput
from payouts.models import BulkPayout, PayoutMethod
from payouts.selectors import (
    account_transfers,
    bulk_account_transfer_stats,
    bulk_account_transfers,
    bulk_payout_get,
    bulk_payout_stats,
    bulk_payouts,
    payouts,
    status_counts,
    with_statuses,
)
from payouts.services import ledger
from payouts.services.bulk_payouts import (
    actor_of,
    bulk_payout_approve,
    bulk_payout_cancel,
    bulk_payout_create,
    bulk_payout_start,
    bulk_payout_stop,
)
from payouts.services.completion import payout_complete_by_partner_settlement_ids

TEST_PARAMETER = OpenApiParameter(
    "test", bool, OpenApiParameter.QUERY, required=False, description="테스트 모드 여부"
)


class CompletePayoutView(PortOneApiView):
    """POST /platform/partner-settlements/complete-payout"""

    def post(self, request):
        body = body_dict(request)
        data = validated(CompletePayoutInput, body)
        done = payout_complete_by_partner_settlement_ids(
            public_ids=data["partnerSettlementIds"],
            is_for_test=is_for_test(request, body),
            bulk_payout_id=data["bulkPayoutId"],
            name=data.get("name"),
            completed_at=data.get("completedAt"),
        )
        bulk_id = done.bulk_payout_id
        return Response(
            drop_none(
                {
                    "bulkPayoutId": bulk_id,
                    "bulkPayoutGraphqlId": graphql_id("bulk_payout", bulk_id) if bulk_id else None,
                    "payoutCount": done.payout_count,
                    "partnerSettlementCount": done.partner_settlement_count,
                }
            )
        )


def _bulk_answer(bulk: BulkPayout) -> Response:
    return Response({"bulkPayout": bulk_payout_json(bulk, bulk_payout_stats(bulk))})


def _list(qs, f, page, order: tuple[str, ...]):
    """(items of the page, page info, counts by status over the filter without its statuses)."""
    by_status = status_counts(qs)
    items, page_info = paginate(with_statuses(qs, f.statuses).order_by(*order), page)
    return items, page_info, by_status


# --- bulk payouts -------------------------------------------------------------------------------


class BulkPayoutsView(PortOneApiView):
    """GET /platform/bulk-payouts (SDK) and POST /platform/bulk-payouts (ours)."""

    def get(self, request):
        body = request_body(request)
        data = validated(inputs.BulkPayoutsInput, body)
        f = inputs.bulk_payout_filter(data.get("filter"))
        qs = bulk_payouts(is_for_test=is_for_test(request, body), f=f)
        items, page, by_status = _list(qs, f, data.get("page"), ("-created_at", "-id"))
        return Response(
            {
                "items": [bulk_payout_json(b, bulk_payout_stats(b)) for b in items],
                "page": page,
                "counts": bulk_payout_counts(by_status),
            }
        )

    @extend_schema(
        operation_id="create_platform_bulk_payout",
        summary="일괄 지급 생성",
        description=(
            "지급 가능한 정산 내역(PAYOUT_PREPARED, PAYOUT_FAILED)을 아이디 목록 또는 정산 내역 "
            "필터로 골라 일괄 지급을 만듭니다 (포트원 콘솔 기능을 API로 제공하는 확장). "
            "파트너×통화마다 지급 하나, 금액은 플랫폼 설정의 settlementAmountType·deductWht로 "
            "계산해 고정합니다. 응답의 일괄 지급은 PREPARED, 지급은 PREPARED, 정산 내역은 "
            "CONFIRMED가 됩니다. 오류는 일괄 지급 완료 처리와 같습니다: "
            "PLATFORM_NO_SELECTED_PARTNER_SETTLEMENTS, PLATFORM_DUPLICATED_PARTNER_SETTLEMENT_IDS "
            "(400), PLATFORM_PARTNER_SETTLEMENTS_NOT_FOUND (404), "
            "PLATFORM_NON_PAYABLE_PARTNER_SETTLEMENTS (400), "
            "PLATFORM_BULK_PAYOUT_ID_ALREADY_EXISTS (409), 상계 후 음수인 파트너는 "
            "PLATFORM_CURRENCY_NOT_SUPPORTED (400). `Idempotency-Key`로 한 번만 만들 수 있습니다."
        ),
        request=schema.CreatePlatformBulkPayout,
        responses={200: schema.PlatformBulkPayoutResponse},
        parameters=[TEST_PARAMETER],
    )
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.CreateBulkPayoutInput, body)
        test = is_for_test(request, body)
        bulk = bulk_payout_create(
            selection=inputs.bulk_payout_selection(data, is_for_test=test),
            name=data["name"],
            actor=actor_of(request.user),
            method=data.get("method") or PayoutMethod.AGENCY,
            public_id=data.get("id"),
            memo=data.get("memo") or None,
            withdrawal_memo=data.get("withdrawalMemo") or None,
            deposit_memo=data.get("depositMemo") or None,
        )
        return _bulk_answer(bulk)


class BulkPayoutView(PortOneApiView):
    """GET /platform/bulk-payouts/{id} (ours)."""

    @extend_schema(
        operation_id="get_platform_bulk_payout",
        summary="일괄 지급 단건 조회",
        description="일괄 지급 하나를 상태별 지급 건수·금액과 함께 조회합니다. 없으면 404 "
        "PLATFORM_BULK_PAYOUT_NOT_FOUND.",
        responses={200: schema.ref("PlatformBulkPayout")},
        parameters=[TEST_PARAMETER],
    )
    def get(self, request, id: str):
        bulk = bulk_payout_get(id, is_for_test=is_for_test(request))
        return Response(bulk_payout_json(bulk, bulk_payout_stats(bulk)))


class BulkPayoutStartView(PortOneApiView):
    """POST /platform/bulk-payouts/{id}/start (ours)."""

    @extend_schema(
        operation_id="start_platform_bulk_payout",
        summary="일괄 지급 시작·예약",
        description=(
            "`scheduledAt`이 없으면 바로 시작합니다 (ONGOING, 송금은 백그라운드에서). 있으면 "
            "그 시각으로 예약합니다 (PREPARED 그대로, 지급은 SCHEDULED). 송금대행(AGENCY)은 "
            "이때 총액을 지급 계좌에서 예약합니다. 오류: 잔액 부족 400 "
            "PLATFORM_INSUFFICIENT_BALANCE (메시지와 `shortfall`에 부족액), "
            "시작할 수 없는 상태 400 "
            "PLATFORM_INVALID_BULK_PAYOUT_STATUS, 승인 기준액(PAYOUT_APPROVAL_THRESHOLD)을 넘는데 "
            "승인 전 403 PLATFORM_BULK_PAYOUT_APPROVAL_REQUIRED, 없으면 404 "
            "PLATFORM_BULK_PAYOUT_NOT_FOUND."
        ),
        request=schema.StartPlatformBulkPayout,
        responses={200: schema.PlatformBulkPayoutResponse},
        parameters=[TEST_PARAMETER],
    )
    def post(self, request, id: str):
        body = body_dict(request)
        data = validated(inputs.StartBulkPayoutInput, body)
        bulk = bulk_payout_start(
            public_id=id,
            is_for_test=is_for_test(request, body),
            actor=actor_of(request.user),
            scheduled_at=data.get("scheduledAt"),
        )
        return _bulk_answer(bulk)


class BulkPayoutApproveView(PortOneApiView):
    """POST /platform/bulk-payouts/{id}/approve (ours)."""

    @extend_schema(
        operation_id="approve_platform_bulk_payout",
        summary="일괄 지급 승인",
        description="승인 기준액을 넘는 일괄 지급을 승인합니다. 만든 API 시크릿(또는 담당자)과 "
        "다른 시크릿만 승인할 수 있습니다: 같으면 403 PLATFORM_SELF_APPROVAL_NOT_ALLOWED. "
        "시작 전(PREPARED)에만: 아니면 400 PLATFORM_INVALID_BULK_PAYOUT_STATUS.",
        request=schema.PlatformBulkPayoutAction,
        responses={200: schema.PlatformBulkPayoutResponse},
        parameters=[TEST_PARAMETER],
    )
    def post(self, request, id: str):
        body = body_dict(request)
        validated(inputs.BulkPayoutActionInput, body)
        bulk = bulk_payout_approve(
            public_id=id, is_for_test=is_for_test(request, body), actor=actor_of(request.user)
        )
        return _bulk_answer(bulk)


class BulkPayoutCancelView(PortOneApiView):
    """POST /platform/bulk-payouts/{id}/cancel (ours)."""

    @extend_schema(
        operation_id="cancel_platform_bulk_payout",
        summary="일괄 지급 취소",
        description="시작 전(예약된 것 포함)의 일괄 지급을 취소합니다 (CANCELLED). 지급은 "
        "CANCELLED, 정산 내역은 선택 전 상태로 돌아가 바로 다시 지급할 수 있습니다. 시작된 "
        "뒤에는 400 PLATFORM_INVALID_BULK_PAYOUT_STATUS.",
        request=schema.PlatformBulkPayoutAction,
        responses={200: schema.PlatformBulkPayoutResponse},
        parameters=[TEST_PARAMETER],
    )
    def post(self, request, id: str):
        body = body_dict(request)
        validated(inputs.BulkPayoutActionInput, body)
        bulk = bulk_payout_cancel(
            public_id=id, is_for_test=is_for_test(request, body), actor=actor_of(request.user)
        )
        return _bulk_answer(bulk)


class BulkPayoutStopView(PortOneApiView):
    """POST /platform/bulk-payouts/{id}/stop (ours)."""

    @extend_schema(
        operation_id="stop_platform_bulk_payout",
        summary="일괄 지급 중단",
        description="진행 중(ONGOING)인 일괄 지급을 중단합니다: 아직 보내지 않은 지급은 "
        "STOPPED가 되어 정산 내역을 돌려주고, 은행에 보낸 지급은 끝까지 처리됩니다. 진행 중이 "
        "아니면 400 PLATFORM_INVALID_BULK_PAYOUT_STATUS.",
        request=schema.PlatformBulkPayoutAction,
        responses={200: schema.PlatformBulkPayoutResponse},
        parameters=[TEST_PARAMETER],
    )
    def post(self, request, id: str):
        body = body_dict(request)
        validated(inputs.BulkPayoutActionInput, body)
        bulk = bulk_payout_stop(
            public_id=id, is_for_test=is_for_test(request, body), actor=actor_of(request.user)
        )
        return _bulk_answer(bulk)


# --- payouts, account transfers, bulk account transfers (SDK reads) ------------------------------


class PayoutsView(PortOneApiView):
    """GET /platform/payouts"""

    def get(self, request):
        body = request_body(request)
        data = validated(inputs.PayoutsInput, body)
        f = inputs.payout_filter(data.get("filter"))
        qs = payouts(is_for_test=is_for_test(request, body), f=f).select_related(
            "partner__default_contract", "bulk_payout"
        )
        items, page, by_status = _list(qs, f, data.get("page"), ("-created_at", "-id"))
        return Response(
            {
                "items": [payout_json(p) for p in items],
                "page": page,
                "counts": payout_counts(by_status),
            }
        )


class AccountTransfersView(PortOneApiView):
    """GET /platform/account-transfers: deposits and withdrawals, newest first."""

    def get(self, request):
        body = request_body(request)
        data = validated(inputs.AccountTransfersInput, body)
        f = inputs.account_transfer_filter(data.get("filter"))
        qs = account_transfers(is_for_test=is_for_test(request, body), f=f).select_related(
            "account", "partner", "payout", "bulk_payout", "bulk_account_transfer"
        )
        items, page, by_status = _list(qs, f, data.get("page"), ("-created_at", "-id"))
        return Response(
            {
                "items": [account_transfer_json(t) for t in items],
                "page": page,
                "counts": account_transfer_counts(by_status),
            }
        )


class BulkAccountTransfersView(PortOneApiView):
    """GET /platform/bulk-account-transfers"""

    def get(self, request):
        body = request_body(request)
        data = validated(inputs.BulkAccountTransfersInput, body)
        f = inputs.bulk_account_transfer_filter(data.get("filter"))
        qs = bulk_account_transfers(is_for_test=is_for_test(request, body), f=f).select_related(
            "bulk_payout"
        )
        items, page, by_status = _list(qs, f, data.get("page"), ("-created_at", "-id"))
        return Response(
            {
                "items": [
                    bulk_account_transfer_json(b, bulk_account_transfer_stats(b)) for b in items
                ],
                "page": page,
                "counts": bulk_account_transfer_counts(by_status),
            }
        )


# --- the payout account (ours) -------------------------------------------------------------------


class PayoutAccountView(PortOneApiView):
    """GET /platform/payout-account"""

    @extend_schema(
        operation_id="get_platform_payout_account",
        summary="지급 계좌 조회",
        description="지급(송금대행)에 쓰는 지급 계좌와 잔액. 운영 계좌는 0원에서, 테스트 "
        "계좌(`test=true`)는 1,000,000,000원에서 시작합니다.",
        responses={200: schema.PlatformPayoutAccountBalance},
        parameters=[TEST_PARAMETER],
    )
    def get(self, request):
        test = is_for_test(request)
        account = ledger.payout_account(test)
        return Response(payout_account_json(account, ledger.balances(test).balance))


class PayoutAccountDepositsView(PortOneApiView):
    """POST /platform/payout-account/deposits"""

    @extend_schema(
        operation_id="create_platform_payout_account_deposit",
        summary="지급 계좌 입금 기록",
        description="지급 계좌에 들어온 입금(충전)을 기록합니다: SUCCEEDED인 DEPOSIT 이체 내역이 "
        "되고 잔액이 늘어납니다.",
        request=schema.CreatePlatformPayoutAccountDeposit,
        responses={200: schema.CreatePlatformPayoutAccountDepositResponse},
        parameters=[TEST_PARAMETER],
    )
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.DepositInput, body)
        transfer = ledger.deposit_record(
            is_for_test=is_for_test(request, body),
            amount=data["amount"],
            depositor_name=data["depositorName"],
            deposit_memo=data.get("depositMemo") or None,
            traded_at=data.get("tradedAt"),
            source="API",
        )
        transfer.refresh_from_db()
        return Response({"accountTransfer": account_transfer_json(transfer)})
