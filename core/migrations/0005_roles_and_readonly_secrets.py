"""The four roles of the back office as Django groups (docs/payouts.md#roles), and read-only API
secrets.

* 조회 `viewer`: sees every page of the product (policies, partners, settlements, payouts) and
  downloads its lists; changes nothing.
* 운영 `operator`: viewer + the finance team's daily work — policies, partners, transfers and
  manual transfers, the uploads, payments, bulk payouts (create, start, schedule, stop, cancel),
  deposits. No approval, no users, no API secrets, no 시스템 pages.
* 승인 `approver`: viewer + approving bulk payouts.
* 관리자 `admin`: every permission, the API secrets, users and groups, the 시스템 pages and the
  partners' full personal data (`partners.view_partner_personal_data`, which no other role has).

payouts/migrations/0002_roles.py made the first three; they are topped up here (permissions are
only added, so what an installation gave a group itself stays). Django makes permissions only after
`migrate`, so they are created here first, as 0002 does. Reversing leaves the groups as they are.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

#: the apps of the product whose every view_* permission the viewer has
PRODUCT_APPS = ("policies", "partners", "settlements", "payouts")
#: the apps whose permissions the admin role has (everything in the back office)
ADMIN_APPS = (*PRODUCT_APPS, "core", "auth", "django_q")
PERSONAL_DATA = ("partners", "view_partner_personal_data")

OPERATE = [
    # policies: contracts, discount-share and additional-fee policies, the platform setting
    ("policies", "add_contract"),
    ("policies", "change_contract"),
    ("policies", "add_discountsharepolicy"),
    ("policies", "change_discountsharepolicy"),
    ("policies", "add_additionalfeepolicy"),
    ("policies", "change_additionalfeepolicy"),
    ("policies", "change_platformsetting"),
    # partners, their properties, the partner upload
    ("partners", "add_partner"),
    ("partners", "change_partner"),
    ("partners", "add_userdefinedproperty"),
    ("partners", "change_userdefinedproperty"),
    # transfers: order / manual transfers, their uploads; payments; settlements; holidays
    ("settlements", "add_transfer"),
    ("settlements", "change_transfer"),
    ("settlements", "add_payment"),
    ("settlements", "change_payment"),
    ("settlements", "change_partnersettlement"),
    ("settlements", "add_closedday"),
    ("settlements", "change_closedday"),
    ("settlements", "delete_closedday"),
    ("settlements", "change_settlementparameter"),
    # bulk payouts (create, start / schedule / stop / cancel, results), payouts, deposits
    ("payouts", "add_bulkpayout"),
    ("payouts", "change_bulkpayout"),
    ("payouts", "start_bulkpayout"),
    ("payouts", "change_payout"),
    ("payouts", "add_accounttransfer"),
]
APPROVE = [("payouts", "approve_bulkpayout")]


def _permissions(apps, codes):
    Permission = apps.get_model("auth", "Permission")
    out = []
    for app_label, codename in codes:
        perm = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if perm is None:
            raise LookupError(f"permission {app_label}.{codename} does not exist")
        out.append(perm)
    return out


def create_roles(apps, schema_editor):
    for label in ADMIN_APPS:
        create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    views = list(
        Permission.objects.filter(
            content_type__app_label__in=PRODUCT_APPS, codename__startswith="view_"
        ).exclude(codename=PERSONAL_DATA[1])
    )
    everything = list(Permission.objects.filter(content_type__app_label__in=ADMIN_APPS))
    roles = {
        "viewer": views,
        "operator": views + _permissions(apps, OPERATE),
        "approver": views + _permissions(apps, APPROVE),
        "admin": everything,
    }
    for name, perms in roles.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_idempotency_sealed"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
        ("policies", "0001_initial"),
        ("partners", "0003_plain_indexes"),
        ("settlements", "0005_transfer_stored_status"),
        ("payouts", "0005_payout_account_bank_choices"),
    ]

    operations = [
        migrations.AddField(
            model_name="apisecret",
            name="read_only",
            field=models.BooleanField(
                default=False,
                help_text="켜면 조회(GET)만 할 수 있고 쓰기 요청은 403 FORBIDDEN으로 거절됩니다.",
                verbose_name="읽기 전용",
            ),
        ),
        migrations.RunPython(create_roles, migrations.RunPython.noop),
    ]
