"""Non-business days the platform adds to the public holidays."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ClosedDay(models.Model):
    """A platform-defined non-business day on top of public holidays (e.g. company closure)."""

    date = models.DateField(_("날짜"), unique=True)
    name = models.CharField(_("사유"), max_length=100)

    class Meta:
        verbose_name = _("추가 휴무일")
        verbose_name_plural = pgettext_lazy("plural", "추가 휴무일")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"
