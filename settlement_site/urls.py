from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/settlements/tools/", include("settlements.admin_views")),
    path("admin/settlements/orders/", include("settlements.admin_order_upload")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("platform/", include("policies.api.urls")),
    path("platform/", include("partners.api.urls")),
    path("platform/", include("settlements.urls")),
    path("platform/", include("settlements.urls_summaries")),
    path("platform/", include("settlements.urls_transfers")),
    path("webhooks/", include("settlements.urls_webhooks")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

handler404 = "core.api.handlers.not_found"
handler500 = "core.api.handlers.server_error"
