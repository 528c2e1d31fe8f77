"""The four roles (core/migrations/0005_roles_and_readonly_secrets.py, docs/payouts.md#roles)
across the admin, and read-only API secrets.

Every role is a Django group; a staff user in it may do exactly what its row of the table says:
list and change pages, the custom create / upload / export pages, bulk payout start and approve,
list actions, the API secret page and the 시스템 pages. A refused request answers 403 and — for
a POST — writes nothing. A read-only API secret reads, and any write answers 403 FORBIDDEN (the
SDK's ForbiddenError) with nothing written and no idempotency key kept.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from core.models import ApiSecret, IdempotencyKey, Job, hash_secret

pytestmark = pytest.mark.django_db

ROLES = ("viewer", "operator", "approver", "admin")
EVERYONE = frozenset(ROLES)
OPERATORS = frozenset({"operator", "admin"})
APPROVERS = frozenset({"approver", "admin"})
ADMINS = frozenset({"admin"})

roles_migration = importlib.import_module("core.migrations.0005_roles_and_readonly_secrets")


# --- the world every case works on ---------------------------------------------------------


@dataclass
class World:
    contract: Any
    partner: Any
    bulk: Any  # a PREPARED test-mode bulk payout that needs approval (over the threshold)
    held: Any  # a payable partner settlement outside the bulk payout
    secret: ApiSecret
    closed_day: Any
    refs: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(db, settings) -> World:
    from payouts.services import bulk_payouts as bp
    from payouts.services.bulk_payouts import Actor
    from payouts.services.selection import Selection
    from settlements.models import ClosedDay, PartnerSettlement
    from settlements.services.gather import partner_settlements_gather
    from tests.factories import make_contract, make_partner, make_transfer

    settings.PAYOUT_APPROVAL_THRESHOLD = 5_000
    contract = make_contract("c-roles", is_for_test=True)
    partner = make_partner("p-roles", contract_id=contract.public_id, is_for_test=True)
    other = make_partner("p-other", contract_id=contract.public_id, is_for_test=True)
    make_transfer(partner, settlement_date=date(2026, 3, 10), amounts={"settlement": 10_000})
    make_transfer(other, settlement_date=date(2026, 3, 10), amounts={"settlement": 7_000})
    partner_settlements_gather()
    mine = PartnerSettlement.objects.get(partner=partner)
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids([mine.public_id], is_for_test=True),
        name="3월 정산",
        actor=Actor("user:999999", "다른 담당자"),
    )
    secret, _raw = ApiSecret.issue(name="shop backend")
    ApiSecret.issue(name="dashboard", read_only=True)
    return World(
        contract=contract,
        partner=partner,
        bulk=bulk,
        held=PartnerSettlement.objects.get(partner=other),
        secret=secret,
        closed_day=ClosedDay.objects.create(date=date(2030, 5, 1), name="창립기념일"),
    )


@pytest.fixture
def roles(db):
    """The groups as the migration leaves them (running it again changes nothing: a flushed
    database of an earlier transactional test has none, so it is run here too)."""
    from django.apps import apps

    roles_migration.create_roles(apps, None)
    return {name: Group.objects.get(name=name) for name in ROLES}


def member(django_user_model, roles, role: str) -> Client:
    user = django_user_model.objects.create_user(f"u-{role}", password="pw", is_staff=True)
    user.groups.add(roles[role])
    client = Client()
    client.force_login(user)
    client.user = user
    return client


# --- the roles themselves ------------------------------------------------------------------


def perms(group: Group) -> set[str]:
    return {
        f"{app}.{code}"
        for app, code in group.permissions.values_list("content_type__app_label", "codename")
    }


def test_the_migration_is_idempotent_and_keeps_what_an_installation_added(roles):
    from django.apps import apps

    extra = Permission.objects.get(codename="delete_closedday")
    roles["approver"].permissions.add(extra)  # a local choice
    before = {name: perms(group) for name, group in roles.items()}
    roles_migration.create_roles(apps, None)
    assert {name: perms(group) for name, group in roles.items()} == before
    assert "settlements.delete_closedday" in perms(roles["approver"])


def test_what_each_role_holds(roles):
    viewer, operator, approver, admin = (perms(roles[name]) for name in ROLES)
    everything = set(
        f"{app}.{code}"
        for app, code in Permission.objects.filter(
            # the tax invoices' permissions are given by invoices/migrations/0002
            content_type__app_label__in=(*roles_migration.ADMIN_APPS, "invoices")
        ).values_list("content_type__app_label", "codename")
    )
    assert admin == everything
    assert "invoices.view_taxinvoice" in viewer and "invoices.view_counterparty" in viewer
    assert "invoices.issue_taxinvoice" in operator and "invoices.add_bulktaxinvoice" in operator
    assert "invoices.issue_taxinvoice" not in approver
    assert "partners.view_partner_personal_data" in admin
    for codename in (
        "policies.view_contract",
        "partners.view_partner",
        "partners.view_accountverification",
        "settlements.view_transfer",
        "settlements.view_closedday",
        "payouts.view_bulkpayout",
        "payouts.view_payoutaccount",
    ):
        assert codename in viewer
    assert all(p.split(".")[1].startswith("view_") for p in viewer)
    assert viewer < operator and viewer < approver
    assert approver - viewer == {"payouts.approve_bulkpayout"}
    assert "payouts.start_bulkpayout" in operator and "payouts.add_accounttransfer" in operator
    for refused in (
        "payouts.approve_bulkpayout",
        "partners.view_partner_personal_data",
        "core.view_apisecret",
        "core.add_apisecret",
        "auth.add_user",
        "auth.change_group",
        "django_q.view_schedule",
        "payouts.change_payoutaccount",
    ):
        assert refused not in operator, refused
    for role in (viewer, operator, approver):
        assert not {p for p in role if p.split(".")[0] in ("core", "auth", "django_q")}


# --- the table of pages --------------------------------------------------------------------


def _cl(app: str, model: str) -> Callable[[World], str]:
    return lambda w: reverse(f"admin:{app}_{model}_changelist")


def _name(name: str, *args: Callable[[World], Any]) -> Callable[[World], str]:
    return lambda w: reverse(name, args=[a(w) for a in args])


PAGES: list[tuple[str, Callable[[World], str], frozenset[str]]] = [
    # list pages of the product: every role
    *[
        (f"{app}.{model} list", _cl(app, model), EVERYONE)
        for app, model in (
            ("policies", "contract"),
            ("policies", "discountsharepolicy"),
            ("policies", "additionalfeepolicy"),
            ("policies", "platformsetting"),
            ("partners", "partner"),
            ("partners", "userdefinedproperty"),
            ("partners", "accountverification"),
            ("partners", "companyverification"),
            ("settlements", "transfer"),
            ("settlements", "partnersettlement"),
            ("settlements", "payment"),
            ("settlements", "closedday"),
            ("settlements", "settlementparameter"),
            ("payouts", "bulkpayout"),
            ("payouts", "payout"),
            ("payouts", "accounttransfer"),
            ("payouts", "payoutaccount"),
        )
    ],
    # API secrets, idempotency keys, users, groups, task tables: the admin only
    *[
        (f"{app}.{model} list", _cl(app, model), ADMINS)
        for app, model in (
            ("core", "apisecret"),
            ("core", "idempotencykey"),
            ("auth", "user"),
            ("auth", "group"),
            ("django_q", "schedule"),
            ("django_q", "success"),
            ("django_q", "failure"),
        )
    ],
    ("api secret page", _name("admin:core_apisecret_change", lambda w: w.secret.pk), ADMINS),
    ("api secret add", _name("admin:core_apisecret_add"), ADMINS),
    ("user add", _name("admin:auth_user_add"), ADMINS),
    # change pages (read-only for a viewer) and add pages
    ("contract page", _name("admin:policies_contract_change", lambda w: w.contract.pk), EVERYONE),
    ("partner page", _name("admin:partners_partner_change", lambda w: w.partner.pk), EVERYONE),
    ("bulk payout page", _name("admin:payouts_bulkpayout_change", lambda w: w.bulk.pk), EVERYONE),
    (
        "partner settlement page",
        _name("admin:settlements_partnersettlement_change", lambda w: w.held.pk),
        EVERYONE,
    ),
    ("contract add", _name("admin:policies_contract_add"), OPERATORS),
    ("partner add", _name("admin:partners_partner_add"), OPERATORS),
    ("manual transfer add", _name("admin:settlements_transfer_add"), OPERATORS),
    ("closed day add", _name("admin:settlements_closedday_add"), OPERATORS),
    (
        "contract schedule",
        _name("admin:policies_contract_schedule_change", lambda w: w.contract.pk),
        OPERATORS,
    ),
    (
        "partner schedule",
        _name("admin:partners_partner_schedule", lambda w: w.partner.pk),
        OPERATORS,
    ),
    # custom pages: create, uploads and their templates, deposits
    ("bulk payout create", _name("admin:payouts_bulkpayout_create"), OPERATORS),
    ("deposit", _name("admin:payouts_accounttransfer_deposit"), OPERATORS),
    ("deposit upload", _name("admin:payouts_deposit_upload"), OPERATORS),
    ("partner import", _name("admin:partners_partner_import"), OPERATORS),
    (
        "partner import template",
        _name("admin:partners_partner_import_template", lambda w: "csv"),
        OPERATORS,
    ),
    ("manual transfer upload", _name("settlements-manual-upload"), OPERATORS),
    ("order transfer upload", _name("settlements_order_upload"), OPERATORS),
    ("payment upload", _name("settlements_payment_upload"), OPERATORS),
    # bulk payout buttons (their confirmation pages)
    (
        "bulk payout start",
        _name("admin:payouts_bulkpayout_action", lambda w: w.bulk.pk, lambda w: "start"),
        OPERATORS,
    ),
    (
        "bulk payout approve",
        _name("admin:payouts_bulkpayout_action", lambda w: w.bulk.pk, lambda w: "approve"),
        APPROVERS,
    ),
    # reading and downloading: every role
    ("dashboard", _name("settlements-dashboard"), EVERYONE),
    ("dashboard xlsx", _name("settlements-dashboard-xlsx"), EVERYONE),
    ("partner excel", _name("admin:partners_partner_export_xlsx"), EVERYONE),
    ("partner csv", _name("admin:partners_partner_export", lambda w: "csv"), EVERYONE),
    ("transfer excel", _name("admin:settlements_transfer_export_xlsx"), EVERYONE),
    ("bulk payout excel", _name("admin:payouts_bulkpayout_export_xlsx"), EVERYONE),
    (
        "bulk payout stats",
        _name("admin:payouts_bulkpayout_stats", lambda w: w.bulk.pk),
        EVERYONE,
    ),
    ("api secret excel", _name("admin:core_apisecret_export_xlsx"), ADMINS),
    ("user excel", _name("admin:auth_user_export_xlsx"), ADMINS),
]


@pytest.mark.parametrize("role", ROLES)
def test_pages_each_role_may_open(role, roles, world, django_user_model):
    client = member(django_user_model, roles, role)
    wrong = []
    for label, url, allowed in PAGES:
        status = client.get(url(world)).status_code
        expected = 200 if role in allowed else 403
        if status != expected:
            wrong.append(f"{label}: {status}, expected {expected}")
    assert wrong == []


# --- the table of writes: refused ones write nothing ---------------------------------------


def _action(action: str, *pks: Callable[[World], Any], **extra: str) -> Callable[[World], dict]:
    def data(w: World) -> dict:
        return {"action": action, "_selected_action": [str(pk(w)) for pk in pks], **extra}

    return data


def _upload_file(_w: World) -> dict:
    from core.files import sheets
    from partners.files import template

    spec = template.template_sheet()
    file = io.BytesIO(sheets.csv_bytes(spec.headers, spec.rows))
    file.name = "partners.csv"
    return {"file": file, "mode": "test"}


@dataclass(frozen=True)
class Write:
    label: str
    url: Callable[[World], str]
    data: Callable[[World], dict]
    allowed: frozenset[str]
    state: Callable[[World], Any]  # what a refused request must leave as it was
    changes: bool = True  # an allowed request changes `state` (so the check above can see one)


def _bulk_state(w: World):
    w.bulk.refresh_from_db()
    return (w.bulk.status, w.bulk.approved_at, w.bulk.approver_id)


def _settlement_states(w: World):
    from settlements.models import PartnerSettlement

    return sorted(PartnerSettlement.objects.values_list("public_id", "status"))


def _count(model_path: str) -> Callable[[World], int]:
    def count(_w: World) -> int:
        from django.apps import apps

        model = apps.get_model(model_path)
        manager = getattr(model, "all_objects", model.objects)
        return manager.count()

    return count


WRITES = [
    Write(
        "add a closed day",
        _name("admin:settlements_closedday_add"),
        lambda w: {"date": "2030-06-01", "name": "워크숍"},
        OPERATORS,
        _count("settlements.closedday"),
    ),
    Write(
        "delete closed days (list action)",
        _cl("settlements", "closedday"),
        _action("delete_selected", lambda w: w.closed_day.pk, post="yes"),
        OPERATORS,
        _count("settlements.closedday"),
    ),
    Write(
        "archive a contract (list action)",
        _cl("policies", "contract"),
        _action("archive_selected", lambda w: w.contract.pk),
        OPERATORS,
        lambda w: type(w.contract).objects.get(pk=w.contract.pk).is_archived,
    ),
    Write(
        "re-verify partners (list action)",
        _cl("partners", "partner"),
        _action("reverify_selected", lambda w: w.partner.pk),
        OPERATORS,
        _count("django_q.ormq"),
        changes=False,
    ),
    Write(
        "settle now (list action)",
        _cl("settlements", "transfer"),
        _action("gather_now", lambda w: 0, select_across="1"),
        OPERATORS,
        _settlement_states,
        changes=False,
    ),
    Write(
        "withhold a settlement (list action)",
        _cl("settlements", "partnersettlement"),
        _action("withhold_selected", lambda w: w.held.pk, confirm="yes", reason="서류 확인"),
        OPERATORS,
        _settlement_states,
    ),
    Write(
        "mark a settlement paid outside (list action)",
        _cl("settlements", "partnersettlement"),
        _action("complete_payout", lambda w: w.held.pk, confirm="yes", name="밖에서 지급"),
        OPERATORS,
        _settlement_states,
    ),
    Write(
        "bulk payout from selected settlements (list action)",
        _cl("settlements", "partnersettlement"),
        _action("create_bulk_payout", lambda w: w.held.pk),
        OPERATORS,
        _count("payouts.bulkpayout"),
        changes=False,
    ),
    Write(
        "cancel a bulk payout",
        _name("admin:payouts_bulkpayout_action", lambda w: w.bulk.pk, lambda w: "cancel"),
        lambda w: {},
        OPERATORS,
        _bulk_state,
    ),
    Write(
        "start a bulk payout",
        _name("admin:payouts_bulkpayout_action", lambda w: w.bulk.pk, lambda w: "start"),
        lambda w: {},
        OPERATORS,
        _bulk_state,
        changes=False,
    ),
    Write(
        "approve a bulk payout",
        _name("admin:payouts_bulkpayout_action", lambda w: w.bulk.pk, lambda w: "approve"),
        lambda w: {},
        APPROVERS,
        _bulk_state,
    ),
    Write(
        "record a deposit",
        _name("admin:payouts_accounttransfer_deposit"),
        lambda w: {"mode": "test", "amount": "50000", "depositor_name": "회사"},
        OPERATORS,
        _count("payouts.accounttransfer"),
    ),
    Write(
        "upload partners",
        _name("admin:partners_partner_import"),
        _upload_file,
        OPERATORS,
        _count("partners.partner"),
        changes=False,
    ),
    Write(
        "confirm an upload",
        _name("admin:partners_partner_import_confirm"),
        lambda w: {"check": "x"},
        OPERATORS,
        _count("partners.partner"),
        changes=False,
    ),
    Write(
        "add an API secret",
        _name("admin:core_apisecret_add"),
        lambda w: {"name": "정산 조회용", "read_only": "on"},
        ADMINS,
        _count("core.apisecret"),
    ),
    Write(
        "revoke API secrets (list action)",
        _cl("core", "apisecret"),
        _action("revoke_selected", lambda w: w.secret.pk),
        ADMINS,
        lambda w: ApiSecret.objects.get(pk=w.secret.pk).revoked_at,
    ),
    Write(
        "add a user",
        _name("admin:auth_user_add"),
        lambda w: {"username": "new", "password1": "x-Strong-pw-1", "password2": "x-Strong-pw-1"},
        ADMINS,
        _count("auth.user"),
    ),
    Write(
        "start a large API secret export",
        _name("admin:core_apisecret_export_xlsx"),
        lambda w: {},
        ADMINS,
        _count("core.job"),
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.label)
def test_writes_each_role_may_make(write, role, roles, world, django_user_model, monkeypatch):
    from core.admin import exports

    monkeypatch.setattr(exports, "BACKGROUND_ROWS", 1)  # an export of two rows is a job
    client = member(django_user_model, roles, role)
    before = write.state(world)
    response = client.post(write.url(world), write.data(world))
    if role in write.allowed:
        assert response.status_code in (200, 302), response.status_code
        assert (write.state(world) != before) == write.changes
    else:
        assert response.status_code == 403
        assert write.state(world) == before


def test_allowed_writes_do_what_they_say(roles, world, django_user_model):
    """The other side of the table for the money buttons: the approver approves, the operator
    cancels; neither can do the other's part."""
    approver = member(django_user_model, roles, "approver")
    operator = member(django_user_model, roles, "operator")
    action = "admin:payouts_bulkpayout_action"
    assert operator.post(reverse(action, args=[world.bulk.pk, "approve"])).status_code == 403
    approver.post(reverse(action, args=[world.bulk.pk, "approve"]))
    world.bulk.refresh_from_db()
    assert world.bulk.approver_id == f"user:{approver.user.pk}"
    assert approver.post(reverse(action, args=[world.bulk.pk, "cancel"])).status_code == 403
    operator.post(reverse(action, args=[world.bulk.pk, "cancel"]))
    world.bulk.refresh_from_db()
    assert world.bulk.status == "CANCELLED"


