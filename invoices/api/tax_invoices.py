"""The tax-invoice writes of the B2B API (SDK 0.21.0 TaxInvoiceClient) and attachments. Thin:
validate (invoices.inputs.tax_invoices) -> service (invoices.services.tax_invoices,
invoices.services.attachments) -> output (invoices.api.outputs).

The fixed names (`tax-invoices/draft`, `issue-immediately`, `request-reverse-issuance`) come
before `tax-invoices/<key>`. Action POSTs may come without a body (the SDK sends none for
`request`), so no Content-Type is required. The file upload target (`PUT /b2b/file-uploads/…`)
is a plain view: the signature in its URL is the permission, as with a pre-signed storage URL.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import path
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from core.api.views import PortOneApiView, body_dict, is_for_test
from core.errors import DomainError
from core.inputs import validated
from core.wire import drop_none
from invoices.api.common import KEY_PARAMETERS, TEST, ActionView, addressed, answer
from invoices.api.outputs import tax_invoice_json
from invoices.inputs import tax_invoices as inputs
from invoices.services import attachments, tax_invoices
from invoices.services.addressing import get_invoice
from invoices.services.transitions import actor_of

# --- creation -----------------------------------------------------------------------------------


class DraftView(PortOneApiView):
    """POST (draft) and PUT (update draft) /b2b/tax-invoices/draft."""

    @extend_schema(
        operation_id="draft_b2b_tax_invoice",
        summary="세금계산서 임시저장",
        description=(
            "세금계산서를 임시저장(DRAFTED)합니다. 발행 유형 기본값은 역발행(REVERSE): 공급자는 "
            "국세청 연동된 거래처(brn 또는 counterpartyId), 공급받는자는 자사입니다. "
            "정발행(NORMAL)은 "
            "공급자가 자사, 공급받는자는 거래처이며 createRecipientCounterparty=true면 거래처를 "
            "만들거나 갱신합니다. 비어 있는 회사 정보는 거래처·자사 정보로 채웁니다. 문서번호가 "
            "없으면 자동으로 만듭니다. modification을 주면 수정 세금계산서가 되며, "
            "기재사항 착오 정정과 "
            "내국신용장 사후 개설은 원본의 음수 사본(아이디 `<id>-N`)을 함께 만듭니다."
        ),
        parameters=[TEST],
    )
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.DraftBody, body)
        invoice = tax_invoices.draft(
            data["taxInvoice"],
            is_for_test=is_for_test(request, body),
            actor=actor_of(request.user),
            memo=data.get("memo") or None,
            modification=data.get("modification"),
            create_recipient_counterparty=bool(data.get("createRecipientCounterparty")),
        )
        return answer(invoice)

    @extend_schema(
        operation_id="update_b2b_tax_invoice_draft",
        summary="세금계산서 임시저장 수정",
        description=(
            "임시저장(DRAFTED) 상태의 세금계산서를 고칩니다. 본문의 taxInvoiceKeyType 기본값은 "
            "RECIPIENT입니다. 문서번호(B2B_DOCUMENT_KEY_CANNOT_BE_CHANGED), 과세 유형 "
            "(B2B_CANNOT_CHANGE_TAX_TYPE), 발행 유형은 바꿀 수 없습니다."
        ),
        parameters=[TEST],
    )
    def put(self, request):
        body = body_dict(request)
        data = validated(inputs.UpdateDraftBody, body)
        test = is_for_test(request, body)
        invoice = get_invoice(
            data["taxInvoiceKey"],
            data.get("taxInvoiceKeyType") or "RECIPIENT",
            data.get("brn"),
            is_for_test=test,
        )
        invoice = tax_invoices.update_draft(
            invoice,
            data["taxInvoice"],
            actor=actor_of(request.user),
            memo=data.get("memo"),
        )
        return answer(invoice)


class IssueImmediatelyView(PortOneApiView):
    @extend_schema(
        operation_id="issue_b2b_tax_invoice_immediately",
        summary="세금계산서 즉시 정발행",
        description=(
            "정발행(NORMAL) 세금계산서를 임시저장 없이 바로 발행(ISSUED)합니다. issuanceType을 "
            "생략하면 NORMAL로 봅니다. 국세청에는 다음 영업일 정해진 시각에 전송됩니다."
        ),
        parameters=[TEST],
    )
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.IssueImmediatelyBody, body)
        invoice = tax_invoices.issue_immediately(
            data["taxInvoice"],
            is_for_test=is_for_test(request, body),
            actor=actor_of(request.user),
            memo=data.get("memo") or None,
            modification=data.get("modification"),
            create_recipient_counterparty=bool(data.get("createRecipientCounterparty")),
        )
        return answer(invoice)


class RequestReverseIssuanceView(PortOneApiView):
    @extend_schema(
        operation_id="request_b2b_tax_invoice_reverse_issuance",
        summary="세금계산서 역발행 요청",
        description=(
            "역발행(REVERSE) 세금계산서를 임시저장하고 곧바로 공급자에게 발행을 "
            "요청(REQUESTED)합니다. "
            "공급자 담당자에게 발행 요청 메일이 발송됩니다."
        ),
        parameters=[TEST],
    )
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.RequestReverseIssuanceBody, body)
        invoice = tax_invoices.request_reverse_issuance(
            data["taxInvoice"],
            is_for_test=is_for_test(request, body),
            actor=actor_of(request.user),
            memo=data.get("memo") or None,
            modification=data.get("modification"),
        )
        return answer(invoice)


# --- one invoice --------------------------------------------------------------------------------


class TaxInvoiceView(PortOneApiView):
    """GET and DELETE /b2b/tax-invoices/<key>."""

    @extend_schema(
        operation_id="get_b2b_tax_invoice",
        summary="세금계산서 조회",
        description="세금계산서 아이디 또는 공급자·공급받는자 문서번호(brn과 함께)로 조회합니다.",
        parameters=KEY_PARAMETERS,
    )
    def get(self, request, key: str):
        return Response(tax_invoice_json(addressed(request, key)))

    @extend_schema(
        operation_id="delete_b2b_tax_invoice",
        summary="세금계산서 삭제",
        description=(
            "임시저장, 거부, 요청 취소, 발행 취소, 전송 실패 상태의 세금계산서를 삭제합니다 "
            "(이력은 남습니다). 다른 상태는 B2B_TAX_INVOICE_NON_DELETABLE_STATUS."
        ),
        parameters=KEY_PARAMETERS,
    )
    def delete(self, request, key: str):
        tax_invoices.delete(addressed(request, key), actor=actor_of(request.user))
        return Response({})


class RequestView(ActionView):
    @extend_schema(
        operation_id="request_b2b_tax_invoice",
        summary="세금계산서 역발행 요청",
        description="임시저장된 역발행 세금계산서의 발행을 공급자에게 요청합니다 (본문 없음).",
        parameters=KEY_PARAMETERS,
    )
    def post(self, request, key: str):
        return super().post(request, key)

    def act(self, invoice, data, actor):
        return tax_invoices.request(invoice, actor=actor)


class IssueView(ActionView):
    body_class = inputs.IssueBody

    @extend_schema(
        operation_id="issue_b2b_tax_invoice",
        summary="세금계산서 발행",
        description=(
            "역발행 요청(REQUESTED)된 세금계산서를 승인하거나 임시저장된 정발행 세금계산서를 "
            "발행합니다. 국세청 승인번호가 부여되고, 다음 영업일에 국세청으로 전송됩니다."
        ),
        parameters=KEY_PARAMETERS,
    )
    def post(self, request, key: str):
        return super().post(request, key)

    def act(self, invoice, data, actor):
        return tax_invoices.issue(
            invoice,
            actor=actor,
            memo=data.get("memo") or None,
            email_subject=data.get("emailSubject") or None,
        )


class RefuseView(ActionView):
    @extend_schema(
        operation_id="refuse_b2b_tax_invoice_request",
        summary="세금계산서 역발행 요청 거부",
        description="공급자가 역발행 요청을 거부합니다 (memo는 거부 사유).",
        parameters=KEY_PARAMETERS,
    )
    def post(self, request, key: str):
        return super().post(request, key)

    def act(self, invoice, data, actor):
        return tax_invoices.refuse(invoice, actor=actor, memo=data.get("memo") or None)


class CancelRequestView(ActionView):
    @extend_schema(
        operation_id="cancel_b2b_tax_invoice_request",
        summary="세금계산서 역발행 요청 취소",
        description="공급받는자가 역발행 요청을 취소합니다 (memo는 취소 사유).",
        parameters=KEY_PARAMETERS,
    )
    def post(self, request, key: str):
        return super().post(request, key)

    def act(self, invoice, data, actor):
        return tax_invoices.cancel_request(invoice, actor=actor, memo=data.get("memo") or None)


class CancelIssuanceView(ActionView):
    @extend_schema(
        operation_id="cancel_b2b_tax_invoice_issuance",
        summary="세금계산서 발행 취소",
        description="국세청 전송 전(ISSUED, BEFORE_SENDING)인 세금계산서의 발행을 취소합니다.",
        parameters=KEY_PARAMETERS,
    )
    def post(self, request, key: str):
        return super().post(request, key)

    def act(self, invoice, data, actor):
        return tax_invoices.cancel_issuance(invoice, actor=actor, memo=data.get("memo") or None)


# --- attachments --------------------------------------------------------------------------------


class FileUploadUrlView(PortOneApiView):
    @extend_schema(
        operation_id="create_b2b_file_upload_url",
        summary="파일 업로드 URL 생성",
        description=(
            "첨부할 파일을 올릴 URL을 만듭니다. 응답의 url로 15분 안에 파일 내용을 PUT하고 "
            "(최대 10 MB, 인증 헤더 불필요), fileId로 attach-file을 호출하세요."
        ),
        parameters=[TEST],
    )
    def post(self, request):
        body = body_dict(request)
        data = validated(inputs.FileUploadUrlBody, body)
        upload, url = attachments.create_upload(
            data["fileName"],
            is_for_test=is_for_test(request, body),
            base_url=request.build_absolute_uri("/"),
        )
        return Response({"fileId": upload.public_id, "url": url})


@method_decorator(csrf_exempt, name="dispatch")
class FileUploadTargetView(View):
    """PUT /b2b/file-uploads/<fileId>?sig=… — the signed upload URL (no Authorization)."""

    http_method_names = ["put"]

    def put(self, request, file_id: str):
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > attachments.MAX_FILE_BYTES:
            return JsonResponse(
                {
                    "type": "INVALID_REQUEST",
                    "message": f"파일이 너무 큽니다 (최대 "
                    f"{attachments.MAX_FILE_BYTES // (1024 * 1024)} MB).",
                },
                status=413,
            )
        try:
            attachments.receive(
                file_id,
                request.GET.get("sig", ""),
                request.body,
                request.META.get("CONTENT_TYPE", ""),
            )
        except DomainError as exc:
            status = 404 if exc.code == "B2B_FILE_NOT_FOUND" else 400
            return JsonResponse({"type": exc.code, "message": exc.message}, status=status)
        return JsonResponse({})


class AttachFileView(PortOneApiView):
    @extend_schema(
        operation_id="attach_b2b_tax_invoice_file",
        summary="세금계산서 파일 첨부",
        description=(
            "업로드한 파일을 임시저장(DRAFTED) 세금계산서에 첨부합니다. 없거나 아직 올리지 않은 "
            "파일은 B2B_FILE_NOT_FOUND."
        ),
        parameters=KEY_PARAMETERS,
    )
    def post(self, request, key: str):
        data = validated(inputs.AttachFileBody, body_dict(request))
        attachments.attach(addressed(request, key), data["fileId"], actor=actor_of(request.user))
        return Response({})


class AttachmentsView(PortOneApiView):
    @extend_schema(
        operation_id="get_b2b_tax_invoice_attachments",
        summary="세금계산서 첨부 파일 목록",
        description="세금계산서에 첨부된 파일 목록을 조회합니다.",
        parameters=KEY_PARAMETERS,
    )
    def get(self, request, key: str):
        items = attachments.attachments_of(addressed(request, key))
        return Response(
            {
                "attachments": [
                    drop_none({"id": a.public_id, "name": a.file.name, "attachedAt": a.attached_at})
                    for a in items
                ]
            }
        )


class AttachmentView(PortOneApiView):
    @extend_schema(
        operation_id="delete_b2b_tax_invoice_attachment",
        summary="세금계산서 첨부 파일 삭제",
        description="임시저장(DRAFTED) 세금계산서의 첨부 파일을 삭제합니다.",
        parameters=KEY_PARAMETERS,
    )
    def delete(self, request, key: str, attachment_id: str):
        attachments.remove(addressed(request, key), attachment_id, actor=actor_of(request.user))
        return Response({})


urlpatterns = [
    path("tax-invoices/draft", DraftView.as_view()),
    path("tax-invoices/issue-immediately", IssueImmediatelyView.as_view()),
    path("tax-invoices/request-reverse-issuance", RequestReverseIssuanceView.as_view()),
    path("file-upload-url", FileUploadUrlView.as_view()),
    path("file-uploads/<str:file_id>", FileUploadTargetView.as_view()),
    path("tax-invoices/<str:key>", TaxInvoiceView.as_view()),
    path("tax-invoices/<str:key>/request", RequestView.as_view()),
    path("tax-invoices/<str:key>/issue", IssueView.as_view()),
    path("tax-invoices/<str:key>/refuse-request", RefuseView.as_view()),
    path("tax-invoices/<str:key>/cancel-request", CancelRequestView.as_view()),
    path("tax-invoices/<str:key>/cancel-issuance", CancelIssuanceView.as_view()),
    path("tax-invoices/<str:key>/attach-file", AttachFileView.as_view()),
    path("tax-invoices/<str:key>/attachments", AttachmentsView.as_view()),
    path("tax-invoices/<str:key>/attachments/<str:attachment_id>", AttachmentView.as_view()),
]
