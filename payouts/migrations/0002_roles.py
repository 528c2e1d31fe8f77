"""Roles of the finance team as Django groups (docs/payouts.md#roles): 조회(viewer), 운영(operator),
승인(approver). Permissions are created here first (Django makes them only after migrate)."""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

VIEW = [
    ("payouts", "view_bulkpayout"),
    ("payouts", "view_payout"),
    ("payouts", "view_payoutaccount"),
    ("payouts", "view_accounttransfer"),
    ("payouts", "view_bulkaccounttransfer"),
    ("payouts", "view_payoutsettlement"),
    ("settlements", "view_partnersettlement"),
    ("settlements", "view_transfer"),
    ("partners", "view_partner"),
]
OPERATE = [
    ("payouts", "add_bulkpayout"),
    ("payouts", "change_bulkpayout"),
    ("payouts", "start_bulkpayout"),
    ("payouts", "change_payout"),
    ("payouts", "add_accounttransfer"),
    ("settlements", "change_partnersettlement"),
]
APPROVE = [("payouts", "approve_bulkpayout")]
ROLES = {
    "viewer": VIEW,
    "operator": VIEW + OPERATE,
    "approver": VIEW + APPROVE,
}


def create_roles(apps, schema_editor):
    for label in ("payouts", "settlements", "partners"):
        create_permissions(global_apps.get_app_config(label), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        for app_label, codename in codes:
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                group.permissions.add(perm)


def drop_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=list(ROLES)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("payouts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, drop_roles)]
