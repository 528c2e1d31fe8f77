"""Tax-invoice writes (docs/invoices.md): drafting (with its parties and modifications),
requesting, issuing, refusing, cancelling, deleting.

Every state change re-reads and locks the row (`select_for_update`) inside one transaction and
goes through `invoices.services.transitions.apply`, so a second approval meets the status the
first left and changes nothing. A modification that the law makes of two documents (a negative
copy of the original beside the document sent, invoices.domain.modifications) keeps them
together: the copy's id is `<id>-N`, and each action on the document sent moves the copy too.

Parties (docs/invoices.md#addressing): REVERSE — the supplier is an NTS-connected counterparty
(by `brn` or `counterpartyId`), the recipient our own company; NORMAL — the supplier is our own
company, the recipient a counterparty (or created from the given fields with
`createRecipientCounterparty`). Snapshots take the given fields and fill the empty ones from
the counterparty / own company.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.errors import Invalid, NotFound
from invoices.domain import documents, modifications
from invoices.domain.statuses import (
    Action,
    DocumentModificationType,
    IssuanceType,
    NtsConnectionStatus,
    Status,
)
from invoices.models import Counterparty, OwnCompany, TaxInvoice, new_public_id
from invoices.services import addressing, notifications, own_company, transitions

_RELATED = ("bulk", "payout", "original", "root", "supplier_counterparty", "recipient_counterparty")


def _locked(invoice: TaxInvoice) -> TaxInvoice:
    return (
        TaxInvoice.objects.select_for_update(of=("self",))
        .select_related(*_RELATED)
        .get(pk=invoice.pk)
    )


def _negative_copy(invoice: TaxInvoice) -> TaxInvoice | None:
    """The negative copy made with `invoice` (a two-document modification), locked."""
    if invoice.document_modification_type != DocumentModificationType.MODIFICATION:
        return None
    if invoice.modification_type not in modifications.TWO_DOCUMENTS:
        return None
    return (
        TaxInvoice.objects.select_for_update(of=("self",))
        .select_related(*_RELATED)
        .filter(
            is_for_test=invoice.is_for_test,
            public_id=modifications.negative_copy_id(invoice.public_id),
            deleted_at__isnull=True,
        )
        .first()
    )


def _calendar():
    from settlements.services.rules import calendar

    return calendar()


def _move(
    inv: TaxInvoice,
    action: Action,
    *,
    actor: str,
    memo: str | None = None,
    changes: dict | None = None,
    details: dict | None = None,
    at=None,
) -> TaxInvoice:
    """`transitions.apply` on the invoice, then on its negative copy when it has one and the
    action is allowed there."""
    transitions.apply(inv, action, actor=actor, memo=memo, changes=changes, details=details, at=at)
    copy = _negative_copy(inv)
    if copy is not None and transitions.refusal(action, copy) is None:
        copy_changes = dict(changes or {})
        if action is Action.ISSUE:
            copy_changes["nts_approval_number"] = documents.nts_approval_number(
                at or timezone.now(), copy.taxation_type
            )
        transitions.apply(
            copy, action, actor=actor, memo=memo, changes=copy_changes, details=details, at=at
        )
    return inv


# --- state changes ----------------------------------------------------------------------------


def _issue_changes(inv: TaxInvoice, now) -> dict[str, Any]:
    cal = _calendar()
    return {
        "nts_approval_number": documents.nts_approval_number(now, inv.taxation_type),
        "is_delayed": documents.is_delayed(inv.write_date, now, cal),
        "nts_due_at": documents.nts_due_at(now, cal, settings.NTS_SEND_HOUR),
    }


def issue(
    invoice: TaxInvoice,
    *,
    actor: str,
    memo: str | None = None,
    email_subject: str | None = None,
) -> TaxInvoice:
    """발행: REQUESTED (REVERSE) or DRAFTED (NORMAL) → ISSUED, with the NTS approval number, the
    delay flag and the transmission due time."""
    with transaction.atomic():
        inv = _locked(invoice)
        problem = transitions.refusal(Action.ISSUE, inv)
        if problem is not None:
            raise problem
        if inv.issuance_type == IssuanceType.REVERSE and inv.status != Status.REQUESTED:
            raise Invalid(
                "B2B_TAX_INVOICE_NOT_REQUESTED_STATUS",
                f"역발행 세금계산서는 역발행 요청 상태에서 발행합니다 (현재 {inv.status}).",
            )
        if inv.issuance_type == IssuanceType.NORMAL and inv.status != Status.DRAFTED:
            raise Invalid(
                "B2B_TAX_INVOICE_NOT_DRAFTED_STATUS",
                f"정발행 세금계산서는 임시저장 상태에서 발행합니다 (현재 {inv.status}).",
            )
        now = timezone.now()
        details = {"emailSubject": email_subject} if email_subject else None
        _move(
            inv,
            Action.ISSUE,
            actor=actor,
            memo=memo,
            at=now,
            changes=_issue_changes(inv, now),
            details=details,
        )
        notifications.queue_event(inv, "ISSUED")
    return inv


def refuse(invoice: TaxInvoice, *, actor: str, memo: str | None = None) -> TaxInvoice:
    """발행 거부 (REVERSE, the supplier): REQUESTED → REQUEST_REFUSED."""
    with transaction.atomic():
        inv = _locked(invoice)
        _move(inv, Action.REFUSE, actor=actor, memo=memo, changes={"cancel_reason": memo or None})
        notifications.queue_event(inv, "REFUSED")
    return inv


def cancel_request(invoice: TaxInvoice, *, actor: str, memo: str | None = None) -> TaxInvoice:
    """역발행 요청 취소 (the recipient): REQUESTED → REQUEST_CANCELLED."""
    with transaction.atomic():
        inv = _locked(invoice)
        _move(
            inv,
            Action.CANCEL_REQUEST,
            actor=actor,
            memo=memo,
            changes={"cancel_reason": memo or None},
        )
        notifications.queue_event(inv, "REQUEST_CANCELLED")
    return inv


def cancel_issuance(invoice: TaxInvoice, *, actor: str, memo: str | None = None) -> TaxInvoice:
    """발행 취소 before the NTS transmission: ISSUED/BEFORE_SENDING → ISSUANCE_CANCELLED."""
    with transaction.atomic():
        inv = _locked(invoice)
        _move(
            inv,
            Action.CANCEL_ISSUANCE,
            actor=actor,
            memo=memo,
            changes={"cancel_reason": memo or None},
        )
        notifications.queue_event(inv, "ISSUANCE_CANCELLED")
    return inv


def request(invoice: TaxInvoice, *, actor: str) -> TaxInvoice:
    """역발행 요청: DRAFTED (REVERSE) → REQUESTED, and the request message queued."""
    with transaction.atomic():
        inv = _locked(invoice)
        _request_locked(inv, actor=actor)
    return inv


def _request_locked(inv: TaxInvoice, *, actor: str, memo: str | None = None) -> None:
    if inv.issuance_type != IssuanceType.REVERSE:
        raise Invalid(
            "B2B_ISSUANCE_TYPE_MISMATCH",
            "역발행 요청은 역발행(REVERSE) 세금계산서만 할 수 있습니다.",
        )
    if not inv.recipient_document_key:
        raise Invalid(
            "B2B_TAX_INVOICE_NO_RECIPIENT_DOCUMENT_KEY", "공급받는자 문서번호가 없습니다."
        )
    _move(inv, Action.REQUEST, actor=actor, memo=memo)
    notifications.queue_requests([inv])


def delete(invoice: TaxInvoice, *, actor: str) -> TaxInvoice:
    """삭제: hides the invoice (deleted_at), keeps the row and its history."""
    with transaction.atomic():
        inv = _locked(invoice)
        _move(inv, Action.DELETE, actor=actor)
    return inv


# --- parties ----------------------------------------------------------------------------------


def _counterparty_contact(cp: Counterparty) -> dict[str, Any]:
    return {"email": cp.contact_email, "name": cp.contact_name, "phoneNumber": cp.contact_phone}


def _own_snapshot(company: OwnCompany) -> dict[str, Any]:
    return {
        "brn": company.brn,
        "taxRegistrationId": company.tax_registration_id,
        "name": company.company_name,
        "representativeName": company.representative_name,
        "address": company.address,
        "businessType": company.business_type,
        "businessClass": company.business_class,
        "contact": {
            "email": company.contact_email,
            "name": company.contact_name,
            "department": company.contact_department,
            "phoneNumber": company.contact_phone,
        },
    }


def _counterparty_snapshot(cp: Counterparty) -> dict[str, Any]:
    return {
        "brn": cp.brn,
        "counterpartyId": cp.public_id,
        "taxRegistrationId": cp.tax_registration_id,
        "name": cp.company_name,
        "representativeName": cp.representative_name,
        "address": cp.address,
        "businessType": cp.business_type,
        "businessClass": cp.business_class,
        "contact": _counterparty_contact(cp),
    }


def _merged(base: dict[str, Any], given: dict[str, Any] | None) -> dict[str, Any]:
    """The given party fields over the stored ones; empty given values keep the stored."""
    out = {k: v for k, v in base.items() if v not in (None, "")}
    for key, value in (given or {}).items():
        if value in (None, ""):
            continue
        if key == "contact":
            contact = {k: v for k, v in (out.get("contact") or {}).items() if v not in (None, "")}
            contact.update({k: v for k, v in value.items() if v not in (None, "")})
            out["contact"] = contact
        else:
            out[key] = value
    if isinstance(out.get("contact"), dict):
        out["contact"] = {k: v for k, v in out["contact"].items() if v not in (None, "")}
        if not out["contact"].get("email"):
            out.pop("contact")
    return out


def _find_counterparty(given: dict[str, Any] | None, *, is_for_test: bool) -> Counterparty | None:
    given = given or {}
    qs = Counterparty.objects.filter(is_for_test=is_for_test, deleted_at__isnull=True)
    if given.get("counterpartyId"):
        cp = qs.filter(public_id=given["counterpartyId"]).select_related("partner").first()
        if cp is not None and given.get("brn") and given["brn"] != cp.brn:
            return None
        return cp
    if given.get("brn"):
        qs = qs.filter(brn=given["brn"]).select_related("partner")
        if given.get("taxRegistrationId"):
            exact = qs.filter(tax_registration_id=given["taxRegistrationId"]).first()
            if exact is not None:
                return exact
        return _prefer(qs)
    return None


def _prefer(qs) -> Counterparty | None:
    """Of counterparties sharing a BRN: the NTS-connected one, else the oldest."""
    connected = qs.filter(nts_connection_status=NtsConnectionStatus.CONNECTED).order_by("id")
    return connected.first() or qs.order_by("id").first()


def _not_found(code: str, role: str, given: dict[str, Any] | None) -> NotFound:
    given = given or {}
    label = "공급자" if role == "supplier" else "공급받는자"
    key = given.get("counterpartyId") or given.get("brn") or ""
    return NotFound(
        code,
        f"{label} 거래처를 찾을 수 없습니다: {key}".rstrip(": "),
        brn=given.get("brn") or None,
        counterparty_id=given.get("counterpartyId") or None,
    )


def _taxation_type_of(cp: Counterparty) -> str | None:
    if cp.taxation_type:
        return cp.taxation_type
    partner = cp.partner if cp.partner_id else None
    return getattr(partner, "taxation_type", None) or None


def _upsert_recipient(given: dict[str, Any], *, is_for_test: bool) -> Counterparty:
    """createRecipientCounterparty: the recipient's counterparty, made or updated from the
    fields."""
    contact = given.get("contact") or {}
    missing = [
        name
        for name, value in (
            ("recipient.brn", given.get("brn")),
            ("recipient.name", given.get("name")),
            ("recipient.representativeName", given.get("representativeName")),
            ("recipient.contact.email", contact.get("email")),
        )
        if not value
    ]
    if missing:
        raise Invalid(
            "INVALID_REQUEST",
            f"{', '.join(missing)}: 거래처를 만들려면 필요합니다.",
            field=missing[0],
        )
    if given["brn"] == own_company.own_company().brn:
        raise Invalid(
            "INVALID_REQUEST", "recipient.brn: 자사 사업자번호로는 거래처를 만들 수 없습니다."
        )
    values = {
        "company_name": given["name"],
        "representative_name": given["representativeName"],
        "contact_name": contact.get("name") or given["representativeName"],
        "contact_email": contact["email"],
    }
    for field_name, key in (
        ("tax_registration_id", "taxRegistrationId"),
        ("address", "address"),
        ("business_type", "businessType"),
        ("business_class", "businessClass"),
    ):
        if given.get(key):
            values[field_name] = given[key]
    if contact.get("phoneNumber") or contact.get("mobilePhoneNumber"):
        values["contact_phone"] = contact.get("phoneNumber") or contact.get("mobilePhoneNumber")
    qs = Counterparty.objects.filter(
        is_for_test=is_for_test, brn=given["brn"], deleted_at__isnull=True
    )
    cp = _prefer(qs)
    if cp is None:
        return Counterparty.objects.create(is_for_test=is_for_test, brn=given["brn"], **values)
    if cp.partner_id is None:  # a partner's counterparty is edited through the partner
        for name, value in values.items():
            setattr(cp, name, value)
        cp.save()
    return cp


class _Parties:
    def __init__(self) -> None:
        self.supplier: dict[str, Any] = {}
        self.recipient: dict[str, Any] = {}
        self.supplier_cp: Counterparty | None = None
        self.recipient_cp: Counterparty | None = None
        self.supplier_taxation_type: str | None = None

    @property
    def partner_cp(self) -> Counterparty | None:
        """The other party (whose additional contacts `useCounterpartyAdditionalContacts` uses)."""
        return self.supplier_cp or self.recipient_cp


def _parties(
    data: dict[str, Any], issuance_type: str, *, is_for_test: bool, create_recipient: bool
) -> _Parties:
    parties = _Parties()
    given_supplier = data.get("supplier") or {}
    given_recipient = data.get("recipient") or {}
    if issuance_type == IssuanceType.REVERSE:
        if not (given_supplier.get("brn") or given_supplier.get("counterpartyId")):
            raise Invalid(
                "INVALID_REQUEST",
                "supplier: 역발행에는 공급자(brn 또는 counterpartyId)가 필요합니다.",
                field="supplier",
            )
        cp = _find_counterparty(given_supplier, is_for_test=is_for_test)
        if cp is None:
            raise _not_found("B2B_SUPPLIER_NOT_FOUND", "supplier", given_supplier)
        if cp.nts_connection_status != NtsConnectionStatus.CONNECTED:
            raise Invalid(
                "B2B_COUNTERPARTY_NTS_NOT_CONNECTED",
                f"공급자 거래처가 국세청에 연동되지 않았습니다: {cp.brn}",
                brn=cp.brn,
                counterparty_id=cp.public_id,
            )
        company = own_company.configured_own_company()
        if given_recipient.get("brn") and given_recipient["brn"] != company.brn:
            raise _not_found("B2B_RECIPIENT_NOT_FOUND", "recipient", given_recipient)
        if given_recipient.get("counterpartyId"):
            raise _not_found("B2B_RECIPIENT_NOT_FOUND", "recipient", given_recipient)
        parties.supplier_cp = cp
        parties.supplier = _merged(_counterparty_snapshot(cp), given_supplier)
        parties.recipient = _merged(_own_snapshot(company), given_recipient)
        parties.supplier_taxation_type = _taxation_type_of(cp)
        return parties

    company = own_company.own_company()
    if not (company.brn and company.company_name and company.representative_name):
        raise NotFound(
            "B2B_SUPPLIER_NOT_FOUND",
            "자사 정보(사업자등록번호·상호·대표자)가 설정되지 않았습니다.",
        )
    if given_supplier.get("brn") and given_supplier["brn"] != company.brn:
        raise _not_found("B2B_SUPPLIER_NOT_FOUND", "supplier", given_supplier)
    if given_supplier.get("counterpartyId"):
        raise _not_found("B2B_SUPPLIER_NOT_FOUND", "supplier", given_supplier)
    cp = None
    if given_recipient.get("brn") or given_recipient.get("counterpartyId"):
        cp = _find_counterparty(given_recipient, is_for_test=is_for_test)
    if cp is None and create_recipient and not given_recipient.get("counterpartyId"):
        cp = _upsert_recipient(given_recipient, is_for_test=is_for_test)
    if cp is None:
        if not (given_recipient.get("brn") or given_recipient.get("counterpartyId")):
            raise Invalid(
                "INVALID_REQUEST",
                "recipient: 공급받는자(brn 또는 counterpartyId)가 필요합니다.",
                field="recipient",
            )
        raise _not_found("B2B_RECIPIENT_NOT_FOUND", "recipient", given_recipient)
    if create_recipient and cp.partner_id is None and given_recipient.get("name"):
        cp = _upsert_recipient(
            {**_counterparty_snapshot(cp), **given_recipient}, is_for_test=is_for_test
        )
    parties.recipient_cp = cp
    parties.supplier = _merged(_own_snapshot(company), given_supplier)
    parties.recipient = _merged(_counterparty_snapshot(cp), given_recipient)
    parties.supplier_taxation_type = company.taxation_type
    return parties


def _check_party_fields(parties: _Parties) -> None:
    for role, snap in (("supplier", parties.supplier), ("recipient", parties.recipient)):
        for key in ("brn", "name", "representativeName"):
            if not snap.get(key):
                raise Invalid(
                    "INVALID_REQUEST", f"{role}.{key}: 값이 필요합니다.", field=f"{role}.{key}"
                )


# --- building an invoice ----------------------------------------------------------------------


def _additional_contacts(data: dict[str, Any], parties: _Parties) -> list[dict[str, Any]]:
    if data.get("additionalContacts"):
        return [
            {k: v for k, v in c.items() if v not in (None, "")} for c in data["additionalContacts"]
        ]
    cp = parties.partner_cp
    if data.get("useCounterpartyAdditionalContacts") and cp is not None:
        return [
            {
                k: v
                for k, v in {
                    "email": c.get("email"),
                    "name": c.get("name"),
                    "phoneNumber": c.get("phoneNumber"),
                }.items()
                if v not in (None, "")
            }
            for c in (cp.additional_contacts or [])[: documents.MAX_ADDITIONAL_CONTACTS]
        ]
    return []


def _items(data: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for item in data.get("items") or []:
        clean = {}
        for key, value in item.items():
            if value in (None, ""):
                continue
            clean[key] = value.isoformat() if isinstance(value, date) else value
        out.append(clean)
    return out


def _fields(
    data: dict[str, Any], parties: _Parties, *, write_date: date, issuance_type: str
) -> dict[str, Any]:
    """The model fields of `data` (a validated B2bTaxInvoiceInput)."""
    contact = parties.supplier.get("contact") or {}
    return {
        "issuance_type": issuance_type,
        "taxation_type": data["taxationType"],
        "purpose_type": data["purposeType"],
        "write_date": write_date,
        "issuance_due_date": documents.issuance_due_date(write_date, _calendar()),
        "total_supply_amount": data["totalSupplyAmount"],
        "total_tax_amount": data["totalTaxAmount"],
        "total_amount": data["totalAmount"],
        "cash_amount": data.get("cashAmount"),
        "check_amount": data.get("checkAmount"),
        "credit_amount": data.get("creditAmount"),
        "note_amount": data.get("noteAmount"),
        "serial_number": data.get("serialNumber") or None,
        "book_volume": data.get("bookVolume"),
        "book_issue": data.get("bookIssue"),
        "remarks": [r for r in data.get("remarks") or []],
        "items": _items(data),
        "additional_contacts": _additional_contacts(data, parties),
        "send_sms": bool(data.get("sendSms")),
        "supplier": parties.supplier,
        "recipient": parties.recipient,
        "supplier_brn": parties.supplier["brn"],
        "supplier_name": parties.supplier["name"],
        "supplier_representative_name": parties.supplier["representativeName"],
        "supplier_email": contact.get("email", ""),
        "supplier_counterparty": parties.supplier_cp,
        "recipient_brn": parties.recipient["brn"],
        "recipient_name": parties.recipient["name"],
        "recipient_representative_name": parties.recipient["representativeName"],
        "recipient_counterparty": parties.recipient_cp,
    }


def _check_key_free(
    *, is_for_test: bool, side: str, brn: str, key: str, exclude_pk: int | None = None
) -> None:
    qs = TaxInvoice.objects.filter(is_for_test=is_for_test)
    if side == "SUPPLIER":
        qs = qs.filter(supplier_brn=brn, supplier_document_key=key)
    else:
        qs = qs.filter(recipient_brn=brn, recipient_document_key=key)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    if qs.exists():
        raise _key_used(side, key)


def _key_used(side: str, key: str) -> Invalid:
    if side == "SUPPLIER":
        return Invalid(
            "B2B_TAX_INVOICE_SUPPLIER_DOCUMENT_KEY_ALREADY_USED",
            f"이미 사용된 공급자 문서번호입니다: {key}",
        )
    return Invalid(
        "B2B_TAX_INVOICE_RECIPIENT_DOCUMENT_KEY_ALREADY_USED",
        f"이미 사용된 공급받는자 문서번호입니다: {key}",
    )


def _original_of(modification: dict[str, Any], *, is_for_test: bool) -> TaxInvoice:
    key_type = modification.get("taxInvoiceKeyType") or "RECIPIENT"  # docs/invoices.md#addressing
    try:
        return addressing.get_invoice(
            modification["taxInvoiceKey"],
            key_type,
            modification.get("brn"),
            is_for_test=is_for_test,
        )
    except NotFound as exc:
        raise NotFound(
            "B2B_ORIGINAL_TAX_INVOICE_NOT_FOUND",
            f"원본 세금계산서를 찾을 수 없습니다: {modification['taxInvoiceKey']}",
        ) from exc


def _original_view(original: TaxInvoice) -> modifications.Original:
    return modifications.Original(
        status=original.status,
        issuance_type=original.issuance_type,
        taxation_type=original.taxation_type,
        write_date=original.write_date,
        total_supply_amount=original.total_supply_amount,
        total_tax_amount=original.total_tax_amount,
        total_amount=original.total_amount,
        items=list(original.items or []),
    )


def _prepare(
    data: dict[str, Any],
    *,
    is_for_test: bool,
    issuance_type: str,
    modification: dict[str, Any] | None,
    create_recipient: bool,
    original: TaxInvoice | None = None,
    modification_type: str | None = None,
):
    """(fields of the document sent, the plan of its modification or None, the original)."""
    data = dict(data)
    plan = None
    if modification is not None or original is not None:
        if original is None:
            original = _original_of(modification, is_for_test=is_for_test)
            modification_type = modification["type"]
        plan = modifications.plan(
            modification_type, _original_view(original), {**data, "issuanceType": issuance_type}
        )
        data.update(plan.sent_changes)
    documents.validate(data, is_modification=plan is not None)
    parties = _parties(
        data, issuance_type, is_for_test=is_for_test, create_recipient=create_recipient
    )
    _check_party_fields(parties)
    documents.check_document_type(parties.supplier_taxation_type, data["taxationType"])
    for name in ("supplierDocumentKey", "recipientDocumentKey"):
        if data.get(name):
            documents.check_document_key(data[name], f"taxInvoice.{name}")
    fields = _fields(data, parties, write_date=data["writeDate"], issuance_type=issuance_type)
    if plan is not None:
        fields.update(
            document_modification_type=DocumentModificationType.MODIFICATION,
            modification_type=plan.type,
            original=original,
            root=original.root if original.root_id else original,
            original_nts_approval_number=original.nts_approval_number,
        )
    return data, fields, plan


def _save_new(invoice: TaxInvoice, *, actor: str, memo: str | None) -> TaxInvoice:
    invoice.status = None  # a new invoice: DRAFT is allowed from "no status"
    try:
        with transaction.atomic():
            transitions.apply(invoice, Action.DRAFT, actor=actor, memo=memo)
    except IntegrityError as exc:  # a concurrent writer took the key or the id
        text = str(exc)
        if "supplier" in text:
            raise _key_used("SUPPLIER", invoice.supplier_document_key or "") from exc
        if "recipient" in text:
            raise _key_used("RECIPIENT", invoice.recipient_document_key or "") from exc
        from core.errors import Conflict

        raise Conflict("B2B_ID_ALREADY_EXISTS", "이미 사용 중인 아이디입니다.") from exc
    return invoice


def _create(
    data: dict[str, Any],
    *,
    is_for_test: bool,
    actor: str,
    memo: str | None,
    modification: dict[str, Any] | None,
    create_recipient_counterparty: bool,
    issuance_type: str,
) -> tuple[TaxInvoice, TaxInvoice | None]:
    data, fields, plan = _prepare(
        data,
        is_for_test=is_for_test,
        issuance_type=issuance_type,
        modification=modification,
        create_recipient=create_recipient_counterparty,
    )
    public_id = new_public_id()
    supplier_key = data.get("supplierDocumentKey") or documents.document_key(public_id, "SUPPLIER")
    recipient_key = data.get("recipientDocumentKey") or documents.document_key(
        public_id, "RECIPIENT"
    )
    _check_key_free(
        is_for_test=is_for_test, side="SUPPLIER", brn=fields["supplier_brn"], key=supplier_key
    )
    _check_key_free(
        is_for_test=is_for_test, side="RECIPIENT", brn=fields["recipient_brn"], key=recipient_key
    )
    invoice = TaxInvoice(
        public_id=public_id,
        is_for_test=is_for_test,
        supplier_document_key=supplier_key,
        recipient_document_key=recipient_key,
        memo=memo or None,
        **fields,
    )
    _save_new(invoice, actor=actor, memo=memo)
    copy = None
    if plan is not None and plan.negative_copy is not None:
        neg = plan.negative_copy
        copy_id = modifications.negative_copy_id(public_id)
        copy_fields = {
            **fields,
            "taxation_type": neg.taxation_type,
            "write_date": neg.write_date,
            "issuance_due_date": documents.issuance_due_date(neg.write_date, _calendar()),
            "total_supply_amount": neg.total_supply_amount,
            "total_tax_amount": neg.total_tax_amount,
            "total_amount": neg.total_amount,
            "items": neg.items,
            "cash_amount": None,
            "check_amount": None,
            "credit_amount": None,
            "note_amount": None,
        }
        copy = TaxInvoice(
            public_id=copy_id,
            is_for_test=is_for_test,
            supplier_document_key=documents.document_key(copy_id, "SUPPLIER"),
            recipient_document_key=documents.document_key(copy_id, "RECIPIENT"),
            memo=memo or None,
            **copy_fields,
        )
        _save_new(copy, actor=actor, memo=f"{public_id}의 음수 사본 (원본 취소분)")
    return invoice, copy


def _issuance_type(data: dict[str, Any], default: str = IssuanceType.REVERSE) -> str:
    return data.get("issuanceType") or default


def draft(
    data: dict,
    *,
    is_for_test: bool,
    actor: str,
    memo=None,
    modification: dict | None = None,
    create_recipient_counterparty: bool = False,
) -> TaxInvoice:
    """임시저장: a new DRAFTED invoice (and its negative copy for a two-document modification)."""
    with transaction.atomic():
        invoice, _copy = _create(
            data,
            is_for_test=is_for_test,
            actor=actor,
            memo=memo,
            modification=modification,
            create_recipient_counterparty=create_recipient_counterparty,
            issuance_type=_issuance_type(data),
        )
    return invoice


def request_reverse_issuance(
    data, *, is_for_test, actor, memo=None, modification=None
) -> TaxInvoice:
    """역발행 요청 in one call: draft + request (REVERSE only)."""
    issuance_type = _issuance_type(data)
    if issuance_type != IssuanceType.REVERSE:
        raise Invalid(
            "B2B_ISSUANCE_TYPE_MISMATCH",
            "역발행 요청은 역발행(REVERSE) 세금계산서만 할 수 있습니다.",
        )
    with transaction.atomic():
        invoice, _copy = _create(
            data,
            is_for_test=is_for_test,
            actor=actor,
            memo=memo,
            modification=modification,
            create_recipient_counterparty=False,
            issuance_type=issuance_type,
        )
        _request_locked(invoice, actor=actor, memo=memo)
    return invoice


def issue_immediately(
    data,
    *,
    is_for_test,
    actor,
    memo=None,
    modification=None,
    create_recipient_counterparty=False,
) -> TaxInvoice:
    """즉시 발행 (NORMAL): draft + issue. `issuanceType` defaults to NORMAL here."""
    issuance_type = _issuance_type(data, IssuanceType.NORMAL)
    if issuance_type != IssuanceType.NORMAL:
        raise Invalid(
            "B2B_ISSUANCE_TYPE_MISMATCH", "즉시 발행은 정발행(NORMAL) 세금계산서만 할 수 있습니다."
        )
    with transaction.atomic():
        invoice, _copy = _create(
            data,
            is_for_test=is_for_test,
            actor=actor,
            memo=memo,
            modification=modification,
            create_recipient_counterparty=create_recipient_counterparty,
            issuance_type=issuance_type,
        )
        now = timezone.now()
        _move(
            invoice,
            Action.ISSUE,
            actor=actor,
            memo=memo,
            at=now,
            changes=_issue_changes(invoice, now),
        )
        notifications.queue_event(invoice, "ISSUED")
    return invoice


def update_draft(invoice: TaxInvoice, data, *, actor, memo=None) -> TaxInvoice:
    """임시저장 수정: DRAFTED only; document keys, issuance and taxation types stay."""
    with transaction.atomic():
        inv = _locked(invoice)
        problem = transitions.refusal(Action.UPDATE_DRAFT, inv)
        if problem is not None:
            raise problem
        for name, current in (
            ("supplierDocumentKey", inv.supplier_document_key),
            ("recipientDocumentKey", inv.recipient_document_key),
        ):
            if data.get(name) and data[name] != current:
                raise Invalid(
                    "B2B_DOCUMENT_KEY_CANNOT_BE_CHANGED",
                    f"{name}: 문서번호는 바꿀 수 없습니다 ({current}).",
                )
        issuance_type = _issuance_type(data, inv.issuance_type)
        if issuance_type != inv.issuance_type:
            raise Invalid(
                "B2B_ISSUANCE_TYPE_MISMATCH",
                f"발행 유형({issuance_type})을 바꿀 수 없습니다 ({inv.issuance_type}).",
            )
        is_lc_copy = inv.modification_type == modifications.Type.LOCAL_LETTER_OF_CREDIT_OPENED_LATE
        if data["taxationType"] != inv.taxation_type and not is_lc_copy:
            raise Invalid(
                "B2B_CANNOT_CHANGE_TAX_TYPE",
                f"과세 유형({data['taxationType']})을 바꿀 수 없습니다 ({inv.taxation_type}).",
            )
        is_modification = inv.document_modification_type == DocumentModificationType.MODIFICATION
        if is_modification and inv.original_id is None:
            raise Invalid(
                "B2B_MODIFICATION_NOT_PROVIDED", "수정 세금계산서의 원본 정보가 없습니다."
            )
        data, fields, _plan = _prepare(
            data,
            is_for_test=inv.is_for_test,
            issuance_type=issuance_type,
            modification=None,
            create_recipient=False,
            original=inv.original if is_modification else None,
            modification_type=inv.modification_type if is_modification else None,
        )
        fields.pop("original", None)
        fields.pop("root", None)
        if memo is not None:
            fields["memo"] = memo or None
        _move(inv, Action.UPDATE_DRAFT, actor=actor, memo=memo, changes=fields)
    return inv
