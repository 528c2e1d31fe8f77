from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = _("API와 공통")

    def ready(self) -> None:
        from core import audit  # noqa: F401  (connects the audit signal)
