from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.utils import timezone
from django_q.models import Schedule

# name -> (function, schedule type, minutes, first run at this KST time for DAILY schedules).
# Idempotent: re-running updates in place and keeps the next run of existing schedules.
SCHEDULES = {
    "promote-due-policy-versions": (
        "policies.tasks.promote_due_versions",
        Schedule.MINUTES,
        1,
        None,
    ),
    "promote-due-partner-versions": (
        "partners.tasks.promote_due_partners",
        Schedule.MINUTES,
        1,
        None,
    ),
    "purge-idempotency-keys": ("core.tasks.purge_idempotency_keys", Schedule.HOURLY, None, None),
    # the admin's background jobs: files after a day, rows after a month (core.tasks.purge_jobs)
    "purge-jobs": ("core.tasks.purge_jobs", Schedule.HOURLY, None, None),
    # docs/statuses.md#gathering: hourly, and at 00:05 KST so the day's settlements exist at once.
    "settle-transfers": ("settlements.tasks.advance_and_gather", Schedule.HOURLY, None, None),
    "settle-transfers-after-midnight": (
        "settlements.tasks.advance_and_gather",
        Schedule.DAILY,
        None,
        time(0, 5),
    ),
    # docs/payouts.md#exactly-once: scheduled bulk payouts start on their minute; payouts a dead
    # worker left with the bank are asked about and recorded.
    "start-due-bulk-payouts": ("payouts.tasks.start_due_bulk_payouts", Schedule.MINUTES, 1, None),
    "recover-payouts": ("payouts.tasks.recover_payouts", Schedule.MINUTES, 1, None),
    # docs/webhooks.md#back-off: retries fall due by the minute (new events are enqueued at once)
    "deliver-webhooks": ("core.outbound.tasks.deliver_due", Schedule.MINUTES, 1, None),
    # delivered and finally failed webhook messages after OUTBOUND_WEBHOOK_RETENTION_DAYS (30)
    "purge-webhook-messages": ("core.outbound.tasks.purge_messages", Schedule.DAILY, None, None),
    # docs/invoices.md: e-mails and messenger messages, NTS transmission (due the next business
    # day at NTS_SEND_HOUR, send-to-nts at once) and its progress, counterparty connections
    "send-invoice-notifications": ("invoices.tasks.send_notifications", Schedule.MINUTES, 1, None),
    "transmit-due-invoices": ("invoices.tasks.transmit_due", Schedule.MINUTES, 1, None),
    "advance-nts-transmission": ("invoices.tasks.advance_nts", Schedule.MINUTES, 1, None),
    "resume-bulk-tax-invoices": ("invoices.tasks.resume_bulks", Schedule.MINUTES, 1, None),
    "advance-counterparty-connections": (
        "invoices.tasks.advance_connections",
        Schedule.MINUTES,
        1,
        None,
    ),
}


def next_local(at: time) -> datetime:
    """The next moment the local (KST) clock shows `at`."""
    now = timezone.localtime()
    candidate = timezone.make_aware(datetime.combine(now.date(), at))
    return candidate if candidate > now else candidate + timedelta(days=1)


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules this project relies on."

    def handle(self, *args, **options):
        for name, (func, kind, minutes, daily_at) in SCHEDULES.items():
            schedule, created = Schedule.objects.update_or_create(
                name=name,
                defaults={"func": func, "schedule_type": kind, "minutes": minutes, "repeats": -1},
            )
            if created and daily_at is not None:
                schedule.next_run = next_local(daily_at)
                schedule.save(update_fields=["next_run"])
        self.stdout.write(f"{len(SCHEDULES)} schedules in place")
