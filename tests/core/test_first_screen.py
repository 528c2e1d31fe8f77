"""What a new user meets first (issue 9): a styled admin with DEBUG off (static files through
WhiteNoise, collectstatic working), JSON errors on API paths whatever DEBUG is (the SDK calls
`response.json()` on every error), and every page of the sidebar answering on the demo data."""

import io
import json
from pathlib import Path

import httpx
import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.http import (
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    HttpResponseServerError,
    JsonResponse,
)
from django.test import Client, RequestFactory
from django.urls import reverse

from core.admin import navigation
from core.api.middleware import JsonApiErrorsMiddleware

pytestmark = pytest.mark.django_db

STYLESHEETS = [
    "unfold/css/styles.css",  # unfold's compiled Tailwind: without it the admin is unstyled
    "admin/css/base.css",  # Django's admin
    "core/admin.css",  # ours (money columns, badges)
]


# --- static files with DEBUG off --------------------------------------------------------------


@pytest.mark.parametrize("name", STYLESHEETS)
def test_stylesheets_are_served_by_whitenoise_with_debug_off(settings, name):
    settings.DEBUG = False
    response = Client().get(f"/static/{name}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    # WhiteNoise answers with a file response (not Django's static view, which needs DEBUG).
    body = b"".join(response.streaming_content)
    assert body == Path(finders.find(name)).read_bytes()
    assert len(body) > 1_000 or name == "core/admin.css"


def test_an_unknown_static_file_is_a_plain_404(settings):
    settings.DEBUG = False
    assert Client().get("/static/unfold/css/nope.css").status_code == 404


def test_the_admin_login_page_links_the_stylesheets_it_needs(settings):
    settings.DEBUG = False
    html = Client().get("/admin/login/").content.decode()
    assert "/static/unfold/css/styles.css" in html


def test_collectstatic_gathers_every_app_into_static_root(settings, tmp_path):
    # Every app's files (unfold, admin, the Swagger UI sidecar, ours) with the project's finders.
    # Plain storage here: compressing the ~22 MB (WhiteNoise, gzip + brotli) takes 20 s of CPU;
    # the compressed variant is checked on our own files below.
    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    for name in [
        *STYLESHEETS,
        "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js",
        "unfold/js/app.js",
    ]:
        assert (tmp_path / name).is_file(), name


def test_collectstatic_compresses_and_whitenoise_serves_from_static_root(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATICFILES_DIRS = [Path(settings.BASE_DIR) / "core" / "static"]
    call_command("collectstatic", interactive=False, verbosity=0)  # the project's storage
    assert (tmp_path / "core" / "admin.css").is_file()
    assert (tmp_path / "core" / "admin.css.gz").is_file()

    # What `make run` serves: DEBUG off, files from STATIC_ROOT only.
    settings.DEBUG = False
    settings.WHITENOISE_USE_FINDERS = False
    response = Client().get("/static/core/admin.css", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]


# --- JSON errors on API paths, whatever DEBUG is ----------------------------------------------


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
@pytest.mark.parametrize("path", ["/platform/xyz", "/b2b/xyz", "/webhooks/xyz"])
def test_an_unknown_api_path_answers_json_not_found(settings, debug, path):
    settings.DEBUG = debug  # with DEBUG on Django answers its technical 404 page, in HTML
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"type": "NOT_FOUND", "message": "경로를 찾을 수 없습니다."}


def test_outside_the_api_a_404_stays_html(settings):
    settings.DEBUG = True
    response = Client().get("/not-api/xyz")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "no-debug"])
def test_a_wrong_method_answers_json_405_with_allow(settings, api_client, debug):
    settings.DEBUG = debug
    response = api_client.post("/platform/partner-filter-options", {}, format="json")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json()["type"] == "METHOD_NOT_ALLOWED"
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    ("answer", "status", "kind"),
    [
        (lambda: HttpResponseNotAllowed(["GET"]), 405, "METHOD_NOT_ALLOWED"),
        (lambda: HttpResponseForbidden("<h1>CSRF</h1>"), 403, "FORBIDDEN"),
        (lambda: HttpResponse("<h1>Too big</h1>", status=413), 413, "INVALID_REQUEST"),
        (lambda: HttpResponse("<h1>Teapot</h1>", status=418), 418, "INVALID_REQUEST"),
        (lambda: HttpResponseServerError("<h1>Boom</h1>"), 500, "INTERNAL"),
    ],
)
def test_the_middleware_turns_django_html_errors_on_api_paths_into_json(answer, status, kind):
    # Errors Django answers before our views run (a plain view's 405, CSRF, body size, 500).
    middleware = JsonApiErrorsMiddleware(lambda request: answer())
    response = middleware(RequestFactory().post("/platform/anything"))
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["type"] == kind
    if status == 405:
        assert response["Allow"] == "GET"
    # Outside the API, and JSON answers on it, are left alone.
    assert middleware(RequestFactory().post("/admin/x"))["Content-Type"].startswith("text/html")
    kept = JsonApiErrorsMiddleware(lambda request: JsonResponse({"type": "X"}, status=status))
    assert json.loads(kept(RequestFactory().post("/platform/x")).content) == {"type": "X"}


