"""/api/docs/ (Swagger UI, served offline): Authorize with `PortOne <secret>`, then "Try it out"
sends the Authorization header and gets 200 from the API."""

from playwright.sync_api import expect


def test_authorize_then_try_it_out_sends_the_portone_header(page, api_secret, screenshot):
    page.goto("/api/docs/")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    screenshot("API 문서")

    page.locator("button.authorize").first.click()
    dialog = page.locator(".dialog-ux .modal-ux")
    expect(dialog).to_contain_text("PortOne (apiKey)")
    expect(dialog).to_contain_text("PortOne <시크릿>")
    dialog.locator("input").first.fill(f"PortOne {api_secret}")
    screenshot("Authorize 입력")
    dialog.locator("button.modal-btn.auth").first.click()
    expect(dialog).to_contain_text("Logout")  # Swagger's label once a value is stored
    dialog.locator("button.btn-done").first.click()

    page.locator('.opblock-tag[data-tag="플랫폼 설정"]').click()
    operation = page.locator("#operations-플랫폼_설정-get_platform_setting")
    operation.locator(".opblock-summary").click()
    expect(operation).to_contain_text("플랫폼 설정 조회")
    operation.locator("button.try-out__btn").click()
    with page.expect_response("**/platform/setting**") as answered:
        operation.locator("button.execute").click()
    response = answered.value
    assert response.request.headers["authorization"] == f"PortOne {api_secret}"
    assert response.status == 200
    assert response.json()["settlementAmountType"] == "GROSS"
    expect(
        operation.locator(".live-responses-table tbody .response-col_status").first
    ).to_have_text("200")
    screenshot("Try it out 200", full_page=False)
