"""Long admin work in the background (core.models.Job, core.admin.jobs, core.tasks.run_job): a big
upload is checked and committed by django-q2 tasks and ends on the same preview and result as a
small one; a big Excel download is written by a task and only its owner can fetch it; the status
endpoint reports progress; old files are purged.

Tasks run synchronously (django-q2's sync mode) when the request's transaction commits, which
`django_capture_on_commit_callbacks(execute=True)` stands in for."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.conf import Conf

from core.admin import exports, uploads
from core.files import jobs as job_files
from core.models import Job
from core.tasks import purge_jobs, run_job
from settlements.models import PartnerSettlement, Transfer
from tests.factories import make_contract, make_partner

pytestmark = pytest.mark.django_db

HEADERS = ["파트너 아이디", "정산금액", "면세금액", "정산일", "통화", "메모", "정산건 아이디"]
ROWS = [
    ["seller", "12,000", "", "2030-01-10", "", "1월 프로모션", "adj-1"],
    ["seller", "-3000", "-1,000", "2030-01-10", "KRW", "배송비 차감", ""],
    ["other", "250000", "0", "2030-02-01", "usd", "", "adj-3"],
    ["other", "7000", "", "2030-02-02", "", "추가 정산", "adj-4"],
]


@pytest.fixture(autouse=True)
def sync_tasks(monkeypatch, settings, tmp_path):
    monkeypatch.setattr(Conf, "SYNC", True)
    settings.VAR_DIR = tmp_path


@pytest.fixture
def finance(client, django_user_model):
    user = django_user_model.objects.create_superuser("finance", "finance@example.com", "pw")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def other_user(django_user_model):
    from django.test import Client

    user = django_user_model.objects.create_superuser("someone", "someone@example.com", "pw")
    other = Client()
    other.force_login(user)
    return other


@pytest.fixture
def partners(db):
    make_contract("C1", name="기본 계약")
    make_partner("seller", contract_id="C1", name="가나 상점")
    make_partner("other", contract_id="C1", name="다라 상사")


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _post_upload(client, rows):
    file = io.BytesIO(_csv(rows))
    file.name = "manual.csv"
    return client.post(reverse("settlements-manual-upload"), {"file": file, "mode": "live"})


def _job_of(response) -> Job:
    assert response.status_code == 302, response.content[:500]
    job = Job.objects.latest("pk")
    assert response["Location"] == reverse("core-job", args=[job.pk])
    return job


PREVIEW_KEYS = ("row_count", "partner_count", "date_from", "date_until", "sums", "preview")


def test_a_large_upload_runs_as_jobs_and_ends_like_the_direct_path(
    finance, partners, monkeypatch, django_capture_on_commit_callbacks
):
    direct = _post_upload(finance, ROWS)  # under the threshold: checked in the request
    assert direct.status_code == 200 and direct.context["checked"].count == 4
    expected = {key: direct.context[key] for key in PREVIEW_KEYS}

    monkeypatch.setattr(uploads, "BACKGROUND_ROWS", 3)
    with django_capture_on_commit_callbacks(execute=True):
        started = _post_upload(finance, ROWS)
    check = _job_of(started)
    check.refresh_from_db()
    assert (check.kind, check.status, check.owner, check.total) == (
        Job.Kind.UPLOAD_CHECK,
        Job.Status.SUCCEEDED,
        finance.user,
        4,
    )
    assert check.message == "모든 행(4행)이 검증을 통과했습니다."
    assert Transfer.objects.count() == 0  # checking writes nothing

    status = finance.get(reverse("core-job-status", args=[check.pk])).json()
    assert status["finished"] and status["percent"] == 100
    assert status["result_url"] == reverse("core-job-result", args=[check.pk])
    preview = finance.get(reverse("core-job", args=[check.pk]))  # a finished job shows its result
    assert preview.status_code == 200
    assert {key: preview.context[key] for key in PREVIEW_KEYS} == expected
    html = preview.content.decode()
    assert 'id="upload-confirm"' in html and "1월 프로모션" in html
    assert reverse("settlements-manual-upload-confirm") in html

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = finance.post(
            reverse("settlements-manual-upload-confirm"), {"check": preview.context["check"]}
        )
    commit = _job_of(confirmed)
    commit.refresh_from_db()
    assert (commit.kind, commit.status) == (Job.Kind.UPLOAD_COMMIT, Job.Status.SUCCEEDED)
    assert commit.message == "수기 정산 4건을 운영 모드로 등록했습니다."
    assert commit.input_file == ""  # the uploaded copy is gone once written
    done = finance.get(reverse("core-job-result", args=[commit.pk]), follow=True)
    assert "수기 정산 4건을 운영 모드로 등록했습니다." in done.content.decode()
    created = Transfer.objects.filter(type="MANUAL", is_for_test=False)
    assert sorted(created.values_list("amount_settlement", flat=True)) == [
        -3_000,
        7_000,
        12_000,
        250_000,
    ]


def test_a_large_upload_with_bad_rows_ends_on_the_row_errors(
    finance, partners, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(uploads, "BACKGROUND_ROWS", 1)
    bad = [
        *ROWS,
        ["nobody", "1000", "", "2030-01-10", "", "", ""],
        ["seller", "abc", "", "", "", "", ""],
    ]
    with django_capture_on_commit_callbacks(execute=True):
        job = _job_of(_post_upload(finance, bad))
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED and job.error_count >= 2
    page = finance.get(reverse("core-job-result", args=[job.pk]))
    errors = page.context["errors"]
    assert {e.row for e in errors} == {6, 7}
    html = page.content.decode()
    assert 'id="upload-errors"' in html and 'id="upload-confirm"' not in html
    assert Transfer.objects.count() == 0


def test_the_job_file_of_an_upload_is_encrypted(finance, partners, monkeypatch):
    monkeypatch.setattr(uploads, "BACKGROUND_ROWS", 1)
    monkeypatch.setattr(job_files, "start", lambda job: None)  # not run: just stored
    job = _job_of(_post_upload(finance, ROWS))
    stored = (job_files.directory() / job.input_file).read_bytes()
    assert "1월 프로모션".encode() not in stored and b"seller" not in stored
    assert b"seller" in job_files.read_bytes(job.input_file)
    status = finance.get(reverse("core-job-status", args=[job.pk])).json()
    assert (status["status"], status["finished"], status["done"], status["total"]) == (
        "QUEUED",
        False,
        0,
        4,
    )
    page = finance.get(reverse("core-job", args=[job.pk]))
    assert 'id="job-progress"' in page.content.decode()
    assert "core/job-progress.js" in page.content.decode()


def test_the_status_endpoint_reports_progress(finance, monkeypatch):
    job = Job.objects.create(
        kind=Job.Kind.EXPORT, title="정산 내역 엑셀 다운로드", owner=finance.user, total=1_000
    )
    Job.objects.filter(pk=job.pk).update(status=Job.Status.RUNNING)
    monkeypatch.setattr(job_files, "PROGRESS_EVERY_SECONDS", 0)
    progress = job_files.Progress(job)
    progress.phase("엑셀 파일을 만드는 중입니다.", total=1_000)
    list(progress.counted(range(400), every=100))
    state = finance.get(reverse("core-job-status", args=[job.pk])).json()
    assert (state["status"], state["done"], state["total"], state["percent"]) == (
        "RUNNING",
        400,
        1_000,
        40,
    )
    assert state["message"] == "엑셀 파일을 만드는 중입니다." and not state["finished"]
    page = finance.get(reverse("core-job", args=[job.pk])).content.decode()
    assert "400 / 1,000행 (40%)" in page


@pytest.fixture
def settlements(partners):
    from partners.models import Partner

    seller, other = Partner.objects.get(public_id="seller"), Partner.objects.get(public_id="other")
    for i in range(7):
        PartnerSettlement.all_objects.create(
            public_id=f"held-{i}",
            partner=seller if i % 2 else other,
            settlement_date=date(2026, 3, 1) + timedelta(days=i),
            settlement_type="MANUAL",
            status="PAYOUT_WITHHELD",
            amount_settlement=1_000 * (i + 1),
        )
    for i in range(3):
        PartnerSettlement.all_objects.create(
            public_id=f"ready-{i}",
            partner=seller,
            settlement_date=date(2026, 3, 1),
            settlement_type="MANUAL",
            amount_settlement=99,
        )


def _workbook_rows(content: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_a_large_export_runs_as_a_job_with_exactly_the_filtered_rows(
    finance, other_user, settlements, monkeypatch, django_capture_on_commit_callbacks
):
    changelist = reverse("admin:settlements_partnersettlement_changelist")
    url = reverse("admin:settlements_partnersettlement_export_xlsx")
    query = {"status__exact": "PAYOUT_WITHHELD"}
    direct = finance.get(url, query)  # under the threshold: streamed at once
    assert direct.status_code == 200
    expected = _workbook_rows(b"".join(direct.streaming_content))
    assert len(expected) == 1 + 7

    monkeypatch.setattr(exports, "BACKGROUND_ROWS", 5)
    confirm = finance.get(url, query)  # over it: a GET only asks; the POST starts the job
    assert confirm.status_code == 200 and 'id="export-form"' in confirm.content.decode()
    assert not Job.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        started = finance.post(f"{url}?status__exact=PAYOUT_WITHHELD")
    job = _job_of(started)
    job.refresh_from_db()
    assert (job.kind, job.status, job.total, job.done) == (
        Job.Kind.EXPORT,
        Job.Status.SUCCEEDED,
        7,
        7,
    )
    assert job.params["back_url"] == f"{changelist}?status__exact=PAYOUT_WITHHELD"
    page = finance.get(reverse("core-job", args=[job.pk]))
    download_url = reverse("core-job-download", args=[job.pk])
    assert page.context["download_url"] == download_url
    assert "7행을 엑셀 파일로 만들었습니다." in page.content.decode()
    download = finance.get(download_url)
    assert download.status_code == 200
    assert job.result_name in download["Content-Disposition"]
    rows = _workbook_rows(b"".join(download.streaming_content))
    assert rows == expected
    ids = {row[0] for row in rows[1:]}
    assert ids == {f"held-{i}" for i in range(7)}

    # someone else, even a superuser, gets nothing of it
    for name in ("core-job", "core-job-status", "core-job-result", "core-job-download"):
        assert other_user.get(reverse(name, args=[job.pk])).status_code == 404


def test_a_failing_job_says_so(finance, monkeypatch):
    job = Job.objects.create(
        kind=Job.Kind.EXPORT,
        title="깨진 작업",
        owner=finance.user,
        params={"model": "settlements.partnersettlement", "query": "", "path": "/nowhere/"},
    )
    assert run_job(job.pk) == "failed"
    assert run_job(job.pk) == "skipped"  # a second delivery does not run it again
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    page = finance.get(reverse("core-job-result", args=[job.pk]))
    assert 'id="job-failed"' in page.content.decode()
    assert "처리 중 오류가 발생했습니다" in page.content.decode()


def test_old_jobs_and_their_files_are_purged(finance, time_machine):
    old = Job.objects.create(kind=Job.Kind.EXPORT, title="old", owner=finance.user)
    old.result_file = job_files.new_name(old, "export")
    job_files.write_bytes(old.result_file, b"account numbers")
    old.save()
    fresh = Job.objects.create(kind=Job.Kind.EXPORT, title="fresh", owner=finance.user)
    fresh.result_file = job_files.new_name(fresh, "export")
    job_files.write_bytes(fresh.result_file, b"today")
    fresh.save()
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    purge_jobs()
    old.refresh_from_db()
    assert old.result_file == ""
    assert job_files.read_bytes(fresh.result_file) == b"today"
    assert sorted(p.name for p in job_files.directory().iterdir()) == [fresh.result_file]
    Job.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    purge_jobs()
    assert not Job.objects.filter(pk=old.pk).exists()


def test_large_files_are_encrypted_in_chunks(settings):
    data = bytes(range(256)) * 9_000  # ~2.2 MiB: three chunks
    job_files.write_chunks("x.bin", [data[:100], data[100:]])
    stored = (job_files.directory() / "x.bin").read_bytes()
    assert stored.count(b"\n") == 3
    assert job_files.read_bytes("x.bin") == data


def test_the_partner_import_works_in_the_background_too(
    finance, monkeypatch, django_capture_on_commit_callbacks
):
    """Another app's SheetUpload (partners.admin.uploads), unchanged: its preview survives the
    job (the outcome is pickled) and its confirm writes the partners."""
    from core.files import sheets
    from partners.files import template
    from partners.models import Partner

    for contract in template.EXAMPLE_CONTRACTS:
        make_contract(contract)
    spec = template.template_sheet()
    file = io.BytesIO(sheets.csv_bytes(spec.headers, spec.rows))
    file.name = "partners.csv"
    monkeypatch.setattr(uploads, "BACKGROUND_ROWS", 0)
    url = reverse("admin:partners_partner_import")
    with django_capture_on_commit_callbacks(execute=True):
        started = finance.post(url, {"file": file, "mode": "live"})
    job = _job_of(started)
    preview = finance.get(reverse("core-job-result", args=[job.pk]))
    assert preview.status_code == 200
    assert preview.context["checked"].count == len(spec.rows)
    html = preview.content.decode()
    assert 'id="upload-confirm"' in html
    assert reverse("admin:partners_partner_import_confirm") in html
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = finance.post(
            reverse("admin:partners_partner_import_confirm"), {"check": preview.context["check"]}
        )
    commit = _job_of(confirmed)
    done = finance.get(reverse("core-job-result", args=[commit.pk]))
    assert done.status_code == 302
    assert Partner.objects.filter(is_for_test=False).count() == len(spec.rows)
