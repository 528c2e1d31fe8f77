"""The 시스템 section: django-q2's task tables and Django's users and groups, re-registered on
unfold's base classes so that they look like the rest of the back office, with Korean names
(django-q2 ships no Korean translation)."""

from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _
from django_q import admin as q_admin
from django_q.models import Failure, OrmQ, Schedule, Success
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from core.admin.base import ModelAdmin

_NAMES = {
    Schedule: (_("예약 작업"), _("예약 작업")),
    Success: (_("성공한 작업"), _("성공한 작업")),
    Failure: (_("실패한 작업"), _("실패한 작업")),
    OrmQ: (_("대기 중인 작업"), _("대기 중인 작업")),
}
for model, (singular, plural) in _NAMES.items():
    model._meta.verbose_name = singular
    model._meta.verbose_name_plural = plural
apps.get_app_config("django_q").verbose_name = _("백그라운드 작업")


def _reregister(model, *bases):
    admin.site.unregister(model)
    name = f"{model.__name__}Admin"
    admin.site.register(model, type(name, (*bases, ModelAdmin), {"__module__": __name__}))


# Resubmitting a task queues work: only for who may change the task tables (관리자), not for
# anyone who can see them (docs/payouts.md#roles).
q_admin.resubmit_task.allowed_permissions = ("change",)

_reregister(Schedule, q_admin.ScheduleAdmin)
_reregister(Success, q_admin.TaskAdmin)
_reregister(Failure, q_admin.FailAdmin)
if admin.site.is_registered(OrmQ):  # only with the ORM broker
    _reregister(OrmQ, q_admin.QueueAdmin)


class UserAdmin(DjangoUserAdmin, ModelAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm


class GroupAdmin(DjangoGroupAdmin, ModelAdmin):
    pass


for model, model_admin in ((User, UserAdmin), (Group, GroupAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
