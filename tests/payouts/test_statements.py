"""정산 내역서 (payouts.services.statements): the PDF of a succeeded payout, read back as text,
adds up (transfers → settlements → payout); it is e-mailed with the PDF attached to the partner's
contact; a backend that raises gives SEND_FAILED; resend sends again; a platform's template
replaces ours; the download has a Korean filename.

Payouts are built here directly with the models (amounts by `calculate_payout`, as the bulk-payout
service does), from transfers gathered into partner settlements."""

from __future__ import annotations

import base64
import io
from datetime import date
from urllib.parse import quote

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from django_q.conf import Conf
from pypdf import PdfReader

from payouts.domain.amounts import calculate_payout
from payouts.domain.statement import PayoutRow, SettlementRow, TransferRow, build_statement
from payouts.models import (
    BulkPayout,
    Payout,
    PayoutMethod,
    PayoutSettlement,
    PayoutStatus,
    SettlementStatementStatus,
)
from payouts.services import statements
from settlements.models import PartnerSettlement, Transfer, TransferType
from settlements.services.gather import partner_settlements_gather
from tests.factories import make_contract, make_partner, make_transfer

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)
S = SettlementStatementStatus


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server down")


@pytest.fixture(autouse=True)
def _mail(settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STATEMENT_COMPANY_NAME = "테스트 플랫폼(주)"
    settings.STATEMENT_COMPANY_LOGO = ""
    settings.STATEMENT_FROM_EMAIL = "settlement@platform.example"
    settings.STATEMENT_TEMPLATE = "payouts/statement.html"
    monkeypatch.setattr(Conf, "SYNC", True)  # django-q2 runs the task in place


def pdf_text(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 0
    return "\n".join(page.extract_text() for page in reader.pages)


def make_payout(partner, transfers: list[dict], *, deduct_wht: bool = False, status="SUCCEEDED"):
    """Transfers (type, settlement, tax_free, payment, fee, memo) on DAY, gathered; one payout
    of all the partner's settlements with calculate_payout's amounts."""
    for spec in transfers:
        make_transfer(
            partner,
            type=spec.get("type", "ORDER"),
            settlement_date=DAY,
            memo=spec.get("memo"),
            amounts={
                "settlement": spec["settlement"],
                "settlementTaxFree": spec.get("tax_free", 0),
                "payment": spec.get("payment", 0),
                "platformFee": spec.get("fee", 0),
            },
        )
    partner_settlements_gather()
    settlements = list(PartnerSettlement.objects.filter(partner=partner).order_by("id"))
    assert settlements
    sign = {TransferType.ORDER_CANCEL: -1}
    net = sum(sign.get(s.settlement_type, 1) * s.amount_settlement for s in settlements)
    net_tf = sum(sign.get(s.settlement_type, 1) * s.amount_settlement_tax_free for s in settlements)
    a = calculate_payout(
        net_settlement=net,
        net_settlement_tax_free=net_tf,
        partner_type=partner.partner_type,
        taxation_type=partner.taxation_type,
        deduct_wht=deduct_wht,
    )
    now = timezone.now()
    bulk = BulkPayout.objects.create(
        name="3월 정산", status="COMPLETED", status_updated_at=now, method=PayoutMethod.DIRECT
    )
    payout = Payout.objects.create(
        bulk_payout=bulk,
        partner=partner,
        method=PayoutMethod.DIRECT,
        status=status,
        status_updated_at=now,
        amount=a.amount,
        supply_amount=a.supply_amount,
        tax_free_amount=a.tax_free_amount,
        vat_amount=a.vat_amount,
        settlement_amount=a.settlement_amount,
        settlement_tax_free_amount=a.settlement_tax_free_amount,
        income_tax_amount=a.income_tax_amount,
        local_income_tax_amount=a.local_income_tax_amount,
        deduct_wht=deduct_wht,
        partner_name=partner.name,
        partner_type=partner.partner_type,
        partner_taxation_type=partner.taxation_type,
        account_bank=partner.bank,
        account_number=partner.account_number,
        account_holder=partner.account_holder,
        partner_settlement_count=len(settlements),
    )
    PayoutSettlement.objects.bulk_create(
        PayoutSettlement(payout=payout, partner_settlement=s) for s in settlements
    )
    return payout


@pytest.fixture
def contract():
    return make_contract()


@pytest.fixture
def business_payout(contract):
    partner = make_partner(
        contract_id=contract.public_id,
        name="가나다 상점",
        company_name="주식회사 가나다",
        contact_email="owner@ganada.example",
        account_number="1101234560",
    )
    return make_payout(
        partner,
        [
            {"settlement": 100_000, "payment": 110_000, "fee": 10_000, "memo": "3월 1주 주문"},
            {"settlement": 54_000, "payment": 60_000, "fee": 6_000},
            {"type": "ORDER_CANCEL", "settlement": 22_000, "payment": 25_000, "fee": 3_000},
            {"type": "MANUAL", "settlement": 3_300, "memo": "배송비 보전"},
        ],
    )


@pytest.fixture
def wht_payout(contract):
    partner = make_partner(
        contract_id=contract.public_id,
        partner_type="WHT_PAYER",
        name="김작가",
        birthdate="1990-05-17",
        contact_email="writer@example.com",
        account_number="3333012345678",
    )
    return make_payout(
        partner,
        [
            {"settlement": 300_000, "payment": 330_000, "fee": 30_000},
            {"settlement": 200_000, "payment": 220_000, "fee": 20_000},
        ],
        deduct_wht=True,
    )


def signed_transfer_total(payout) -> int:
    total = 0
    for t in Transfer.objects.filter(partner_settlement__payout_links__payout=payout):
        total += (
            -t.amount_settlement if t.type == TransferType.ORDER_CANCEL else t.amount_settlement
        )
    return total


# --- The PDF ------------------------------------------------------------------------------------


def test_business_statement_pdf_adds_up(business_payout):
    p = business_payout
    # the payout's amounts, as calculate_payout gave them: 154,000 − 22,000 + 3,300
    assert (p.settlement_amount, p.supply_amount, p.vat_amount, p.amount) == (
        135_300,
        123_000,
        12_300,
        135_300,
    )
    assert signed_transfer_total(p) == p.settlement_amount
    statement = statements.statement_build(p)
    assert statement.discrepancies == ()
    assert [(g.type, g.settlement_amount, g.transfer_count) for g in statement.groups] == [
        ("MANUAL", 3_300, 1),
        ("ORDER", 154_000, 2),
        ("ORDER_CANCEL", -22_000, 1),
    ]

    text = pdf_text(statements.statement_pdf(p))
    assert "정산 내역서" in text
    assert "테스트 플랫폼(주)" in text
    assert "가나다 상점 (사업자)" in text
    assert "주식회사 가나다" in text
    assert "120-81-47521" in text
    assert "2026-03-07 ~ 2026-03-07" in text  # settlement start dates (3 days before)
    assert "2026-03-10" in text
    # transfer lines, settlement subtotals, the split and the amount paid
    for amount in ("100,000원", "54,000원", "-22,000원", "3,300원", "-25,000원", "-3,000원"):
        assert amount in text, amount
    assert "154,000원" in text  # ORDER subtotal
    assert "123,000원" in text and "12,300원" in text  # supply, VAT
    assert text.count("135,300원") >= 3  # summary total, grand total, amount paid
    assert "지급금액" in text and "소득세" not in text
    assert "배송비 보전" in text
    assert "국민은행 ******4560" in text
    assert "1101234560" not in text  # the account is masked


def test_wht_payer_statement_shows_withholding(wht_payout):
    p = wht_payout
    assert (p.settlement_amount, p.income_tax_amount, p.local_income_tax_amount, p.amount) == (
        500_000,
        15_000,
        1_500,
        483_500,
    )
    assert signed_transfer_total(p) == p.settlement_amount
    assert statements.statement_build(p).discrepancies == ()

    text = pdf_text(statements.statement_pdf(p))
    assert "김작가 (원천징수 대상자)" in text
    assert "생년월일" in text and "1990-**-**" in text and "05-17" not in text
    assert "300,000원" in text and "200,000원" in text
    assert "500,000원" in text
    assert "소득세 (3%)" in text and "15,000원" in text
    assert "지방소득세 (0.3%)" in text and "1,500원" in text
    assert "-16,500원" in text
    assert "483,500원" in text
    assert "사업자등록번호" not in text


def test_wht_not_deducted_is_reported_not_subtracted(contract):
    partner = make_partner(
        contract_id=contract.public_id,
        partner_type="WHT_PAYER",
        name="이작가",
        birthdate="1985-01-02",
    )
    p = make_payout(partner, [{"settlement": 100_000}], deduct_wht=False)
    assert (p.income_tax_amount, p.local_income_tax_amount, p.amount) == (3_000, 300, 100_000)
    text = pdf_text(statements.statement_pdf(p))
    assert "3,000원" in text and "300원" in text
    assert "차감하지 않음" in text
    assert "-3,300원" not in text


def test_transfer_lines_beyond_the_limit_are_counted_in_the_subtotal(contract, settings):
    settings.STATEMENT_MAX_TRANSFER_LINES = 2
    partner = make_partner(contract_id=contract.public_id, name="다건 파트너")
    p = make_payout(partner, [{"settlement": 1_000 * (i + 1)} for i in range(5)])  # 15,000
    statement = statements.statement_build(p)
    (group,) = statement.groups
    assert (len(group.lines), group.omitted_count, group.settlement_amount) == (2, 3, 15_000)
    assert group.omitted_amount == 15_000 - sum(line.settlement_amount for line in group.lines)
    text = pdf_text(statements.statement_pdf(p))
    assert "외 3건" in text and f"{group.omitted_amount:,}원" in text and "15,000원" in text


def test_statement_reports_what_does_not_add_up():
    def transfer(amount):
        return TransferRow("t", "ORDER", DAY, DAY, "", 0, 0, amount, 0)

    payout = PayoutRow(
        public_id="p1",
        bulk_payout_name="b",
        currency="KRW",
        amount=10_000,
        supply_amount=9_091,
        vat_amount=909,
        tax_free_amount=0,
        settlement_amount=11_000,
        settlement_tax_free_amount=0,
        income_tax_amount=0,
        local_income_tax_amount=0,
        deduct_wht=False,
        partner_name="x",
        partner_type="BUSINESS",
        taxation_type="NORMAL",
        company_name=None,
        representative_name=None,
        business_registration_number="1208147521",
        birthdate=None,
        bank="KOOKMIN",
        masked_account_number="****1234",
        account_holder="x",
        paid_at=None,
    )
    settlement = SettlementRow(
        public_id="s1",
        type="ORDER",
        settlement_date=DAY,
        contract_name="",
        period_from=None,
        period_until=None,
        settlement_amount=10_000,
        settlement_tax_free_amount=0,
        transfer_count=1,
        transfer_sum=9_000,
        transfer_tax_free_sum=0,
        transfers=[transfer(9_000)],
    )
    statement = build_statement(payout, [settlement])
    assert statement.discrepancies == (
        "정산 내역 s1: 정산건 합계 9,000 ≠ 정산금액 10,000",
        "정산 내역 합계 10,000 ≠ 지급의 정산금액 11,000",
    )
    assert statement.amount_text == "10,000원"
    assert statement.identity_text == "120-81-47521"


def test_company_logo_is_embedded(business_payout, settings, tmp_path):
    png = tmp_path / "logo.png"
    png.write_bytes(
        base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPj/HwADAgH/"
            "eL9GtQAAAABJRU5ErkJggg=="
        )
    )
    settings.STATEMENT_COMPANY_LOGO = str(png)
    html = statements.statement_html(business_payout)
    assert 'src="data:image/png;base64,iVBORw0KGgo' in html
    reader = PdfReader(io.BytesIO(statements.statement_pdf(business_payout)))
    assert "/XObject" in reader.pages[0]["/Resources"]


def test_template_override_by_setting(business_payout, settings, tmp_path):
    (tmp_path / "platform").mkdir()
    (tmp_path / "platform" / "statement.html").write_text(
        '{% extends "payouts/statement.html" %}'
        "{% block footer %}<p>우리 플랫폼 정산 문의: 02-000-0000</p>{% endblock %}",
        encoding="utf-8",
    )
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    settings.STATEMENT_TEMPLATE = "platform/statement.html"
    text = pdf_text(statements.statement_pdf(business_payout))
    assert "우리 플랫폼 정산 문의: 02-000-0000" in text
    assert "135,300원" in text  # our blocks stay
    assert "주문 취소 정산은 음수로" not in text  # our footer is replaced


def test_download_response_has_a_korean_filename(business_payout):
    response = statements.statement_pdf_response(business_payout)
    assert response["Content-Type"] == "application/pdf"
    day = timezone.localtime(business_payout.status_updated_at).strftime("%Y%m%d")
    name = f"정산내역서_가나다 상점_{day}_{business_payout.public_id}.pdf"
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote(name)}"
    assert "135,300원" in pdf_text(response.content)