def test_list_actions_a_role_may_not_run_are_not_offered(roles, world, django_user_model):
    viewer = member(django_user_model, roles, "viewer")
    operator = member(django_user_model, roles, "operator")
    url = reverse("admin:settlements_partnersettlement_changelist")

    def offered(client) -> set[str]:
        form = client.get(url).context["action_form"]
        return {name for name, _label in form.fields["action"].choices if name}

    assert not offered(viewer) & {"withhold_selected", "release_selected", "gather_now"}
    assert {"withhold_selected", "release_selected", "gather_now"} <= offered(operator)


def test_full_account_numbers_are_the_admins_alone(roles, world, django_user_model):
    """The 대량이체 file holds full account numbers: the admin (personal data) gets it, the
    operator only a message."""
    url = reverse("admin:payouts_bulkpayout_transfer_file", args=[world.bulk.pk, "csv"])
    operator = member(django_user_model, roles, "operator")
    response = operator.get(url)
    assert response.status_code == 302 and "Content-Disposition" not in response
    admin = member(django_user_model, roles, "admin")
    response = admin.get(url)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]


# --- background exports: POST with a CSRF token, the view permission, the owner ------------


def test_a_background_export_starts_only_from_a_csrf_checked_post(
    roles, world, django_user_model, monkeypatch, settings, tmp_path
):
    from core.admin import exports

    settings.VAR_DIR = tmp_path
    monkeypatch.setattr(exports, "BACKGROUND_ROWS", 1)  # the two test partners are a job
    user = django_user_model.objects.create_user("csrf", password="pw", is_staff=True)
    user.groups.add(roles["viewer"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    url = reverse("admin:partners_partner_export_xlsx") + "?is_for_test__exact=1"

    page = client.get(url)  # a link (or a page elsewhere pointing at it) only asks
    assert page.status_code == 200 and 'id="export-form"' in page.content.decode()
    assert client.post(url).status_code == 403  # no token: refused by Django's CSRF check
    assert not Job.objects.exists()
    token = page.cookies["csrftoken"].value
    started = client.post(url, {"csrfmiddlewaretoken": token})
    assert started.status_code == 302
    job = Job.objects.get()
    assert job.owner == user and job.params["query"] == "is_for_test__exact=1"

    # once the owner may no longer view the list, the result and the file are refused
    user.groups.clear()
    user.user_permissions.add(Permission.objects.get(codename="view_contract"))
    for name in ("core-job-result", "core-job-download"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 403


# --- read-only API secrets -----------------------------------------------------------------

READ_ONLY = "sk_readonly_" + "fedcba9876543210" * 3


@pytest.fixture
def read_only_api(db):
    from rest_framework.test import APIClient

    ApiSecret.objects.create(
        name="조회용",
        prefix=READ_ONLY[:8],
        secret_hash=hash_secret(READ_ONLY),
        read_only=True,
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"PortOne {READ_ONLY}")
    return client


def test_a_read_only_secret_reads_and_every_write_is_forbidden(read_only_api, world):
    from settlements.models import Transfer

    assert read_only_api.get("/platform/contracts").status_code == 200
    assert read_only_api.get("/platform/partners/p-roles?test=true").status_code == 200
    before = Transfer.objects.count()
    body = {"partnerId": "p-roles", "settlementAmount": 1_000, "settlementDate": "2030-01-10"}
    for method, path in (
        ("post", "/platform/transfers/manual"),
        ("post", "/platform/partners/p-roles/archive"),
        ("patch", "/platform/partners/p-roles"),
        ("delete", "/platform/transfers/nothing"),
    ):
        response = getattr(read_only_api, method)(
            path, body, format="json", HTTP_IDEMPOTENCY_KEY=f"key-{method}-{path}"
        )
        assert response.status_code == 403, (method, path, response.content)
        assert response.json()["type"] == "FORBIDDEN"
        assert "읽기 전용" in response.json()["message"]
    assert Transfer.objects.count() == before
    world.partner.refresh_from_db()
    assert not world.partner.is_archived
    assert not IdempotencyKey.objects.exists()
    # a GET that costs and records: the account-holder lookup
    from partners.models import AccountVerification

    lookup = read_only_api.get("/platform/bank-accounts/KOOKMIN/1101234560/holder?test=true")
    assert (lookup.status_code, lookup.json()["type"]) == (403, "FORBIDDEN")
    assert not AccountVerification.objects.exists()


def test_a_writing_secret_still_writes(api_client, world):
    response = api_client.post("/platform/partners/p-roles/archive?test=true", {}, format="json")
    assert response.status_code == 200, response.content


def test_create_api_secret_read_only_flag(capsys):
    from django.core.management import call_command

    call_command("create_api_secret", "조회 전용", "--read-only")
    out = capsys.readouterr().out.strip().splitlines()
    assert "read-only" in out[0]
    stored = ApiSecret.objects.get(name="조회 전용")
    assert stored.read_only and stored.secret_hash == hash_secret(out[-1])
    call_command("create_api_secret", "쓰기")
    assert ApiSecret.objects.get(name="쓰기").read_only is False


def test_the_admin_sets_and_changes_read_only(roles, django_user_model):
    admin = member(django_user_model, roles, "admin")
    response = admin.post(
        reverse("admin:core_apisecret_add"), {"name": "대시보드", "read_only": "on"}, follow=True
    )
    assert response.status_code == 200
    secret = ApiSecret.objects.get(name="대시보드")
    assert secret.read_only
    page = admin.get(reverse("admin:core_apisecret_change", args=[secret.pk])).content.decode()
    assert 'name="read_only"' in page
    admin.post(reverse("admin:core_apisecret_change", args=[secret.pk]), {"name": "대시보드"})
    secret.refresh_from_db()
    assert secret.read_only is False
    listing = admin.get(reverse("admin:core_apisecret_changelist"))
    assert "read_only" in listing.context["cl"].list_display


@pytest.mark.django_db(transaction=True)
def test_the_sdk_raises_forbidden_error_for_a_read_only_write(live_server):
    from portone_server_sdk import errors
    from portone_server_sdk.platform import PlatformClient

    ApiSecret.objects.create(
        name="조회용", prefix=READ_ONLY[:8], secret_hash=hash_secret(READ_ONLY), read_only=True
    )
    client = PlatformClient(secret=READ_ONLY, base_url=live_server.url)
    assert client.get_platform_setting().is_for_test is False
    with pytest.raises(errors.ForbiddenError):
        client.update_platform_setting(default_deposit_memo="정산금")
