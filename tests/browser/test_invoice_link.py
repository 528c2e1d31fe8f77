"""The partner's side of a reverse-issuance request on a phone: open the e-mailed link in Debian's
Chromium at 390×844 (is_mobile, touch), type the business registration number, approve, and see
the issued state — no account, no JavaScript of ours (docs/invoices.md#the-partner-page)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, TIMEOUT_MS
from tests.invoices.conftest import connected_partner, own_company  # noqa: F401 - fixtures

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        locale="ko-KR",
        timezone_id="Asia/Seoul",
        user_agent=(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
        ),
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def _shot(page, name: str) -> None:
    folder = ARTIFACTS / "invoice-link"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _fits_the_screen(page) -> bool:
    """No sideways scrolling of the page itself (wide tables scroll inside their card)."""
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_partner_approves_on_a_phone(
    phone,
    transactional_db,
    settings,
    own_company,  # noqa: F811 - the fixture imported above
    connected_partner,  # noqa: F811
):
    from django.core import mail

    from invoices.models import TaxInvoice
    from invoices.services import notifications
    from tests.invoices.conftest import PARTNER_BRN
    from tests.invoices.test_link_flow import make_requested_invoice

    settings.PUBLIC_BASE_URL = "https://settle.example"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MESSENGER_PROVIDER = "none"
    invoice = make_requested_invoice(own_company, connected_partner, supply=2_500_000)
    mail.outbox.clear()
    assert notifications.send_queued() == 1
    link = re.search(r"https://settle\.example(/tax-invoices/r/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body

    page = phone
    page.goto(link.group(1))
    expect(page.locator("input[name=brn]")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("2,750,000")
    assert _fits_the_screen(page)
    _shot(page, "01-number")

    page.fill("input[name=brn]", "000-00-00000")
    page.locator("#brn-form button[type=submit]").tap()
    expect(page.locator("#brn-error")).to_contain_text("일치하지 않습니다")
    expect(page.locator("body")).not_to_contain_text("2,750,000")

    page.fill("input[name=brn]", f"{PARTNER_BRN[:3]}-{PARTNER_BRN[3:5]}-{PARTNER_BRN[5:]}")
    page.locator("#brn-form button[type=submit]").tap()
    expect(page.locator("#invoice-status")).to_have_attribute("data-status", "REQUESTED")
    expect(page.locator("#invoice-total")).to_have_text("2,750,000원")
    expect(page.locator("#invoice-document")).to_contain_text("주식회사 파트너")
    assert _fits_the_screen(page)
    _shot(page, "02-invoice")

    approve = page.locator("#approve")
    expect(approve).to_be_visible()
    box = approve.bounding_box()
    assert box and box["height"] >= 44 and box["width"] >= PHONE["width"] * 0.8  # a thumb's target
    approve.tap()

    expect(page.locator("#invoice-status")).to_have_attribute("data-status", "ISSUED")
    expect(page.locator("#invoice-status")).to_have_text("발행 완료")
    expect(page.locator(".msg.success")).to_contain_text("발행했습니다")
    expect(page.locator("#approve")).to_have_count(0)
    expect(page.locator("#invoice-approval-number")).to_be_visible()
    assert _fits_the_screen(page)
    _shot(page, "03-issued")

    invoice = TaxInvoice.objects.get(pk=invoice.pk)
    assert invoice.status == "ISSUED"
    assert invoice.opened_at is not None
    assert invoice.events.order_by("-at", "-id").first().actor == f"partner:{PARTNER_BRN}"
    expect(page.locator("#invoice-approval-number")).to_have_text(invoice.nts_approval_number)