# --- E-mail and status --------------------------------------------------------------------------


def reload(payout) -> Payout:
    return Payout.objects.get(pk=payout.pk)


def test_success_emails_the_statement_to_the_contact(
    business_payout, django_capture_on_commit_callbacks
):
    p = business_payout
    assert p.settlement_statement_status == S.UNSENT
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert statements.statement_after_success([p.pk]) == 1
    assert reload(p).settlement_statement_status == S.SEND_PREPARED  # until the task runs
    assert mail.outbox == []
    for callback in callbacks:
        callback()

    p = reload(p)
    assert p.settlement_statement_status == S.SENT
    assert p.settlement_statement_issued_at is not None
    assert p.settlement_statement_id
    (message,) = mail.outbox
    assert message.to == ["owner@ganada.example"]
    assert message.from_email == "settlement@platform.example"
    assert message.subject.startswith("[테스트 플랫폼(주)] 정산 내역서 (")
    assert "지급금액: 135,300원" in message.body
    ((filename, content, mimetype),) = message.attachments
    assert filename == statements.statement_filename(p)
    assert mimetype == "application/pdf"
    text = pdf_text(content)
    assert "135,300원" in text and p.settlement_statement_id in text

    # twice: nothing more is sent
    with django_capture_on_commit_callbacks(execute=True):
        assert statements.statement_after_success([p.pk]) == 0
    assert len(mail.outbox) == 1


