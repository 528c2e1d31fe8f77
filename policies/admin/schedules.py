"""변경 예약 (scheduled changes) in the back office, for contracts and both policy kinds.

A detail page gets a "변경 예약" button (unfold `actions_detail`) that opens the entity's own form
with its terms plus an apply-at time; saving calls core.versioning `schedule_create` (or
`schedule_replace` when a change is already pending, which the form then starts from). The pending
change shows above the detail form with its time, what it changes and a cancel button
(`schedule_cancel`, after a confirmation page). Archive rules, the one-pending-schedule rule and
promotion when the time comes are core.versioning's, exactly as for the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from unfold.decorators import action

from core.errors import DomainError
from core.versioning import services as versioning
from core.versioning.models import VersionBase
from policies.admin.display import term_label, term_text
from policies.admin.forms import schedule_form, terms_from


class ScheduleMixin:
    """For a VersionedAdmin (needs `kind`, `form`)."""

    actions_detail = ["schedule_change"]
    change_form_outer_before_template = "admin/policies/pending_schedule.html"

    # --- reads ----------------------------------------------------------------------------------

    def pending_version(self, obj):
        return self.kind.version_model.objects.filter(
            entity=obj, state=VersionBase.State.SCHEDULED
        ).first()

    def pending_context(self, obj, version) -> dict[str, Any]:
        model = self.kind.model
        changes = versioning.decode_terms(self.kind, version.changes or {})
        current = obj.terms()
        return {
            "applied_at": timezone.localtime(version.applied_at),
            "created_at": timezone.localtime(version.created_at),
            "items": [
                (term_label(model, n), term_text(model, n, current.get(n)), term_text(model, n, v))
                for n, v in changes.items()
            ],
            "schedule_url": self._url("schedule_change", obj),
            "cancel_url": self._url("schedule_cancel", obj),
        }

    def _url(self, name: str, obj) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}", args=[obj.pk])

    def _change_url(self, obj) -> str:
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = dict(extra_context or {})
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            version = self.pending_version(obj)
            if version is not None:
                extra_context["pending_schedule"] = self.pending_context(obj, version)
        return super().change_view(request, object_id, form_url, extra_context)

    # --- the schedule page ----------------------------------------------------------------------

    @action(description="변경 예약", url_path="schedule", icon="event", permissions=["change"])
    def schedule_change(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if obj.is_archived:
            messages.error(request, "보관된 항목에는 변경을 예약할 수 없습니다. 먼저 복원하세요.")
            return redirect(self._change_url(obj))
        pending = self.pending_version(obj)
        names = tuple(self.kind.model.TERMS)
        # the admin's own form class (unfold's widgets), limited to the terms, plus 적용 시각
        form_class = schedule_form(self.get_form(request, obj, change=True, fields=names))
        initial: dict[str, Any] = {}
        if pending is not None:
            initial = versioning.projected_terms(self.kind, obj, pending)
            initial["applied_at"] = pending.applied_at
        if request.method == "POST":
            form = form_class(request.POST, instance=self.get_object(request, obj.pk))
            if form.is_valid():
                current = obj.terms()
                changes = {k: v for k, v in terms_from(form, names).items() if current[k] != v}
                if not changes:
                    form.add_error(None, "지금 내용과 달라진 것이 없습니다.")
                else:
                    service = (
                        versioning.schedule_create
                        if pending is None
                        else versioning.schedule_replace
                    )
                    try:
                        service(
                            self.kind,
                            public_id=obj.public_id,
                            is_for_test=obj.is_for_test,
                            changes=changes,
                            applied_at=form.cleaned_data["applied_at"],
                        )
                    except DomainError as exc:
                        form.add_error(None, exc.message)
                    else:
                        when = timezone.localtime(form.cleaned_data["applied_at"])
                        messages.success(
                            request, f"{obj}: {when:%Y-%m-%d %H:%M}에 적용될 변경을 예약했습니다."
                        )
                        return redirect(self._change_url(obj))
        else:
            form = form_class(instance=obj, initial=initial)
        return self._render_schedule(request, obj, form, pending)

    def _render_schedule(self, request, obj, form, pending):
        fieldsets = [(None, {"fields": ["applied_at"]})]
        for title, options in self.get_fieldsets(request, obj):
            fields = [f for f in options["fields"] if f in form.fields and f != "applied_at"]
            if fields:
                fieldsets.append((title, {**options, "fields": fields}))
        adminform = helpers.AdminForm(form, fieldsets, {}, readonly_fields=[], model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": f"변경 예약: {obj}",
            "subtitle": None,
            "adminform": adminform,
            "object_id": obj.pk,
            "original": obj,
            "is_popup": False,
            "to_field": None,
            "media": self.media + adminform.media,
            "inline_admin_formsets": [],
            "errors": helpers.AdminErrorList(form, []),
            "preserved_filters": self.get_preserved_filters(request),
            "schedule_page": True,
            "pending": self.pending_context(obj, pending) if pending is not None else None,
            "change_url": self._change_url(obj),
        }
        response = self.render_change_form(request, context, change=True, obj=obj)
        response.template_name = "admin/policies/schedule_form.html"
        return response

    # --- cancel ---------------------------------------------------------------------------------

    def schedule_cancel_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return self._get_obj_does_not_exist_redirect(request, self.model._meta, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        pending = self.pending_version(obj)
        if pending is None:
            messages.warning(request, "예약된 변경이 없습니다.")
            return redirect(self._change_url(obj))
        if request.method == "POST":
            try:
                versioning.schedule_cancel(
                    self.kind, public_id=obj.public_id, is_for_test=obj.is_for_test
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"{obj}: 예약된 변경을 취소했습니다.")
            return redirect(self._change_url(obj))
        context = {
            **self.admin_site.each_context(request),
            "title": f"예약 취소: {obj}",
            "opts": self.model._meta,
            "original": obj,
            "pending": self.pending_context(obj, pending),
            "change_url": self._change_url(obj),
        }
        return TemplateResponse(request, "admin/policies/schedule_cancel.html", context)

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/schedule/cancel/",
                self.admin_site.admin_view(self.schedule_cancel_view),
                name=f"{opts.app_label}_{opts.model_name}_schedule_cancel",
            ),
            *super().get_urls(),
        ]
