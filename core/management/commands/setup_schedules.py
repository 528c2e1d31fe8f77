from django.core.management.base import BaseCommand
from django_q.models import Schedule

# name -> (function, schedule type, minutes). Idempotent: re-running updates in place.
SCHEDULES = {
    "promote-due-policy-versions": ("policies.tasks.promote_due_versions", Schedule.MINUTES, 1),
    "promote-due-partner-versions": ("partners.tasks.promote_due_partners", Schedule.MINUTES, 1),
    "purge-idempotency-keys": ("core.tasks.purge_idempotency_keys", Schedule.HOURLY, None),
    "settle-transfers": ("settlements.tasks.advance_and_gather", Schedule.HOURLY, None),
}


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules this project relies on."

    def handle(self, *args, **options):
        for name, (func, kind, minutes) in SCHEDULES.items():
            Schedule.objects.update_or_create(
                name=name,
                defaults={"func": func, "schedule_type": kind, "minutes": minutes, "repeats": -1},
            )
        self.stdout.write(f"{len(SCHEDULES)} schedules in place")
