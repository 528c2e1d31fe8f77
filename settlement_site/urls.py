from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core import health
from core.admin import jobs
from settlements.admin import urls as settlements_admin

urlpatterns = [
    path("admin/settlements/tools/", include(settlements_admin.tools)),
    path("admin/settlements/orders/", include(settlements_admin.orders)),
    path("admin/", include(jobs.urls())),  # admin/jobs/<pk>/…: background work of any app
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("platform/", include("policies.api.urls")),
    path("platform/", include("partners.api.urls")),
    path("platform/", include("settlements.api.urls")),
    path("platform/", include("payouts.api.urls")),
    path("platform/", include("core.api.webhook_urls")),
    path("b2b/", include("invoices.api.urls")),
    path("tax-invoices/", include("invoices.portal.urls")),
    path("webhooks/", include("settlements.api.webhook_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    # no login, no API secret (docs/deploy.md#health-checks): load balancers, monitoring, workers
    path("health/", health.HealthView.as_view(), name="health"),
    path("health/web/", health.WebHealthView.as_view(), name="health-web"),
]

handler404 = "core.api.handlers.not_found"
handler500 = "core.api.handlers.server_error"
