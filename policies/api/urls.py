from django.urls import path

from policies.api import views as api

app_name = "policies"


def _resource_urls(prefix: str, resource: api.Resource) -> list:
    return [
        path(f"{prefix}", api.CollectionView.as_view(resource=resource)),
        path(f"{prefix}/<str:id>", api.ItemView.as_view(resource=resource)),
        path(f"{prefix}/<str:id>/archive", api.ArchiveView.as_view(resource=resource)),
        path(f"{prefix}/<str:id>/recover", api.RecoverView.as_view(resource=resource)),
        path(f"{prefix}/<str:id>/schedule", api.ScheduleView.as_view(resource=resource)),
    ]


urlpatterns = [
    *_resource_urls("contracts", api.CONTRACTS),
    *_resource_urls("discount-share-policies", api.DISCOUNT_SHARE_POLICIES),
    *_resource_urls("additional-fee-policies", api.ADDITIONAL_FEE_POLICIES),
    path(
        "discount-share-policy-filter-options",
        api.DiscountSharePolicyFilterOptionsView.as_view(),
    ),
    path("setting", api.SettingView.as_view()),
]
