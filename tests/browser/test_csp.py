"""The Content-Security-Policy (settings CONTENT_SECURITY_POLICY) breaks no page: Chromium reports
every refused script, style, image, font or connection as a `securitypolicyviolation` event and a
console error; none may appear on the admin's pages (unfold, Alpine.js, our scripts) or on the
Swagger UI of /api/docs/."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser.conftest import login

_LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile}:${event.lineNumber} ${event.sample || ""}`
  );
});
"""


@pytest.fixture
def violations(page):
    """Every CSP violation the page reports, from the DOM event and from the console."""
    found: list[str] = []
    page.add_init_script(_LISTEN)
    page.on(
        "console",
        lambda message: (
            found.append(f"console: {message.text}")
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )

    def collect() -> list[str]:
        page.wait_for_load_state("networkidle")
        return found + [f"event: {text}" for text in page.evaluate("window.__cspViolations")]

    return collect


def _visit(page, violations, path: str, *, ready: str) -> None:
    response = page.goto(path)
    assert response.status == 200, path
    assert "Content-Security-Policy" in {name.title() for name in response.headers}
    expect(page.locator(ready).first).to_be_visible()
    assert violations() == [], path


def test_admin_pages_raise_no_csp_violation(page, admin_user, violations, screenshot):
    from tests.factories import make_contract, make_partner

    make_contract("c-1", name="기본 계약")
    partner = make_partner("shop", contract_id="c-1", name="가나 상점")

    login(page, "admin", "password")  # the login page and its form, under the policy too
    assert violations() == []
    _visit(page, violations, "/admin/", ready="#content, main")
    screenshot("관리자 홈")
    _visit(page, violations, "/admin/partners/partner/", ready="#result_list, #changelist")
    change = reverse("admin:partners_partner_change", args=[partner.pk])
    _visit(page, violations, change, ready="#partner_form")
    # the nonce'd inline script ran: it hides the fieldset of the other partner type
    person = page.locator("fieldset.partner-person")
    if person.count():
        expect(person.first).to_be_hidden()
    _visit(page, violations, "/admin/partners/partner/add/", ready="#partner_form")

    # the schedule page's cancel button asks first (a nonce'd listener, no onsubmit attribute)
    from datetime import timedelta

    from django.utils import timezone

    from partners.services import partners as services

    services.partner_schedule(
        public_id=partner.public_id,
        is_for_test=False,
        change=services.PartnerChange(terms={"account_holder": "새 예금주"}),
        applied_at=timezone.now() + timedelta(days=1),
        replace=False,
    )
    schedule = reverse("admin:partners_partner_schedule", args=[partner.pk])
    _visit(page, violations, schedule, ready="#schedule-cancel")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("#schedule-cancel button[type=submit]").click()
    expect(page.locator("#schedule-cancel")).to_be_visible()  # dismissed: nothing was sent
    assert asked == ["예약된 변경을 취소할까요?"]
    assert violations() == []
    _visit(page, violations, "/admin/payouts/bulkpayout/create/", ready="#selection-filter")
    page.locator("#preview-button").click()  # the page's own script and its fetches
    page.wait_for_load_state("networkidle")
    assert violations() == []
    screenshot("일괄 지급 만들기")


def test_api_docs_raise_no_csp_violation(page, api_secret, violations, screenshot):
    _visit(page, violations, "/api/docs/", ready=".opblock-tag")
    page.locator("button.authorize").first.click()
    dialog = page.locator(".dialog-ux .modal-ux")
    dialog.locator("input").first.fill(f"PortOne {api_secret}")
    dialog.locator("button.modal-btn.auth").first.click()
    dialog.locator("button.btn-done").first.click()
    page.locator('.opblock-tag[data-tag="플랫폼 설정"]').click()
    operation = page.locator("#operations-플랫폼_설정-get_platform_setting")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    with page.expect_response("**/platform/setting**"):
        operation.locator("button.execute").click()
    assert violations() == []
    screenshot("API 문서")


def test_the_lockout_page_after_five_failed_logins(page, django_user_model, violations, screenshot):
    django_user_model.objects.create_user(username="finance", password="s3cret-pw", is_staff=True)
    page.goto("/admin/login/?next=/admin/")
    for _ in range(5):
        page.fill("input[name=username]", "finance")
        page.fill("input[name=password]", "wrong")
        with page.expect_navigation():
            page.locator("form [type=submit]").first.click()
    expect(page.locator("#lockout")).to_contain_text("15분 뒤에 다시 시도하세요")
    expect(page).to_have_title(re.compile("로그인 잠김"))
    screenshot("로그인 잠김")
    assert violations() == []
