"""Work whose django-q2 task was lost is picked up by the minute tasks (docs/scale-out.md).

With the Redis broker a cluster killed with SIGKILL takes with it every task it had taken off
the list: the one running and those its pusher had queued. The bulk payout's run is resumed by
`recover_payouts` (tests/payouts/test_bulk_payouts.py); here, the statements that a bulk payout's
finalize prepared and whose sending tasks never ran: `recover_payouts` sends them once, after
PAYOUT_STATEMENT_RESEND_AFTER_SECONDS, and leaves younger ones to their own task."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_q.conf import Conf

from payouts import tasks
from payouts.models import Payout, SettlementStatementStatus
from payouts.services import bulk_payouts as bp
from payouts.services.bulk_payouts import Actor
from payouts.services.runner import bulk_payout_run
from payouts.services.selection import Selection

S = SettlementStatementStatus
ALICE = Actor("user:1", "alice")


@pytest.fixture(autouse=True)
def _mail(settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PAYOUT_STATEMENT_RESEND_AFTER_SECONDS = 600
    monkeypatch.setattr(Conf, "SYNC", True)  # an enqueued task runs in place


@pytest.fixture
def lost(make_world, django_capture_on_commit_callbacks) -> list[Payout]:
    """A bulk payout of two partners run to COMPLETED whose statement tasks were never run (the
    after-commit enqueues dropped, as a killed cluster drops what it took)."""
    world = make_world(
        {
            "가나다 상사": {"amount": 100_000, "contact_email": "a@partner.test"},
            "라마바 상사": {"amount": 200_000, "contact_email": "b@partner.test"},
        }
    )
    bulk = bp.bulk_payout_create(
        selection=Selection.of_ids(world.ids("가나다 상사", "라마바 상사"), is_for_test=True),
        name="3월 정산",
        actor=ALICE,
    )
    bp.bulk_payout_start(public_id=bulk.public_id, is_for_test=True, actor=ALICE)
    with django_capture_on_commit_callbacks(execute=False):
        assert bulk_payout_run(bulk.pk).status == "COMPLETED"
    payouts = list(bulk.payouts.order_by("pk"))
    assert [p.settlement_statement_status for p in payouts] == [S.SEND_PREPARED] * 2
    assert mail.outbox == []
    return payouts


def age(payouts: list[Payout], seconds: int) -> None:
    Payout.objects.filter(pk__in=[p.pk for p in payouts]).update(
        updated_at=timezone.now() - timedelta(seconds=seconds)
    )


def statuses(payouts: list[Payout]) -> list[str]:
    return [Payout.objects.get(pk=p.pk).settlement_statement_status for p in payouts]


def test_recovery_sends_the_statements_whose_task_was_lost_once(
    lost, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recover_payouts()["statements"] == 0  # young: their task may be on its way
    assert statuses(lost) == [S.SEND_PREPARED] * 2

    age(lost, 601)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recover_payouts()["statements"] == 2
    assert statuses(lost) == [S.SENT] * 2
    assert sorted(m.to[0] for m in mail.outbox) == ["a@partner.test", "b@partner.test"]

    age(lost, 601)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.recover_payouts()["statements"] == 0  # sent: nothing again
    assert len(mail.outbox) == 2


def test_a_late_first_task_after_the_resend_sends_nothing_more(
    lost, settings, django_capture_on_commit_callbacks
):
    settings.PAYOUT_STATEMENT_RESEND_AFTER_SECONDS = 30
    age(lost[:1], 31)  # only the first is overdue
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resend_lost_statements() == 1
    assert statuses(lost) == [S.SENT, S.SEND_PREPARED]
    # the original task of both arrives at last: only the second is still to send
    from payouts.services.statements import statements_send

    assert statements_send([p.pk for p in lost]) == {"SKIPPED": 1, "SENT": 1}
    assert sorted(m.to[0] for m in mail.outbox) == ["a@partner.test", "b@partner.test"]


def test_statements_of_payouts_paid_long_ago_are_not_read(lost, django_capture_on_commit_callbacks):
    """The minute task looks back STATEMENT_RESEND_WINDOW only (the admin resends older ones)."""
    age(lost, 601)
    Payout.objects.filter(pk=lost[0].pk).update(
        status_updated_at=timezone.now() - tasks.STATEMENT_RESEND_WINDOW - timedelta(minutes=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.resend_lost_statements() == 1
    assert statuses(lost) == [S.SEND_PREPARED, S.SENT]
