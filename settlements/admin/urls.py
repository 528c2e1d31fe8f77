"""The finance team's settlement pages beside the model admins, mounted by settlement_site/urls.py:
the dashboard and the manual-transfer upload under admin/settlements/tools/, the order and
payment uploads under admin/settlements/orders/."""

from django.contrib import admin
from django.urls import path

from settlements.admin import dashboard
from settlements.admin.uploads import MANUAL_TRANSFERS, ORDER_TRANSFERS, PAYMENTS

tools = [
    path(
        "dashboard/", admin.site.admin_view(dashboard.dashboard_view), name="settlements-dashboard"
    ),
    path(
        "dashboard/xlsx/",
        admin.site.admin_view(dashboard.dashboard_xlsx_view),
        name="settlements-dashboard-xlsx",
    ),
    *MANUAL_TRANSFERS.urls(),
]
orders = [*ORDER_TRANSFERS.urls(), *PAYMENTS.urls()]
