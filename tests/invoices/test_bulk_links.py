"""A bulk's invoices carry the link of their request from their INSERT
(notifications.with_link_fields): no UPDATE of the rows just written, the same link fields and
working token as a request sent one by one, and a re-send afterwards renews it as usual."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from invoices.models import Notification, TaxInvoice
from invoices.services import bulk, links, notifications
from tests.invoices.test_bulk_from_payouts import payout_of, world  # noqa: F401 (fixture)


def requested(world):  # noqa: F811
    with CaptureQueriesContext(connection) as queries:
        made = bulk.bulk_from_payouts(
            bulk_payout_public_id=world.public_id, is_for_test=True, actor="system"
        )
    return made, [q["sql"] for q in queries.captured_queries]


def test_the_link_is_written_with_the_invoice_and_works(world, own_company):  # noqa: F811
    made, sqls = requested(world)
    table = TaxInvoice._meta.db_table
    assert made.status == "COMPLETED" and made.total_invoice_count == 2
    assert not [sql for sql in sqls if sql.startswith(f'UPDATE "{table}"')]
    # the counterparties read once to classify, once to build (no deferred field read later)
    assert len([sql for sql in sqls if sql.startswith('SELECT "invoices_counterparty"')]) == 2
    invoices = list(TaxInvoice.objects.filter(bulk=made).order_by("id"))
    assert len(invoices) == 2
    for inv in invoices:
        assert (inv.status, inv.link_version, inv.link_sent_count) == ("REQUESTED", 0, 1)
        assert inv.link_sent_at == inv.requested_at
        assert inv.link_expires_at == inv.link_sent_at + links.max_age()
        assert links.verify(links.token_for(inv)).pk == inv.pk
    queued = Notification.objects.filter(invoice__bulk=made, kind=notifications.REQUEST)
    assert sorted(queued.values_list("channel", "state", "to")) == sorted(
        ("EMAIL", "QUEUED", payout_of(world, name).partner.contact_email)
        for name in ("일반과세", "간이발행")
    )


def test_a_resend_after_the_bulk_renews_the_link(world, own_company):  # noqa: F811
    made, _ = requested(world)
    inv = TaxInvoice.objects.filter(bulk=made).order_by("id").first()
    first_token = links.token_for(inv)
    notifications.resend_request(inv, actor="admin:1")
    inv.refresh_from_db()
    assert (inv.link_version, inv.link_sent_count) == (1, 2)
    assert Notification.objects.filter(invoice=inv, kind=notifications.REQUEST).count() == 2
    assert links.verify(links.token_for(inv)).pk == inv.pk
    with pytest.raises(links.LinkRefused) as refused:
        links.verify(first_token)
    assert refused.value.reason is links.Refusal.SUPERSEDED