def test_a_wrong_method_without_a_secret_is_json_401_first(settings):
    settings.DEBUG = True
    response = Client().delete("/platform/partner-filter-options")
    assert response.status_code == 401
    assert response.json()["type"] == "UNAUTHORIZED"


def test_the_sdk_against_the_live_server_raises_its_typed_errors(
    settings, portone, live_server, api_secret
):
    from portone_server_sdk import PortOneClient
    from portone_server_sdk.errors import (
        PlatformPartnerNotFoundError,
        UnauthorizedError,
    )

    settings.DEBUG = True  # the live server's thread reads the same settings
    with pytest.raises(PlatformPartnerNotFoundError):
        portone.platform.partner.get_platform_partner(id="nobody")
    # Every Platform and B2B call of the SDK is served now; a path under the API prefixes that is
    # not answers JSON even with DEBUG on (Django's own 404 page is HTML), so an SDK of a later
    # version calling it raises its typed fallback, not a JSONDecodeError.
    unserved = httpx.get(
        f"{live_server.url}/platform/not-an-endpoint",
        headers={"Authorization": f"PortOne {api_secret}"},
    )
    assert unserved.status_code == 404
    assert unserved.json()["type"] == "NOT_FOUND"
    stranger = PortOneClient(secret="sk_wrong", base_url=live_server.url).platform.partner
    with pytest.raises(UnauthorizedError):
        stranger.get_platform_partners()


# --- every page of the sidebar answers on the demo data ---------------------------------------


def test_every_sidebar_page_answers_200_for_a_superuser_on_the_demo_data(client, admin_user):
    call_command("load_demo_data")
    client.force_login(admin_user)
    request = RequestFactory().get("/admin/")
    request.user = admin_user

    sections = navigation.links(request)
    assert [str(title) for title, _items in sections] == [
        "대시보드",
        "파트너",
        "정책",
        "정산",
        "지급",
        "세금계산서",
        "시스템",
    ]
    links = [item["link"] for _title, items in sections for item in items]
    assert len(links) >= 30
    failures = {}
    for link in links:
        response = client.get(link)
        if response.status_code != 200:
            failures[link] = response.status_code
    assert failures == {}
    # The demo data shows up, not an empty admin.
    partners = client.get("/admin/partners/partner/").content.decode()
    assert "샌드박스 패션" in partners and "이강사" in partners


def test_every_list_of_the_admin_downloads_its_rows_as_excel(client, admin_user):
    """Each registered list has the Excel button and its download holds the list's rows: the
    header row plus one row per object (the demo data fills the finance lists)."""
    from django.contrib import admin
    from openpyxl import load_workbook

    from core.admin.exports import ExcelExportMixin

    call_command("load_demo_data")
    client.force_login(admin_user)
    registered = admin.site._registry
    missing = [
        f"{model._meta.label}"
        for model, model_admin in registered.items()
        if not (isinstance(model_admin, ExcelExportMixin) and model_admin.excel_export)
    ]
    assert missing == []

    checked = 0
    for model, model_admin in registered.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert 'id="excel-export"' in client.get(changelist).content.decode(), opts.label
        response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_export_xlsx"))
        assert response.status_code == 200, opts.label
        body = b"".join(response.streaming_content)
        rows = list(load_workbook(io.BytesIO(body), read_only=True).active.iter_rows())
        request = RequestFactory().get(changelist)
        request.user = admin_user
        expected = model_admin.get_queryset(request).count()
        assert len(rows) - 1 == expected, (opts.label, len(rows) - 1, expected)
        checked += 1
    assert checked >= 20


@pytest.mark.django_db
def test_logging_in_on_the_login_page_itself_lands_on_the_admin(django_user_model):
    """unfold's login form has no hidden `next`: without LOGIN_REDIRECT_URL the login answered
    a redirect to /accounts/profile/, a 404 (found walking a fresh make run)."""
    django_user_model.objects.create_superuser("boss", "boss@example.com", "pw-long-enough-1")
    client = Client()
    response = client.post("/admin/login/", {"username": "boss", "password": "pw-long-enough-1"})
    assert (response.status_code, response["Location"]) == (302, "/admin/")
    assert client.get("/admin/").status_code == 200
