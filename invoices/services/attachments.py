"""Files attached to tax invoices (docs/invoices.md#attachments).

`POST /b2b/file-upload-url {fileName}` makes an `UploadedFile` and answers a short-lived signed
PUT URL to our own server (`PUT /b2b/file-uploads/<fileId>?sig=…`, no Authorization: the
signature is the permission, as with a pre-signed storage URL). The bytes land in the row; then
`attach-file {fileId}` links the uploaded file to a DRAFTED invoice, once per invoice.
"""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.utils import timezone

from core.errors import Invalid, NotFound
from invoices.models import TaxInvoice, TaxInvoiceAttachment, UploadedFile

#: how long the upload URL is good for
UPLOAD_URL_SECONDS = 15 * 60
#: the largest file accepted
MAX_FILE_BYTES = 10 * 1024 * 1024

_SALT = "invoices.file-upload"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SALT)


def upload_path(file_id: str) -> str:
    return f"/b2b/file-uploads/{file_id}"


def create_upload(file_name: str, *, is_for_test: bool, base_url: str) -> tuple[UploadedFile, str]:
    """A new upload slot and its signed URL (`base_url` = scheme://host the caller reached)."""
    name = file_name.strip().replace("/", "_").replace("\\", "_")[:255]
    if not name:
        raise Invalid("INVALID_REQUEST", "fileName: 파일 이름이 필요합니다.", field="fileName")
    upload = UploadedFile.objects.create(name=name, is_for_test=is_for_test)
    signed = _signer().sign(upload.public_id)
    sig = signed[len(upload.public_id) + 1 :]
    return upload, f"{base_url.rstrip('/')}{upload_path(upload.public_id)}?sig={sig}"


def check_signature(file_id: str, sig: str) -> None:
    try:
        _signer().unsign(f"{file_id}:{sig}", max_age=UPLOAD_URL_SECONDS)
    except signing.SignatureExpired as exc:
        raise Invalid("INVALID_REQUEST", "업로드 URL이 만료되었습니다.") from exc
    except signing.BadSignature as exc:
        raise Invalid("INVALID_REQUEST", "업로드 URL의 서명이 올바르지 않습니다.") from exc


def receive(file_id: str, sig: str, content: bytes, content_type: str = "") -> UploadedFile:
    """The PUT to the signed URL: store the bytes (a second PUT replaces them until attached)."""
    check_signature(file_id, sig)
    if len(content) > MAX_FILE_BYTES:
        raise Invalid(
            "INVALID_REQUEST",
            f"파일이 너무 큽니다 (최대 {MAX_FILE_BYTES // (1024 * 1024)} MB).",
        )
    with transaction.atomic():
        upload = UploadedFile.objects.select_for_update().filter(public_id=file_id).first()
        if upload is None:
            raise NotFound("B2B_FILE_NOT_FOUND", f"파일을 찾을 수 없습니다: {file_id}")
        if upload.attachments.exists():
            raise Invalid("INVALID_REQUEST", "이미 첨부된 파일은 바꿀 수 없습니다.")
        upload.content = content
        upload.size = len(content)
        upload.content_type = (content_type or "")[:100]
        upload.uploaded_at = timezone.now()
        upload.save(update_fields=["content", "size", "content_type", "uploaded_at"])
    return upload


def _check_drafted(invoice: TaxInvoice) -> None:
    if invoice.status != "DRAFTED":
        raise Invalid(
            "B2B_TAX_INVOICE_NOT_DRAFTED_STATUS",
            f"임시저장 상태에서만 첨부할 수 있습니다 (현재 {invoice.status}).",
        )


def attach(invoice: TaxInvoice, file_id: str, *, actor: str) -> TaxInvoiceAttachment:
    with transaction.atomic():
        inv = TaxInvoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
        _check_drafted(inv)
        upload = (
            UploadedFile.objects.select_for_update()
            .filter(public_id=file_id, is_for_test=inv.is_for_test, uploaded_at__isnull=False)
            .first()
        )
        if upload is None:
            raise NotFound("B2B_FILE_NOT_FOUND", f"업로드된 파일을 찾을 수 없습니다: {file_id}")
        existing = inv.attachments.filter(file=upload).first()
        if existing is not None:
            return existing
        attachment = TaxInvoiceAttachment.objects.create(invoice=inv, file=upload)
        inv.events.create(
            at=timezone.now(),
            action="UPDATE_DRAFT",
            from_status=inv.status,
            to_status=inv.status,
            actor=actor[:200],
            memo=f"첨부: {upload.name}"[:500],
            details={"attachmentId": attachment.public_id, "fileId": upload.public_id},
        )
    return attachment


def attachments_of(invoice: TaxInvoice) -> list[TaxInvoiceAttachment]:
    return list(invoice.attachments.select_related("file").order_by("attached_at", "id"))


def remove(invoice: TaxInvoice, attachment_id: str, *, actor: str) -> None:
    with transaction.atomic():
        inv = TaxInvoice.objects.select_for_update(of=("self",)).get(pk=invoice.pk)
        attachment = inv.attachments.select_related("file").filter(public_id=attachment_id).first()
        if attachment is None:
            raise NotFound(
                "B2B_TAX_INVOICE_ATTACHMENT_NOT_FOUND",
                f"첨부 파일을 찾을 수 없습니다: {attachment_id}",
            )
        _check_drafted(inv)
        name = attachment.file.name
        attachment.delete()
        inv.events.create(
            at=timezone.now(),
            action="UPDATE_DRAFT",
            from_status=inv.status,
            to_status=inv.status,
            actor=actor[:200],
            memo=f"첨부 삭제: {name}"[:500],
            details={"attachmentId": attachment_id},
        )
