"""The three settlement uploads of the admin (core.admin.uploads.SheetUpload): manual transfers,
order transfers and payments. What a row means is in settlements/files/; these only say which
page, which permission and what the preview shows."""

from __future__ import annotations

from django.urls import reverse

from core.admin.uploads import Checked, Done, FileRefused, SheetUpload, mode_label
from core.files.sheets import SheetSpec, Table
from settlements.files import manual, orders, payments
from settlements.models import Payment, Transfer


class ManualTransferUpload(SheetUpload):
    title = "수기 정산 일괄 등록"
    page_template = "settlements/manual_upload.html"
    permissions = ("settlements.add_transfer",)
    model = Transfer
    url_names = (
        "settlements-manual-upload",
        "settlements-manual-upload-confirm",
        "settlements-manual-upload-template",
    )
    paths = (
        "manual-transfers/upload/",
        "manual-transfers/upload/confirm/",
        "manual-transfers/template/<str:fmt>/",
    )
    template_filename = "manual-transfers-template"

    def check(self, table: Table, *, is_for_test: bool) -> Checked:
        checked = manual.check_table(table, is_for_test=is_for_test)
        if checked.errors:
            return Checked(errors=checked.errors)
        requests = checked.requests
        return Checked(
            count=len(requests),
            context={
                "columns": manual.COLUMNS.headers,
                "row_count": len(requests),
                "partner_count": len({r.partner_id for r in requests}),
                "date_from": min(r.settlement_date for r in requests),
                "date_until": max(r.settlement_date for r in requests),
                "sums": checked.sums(),
                "preview": checked.preview(),
            },
        )

    def commit(self, table: Table, *, is_for_test: bool) -> Done:
        done = manual.commit_table(table, is_for_test=is_for_test)
        if done.errors:
            raise FileRefused(done.errors)
        count = len(done.transfers)
        message = f"수기 정산 {count:,}건을 {mode_label(is_for_test)} 모드로 등록했습니다."
        return Done(count=count, message=message)

    def template_sheet(self) -> SheetSpec:
        return manual.template_sheet()

    def done_url(self, request, *, is_for_test: bool) -> str:
        return reverse(self.url_names[0])


class OrderTransferUpload(SheetUpload):
    title = "주문 정산 파일 업로드"
    page_template = "settlements/order_upload.html"
    permissions = ("settlements.add_transfer",)
    model = Transfer
    url_names = (
        "settlements_order_upload",
        "settlements_order_upload_confirm",
        "settlements_order_upload_template",
    )
    paths = ("", "confirm/", "template.<str:fmt>")
    template_filename = "order-transfers-template"

    def check(self, table: Table, *, is_for_test: bool) -> Checked:
        result = orders.import_order_table(table, is_for_test=is_for_test, dry_run=True)
        if not result.ok:
            return Checked(errors=result.errors)
        return Checked(
            count=len(result.transfers), context={"result": result, "preview": result.preview()}
        )

    def commit(self, table: Table, *, is_for_test: bool) -> Done:
        result = orders.import_order_table(table, is_for_test=is_for_test)
        if not result.ok:
            raise FileRefused(result.errors)
        count = len(result.transfers)
        mode = mode_label(is_for_test)
        return Done(count=count, message=f"주문 정산건 {count:,}건을 {mode} 모드로 만들었습니다.")

    def template_sheet(self) -> SheetSpec:
        return orders.template_sheet()


class PaymentUpload(SheetUpload):
    title = "결제 파일 업로드"
    page_template = "settlements/payment_upload.html"
    permissions = ("settlements.add_payment", "settlements.change_payment")
    model = Payment
    url_names = (
        "settlements_payment_upload",
        "settlements_payment_upload_confirm",
        "settlements_payment_upload_template",
    )
    paths = ("payments/", "payments/confirm/", "payments/template.<str:fmt>")
    template_filename = "payments-template"

    def check(self, table: Table, *, is_for_test: bool) -> Checked:
        result = payments.import_payment_table(table, is_for_test=is_for_test, dry_run=True)
        if not result.ok:
            return Checked(errors=result.errors)
        return Checked(
            count=len(result.file.items),
            context={"result": result, "preview": result.file.preview()},
        )

    def commit(self, table: Table, *, is_for_test: bool) -> Done:
        result = payments.import_payment_table(table, is_for_test=is_for_test)
        if not result.ok:
            raise FileRefused(result.errors)
        return Done(
            count=result.created + result.updated,
            message=f"결제 {result.created:,}건을 새로 등록하고 {result.updated:,}건을 고쳤습니다.",
        )

    def template_sheet(self) -> SheetSpec:
        return payments.template_sheet()


MANUAL_TRANSFERS = ManualTransferUpload()
ORDER_TRANSFERS = OrderTransferUpload()
PAYMENTS = PaymentUpload()
