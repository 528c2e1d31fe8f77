"""Demo data of tax invoices for `make run` (`manage.py load_demo_data`): our own company (자사)
when it has no BRN yet, and three counterparties (ids start with `demo-`): one connected with a
registered certificate, one waiting for its connection, one closed (폐업) whose connection failed.
The demo partners connect through the partner API, which makes their counterparties.

Three invoices with the connected counterparty as supplier, so the lists and the partner's page
have something to show: one reverse request waiting for approval (its e-mail, with the link,
is printed by the console e-mail backend), one approved and sent to the NTS (the worker walks
it to SENDING_COMPLETED within seconds), one refused."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from core.inputs import validated
from invoices.domain.statuses import NtsConnectionStatus
from invoices.inputs import tax_invoices as inputs
from invoices.models import BusinessStatus, CompanyTaxationType, Counterparty, TaxInvoice
from invoices.services import tax_invoices
from invoices.services.counterparties import CERTIFICATE_VALIDITY, SANDBOX_CERTIFICATE_ISSUER
from invoices.services.own_company import own_company
from invoices.services.transmission import send_to_nts

OWN = {
    "brn": "2208162517",  # a valid check digit, IN_BUSINESS NORMAL in the sandboxes
    "company_name": "주식회사 데모플랫폼",
    "representative_name": "홍대표",
    "address": "서울특별시 강남구 테헤란로 152, 10층",
    "business_type": "정보통신업",
    "business_class": "전자상거래 플랫폼",
    "taxation_type": CompanyTaxationType.NORMAL,
    "contact_name": "정산팀",
    "contact_department": "재무팀",
    "contact_email": "finance@demo-platform.example.com",
    "contact_phone": "02-1234-5678",
}

COUNTERPARTIES = [
    {
        "public_id": "demo-counterparty-1",
        "brn": "1058701232",
        "company_name": "주식회사 데모상사",
        "representative_name": "김상사",
        "address": "서울특별시 마포구 월드컵북로 400",
        "business_type": "도매 및 소매업",
        "business_class": "생활용품 도매",
        "taxation_type": CompanyTaxationType.NORMAL,
        "contact_name": "이담당",
        "contact_email": "tax@demo-trading.example.com",
        "contact_phone": "02-333-4444",
        "memo": "데모: 국세청 연동·인증서 등록 완료",
        "business_status": BusinessStatus.IN_BUSINESS,
        "nts_connection_status": NtsConnectionStatus.CONNECTED,
        "certificate": True,
    },
    {
        "public_id": "demo-counterparty-2",
        "brn": "2148612341",
        "company_name": "데모디자인",
        "representative_name": "박디자",
        "contact_name": "박디자",
        "contact_email": "design@demo-design.example.com",
        "memo": "데모: 국세청 연동 대기",
        "nts_connection_status": NtsConnectionStatus.PENDING_CONNECT,
    },
    {
        "public_id": "demo-counterparty-3",
        "brn": "1209800015",  # middle digits 98: 폐업 in the sandboxes
        "company_name": "폐업상회 (데모)",
        "representative_name": "최폐업",
        "contact_name": "최폐업",
        "contact_email": "closed@demo-closed.example.com",
        "memo": "데모: 폐업 사업자, 연동 실패",
        "business_status": BusinessStatus.CLOSED,
        "nts_connection_status": NtsConnectionStatus.ERROR,
        "nts_connection_failed_reason": "폐업 사업자는 연동할 수 없습니다.",
    },
]


def load() -> int:
    created = 0
    company = own_company()
    if not company.brn:
        for name, value in OWN.items():
            setattr(company, name, value)
        company.save()
        created += 1
    now = timezone.now()
    for spec in COUNTERPARTIES:
        spec = dict(spec)
        if Counterparty.objects.filter(is_for_test=False, public_id=spec["public_id"]).exists():
            continue
        certificate = spec.pop("certificate", False)
        status = spec["nts_connection_status"]
        cp = Counterparty(is_for_test=False, **spec)
        if status == NtsConnectionStatus.CONNECTED:
            cp.nts_connected_at = now
        if status == NtsConnectionStatus.PENDING_CONNECT:
            cp.nts_connection_due_at = now + timedelta(seconds=2)
        if spec.get("business_status"):
            cp.business_status_checked_at = now
        if certificate:
            cp.certificate_registered_at = now
            cp.certificate_expires_at = now + CERTIFICATE_VALIDITY
            cp.certificate_issuer = SANDBOX_CERTIFICATE_ISSUER
            cp.certificate_subject = f"{cp.company_name}({cp.brn})"
            cp.certificate_type = "E_TAX"
        cp.save()
        created += 1
    if not TaxInvoice.objects.filter(is_for_test=False, memo__startswith="데모").exists():
        created += _invoices()
    return created


INVOICES = [  # (memo, supply amount, what then happens)
    ("데모: 승인 대기 중인 역발행 요청", 1_500_000, None),
    ("데모: 승인되어 국세청에 전송한 세금계산서", 820_000, "issue"),
    ("데모: 파트너가 거부한 요청", 96_000, "refuse"),
]


def _invoices() -> int:
    today = timezone.localdate()
    for memo, supply, then in INVOICES:
        body = {
            "taxInvoice": {
                "issuanceType": "REVERSE",
                "taxationType": "TAXABLE",
                "purposeType": "INVOICE",
                "writeDate": today.isoformat(),
                "totalSupplyAmount": supply,
                "totalTaxAmount": supply // 10,
                "totalAmount": supply + supply // 10,
                "supplier": {"counterpartyId": "demo-counterparty-1"},
                "recipient": {"brn": own_company().brn},
                "items": [
                    {
                        "purchaseDate": today.isoformat(),
                        "name": "플랫폼 판매 정산분",
                        "supplyCostAmount": supply,
                        "taxAmount": supply // 10,
                    }
                ],
            },
            "memo": memo,
        }
        data = validated(inputs.RequestReverseIssuanceBody, body)
        invoice = tax_invoices.request_reverse_issuance(
            data["taxInvoice"], is_for_test=False, actor="system", memo=memo
        )
        if then == "issue":
            invoice = tax_invoices.issue(invoice, actor="partner:1058701232")
            send_to_nts(invoice, actor="system")  # the worker walks it to SENDING_COMPLETED
        elif then == "refuse":
            tax_invoices.refuse(invoice, actor="partner:1058701232", memo="금액 확인 필요")
    return len(INVOICES)
