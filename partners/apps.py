from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class PartnersConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "partners"
    verbose_name = pgettext_lazy("plural", "파트너")
