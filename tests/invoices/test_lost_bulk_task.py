"""A bulk tax invoice whose background task was lost (a cluster killed with SIGKILL on the Redis
broker, docs/scale-out.md) is built by the minute task `resume_bulks` once it has waited
INVOICE_BULK_RESUME_AFTER_SECONDS, a setting so that a deployment (and the scale-out test) can
choose how long a task may take to arrive."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from invoices import tasks
from invoices.models import BulkTaxInvoice, TaxInvoice
from invoices.services import bulk
from tests.invoices.test_bulk_from_payouts import world  # noqa: F401 (the fixture)


def test_the_wait_before_a_lost_bulk_is_resumed_is_a_setting(
    world,  # noqa: F811
    own_company,
    settings,
    monkeypatch,
):
    settings.INVOICE_BULK_INLINE_MAX = 0
    settings.INVOICE_BULK_RESUME_AFTER_SECONDS = 30
    monkeypatch.setattr(bulk, "async_task", lambda *a, **kw: None)  # the task never runs
    lost = bulk.bulk_from_payouts(
        bulk_payout_public_id=world.public_id, is_for_test=True, actor="admin:alice"
    )
    BulkTaxInvoice.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - timedelta(seconds=20)
    )
    assert tasks.resume_bulks() == 0  # 20 s: its task may still be on its way
    BulkTaxInvoice.objects.filter(pk=lost.pk).update(
        created_at=timezone.now() - timedelta(seconds=40)
    )
    assert tasks.resume_bulks() == 2  # 40 s: lost (the default, 120 s, would still wait)
    lost.refresh_from_db()
    assert (lost.status, lost.total_invoice_count) == ("COMPLETED", 2)
    assert TaxInvoice.objects.filter(bulk=lost).count() == 2
    assert tasks.resume_bulks() == 0