def test_only_succeeded_payouts_get_a_statement(contract, django_capture_on_commit_callbacks):
    partner = make_partner(contract_id=contract.public_id, name="실패 파트너")
    failed = make_payout(partner, [{"settlement": 10_000}], status=PayoutStatus.FAILED)
    with django_capture_on_commit_callbacks(execute=True):
        assert statements.statement_after_success([failed.pk]) == 0
        assert statements.statements_resend([failed.pk]) == 0
    assert reload(failed).settlement_statement_status == S.UNSENT
    assert mail.outbox == []


def test_backend_failure_is_send_failed_and_resend_sends(
    business_payout, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    with django_capture_on_commit_callbacks(execute=True):
        statements.statement_after_success([business_payout.pk])
    failed = reload(business_payout)
    assert failed.settlement_statement_status == S.SEND_FAILED
    assert failed.settlement_statement_issued_at is None
    assert mail.outbox == []

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert statements.statements_resend([business_payout.pk]) == 1
    sent = reload(business_payout)
    assert sent.settlement_statement_status == S.SENT
    assert sent.settlement_statement_id == failed.settlement_statement_id  # same statement
    assert [m.to for m in mail.outbox] == [["owner@ganada.example"]]


def test_resend_after_sent_sends_again(wht_payout, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        statements.statement_after_success([wht_payout.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert statements.statements_resend([wht_payout.pk]) == 1
    assert reload(wht_payout).settlement_statement_status == S.SENT
    assert [m.to for m in mail.outbox] == [["writer@example.com"], ["writer@example.com"]]
    assert all("483,500원" in pdf_text(m.attachments[0][1]) for m in mail.outbox)


def test_a_task_handed_out_twice_sends_once(business_payout, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        statements.statement_after_success([business_payout.pk])
    pk = business_payout.pk
    assert statements.statements_send([pk, pk]) == {"SENT": 1, "SKIPPED": 1}
    assert len(mail.outbox) == 1


# --- Through the payouts core -------------------------------------------------------------------


def test_a_bulk_payout_run_to_completed_mails_the_succeeded_statements(
    make_world, django_capture_on_commit_callbacks
):
    """create → start → run (sandbox bank): finalize prepares the statements of the succeeded
    payouts; the failed one (account ending in 9) gets none."""
    from payouts.services import bulk_payouts as bp
    from payouts.services.bulk_payouts import Actor
    from payouts.services.runner import bulk_payout_run
    from payouts.services.selection import Selection

    world = make_world(
        {
            "성공": {"amount": 100_000, "contact_email": "ok@example.com"},
            "실패": {"amount": 2_000, "account_number": "1101234569"},
        }
    )
    actor = Actor("user:1", "alice")
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids("성공", "실패"), is_for_test=True),
        name="3월 정산",
        actor=actor,
    )
    bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        bulk_payout_run(bulk.pk)

    ok, failed = bulk.payouts.get(partner_name="성공"), bulk.payouts.get(partner_name="실패")
    assert (ok.status, ok.settlement_statement_status) == ("SUCCEEDED", S.SENT)
    assert (failed.status, failed.settlement_statement_status) == ("FAILED", S.UNSENT)
    (message,) = mail.outbox
    assert message.to == ["ok@example.com"]
    text = pdf_text(message.attachments[0][1])
    assert "100,000원" in text and "성공 (사업자)" in text
