"""The base classes every admin of the project uses: unfold's look, the Excel download of the
filtered list, and (for audited models) django-simple-history's history pages."""

from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.admin import StackedInline, TabularInline

from core.admin.exports import ExcelExportMixin

__all__ = ["HistoryAdmin", "ModelAdmin", "StackedInline", "TabularInline"]


class RefuseActionsMixin:
    """A list action the user may not run (its `permissions`, or delete_selected without the
    delete permission) answers 403 when it is posted anyway: Django would only hide it from the
    menu and ignore the POST (docs/payouts.md#roles)."""

    def changelist_view(self, request, extra_context=None):
        name = request.POST.get("action") if request.method == "POST" else None
        known = {n for _func, n, _label in self._get_base_actions()} if name else set()
        if name in known and name not in self.get_actions(request):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)


class ModelAdmin(RefuseActionsMixin, ExcelExportMixin, UnfoldModelAdmin):
    list_per_page = 50
    list_filter_submit = True  # filters apply together with one button (unfold)
    warn_unsaved_form = True


class HistoryAdmin(RefuseActionsMixin, ExcelExportMixin, SimpleHistoryAdmin, UnfoldModelAdmin):
    """SimpleHistoryAdmin first: its history views; unfold.contrib.simple_history styles them."""

    list_per_page = 50
    list_filter_submit = True
    warn_unsaved_form = True
