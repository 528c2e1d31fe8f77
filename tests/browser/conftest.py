"""Browser tests: Playwright (pytest-playwright) driving Debian's Chromium against pytest-django's
live server, as a finance-team user would click through the admin.

- The browser is /usr/bin/chromium (`CHROMIUM` overrides it), installed by
  `scripts/system-packages.sh test` (apt-get). Never `playwright install`: it downloads a browser
  build, which cannot work here. Without Chromium every browser test skips and says why.
- One browser per pytest session, so one per pytest-xdist worker (pytest-playwright's session
  fixtures); a fresh context (cookies, downloads) per test, 1366x900, Korean locale, Seoul time.
- `live_server` runs in another thread, so these tests use `transactional_db` (pytest-django does
  it for any test that uses `live_server`): rows the test writes are committed, the live server
  sees them, and the tables are flushed afterwards. On SQLite the test database is a file for
  this reason (settings: DATABASES["default"]["TEST"]).
- `screenshot("step")` writes var/artifacts/browser/<database>/<test>/<nn>-<step>.png (git-ignored;
  `BROWSER_ARTIFACTS` overrides the folder): look at them when a flow fails or changes.

Helpers for new flows: `login(page, username, password)` through the real form, `admin_page` (a
page already logged in as pytest-django's `admin_user`, password "password"), `screenshot`.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(
    os.environ.get("BROWSER_ARTIFACTS") or Path(settings.BASE_DIR) / "var" / "artifacts" / "browser"
)
VIEWPORT = {"width": 1366, "height": 900}
TIMEOUT_MS = 15_000
HERE = Path(__file__).resolve().parent

# Playwright's sync API keeps an asyncio loop in the test thread; Django would then refuse the ORM
# calls the tests make between two clicks (SynchronousOnlyOperation). The tests are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's launch options, with Debian's Chromium instead of a downloaded one."""
    if not Path(CHROMIUM).is_file():
        pytest.skip(
            f"browser tests skipped: no Chromium at {CHROMIUM} "
            "(install it with `scripts/system-packages.sh test`, i.e. apt-get install chromium; "
            "or set CHROMIUM=/path/to/chromium)"
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args, live_server):
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "viewport": VIEWPORT,
        "locale": "ko-KR",
        "timezone_id": settings.TIME_ZONE,
        "accept_downloads": True,
    }


@pytest.fixture
def page(page, live_server):
    page.set_default_timeout(TIMEOUT_MS)
    return page


def _slug(text: str) -> str:
    return re.sub(r"[^\w.-]+", "-", text, flags=re.UNICODE).strip("-")[:80] or "step"


@pytest.fixture
def screenshot(page, request) -> Callable[..., Path]:
    """screenshot("업로드 오류") -> var/artifacts/browser/sqlite/<test>/01-업로드-오류.png."""
    folder = ARTIFACTS / connection.vendor / _slug(request.node.name)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    counter = itertools.count(1)

    def take(step: str, *, full_page: bool = False) -> Path:
        path = folder / f"{next(counter):02d}-{_slug(step)}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def login(page, username: str, password: str) -> None:
    """Log in through the admin's login form and land on the admin home."""
    page.goto("/admin/login/?next=/admin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.locator("form [type=submit]").first.click()
    page.wait_for_url("**/admin/")


@pytest.fixture
def admin_page(page, admin_user, live_server):
    """A page logged in as `admin_user` by its session cookie (no login form: faster)."""
    from django.test import Client

    client = Client()
    client.force_login(admin_user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
    return page


def won(text: str) -> int:
    """'1,234원' / '-12,000' / '−12,000원' (as a page shows an amount) -> the integer."""
    cleaned = text.strip().replace(",", "").replace("원", "").replace("−", "-").replace(" ", "")
    return int(cleaned)


def table_cell(table, row_selector: str, header: str) -> str:
    """The text of `row_selector`'s cell under the column headed `header` (by its text, so a
    column moved by a later restyle is still found)."""
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    assert header in headers, headers
    return table.locator(row_selector).locator("td").nth(headers.index(header)).inner_text()
