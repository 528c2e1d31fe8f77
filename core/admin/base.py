"""The base classes every admin of the project uses: unfold's look, the Excel download of the
filtered list, and (for audited models) django-simple-history's history pages."""

from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin as UnfoldModelAdmin
from unfold.admin import StackedInline, TabularInline

from core.admin.exports import ExcelExportMixin

__all__ = ["HistoryAdmin", "ModelAdmin", "StackedInline", "TabularInline"]


class ModelAdmin(ExcelExportMixin, UnfoldModelAdmin):
    list_per_page = 50
    list_filter_submit = True  # filters apply together with one button (unfold)
    warn_unsaved_form = True


class HistoryAdmin(ExcelExportMixin, SimpleHistoryAdmin, UnfoldModelAdmin):
    """SimpleHistoryAdmin first: its history views; unfold.contrib.simple_history styles them."""

    list_per_page = 50
    list_filter_submit = True
    warn_unsaved_form = True
