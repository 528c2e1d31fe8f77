"""The roles get the tax-invoice permissions (docs/payouts.md#roles, core 0005), and our own
company (자사) exists from the start, filled from the OWN_COMPANY_* settings (docs/invoices.md#own-company).

* 조회 `viewer`: every view_* of invoices;
* 운영 `operator`: + drafting, requesting, re-sending, cancelling and issuing invoices, bulk
  requests, counterparties, our own company;
* 관리자 `admin`: every permission of invoices.
"""

from django.apps import apps as global_apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.db import migrations

OPERATE = [
    "add_taxinvoice",
    "change_taxinvoice",
    "issue_taxinvoice",
    "add_bulktaxinvoice",
    "change_bulktaxinvoice",
    "add_counterparty",
    "change_counterparty",
    "delete_counterparty",
    "change_owncompany",
]


def create_roles(apps, schema_editor):
    create_permissions(global_apps.get_app_config("invoices"), verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    mine = Permission.objects.filter(content_type__app_label="invoices")
    views = list(mine.filter(codename__startswith="view_"))
    operate = list(mine.filter(codename__in=OPERATE))
    roles = {
        "viewer": views,
        "operator": views + operate,
        "approver": views,
        "admin": list(mine),
    }
    for name, perms in roles.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(*perms)


def create_own_company(apps, schema_editor):
    OwnCompany = apps.get_model("invoices", "OwnCompany")
    if OwnCompany.objects.exists():
        return
    OwnCompany.objects.create(
        pk=1,
        brn=getattr(settings, "OWN_COMPANY_BRN", ""),
        company_name=getattr(settings, "OWN_COMPANY_NAME", "") or "",
        representative_name=getattr(settings, "OWN_COMPANY_REPRESENTATIVE_NAME", ""),
        address=getattr(settings, "OWN_COMPANY_ADDRESS", ""),
        business_type=getattr(settings, "OWN_COMPANY_BUSINESS_TYPE", ""),
        business_class=getattr(settings, "OWN_COMPANY_BUSINESS_CLASS", ""),
        contact_name=getattr(settings, "OWN_COMPANY_CONTACT_NAME", ""),
        contact_email=getattr(settings, "OWN_COMPANY_CONTACT_EMAIL", ""),
        contact_phone=getattr(settings, "OWN_COMPANY_CONTACT_PHONE", ""),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0001_initial"),
        ("core", "0006_outbound_webhooks"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunPython(create_own_company, migrations.RunPython.noop),
    ]
