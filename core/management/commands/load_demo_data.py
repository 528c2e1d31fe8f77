import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

# Each app that has demo data exposes `<app>.demo.load() -> int` (rows created, 0 if present).
DEMO_APPS = ("policies", "partners", "settlements", "payouts", "invoices")


class Command(BaseCommand):
    help = "Load the demo dataset once (a no-op when it is already there)."

    @transaction.atomic
    def handle(self, *args, **options):
        created = 0
        for app in DEMO_APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError:
                continue
            created += module.load()
        self.stdout.write(f"demo data: {created} rows created" if created else "demo data: present")
